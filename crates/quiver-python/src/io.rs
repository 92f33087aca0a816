//! Sources and sinks from Python: `quiver.memory_map(path)`,
//! `quiver.BufferOutputStream()`, and the conversion of a reader's `source` (a path, a
//! buffer-protocol object, a memory map) and a writer's `sink` (a path, a
//! `BufferOutputStream`) into Quiver's I/O types.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;
use quiver_buffer::{
    Buffer, BufferReader, InputStream, MemoryMappedFile, MemoryPoolRef, OsFile, RandomAccessFile,
};

use crate::buffer::input_buffer;
use crate::capsule::type_name;
use crate::errors::{Class, error};

/// A read-only memory map of a file (`pyarrow.memory_map(path)`): readers opened on it
/// return columns that point into the map, allocating no column memory. The file must
/// not be modified or truncated while it is mapped.
#[pyclass(module = "quiver", name = "MemoryMappedFile")]
#[derive(Debug)]
pub struct MemoryMapped {
    map: Option<MemoryMappedFile>,
}

impl MemoryMapped {
    fn map(&self, py: Python<'_>) -> PyResult<&MemoryMappedFile> {
        self.map
            .as_ref()
            .ok_or_else(|| error(py, Class::Invalid, "the memory map is closed"))
    }
}

#[pymethods]
impl MemoryMapped {
    /// The size of the mapped file in bytes.
    fn size(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.map(py)?.len())
    }

    /// The whole map as a `quiver.Buffer` (zero-copy).
    fn read_buffer(&self, py: Python<'_>) -> PyResult<crate::buffer::Buffer> {
        Ok(crate::buffer::Buffer::new(self.map(py)?.buffer().clone()))
    }

    /// The address of the map's first byte, as an int.
    #[getter]
    fn address(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.map(py)?.buffer().as_ptr() as usize)
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.map.is_none()
    }

    /// Drops this object's hold on the map; batches read from it keep it alive.
    fn close(&mut self) {
        self.map = None;
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.close();
    }

    fn __repr__(&self) -> String {
        match &self.map {
            Some(m) => format!("<quiver.MemoryMappedFile size={}>", m.len()),
            None => "<quiver.MemoryMappedFile closed>".to_owned(),
        }
    }
}

/// `quiver.memory_map(path)`: maps the file at `path` read-only.
#[pyfunction]
pub(crate) fn memory_map(py: Python<'_>, path: PathBuf) -> PyResult<MemoryMapped> {
    let map = quiver_buffer::memory_map(&path).map_err(|e| io_error(py, &path, e))?;
    Ok(MemoryMapped { map: Some(map) })
}

/// `quiver.py_buffer(obj)`: the memory of any object with the buffer protocol as a
/// read-only `quiver.Buffer`, without a copy (`pyarrow.py_buffer`); the object stays
/// alive while the buffer (or anything read from it) is.
#[pyfunction]
pub(crate) fn py_buffer(obj: &Bound<'_, PyAny>) -> PyResult<crate::buffer::Buffer> {
    input_buffer(obj).map(crate::buffer::Buffer::new)
}

/// An I/O error on `path` as `FileNotFoundError` or `ArrowIOError`.
pub(crate) fn io_error(py: Python<'_>, path: &std::path::Path, e: io::Error) -> PyErr {
    if e.kind() == io::ErrorKind::NotFound {
        return pyo3::exceptions::PyFileNotFoundError::new_err(format!(
            "{}: no such file ({e})",
            path.display()
        ));
    }
    error(py, Class::IoError, format!("{}: {e}", path.display()))
}

/// What a reader reads from: memory (zero-copy), a memory map (zero-copy) or a file.
#[derive(Debug)]
pub(crate) enum Source {
    /// A buffer-protocol object's memory, or a `quiver.Buffer`.
    Memory(BufferReader),
    /// A memory map.
    Mapped(MemoryMappedFile),
    /// A file opened by path; reads allocate pool memory.
    File(OsFile),
}

impl Source {
    /// The source for a Python `source` argument.
    pub(crate) fn from_python(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        if let Ok(m) = obj.cast::<MemoryMapped>() {
            let map = m.borrow().map(py)?.clone();
            return Ok(Source::Mapped(map));
        }
        if let Ok(path) = obj.extract::<PathBuf>() {
            let file = OsFile::open(&path).map_err(|e| io_error(py, &path, e))?;
            return Ok(Source::File(file));
        }
        match input_buffer(obj) {
            Ok(b) => Ok(Source::Memory(BufferReader::new(b))),
            Err(_) => Err(error(
                py,
                Class::TypeError,
                format!(
                    "a source must be a path (str or os.PathLike), an object with the buffer \
                     protocol (bytes, memoryview, numpy array, pyarrow.Buffer, quiver.Buffer) \
                     or quiver.memory_map(path); got a {}",
                    type_name(obj)
                ),
            )),
        }
    }
}

impl Read for Source {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Memory(s) => s.read(out),
            Source::Mapped(s) => s.read(out),
            Source::File(s) => s.read(out),
        }
    }
}

impl Seek for Source {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Source::Memory(s) => s.seek(pos),
            Source::Mapped(s) => s.seek(pos),
            Source::File(s) => s.seek(pos),
        }
    }
}

impl InputStream for Source {
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer> {
        match self {
            Source::Memory(s) => s.read_buffer(len),
            Source::Mapped(s) => s.read_buffer(len),
            Source::File(s) => s.read_buffer(len),
        }
    }

    fn read_buffer_in(&mut self, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        match self {
            Source::Memory(s) => s.read_buffer_in(len, pool),
            Source::Mapped(s) => s.read_buffer_in(len, pool),
            Source::File(s) => s.read_buffer_in(len, pool),
        }
    }

    fn is_zero_copy(&self) -> bool {
        match self {
            Source::Memory(s) => InputStream::is_zero_copy(s),
            Source::Mapped(s) => InputStream::is_zero_copy(s),
            Source::File(s) => InputStream::is_zero_copy(s),
        }
    }
}

impl RandomAccessFile for Source {
    fn size(&self) -> io::Result<u64> {
        match self {
            Source::Memory(s) => s.size(),
            Source::Mapped(s) => s.size(),
            Source::File(s) => s.size(),
        }
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Buffer> {
        match self {
            Source::Memory(s) => s.read_at(offset, len),
            Source::Mapped(s) => s.read_at(offset, len),
            Source::File(s) => s.read_at(offset, len),
        }
    }

    fn read_at_in(&self, offset: u64, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        match self {
            Source::Memory(s) => s.read_at_in(offset, len, pool),
            Source::Mapped(s) => s.read_at_in(offset, len, pool),
            Source::File(s) => s.read_at_in(offset, len, pool),
        }
    }

    fn is_zero_copy(&self) -> bool {
        match self {
            Source::Memory(s) => RandomAccessFile::is_zero_copy(s),
            Source::Mapped(s) => RandomAccessFile::is_zero_copy(s),
            Source::File(s) => RandomAccessFile::is_zero_copy(s),
        }
    }
}

/// The bytes of a `BufferOutputStream`: frozen parts already handed out by `getvalue`,
/// and the bytes written since.
#[derive(Debug, Default)]
pub(crate) struct OutputState {
    frozen: Option<Buffer>,
    pending: quiver_buffer::BufferOutputStream,
}

/// An in-memory sink (`pyarrow.BufferOutputStream`): writers append to it, and
/// `getvalue()` returns everything written as a `quiver.Buffer` (buffer protocol).
#[pyclass(frozen, module = "quiver", name = "BufferOutputStream")]
#[derive(Debug, Default)]
pub struct BufferOutputStream {
    state: Arc<Mutex<OutputState>>,
}

fn lock(state: &Mutex<OutputState>) -> MutexGuard<'_, OutputState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[pymethods]
impl BufferOutputStream {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// The number of bytes written so far.
    fn tell(&self) -> usize {
        let s = lock(&self.state);
        s.frozen.as_ref().map_or(0, Buffer::len) + s.pending.tell()
    }

    /// Everything written so far, as a read-only `quiver.Buffer` (no copy unless bytes
    /// were written after an earlier `getvalue()`).
    fn getvalue(&self) -> crate::buffer::Buffer {
        let mut s = lock(&self.state);
        let new = s.pending.getvalue();
        let all = match s.frozen.take() {
            None => new,
            Some(old) if new.is_empty() => old,
            Some(old) => {
                let mut joined = Vec::with_capacity(old.len() + new.len());
                joined.extend_from_slice(old.as_slice());
                joined.extend_from_slice(new.as_slice());
                Buffer::from_vec(joined)
            }
        };
        s.frozen = Some(all.clone());
        crate::buffer::Buffer::new(all)
    }

    fn __repr__(&self) -> String {
        format!("<quiver.BufferOutputStream size={}>", self.tell())
    }
}

/// Where a writer writes: a file (buffered) or a `BufferOutputStream`.
#[derive(Debug)]
pub(crate) enum Sink {
    File(io::BufWriter<std::fs::File>),
    Memory(Arc<Mutex<OutputState>>),
}

impl Sink {
    /// The sink for a Python `sink` argument.
    pub(crate) fn from_python(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        if let Ok(out) = obj.cast::<BufferOutputStream>() {
            return Ok(Sink::Memory(Arc::clone(&out.get().state)));
        }
        if let Ok(path) = obj.extract::<PathBuf>() {
            let file = std::fs::File::create(&path).map_err(|e| io_error(py, &path, e))?;
            return Ok(Sink::File(io::BufWriter::new(file)));
        }
        Err(error(
            py,
            Class::TypeError,
            format!(
                "a sink must be a path (str or os.PathLike) or a quiver.BufferOutputStream; \
                 got a {}",
                type_name(obj)
            ),
        ))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Memory(m) => lock(m).pending.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::File(f) => f.write_all(buf),
            Sink::Memory(m) => lock(m).pending.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Memory(_) => Ok(()),
        }
    }
}
