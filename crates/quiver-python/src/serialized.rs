//! The legacy serialization entry points behind `quiver.serialize`,
//! `quiver.deserialize` and `quiver.deserialize_components`, and `SerializedObject`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use quiver_legacy::{Components, SerializationContext, SparseTensorCounts, Value};

use crate::buffer::{Buffer, input_buffer};
use crate::decode::Decoder;
use crate::encode::Encoder;
use crate::errors::{Class, error, guard, legacy};

/// A Python value in the legacy format, ready to be written out
/// (`pyarrow.SerializedPyObject`): as one blob with [`to_buffer`](Self::to_buffer) or
/// as separate buffers with [`to_components`](Self::to_components).
#[pyclass(frozen, module = "quiver", name = "SerializedObject")]
#[derive(Debug)]
pub struct SerializedObject {
    inner: quiver_legacy::SerializedObject,
}

#[pymethods]
impl SerializedObject {
    /// The size of the blob `to_buffer()` returns, in bytes.
    #[getter]
    fn total_bytes(&self) -> usize {
        self.inner.total_bytes()
    }

    /// The whole blob, as `pyarrow.serialize(value).to_buffer()` writes it.
    fn to_buffer(&self) -> Buffer {
        Buffer::new(self.inner.to_buffer())
    }

    /// The blob as separate buffers, in pyarrow's dict layout: `num_tensors`,
    /// `num_sparse_tensors` (a dict of counts; `ndim_csf` repeats it, as pyarrow
    /// does), `num_ndarrays`, `num_buffers`, and `data`, a list of `quiver.Buffer`.
    fn to_components<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.inner.to_components();
        let sparse = PyDict::new(py);
        let s = c.num_sparse_tensors;
        for (key, n) in [
            ("coo", s.coo),
            ("csr", s.csr),
            ("csc", s.csc),
            ("csf", s.csf),
            ("ndim_csf", s.ndim_csf),
        ] {
            sparse.set_item(key, n)?;
        }
        let data = PyList::empty(py);
        for b in c.data {
            data.append(Bound::new(py, Buffer::new(b))?)?;
        }
        let dict = PyDict::new(py);
        dict.set_item("num_tensors", c.num_tensors)?;
        dict.set_item("num_sparse_tensors", &sparse)?;
        dict.set_item("ndim_csf", sparse.copy()?)?;
        dict.set_item("num_ndarrays", c.num_ndarrays)?;
        dict.set_item("num_buffers", c.num_buffers)?;
        dict.set_item("data", data)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        format!(
            "<quiver.SerializedObject total_bytes={}>",
            self.inner.total_bytes()
        )
    }
}

/// `value` in the legacy format; `context` is a `quiver.SerializationContext`.
#[pyfunction]
pub(crate) fn serialize(
    value: &Bound<'_, PyAny>,
    context: &Bound<'_, PyAny>,
) -> PyResult<SerializedObject> {
    let py = value.py();
    let v = Encoder::new(context.clone())?.value(value, 0)?;
    let inner = guard(py, "serializing", || {
        SerializationContext::default()
            .serialize_value(&v)
            .map_err(|e| legacy(py, e))
    })?;
    Ok(SerializedObject { inner })
}

/// The value of a blob (any object with the buffer protocol).
#[pyfunction]
pub(crate) fn deserialize<'py>(
    buf: &Bound<'py, PyAny>,
    context: &Bound<'py, PyAny>,
    allow_pickle: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = buf.py();
    let input = input_buffer(buf)?;
    let v = guard(py, "deserializing", || {
        SerializationContext::default()
            .deserialize_value(&input)
            .map_err(|e| legacy(py, e))
    })?;
    decode(context, allow_pickle, &v)
}

/// The value of a blob given as components (pyarrow's dict layout).
#[pyfunction]
pub(crate) fn deserialize_components<'py>(
    components: &Bound<'py, PyAny>,
    context: &Bound<'py, PyAny>,
    allow_pickle: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = components.py();
    let c = read_components(components)?;
    let v = guard(py, "deserializing components", || {
        SerializationContext::default()
            .deserialize_components(&c)
            .map_err(|e| legacy(py, e))
    })?;
    decode(context, allow_pickle, &v)
}

/// A components dict as [`Components`]; ArrowInvalid naming the key that is missing or
/// of the wrong type.
fn read_components(obj: &Bound<'_, PyAny>) -> PyResult<Components> {
    let py = obj.py();
    let invalid = |key: &str, what: &str| {
        error(
            py,
            Class::Invalid,
            format!(
                "components[{key:?}] {what}: expected the dict that to_components() returns \
                 (num_tensors, num_sparse_tensors, num_ndarrays, num_buffers: counts; data: \
                 a list of buffers)"
            ),
        )
    };
    let item = |key: &str| obj.get_item(key).map_err(|_| invalid(key, "is missing"));
    let count = |key: &str| -> PyResult<usize> {
        item(key)?
            .extract()
            .map_err(|_| invalid(key, "is not a count (a non-negative int)"))
    };
    let mut sparse = SparseTensorCounts::default();
    let counts = item("num_sparse_tensors")?;
    for (key, slot) in [
        ("coo", &mut sparse.coo),
        ("csr", &mut sparse.csr),
        ("csc", &mut sparse.csc),
        ("csf", &mut sparse.csf),
        ("ndim_csf", &mut sparse.ndim_csf),
    ] {
        *slot = counts
            .get_item(key)
            .and_then(|n| n.extract())
            .map_err(|_| invalid("num_sparse_tensors", &format!("has no count {key:?}")))?;
    }
    let mut data = Vec::new();
    for b in item("data")?
        .try_iter()
        .map_err(|_| invalid("data", "is not a list"))?
    {
        data.push(input_buffer(&b?)?);
    }
    Ok(Components {
        num_tensors: count("num_tensors")?,
        num_sparse_tensors: sparse,
        num_ndarrays: count("num_ndarrays")?,
        num_buffers: count("num_buffers")?,
        data,
    })
}

/// A decoded value as Python objects, custom types resolved through `context`.
fn decode<'py>(
    context: &Bound<'py, PyAny>,
    allow_pickle: bool,
    v: &Value,
) -> PyResult<Bound<'py, PyAny>> {
    Decoder {
        py: context.py(),
        context: context.clone(),
        allow_pickle,
    }
    .value(v)
}
