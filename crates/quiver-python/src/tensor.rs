//! `quiver.Tensor`: a dense n-dimensional array of numbers (`pyarrow.Tensor`'s
//! counterpart), as legacy deserialization returns it when pyarrow is not installed.

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use quiver_legacy::DType;

use crate::capsule::type_name;
use crate::decode::ndarray;
use crate::errors::{Class, error};

/// A dense tensor over memory Quiver owns or borrows (a decoded tensor is a zero-copy
/// view of the input blob). `to_numpy()` views it as a read-only numpy array.
#[pyclass(frozen, module = "quiver", name = "Tensor")]
#[derive(Debug)]
pub struct Tensor {
    pub(crate) inner: quiver_ipc::Tensor,
}

#[pymethods]
impl Tensor {
    /// The element type, as text, named as pyarrow names it (e.g. `"double"`,
    /// `"float"`, `"int64"`, `"halffloat"`).
    #[getter]
    fn r#type(&self) -> String {
        self.inner.data_type().to_string()
    }

    /// The size of each dimension.
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.shape())
    }

    /// The byte strides of each dimension.
    #[getter]
    fn strides<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.strides())
    }

    /// The dimension names: an empty list when no dimension is named (as pyarrow),
    /// else one name per dimension, `""` for an unnamed one.
    #[getter]
    fn dim_names(&self) -> Vec<String> {
        let names = self.inner.names();
        if names.iter().all(Option::is_none) {
            return Vec::new();
        }
        names
            .iter()
            .map(|n| n.clone().unwrap_or_default())
            .collect()
    }

    /// The number of elements (1 for a 0-d tensor).
    #[getter]
    fn size(&self) -> i64 {
        self.inner.size()
    }

    /// The number of dimensions.
    #[getter]
    fn ndim(&self) -> usize {
        self.inner.ndim()
    }

    /// Whether the elements lie one after the other in row-major (C) or column-major
    /// (Fortran) order.
    #[getter]
    fn is_contiguous(&self) -> bool {
        self.inner.is_contiguous()
    }

    /// Always False: Quiver tensors are immutable (`pyarrow.Tensor.is_mutable`).
    #[getter]
    fn is_mutable(&self) -> bool {
        false
    }

    /// The tensor as a read-only numpy array over the same memory (no copy); the
    /// array's `base` keeps that memory alive.
    pub(crate) fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let t = &self.inner;
        let dtype = DType::from_tensor_type(t.data_type()).ok_or_else(|| {
            error(
                py,
                Class::NotImplemented,
                format!("a tensor of {} elements has no numpy dtype", t.data_type()),
            )
        })?;
        ndarray(py, dtype.numpy_str(), t.shape(), t.strides(), t.data())
    }

    /// Whether `other`, a `quiver.Tensor`, has the same type, shape, dimension names
    /// and elements (strides do not matter; elements compare bitwise). Anything else is
    /// an `ArrowTypeError`.
    fn equals(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let o = other.cast::<Tensor>().map_err(|_| {
            error(
                other.py(),
                Class::TypeError,
                format!(
                    "quiver.Tensor.equals compares with another quiver.Tensor, got a {}",
                    type_name(other)
                ),
            )
        })?;
        Ok(self.inner.equals(&o.get().inner))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Tensor>()
            .is_ok_and(|o| self.inner.equals(&o.get().inner))
    }

    fn __repr__(&self) -> String {
        let tuple = |v: &[i64]| match v {
            [one] => format!("({one},)"),
            _ => format!(
                "({})",
                v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ),
        };
        format!(
            "<quiver.Tensor>\ntype: {}\nshape: {}\nstrides: {}",
            self.inner.data_type(),
            tuple(self.inner.shape()),
            tuple(self.inner.strides())
        )
    }
}
