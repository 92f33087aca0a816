//! `quiver.Buffer`, read-only memory with the buffer protocol, and the zero-copy
//! conversion of any buffer-protocol object into a Quiver [`quiver_buffer::Buffer`].

use std::ffi::{c_int, c_void};

use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::{Class, error};

/// A read-only, contiguous block of memory owned by Quiver (`pyarrow.Buffer`'s
/// counterpart). It supports the buffer protocol, so `bytes(buf)`, `memoryview(buf)`,
/// `numpy.frombuffer(buf)` and `pyarrow.py_buffer(buf)` all read it without a copy.
#[pyclass(frozen, module = "quiver", name = "Buffer")]
#[derive(Debug)]
pub struct Buffer {
    pub(crate) inner: quiver_buffer::Buffer,
}

impl Buffer {
    pub(crate) fn new(inner: quiver_buffer::Buffer) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl Buffer {
    /// Exposes the bytes read-only (a request for a writable buffer raises BufferError).
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let bytes = slf.get().inner.as_slice();
        let len = ffi::Py_ssize_t::try_from(bytes.len())
            .map_err(|_| PyBufferError::new_err("buffer larger than Py_ssize_t"))?;
        // SAFETY: `view` is the Py_buffer the interpreter passed to this slot. The memory
        // stays valid and unchanged while the view exists: FillInfo stores a new
        // reference to `slf` in `view.obj`, `slf` owns `inner`, and a Quiver Buffer is
        // immutable. `readonly = 1` makes FillInfo refuse PyBUF_WRITABLE requests.
        let rc = unsafe {
            ffi::PyBuffer_FillInfo(
                view,
                slf.as_ptr(),
                bytes.as_ptr().cast::<c_void>().cast_mut(),
                len,
                1,
                flags,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(PyErr::fetch(slf.py()))
        }
    }

    /// The number of bytes.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The number of bytes (`pyarrow.Buffer.size`).
    #[getter]
    fn size(&self) -> usize {
        self.inner.len()
    }

    /// The address of the first byte, as an int (`pyarrow.Buffer.address`).
    #[getter]
    fn address(&self) -> usize {
        self.inner.as_ptr() as usize
    }

    /// Always False: Quiver buffers are immutable (`pyarrow.Buffer.is_mutable`).
    #[getter]
    fn is_mutable(&self) -> bool {
        false
    }

    /// A copy of the bytes as `bytes` (`pyarrow.Buffer.to_pybytes`).
    fn to_pybytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.as_slice())
    }

    /// Whether `other` (any object with the buffer protocol) holds the same bytes.
    fn equals(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(input_buffer(other)?.as_slice() == self.inner.as_slice())
    }

    /// `==` compares bytes with any object that has the buffer protocol.
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        input_buffer(other).is_ok_and(|b| b.as_slice() == self.inner.as_slice())
    }

    fn __repr__(&self) -> String {
        format!(
            "<quiver.Buffer address=0x{:x} size={}>",
            self.inner.as_ptr() as usize,
            self.inner.len()
        )
    }
}

/// A read-only view of a Python object's memory, the owner of the Quiver buffers
/// made from it: the object's buffer stays exported (so a bytearray cannot be resized)
/// until the last slice is dropped.
struct View {
    /// Boxed so that its address, which CPython may rely on, never changes.
    view: Box<ffi::Py_buffer>,
}

// SAFETY: the Py_buffer only points at memory and an object reference; the memory is
// read through `as_ref` alone, and the reference is released in `drop` with the
// interpreter attached, as the C API requires.
unsafe impl Send for View {}
// SAFETY: shared access only reads the memory (see `Send`).
unsafe impl Sync for View {}

impl AsRef<[u8]> for View {
    fn as_ref(&self) -> &[u8] {
        let len = usize::try_from(self.view.len).unwrap_or(0);
        if self.view.buf.is_null() || len == 0 {
            return &[];
        }
        // SAFETY: PyObject_GetBuffer with PyBUF_SIMPLE succeeded in `input_buffer`, so
        // `buf` points at `len` contiguous bytes that stay valid until PyBuffer_Release,
        // which only `drop` calls.
        unsafe { std::slice::from_raw_parts(self.view.buf.cast::<u8>(), len) }
    }
}

impl Drop for View {
    fn drop(&mut self) {
        let view: *mut ffi::Py_buffer = &mut *self.view;
        // A view dropped after the interpreter shut down is leaked, not released.
        Python::try_attach(|_| {
            // SAFETY: the view was filled by a successful PyObject_GetBuffer and is
            // released exactly once, here, with the interpreter attached.
            unsafe { ffi::PyBuffer_Release(view) }
        });
    }
}

/// The memory of `obj` as a Quiver buffer, without a copy: a `quiver.Buffer`'s own
/// buffer, or a view of any C-contiguous object with the buffer protocol (bytes,
/// bytearray, memoryview, numpy arrays, `pyarrow.Buffer`).
pub(crate) fn input_buffer(obj: &Bound<'_, PyAny>) -> PyResult<quiver_buffer::Buffer> {
    if let Ok(b) = obj.cast::<Buffer>() {
        return Ok(b.get().inner.clone());
    }
    let mut view = Box::new(ffi::Py_buffer::new());
    // SAFETY: `obj` is a live object (we hold a reference with the interpreter
    // attached) and `view` points at a writable Py_buffer that outlives the call.
    let rc = unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, ffi::PyBUF_SIMPLE) };
    if rc != 0 {
        let cause = PyErr::fetch(obj.py());
        let type_name = obj
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string());
        return Err(error(
            obj.py(),
            Class::TypeError,
            format!(
                "expected contiguous memory with the buffer protocol (bytes, bytearray, \
                 memoryview, a numpy array, pyarrow.Buffer, quiver.Buffer), got a \
                 {type_name}: {cause}"
            ),
        ));
    }
    Ok(quiver_buffer::Buffer::from_owner(View { view }))
}
