//! Python objects as legacy values ([`Value`]), the way pyarrow 10's `serialize` sees
//! them.
//!
//! Built-in types are matched exactly (a dict subclass such as `OrderedDict` is not a
//! dict here); numpy and pyarrow objects are recognised only when those modules are
//! already imported (an object of theirs cannot exist otherwise). Everything else goes
//! to the Python serialization context, `context._encode(obj)`, which answers with
//! `("custom", type_id, payload)`, `("object", type_id, attributes)` or
//! `("pickled", type_id, data)`, or raises.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PySet, PyString, PyTuple, PyType,
};
use quiver_buffer::f16;
use quiver_legacy::{BigInt, DType, NdArray, Value};

use crate::arrow::python_to_arrow;
use crate::buffer::{Buffer, input_buffer};
use crate::errors::{Class, error, legacy};

/// How deep values may nest, as in pyarrow (whose limit is also 100).
pub(crate) const MAX_DEPTH: usize = 100;

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Turns Python objects into values for one `serialize` call.
pub(crate) struct Encoder<'py> {
    py: Python<'py>,
    context: Bound<'py, PyAny>,
    numpy: Option<Bound<'py, PyAny>>,
    pyarrow: Option<Bound<'py, PyModule>>,
}

impl<'py> Encoder<'py> {
    pub(crate) fn new(context: Bound<'py, PyAny>) -> PyResult<Self> {
        let py = context.py();
        let modules = py.import("sys")?.getattr("modules")?;
        let loaded = |name: &str| modules.get_item(name).ok().filter(|m| !m.is_none());
        Ok(Self {
            py,
            numpy: loaded("numpy"),
            pyarrow: loaded("pyarrow").and_then(|m| m.cast_into::<PyModule>().ok()),
            context,
        })
    }

    /// `obj` as a value; `depth` is how many containers enclose it.
    pub(crate) fn value(&self, obj: &Bound<'py, PyAny>, depth: usize) -> PyResult<Value> {
        if depth > MAX_DEPTH {
            return Err(error(
                self.py,
                Class::Serialization,
                format!(
                    "the object nests deeper than {MAX_DEPTH} levels (or contains itself): \
                     the legacy format cannot hold it"
                ),
            ));
        }
        if obj.is_none() {
            return Ok(Value::None);
        }
        if obj.is_exact_instance_of::<PyBool>() {
            return Ok(Value::Bool(obj.is_truthy()?));
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return int(obj);
        }
        if obj.is_exact_instance_of::<PyFloat>() {
            return Ok(Value::Float(obj.extract()?));
        }
        if obj.is_exact_instance_of::<PyString>() {
            return Ok(Value::Str(obj.extract()?));
        }
        if let Ok(b) = obj.cast_exact::<PyBytes>() {
            return Ok(Value::Bytes(b.as_bytes().to_vec()));
        }
        if obj.is_exact_instance_of::<PyList>() {
            return Ok(Value::List(self.items(obj, depth)?));
        }
        if obj.is_exact_instance_of::<PyTuple>() {
            return Ok(Value::Tuple(self.items(obj, depth)?));
        }
        if obj.is_exact_instance_of::<PySet>() {
            return Ok(Value::Set(self.items(obj, depth)?));
        }
        if let Ok(d) = obj.cast_exact::<PyDict>() {
            return Ok(Value::Dict(self.pairs(d, depth)?));
        }
        if obj
            .get_type()
            .is(DATETIME.import(self.py, "datetime", "datetime")?)
        {
            return datetime(obj);
        }
        if let Ok(b) = obj.cast::<Buffer>() {
            return Ok(Value::Buffer(b.get().inner.clone()));
        }
        if let Ok(a) = obj.cast::<crate::objects::Array>() {
            return Ok(Value::Array(a.get().inner.clone()));
        }
        if let Ok(b) = obj.cast::<crate::objects::RecordBatch>() {
            return Ok(Value::RecordBatch(b.get().inner.clone()));
        }
        if let Ok(t) = obj.cast::<crate::tensor::Tensor>() {
            return Ok(Value::Tensor(t.get().inner.clone()));
        }
        if let Some(np) = &self.numpy
            && let Some(v) = numpy_value(np, obj)?
        {
            return Ok(v);
        }
        if let Some(pa) = &self.pyarrow
            && let Some(v) = pyarrow_value(pa, obj)?
        {
            return Ok(v);
        }
        self.custom(obj, depth)
    }

    fn items(&self, obj: &Bound<'py, PyAny>, depth: usize) -> PyResult<Vec<Value>> {
        obj.try_iter()?
            .map(|item| self.value(&item?, depth + 1))
            .collect()
    }

    fn pairs(&self, d: &Bound<'py, PyDict>, depth: usize) -> PyResult<Vec<(Value, Value)>> {
        d.iter()
            .map(|(k, v)| Ok((self.value(&k, depth + 1)?, self.value(&v, depth + 1)?)))
            .collect()
    }

    /// A registered (or refused) type, through `context._encode`.
    fn custom(&self, obj: &Bound<'py, PyAny>, depth: usize) -> PyResult<Value> {
        let answer = self.context.call_method1("_encode", (obj,))?;
        let (kind, type_id, payload): (String, String, Bound<'py, PyAny>) = answer.extract()?;
        match kind.as_str() {
            "custom" => Ok(Value::Custom {
                type_id,
                payload: Box::new(self.value(&payload, depth + 1)?),
            }),
            "object" => Ok(Value::Object {
                type_id,
                attributes: self.pairs(payload.cast::<PyDict>()?, depth)?,
            }),
            "pickled" => Ok(Value::Pickled {
                type_id,
                bytes: payload.cast::<PyBytes>()?.as_bytes().to_vec(),
            }),
            other => Err(error(
                self.py,
                Class::Exception,
                format!("internal: SerializationContext._encode answered {other:?}"),
            )),
        }
    }
}

/// A Python int: [`Value::Int`] within int64, else [`Value::BigInt`].
fn int(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::Int(i));
    }
    let digits = obj.str()?.to_string();
    BigInt::parse(&digits).map(Value::BigInt).ok_or_else(|| {
        error(
            obj.py(),
            Class::Serialization,
            format!("the int {digits} has no canonical decimal form"),
        )
    })
}

/// A naive datetime's wall-clock fields as microseconds since 1970-01-01 00:00 (a
/// `tzinfo` is ignored, as pyarrow 10 does).
fn datetime(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    let class = DATETIME.import(py, "datetime", "datetime")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("tzinfo", py.None())?;
    let naive = obj.call_method("replace", (), Some(&kwargs))?;
    let epoch = class.call1((1970, 1, 1))?;
    let one = py
        .import("datetime")?
        .getattr("timedelta")?
        .call1((0, 0, 1))?;
    let micros = naive.sub(epoch)?.floor_div(one)?;
    Ok(Value::Datetime(micros.extract()?))
}

/// numpy arrays and scalars; `None` for anything else.
fn numpy_value(np: &Bound<'_, PyAny>, obj: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    let is = |name: &str| -> PyResult<bool> { obj.is_instance(&np.getattr(name)?) };
    if obj.get_type().is(&np.getattr("ndarray")?) {
        return ndarray(np, obj).map(|a| Some(Value::NdArray(a)));
    }
    if is("bool_")? {
        return Ok(Some(Value::Bool(obj.is_truthy()?)));
    }
    if is("integer")? {
        return int(&obj.call_method0("__index__")?).map(Some);
    }
    if is("float16")? {
        let bits: u16 = obj
            .call_method1("view", (np.getattr("uint16")?,))?
            .extract()?;
        return Ok(Some(Value::Float16(f16::from_bits(bits))));
    }
    if is("float32")? {
        let wide: f64 = obj.extract()?;
        // Exact: the value came from an f32.
        #[allow(clippy::cast_possible_truncation)]
        return Ok(Some(Value::Float32(wide as f32)));
    }
    if is("float64")? {
        return Ok(Some(Value::Float(obj.extract()?)));
    }
    Ok(None)
}

/// A numpy array as an [`NdArray`] over its memory: no copy for C- or
/// Fortran-contiguous arrays; other layouts are copied to C order first, as pyarrow
/// does.
pub(crate) fn ndarray(np: &Bound<'_, PyAny>, obj: &Bound<'_, PyAny>) -> PyResult<NdArray> {
    let py = obj.py();
    let dtype_str: String = obj.getattr("dtype")?.getattr("str")?.extract()?;
    let Some(dtype) = DType::from_numpy_str(&dtype_str) else {
        return Err(error(
            py,
            Class::Serialization,
            format!(
                "cannot serialize a numpy array of dtype {dtype_str:?}: the legacy format in \
                 quiver carries bool, int8-64, uint8-64 and float16/32/64 in little-endian \
                 order; convert it with .astype() first"
            ),
        ));
    };
    let flags = obj.getattr("flags")?;
    let c_order: bool = flags.getattr("c_contiguous")?.extract()?;
    let f_order: bool = flags.getattr("f_contiguous")?.extract()?;
    let array = if c_order || f_order {
        obj.clone()
    } else {
        np.call_method1("ascontiguousarray", (obj,))?
    };
    let shape: Vec<i64> = array.getattr("shape")?.extract()?;
    let strides: Vec<i64> = array.getattr("strides")?.extract()?;
    // A Fortran-ordered array's transpose is C-ordered over the same memory, which is
    // what a simple buffer request needs.
    let memory = if c_order || !f_order {
        array
    } else {
        array.getattr("T")?
    };
    let data = input_buffer(&memory)?;
    NdArray::try_new(dtype, data, shape, strides).map_err(|e| legacy(py, e))
}

/// pyarrow buffers, tensors, arrays and record batches; `None` for anything else.
fn pyarrow_value(pa: &Bound<'_, PyModule>, obj: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    let is = |name: &str| -> PyResult<bool> { obj.is_instance(&pa.getattr(name)?) };
    if is("Buffer")? {
        return input_buffer(obj).map(|b| Some(Value::Buffer(b)));
    }
    if is("Tensor")? {
        let np = obj.py().import("numpy")?;
        let array = ndarray(np.as_any(), &obj.call_method0("to_numpy")?)?;
        let tensor = array.to_tensor().map_err(|e| legacy(obj.py(), e))?;
        return Ok(Some(Value::Tensor(tensor)));
    }
    if is("Array")? {
        return python_to_arrow(obj, true).map(Some);
    }
    if is("RecordBatch")? {
        return python_to_arrow(obj, false).map(Some);
    }
    Ok(None)
}
