//! Decoded legacy values ([`Value`]) as the Python objects pyarrow 10's `deserialize`
//! returns.
//!
//! Custom types go back to the Python serialization context, which knows the
//! registered classes: `context._decode_custom(type_id, payload)`,
//! `context._decode_object(type_id, attributes)` and
//! `context._decode_pickled(type_id, data, allow_pickle)`.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyList, PySet, PyString, PyTuple, PyType};
use quiver_legacy::Value;

use crate::arrow;
use crate::buffer::Buffer;
use crate::errors::{Class, error};

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Turns values into Python objects for one `deserialize` call.
pub(crate) struct Decoder<'py> {
    pub(crate) py: Python<'py>,
    /// The `quiver.SerializationContext` of the call.
    pub(crate) context: Bound<'py, PyAny>,
    /// Whether any pickled payload may be unpickled.
    pub(crate) allow_pickle: bool,
}

impl<'py> Decoder<'py> {
    /// `v` as a Python object.
    pub(crate) fn value(&self, v: &Value) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match v {
            Value::None => py.None().into_bound(py),
            Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Value::Int(i) => i.into_pyobject(py)?.into_any(),
            Value::BigInt(b) => py.get_type::<pyo3::types::PyInt>().call1((b.as_str(),))?,
            Value::Float(f) => PyFloat::new(py, *f).into_any(),
            // pyarrow 10 returns float32 scalars as Python floats (exact: every f32 is
            // an f64).
            Value::Float32(f) => PyFloat::new(py, f64::from(*f)).into_any(),
            Value::Float16(h) => {
                let bytes = PyBytes::new(py, &h.to_bits().to_le_bytes());
                let numpy = py.import("numpy")?;
                numpy
                    .call_method1("frombuffer", (bytes, "<f2"))?
                    .get_item(0)?
            }
            Value::Str(s) => PyString::new(py, s).into_any(),
            Value::Bytes(b) => PyBytes::new(py, b).into_any(),
            Value::Datetime(micros) => self.datetime(*micros)?,
            Value::List(items) => PyList::new(py, self.values(items)?)?.into_any(),
            Value::Tuple(items) => PyTuple::new(py, self.values(items)?)?.into_any(),
            Value::Set(items) => PySet::new(py, self.values(items)?)?.into_any(),
            Value::Dict(pairs) => self.dict(pairs)?.into_any(),
            Value::NdArray(a) => {
                ndarray(py, a.dtype().numpy_str(), a.shape(), a.strides(), a.data())?
            }
            Value::Buffer(b) => Bound::new(py, Buffer::new(b.clone()))?.into_any(),
            Value::Tensor(t) => arrow::tensor_to_python(py, t)?,
            Value::Array(_) | Value::RecordBatch(_) => arrow::arrow_to_python(py, v)?,
            Value::Custom { type_id, payload } => self
                .context
                .call_method1("_decode_custom", (type_id, self.value(payload)?))?,
            Value::Object {
                type_id,
                attributes,
            } => self
                .context
                .call_method1("_decode_object", (type_id, self.dict(attributes)?))?,
            Value::Pickled { type_id, bytes } => self.context.call_method1(
                "_decode_pickled",
                (type_id, PyBytes::new(py, bytes), self.allow_pickle),
            )?,
            other => {
                return Err(error(
                    py,
                    Class::NotImplemented,
                    format!(
                        "quiver cannot turn a decoded {} into a Python object yet",
                        other.type_name()
                    ),
                ));
            }
        })
    }

    fn values(&self, items: &[Value]) -> PyResult<Vec<Bound<'py, PyAny>>> {
        items.iter().map(|v| self.value(v)).collect()
    }

    fn dict(&self, pairs: &[(Value, Value)]) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(self.py);
        for (k, v) in pairs {
            dict.set_item(self.value(k)?, self.value(v)?)?;
        }
        Ok(dict)
    }

    /// A naive `datetime.datetime`, `micros` microseconds after 1970-01-01 00:00.
    fn datetime(&self, micros: i64) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let epoch = DATETIME
            .import(py, "datetime", "datetime")?
            .call1((1970, 1, 1))?;
        let overflow = |e: PyErr| {
            error(
                py,
                Class::Invalid,
                format!(
                    "legacy blob holds a datetime {micros} microseconds from 1970-01-01, \
                     outside what datetime.datetime can represent ({e})"
                ),
            )
        };
        let delta = TIMEDELTA
            .import(py, "datetime", "timedelta")?
            .call1((0, 0, micros))
            .map_err(overflow)?;
        epoch.add(delta).map_err(overflow)
    }
}

/// A read-only numpy array over `data` (no copy): `data` becomes a `quiver.Buffer`,
/// which the array keeps alive.
pub(crate) fn ndarray<'py>(
    py: Python<'py>,
    dtype: &str,
    shape: &[i64],
    strides: &[i64],
    data: &quiver_buffer::Buffer,
) -> PyResult<Bound<'py, PyAny>> {
    let numpy = py.import("numpy")?;
    let buffer = Bound::new(py, Buffer::new(data.clone()))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("shape", PyTuple::new(py, shape)?)?;
    kwargs.set_item("dtype", dtype)?;
    kwargs.set_item("buffer", buffer)?;
    kwargs.set_item("strides", PyTuple::new(py, strides)?)?;
    numpy.getattr("ndarray")?.call((), Some(&kwargs))
}
