//! `quiver._quiver`: the native half of the Python package `quiver` (pyo3, abi3 for
//! CPython 3.11 and newer).
//!
//! The Python package (`python/quiver/`) holds the public names and the
//! serialization context; this extension holds the work: legacy blobs to and from
//! Python values (modules `decode` and `encode`), the zero-copy `quiver.Buffer` type,
//! the memory figures, the Arrow PyCapsule interface (`capsule`), Quiver's schema,
//! batch, table and array objects (`objects`), `quiver.Tensor` (`tensor`), sources and
//! sinks (`io`) and the IPC readers and writers of `quiver.ipc` (`ipc`). Errors become
//! the exception classes of `quiver.exceptions` (module `errors`); no panic crosses
//! into Python (`errors::guard`).
//!
//! Built with maturin (`pip install ./crates/quiver-python`); see the crate's
//! README.md. It has no Rust tests: `tests/` holds the pytest suite.

mod arrow;
mod buffer;
mod capsule;
mod decode;
mod encode;
mod errors;
mod io;
mod ipc;
mod objects;
mod serialized;
mod tensor;

use pyo3::prelude::*;

/// The bytes currently allocated by Quiver's default memory pool (what the Rust
/// `quiver::total_allocated_bytes` reports); memory owned by Python objects or memory
/// maps is not counted.
#[pyfunction]
fn total_allocated_bytes() -> usize {
    quiver_buffer::total_allocated_bytes()
}

/// The module `quiver._quiver`.
#[pymodule]
fn _quiver(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<buffer::Buffer>()?;
    m.add_class::<serialized::SerializedObject>()?;
    m.add_function(wrap_pyfunction!(total_allocated_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(serialized::serialize, m)?)?;
    m.add_function(wrap_pyfunction!(serialized::deserialize, m)?)?;
    m.add_function(wrap_pyfunction!(serialized::deserialize_components, m)?)?;
    m.add_class::<objects::Schema>()?;
    m.add_class::<objects::RecordBatch>()?;
    m.add_class::<objects::Table>()?;
    m.add_class::<objects::Array>()?;
    m.add_class::<tensor::Tensor>()?;
    m.add_function(wrap_pyfunction!(objects::schema, m)?)?;
    m.add_function(wrap_pyfunction!(objects::record_batch, m)?)?;
    m.add_function(wrap_pyfunction!(objects::table, m)?)?;
    m.add_function(wrap_pyfunction!(objects::array, m)?)?;
    m.add_class::<io::MemoryMapped>()?;
    m.add_class::<io::BufferOutputStream>()?;
    m.add_function(wrap_pyfunction!(io::memory_map, m)?)?;
    m.add_function(wrap_pyfunction!(io::py_buffer, m)?)?;
    m.add_class::<ipc::RecordBatchFileReader>()?;
    m.add_class::<ipc::RecordBatchStreamReader>()?;
    m.add_class::<ipc::RecordBatchWriter>()?;
    m.add_function(wrap_pyfunction!(ipc::open_file, m)?)?;
    m.add_function(wrap_pyfunction!(ipc::open_stream, m)?)?;
    m.add_function(wrap_pyfunction!(ipc::new_file, m)?)?;
    m.add_function(wrap_pyfunction!(ipc::new_stream, m)?)?;
    Ok(())
}
