//! Arrow arrays, record batches and tensors between Quiver and Python.
//!
//! Arrays and record batches cross through the Arrow C data interface (`quiver-ffi`),
//! zero-copy both ways: a decoded value becomes a `quiver.Array` / `quiver.RecordBatch`,
//! handed to `pyarrow.array` / `pyarrow.record_batch` through the PyCapsule interface
//! when pyarrow is installed, and returned as the quiver object otherwise; a pyarrow
//! array or batch is imported through its `__arrow_c_array__`.

use pyo3::prelude::*;
use quiver_ipc::Tensor;
use quiver_legacy::{DType, Value};

use crate::capsule::{import_array, import_batch};
use crate::decode::ndarray;
use crate::errors::{Class, error};
use crate::objects::{Array, RecordBatch};

/// pyarrow, needed to return `what`; ArrowNotImplementedError when it is missing.
fn pyarrow<'py>(py: Python<'py>, what: &str) -> PyResult<Bound<'py, PyModule>> {
    py.import("pyarrow").map_err(|e| {
        error(
            py,
            Class::NotImplemented,
            format!(
                "this blob holds {what}, which quiver returns as a pyarrow object, but \
                 pyarrow cannot be imported ({e}); install it with `pip install pyarrow`"
            ),
        )
    })
}

/// A decoded [`Value::Array`] or [`Value::RecordBatch`] as a `pyarrow.Array` or
/// `pyarrow.RecordBatch` (zero-copy, through the C data interface), or as a
/// `quiver.Array` / `quiver.RecordBatch` when pyarrow cannot be imported.
pub(crate) fn arrow_to_python<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    let (object, constructor) = match v {
        Value::Array(a) => (
            Bound::new(py, Array { inner: a.clone() })?.into_any(),
            "array",
        ),
        Value::RecordBatch(b) => (
            Bound::new(py, RecordBatch { inner: b.clone() })?.into_any(),
            "record_batch",
        ),
        other => {
            return Err(error(
                py,
                Class::Exception,
                format!(
                    "internal: arrow_to_python called with a {}",
                    other.type_name()
                ),
            ));
        }
    };
    match py.import("pyarrow") {
        Ok(pa) => pa.call_method1(constructor, (object,)),
        Err(_) => Ok(object),
    }
}

/// A `pyarrow.Array` (`is_array`) or `pyarrow.RecordBatch` as a [`Value`], imported
/// zero-copy through its `__arrow_c_array__` and fully validated.
pub(crate) fn python_to_arrow(obj: &Bound<'_, PyAny>, is_array: bool) -> PyResult<Value> {
    if is_array {
        Ok(Value::Array(import_array(obj)?))
    } else {
        Ok(Value::RecordBatch(import_batch(obj)?))
    }
}

/// A decoded tensor as a `pyarrow.Tensor` over the input memory (no copy).
pub(crate) fn tensor_to_python<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyAny>> {
    let dtype = DType::from_tensor_type(t.data_type()).ok_or_else(|| {
        error(
            py,
            Class::NotImplemented,
            format!(
                "a tensor of {:?} elements has no numpy dtype",
                t.data_type()
            ),
        )
    })?;
    let pa = pyarrow(py, "a pyarrow.Tensor")?;
    let array = ndarray(py, dtype.numpy_str(), t.shape(), t.strides(), t.data())?;
    pa.getattr("Tensor")?.call_method1("from_numpy", (array,))
}
