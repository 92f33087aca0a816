//! Arrow arrays, record batches and tensors between Quiver and Python.
//!
//! Arrays and record batches cross through the Arrow C data interface (`quiver-ffi`),
//! zero-copy both ways: a decoded value becomes a `quiver.Array` / `quiver.RecordBatch`,
//! handed to `pyarrow.array` / `pyarrow.record_batch` through the PyCapsule interface
//! when pyarrow is installed, and returned as the quiver object otherwise; a pyarrow
//! array or batch is imported through its `__arrow_c_array__`. A tensor becomes a
//! `quiver.Tensor`, or a `pyarrow.Tensor` over the same memory when pyarrow is
//! installed.

use pyo3::prelude::*;
use quiver_ipc::Tensor;
use quiver_legacy::Value;

use crate::capsule::{import_array, import_batch};
use crate::errors::{Class, error};
use crate::objects::{Array, RecordBatch};

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

/// A decoded tensor as a `pyarrow.Tensor` over the input memory (no copy), or as a
/// `quiver.Tensor` when pyarrow cannot be imported.
pub(crate) fn tensor_to_python<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyAny>> {
    let tensor = Bound::new(py, crate::tensor::Tensor { inner: t.clone() })?;
    match py.import("pyarrow") {
        Ok(pa) => pa
            .getattr("Tensor")?
            .call_method1("from_numpy", (tensor.get().to_numpy(py)?,)),
        Err(_) => Ok(tensor.into_any()),
    }
}
