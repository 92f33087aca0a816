//! [`Components`]: the blob as separate buffers, like pyarrow's `to_components()`.

use quiver_buffer::Buffer;

/// Counts of sparse tensors by kind (`num_sparse_tensors` in pyarrow's dict). This
/// implementation writes none and refuses blobs that hold any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SparseTensorCounts {
    /// COO tensors.
    pub coo: usize,
    /// CSR matrices.
    pub csr: usize,
    /// CSC matrices.
    pub csc: usize,
    /// CSF tensors.
    pub csf: usize,
    /// Total dimensions of the CSF tensors.
    pub ndim_csf: usize,
}

impl SparseTensorCounts {
    /// Number of sparse tensors of every kind together.
    pub fn total(&self) -> usize {
        self.coo
            .saturating_add(self.csr)
            .saturating_add(self.csc)
            .saturating_add(self.csf)
    }
}

/// A serialized object as separate buffers (pyarrow's `to_components()` dict).
///
/// `data` holds, in order: the IPC stream of the record batch (schema, batch,
/// end-of-stream marker); for each tensor then each ndarray, its `Message` flatbuffer
/// and its body; then each `pyarrow.Buffer`. So
/// `data.len() == 1 + 2 * (num_tensors + num_ndarrays) + num_buffers`.
///
/// ```
/// use quiver_legacy::{Value, deserialize_components, serialize};
///
/// let v = Value::ndarray(&[1.0f64, 2.0], &[2]).unwrap();
/// let c = serialize(&v).unwrap().to_components();
/// assert_eq!((c.num_ndarrays, c.data.len()), (1, 3));
/// assert_eq!(deserialize_components(&c).unwrap(), v);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Components {
    /// Number of `pyarrow.Tensor` objects.
    pub num_tensors: usize,
    /// Number of sparse tensors, by kind.
    pub num_sparse_tensors: SparseTensorCounts,
    /// Number of numpy arrays written natively.
    pub num_ndarrays: usize,
    /// Number of `pyarrow.Buffer` objects.
    pub num_buffers: usize,
    /// The buffers, in the order described above.
    pub data: Vec<Buffer>,
}
