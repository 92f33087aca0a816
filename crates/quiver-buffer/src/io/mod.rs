//! Sources and sinks: where IPC readers get their bytes and writers put theirs.
//!
//! The rule that makes zero-copy work: readers ask a source for a [`Buffer`], never for a
//! `Vec<u8>`. In-memory sources ([`BufferReader`], [`Buffer`]) and memory maps
//! ([`MemoryMappedFile`]) answer with slices of memory they already hold; a plain file
//! ([`OsFile`]) or any other `std::io::Read` answers with fresh pool memory.

mod file;
mod memory;
mod mmap;

use std::io::{self, Read};

pub use file::OsFile;
pub use memory::{BufferOutputStream, BufferReader};
pub use mmap::{MemoryMappedFile, memory_map};

use crate::buffer::Buffer;
use crate::mutable::MutableBuffer;
use crate::pool::MemoryPoolRef;

/// A sequential source of bytes that hands out [`Buffer`]s.
pub trait InputStream: Read {
    /// Reads `len` bytes, or fewer only when the input ends first (so an empty buffer
    /// means the input is exhausted). Zero-copy sources return a slice of their memory;
    /// others allocate from the default pool.
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer>;

    /// Like [`read_buffer`](InputStream::read_buffer), but a source that copies
    /// allocates from `pool` (this is how readers put the bytes of one request in the
    /// pool of their options). The default method calls `read_buffer`, which is right for
    /// zero-copy sources; sources that allocate override it, as [`OsFile`] and
    /// [`ReadInputStream`] do. An allocation the pool refuses is an
    /// [`io::ErrorKind::OutOfMemory`] error wrapping the [`BufferError`](crate::BufferError).
    fn read_buffer_in(&mut self, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        let _ = pool;
        self.read_buffer(len)
    }

    /// Whether [`read_buffer`](InputStream::read_buffer) returns slices of memory the
    /// source already holds (no copy, no allocation).
    fn is_zero_copy(&self) -> bool {
        false
    }
}

/// A source that can read any range without moving a cursor.
pub trait RandomAccessFile {
    /// Total size in bytes.
    fn size(&self) -> io::Result<u64>;

    /// Reads exactly `len` bytes starting at `offset`, as a [`Buffer`]. Ranges past the
    /// end are an [`io::ErrorKind::UnexpectedEof`] error.
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Buffer>;

    /// Like [`read_at`](RandomAccessFile::read_at), but a source that copies allocates
    /// from `pool` (this is how readers put the bytes of one request in the pool of their
    /// options). The default method calls `read_at`, which is right for zero-copy
    /// sources; sources that allocate override it, as [`OsFile`] does. An allocation the
    /// pool refuses is an [`io::ErrorKind::OutOfMemory`] error wrapping the
    /// [`BufferError`](crate::BufferError).
    ///
    /// ```
    /// use std::io::Write;
    /// use std::sync::Arc;
    /// use quiver_buffer::{MemoryPool, MemoryPoolRef, OsFile, ProxyMemoryPool, RandomAccessFile};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("x.bin");
    /// OsFile::create(&path).unwrap().write_all(b"abcdef").unwrap();
    /// let request = Arc::new(ProxyMemoryPool::new(MemoryPoolRef::default()));
    /// let f = OsFile::open(&path).unwrap();
    /// let bytes = f.read_at_in(2, 3, &MemoryPoolRef::from(Arc::clone(&request))).unwrap();
    /// assert_eq!(bytes.as_slice(), b"cde");
    /// assert_eq!(request.bytes_allocated(), 64);
    /// ```
    fn read_at_in(&self, offset: u64, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        let _ = pool;
        self.read_at(offset, len)
    }

    /// Whether [`read_at`](RandomAccessFile::read_at) returns slices of memory the source
    /// already holds.
    fn is_zero_copy(&self) -> bool {
        false
    }
}

/// Largest single allocation made before bytes have actually arrived from a non-memory
/// source; longer reads grow as data comes in, so a lying length prefix on a short
/// input cannot allocate more than this.
const READ_CHUNK: usize = 16 << 20;

/// Reads `len` bytes (fewer only at end of input) from `r` into pool memory, without
/// trusting `len` for the up-front allocation.
pub fn read_to_buffer<R: Read + ?Sized>(r: &mut R, len: usize) -> io::Result<Buffer> {
    read_to_buffer_in(r, len, &MemoryPoolRef::default())
}

/// Like [`read_to_buffer`], allocating from `pool`.
pub fn read_to_buffer_in<R: Read + ?Sized>(
    r: &mut R,
    len: usize,
    pool: &MemoryPoolRef,
) -> io::Result<Buffer> {
    let mut m = MutableBuffer::try_with_capacity_in(len.min(READ_CHUNK), pool)
        .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
    while m.len() < len {
        if m.capacity() == m.len() {
            let more = (len - m.len()).min(m.capacity().max(READ_CHUNK));
            m.try_reserve(more)
                .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
        }
        let want = (len - m.len()).min(m.capacity() - m.len());
        let filled = m.len();
        let n = match r.read(&mut m.spare_capacity_mut()[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        m.set_len(filled + n);
    }
    Ok(m.freeze())
}

/// Adapts any `std::io::Read` (a socket, a pipe, a decompressor) into an [`InputStream`]
/// that reads into pool memory.
#[derive(Debug)]
pub struct ReadInputStream<R> {
    inner: R,
}

impl<R: Read> ReadInputStream<R> {
    /// Wraps a reader.
    pub fn new(inner: R) -> Self {
        Self { inner }
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for ReadInputStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Read> InputStream for ReadInputStream<R> {
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer> {
        read_to_buffer(&mut self.inner, len)
    }
    fn read_buffer_in(&mut self, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        read_to_buffer_in(&mut self.inner, len, pool)
    }
}

impl RandomAccessFile for Buffer {
    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Buffer> {
        slice_for_read(self, offset, len)
    }

    fn is_zero_copy(&self) -> bool {
        true
    }
}

/// A zero-copy `read_at` over a buffer, with an EOF error for ranges past its end.
pub(crate) fn slice_for_read(buf: &Buffer, offset: u64, len: usize) -> io::Result<Buffer> {
    usize::try_from(offset)
        .ok()
        .and_then(|o| buf.try_slice(o, len).ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "range {offset}+{len} is past the end of a source of {} bytes",
                    buf.len()
                ),
            )
        })
}

impl<T: RandomAccessFile + ?Sized> RandomAccessFile for &T {
    fn size(&self) -> io::Result<u64> {
        (**self).size()
    }
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Buffer> {
        (**self).read_at(offset, len)
    }
    fn read_at_in(&self, offset: u64, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        (**self).read_at_in(offset, len, pool)
    }
    fn is_zero_copy(&self) -> bool {
        (**self).is_zero_copy()
    }
}

impl<T: InputStream + ?Sized> InputStream for &mut T {
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer> {
        (**self).read_buffer(len)
    }
    fn read_buffer_in(&mut self, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        (**self).read_buffer_in(len, pool)
    }
    fn is_zero_copy(&self) -> bool {
        (**self).is_zero_copy()
    }
}

/// A boxed source, so a reader can hold a source chosen at run time
/// (`Box<dyn InputStream>`: a memory map, standard input, a socket).
impl<T: InputStream + ?Sized> InputStream for Box<T> {
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer> {
        (**self).read_buffer(len)
    }
    fn read_buffer_in(&mut self, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        (**self).read_buffer_in(len, pool)
    }
    fn is_zero_copy(&self) -> bool {
        (**self).is_zero_copy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_exact_to_buffer_does_not_trust_the_length() {
        let data = [7u8; 100];
        let short = read_to_buffer(&mut &data[..], usize::MAX / 2).unwrap();
        assert_eq!(short.len(), 100);
        let ok = read_to_buffer(&mut &data[..], 100).unwrap();
        assert_eq!(ok.as_slice(), &data[..]);
        assert!(ok.is_pool_memory());
    }
}
