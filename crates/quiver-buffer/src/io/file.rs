//! Plain operating-system files.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem::MaybeUninit;
use std::path::Path;

use super::{InputStream, RandomAccessFile, read_to_buffer, read_to_buffer_in};
use crate::buffer::Buffer;
use crate::mutable::MutableBuffer;
use crate::pool::MemoryPoolRef;

/// A file on disk, like `pyarrow.OSFile`. Reads copy into pool memory, so they show up in
/// [`total_allocated_bytes`](crate::total_allocated_bytes).
///
/// ```
/// use std::io::Write;
/// use quiver_buffer::{OsFile, RandomAccessFile};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("x.bin");
/// let mut f = OsFile::create(&path).unwrap();
/// f.write_all(b"abcdef").unwrap();
/// drop(f);
/// let f = OsFile::open(&path).unwrap();
/// assert_eq!(f.read_at(2, 3).unwrap().as_slice(), b"cde");
/// ```
#[derive(Debug)]
pub struct OsFile {
    file: File,
}

impl OsFile {
    /// Opens an existing file for reading.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref();
        File::open(path)
            .map(|file| Self { file })
            .map_err(|e| io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display())))
    }

    /// Creates (or truncates) a file for writing.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref();
        File::create(path)
            .map(|file| Self { file })
            .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display())))
    }

    /// Wraps an open file.
    pub fn from_file(file: File) -> Self {
        Self { file }
    }

    /// The underlying file.
    pub fn into_inner(self) -> File {
        self.file
    }
}

impl Read for OsFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }
}

impl Write for OsFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for OsFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

impl InputStream for OsFile {
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer> {
        read_to_buffer(&mut self.file, len)
    }
    fn read_buffer_in(&mut self, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        read_to_buffer_in(&mut self.file, len, pool)
    }
}

impl RandomAccessFile for OsFile {
    fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Buffer> {
        self.read_at_in(offset, len, &MemoryPoolRef::default())
    }

    fn read_at_in(&self, offset: u64, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        // No size check up front (it would cost a system call per read): a range past
        // the end shows up as a short read, reported as `UnexpectedEof`. Huge lengths
        // cannot allocate without bound because callers check them against the file size
        // they read once. The memory is not zero-filled: the read overwrites all of it.
        let mut m = MutableBuffer::try_with_capacity_uninit_in(len, pool)
            .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
        let spare = m.spare_capacity_uninit_mut();
        let target = spare.get_mut(..len).ok_or_else(|| {
            io::Error::other(format!("a buffer of {len} bytes has less capacity"))
        })?;
        read_exact_at(&self.file, target, offset).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("range {offset}+{len} is past the end of the file"),
                )
            } else {
                e
            }
        })?;
        // SAFETY: `read_exact_at` returned `Ok`, so it wrote all `len` bytes of `target`,
        // the first `len` bytes of the spare capacity of the empty buffer `m`.
        unsafe { m.set_initialized_len(len) };
        Ok(m.freeze())
    }
}

/// Reads exactly `buf.len()` bytes at `offset` into possibly uninitialised memory, one
/// `pread` at a time (one in all unless the kernel returns a short count), without moving
/// the file's cursor. Fewer bytes before the end of the file is `UnexpectedEof`.
#[cfg(unix)]
fn read_exact_at(file: &File, mut buf: &mut [MaybeUninit<u8>], mut offset: u64) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    while !buf.is_empty() {
        let at = libc::off_t::try_from(offset)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
        // Linux caps one read at 0x7fff_f000 bytes anyway; staying under `isize::MAX`
        // keeps the count representable in the return value everywhere.
        let want = buf.len().min(isize::MAX as usize);
        // SAFETY: `buf` is valid for writes of `want` bytes (it is a live `&mut` slice of
        // at least that length); `pread` writes only into it and never reads it, so
        // uninitialised contents are fine. The descriptor is open for as long as `file`.
        let n = unsafe { libc::pread(file.as_raw_fd(), buf.as_mut_ptr().cast(), want, at) };
        match n {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n if n < 0 => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            // `0 < n <= want`, as `pread` promises.
            n => {
                let n = n.unsigned_abs().min(buf.len());
                buf = &mut buf[n..];
                offset = offset.saturating_add(n as u64);
            }
        }
    }
    Ok(())
}

/// Elsewhere: the memory is zeroed first, as the standard library reads only into
/// initialised bytes.
#[cfg(not(unix))]
fn read_exact_at(file: &File, buf: &mut [MaybeUninit<u8>], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    for b in buf.iter_mut() {
        b.write(0);
    }
    // SAFETY: every byte of `buf` was just written, and `u8` and `MaybeUninit<u8>` have
    // the same layout.
    let mut buf: &mut [u8] =
        unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), buf.len()) };
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::ptr::NonNull;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::error::BufferError;
    use crate::pool::{MemoryPool, SystemMemoryPool};

    /// A pool that counts how often each kind of allocation was asked for.
    #[derive(Debug, Default)]
    struct Recording {
        inner: SystemMemoryPool,
        zeroed: AtomicUsize,
        uninit: AtomicUsize,
    }

    // SAFETY: every pointer comes from, and goes back to, the inner pool unchanged.
    unsafe impl MemoryPool for Recording {
        fn allocate_zeroed(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
            self.zeroed.fetch_add(1, Ordering::Relaxed);
            self.inner.allocate_zeroed(size)
        }
        fn allocate(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
            self.uninit.fetch_add(1, Ordering::Relaxed);
            self.inner.allocate(size)
        }
        unsafe fn reallocate(
            &self,
            ptr: NonNull<u8>,
            old_size: usize,
            new_size: usize,
        ) -> Result<NonNull<u8>, BufferError> {
            // SAFETY: forwarded from the caller's contract.
            unsafe { self.inner.reallocate(ptr, old_size, new_size) }
        }
        unsafe fn free(&self, ptr: NonNull<u8>, size: usize) {
            // SAFETY: forwarded from the caller's contract.
            unsafe { self.inner.free(ptr, size) }
        }
        fn bytes_allocated(&self) -> usize {
            self.inner.bytes_allocated()
        }
        fn max_memory(&self) -> usize {
            self.inner.max_memory()
        }
        fn backend_name(&self) -> &'static str {
            "recording"
        }
    }

    #[test]
    fn read_at_fills_memory_that_was_never_zeroed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        let data: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        OsFile::create(&path).unwrap().write_all(&data).unwrap();
        let file = OsFile::open(&path).unwrap();
        let pool = Arc::new(Recording::default());
        let pool_ref = MemoryPoolRef::from(Arc::clone(&pool));

        let got = file.read_at_in(1000, 90_000, &pool_ref).unwrap();
        assert_eq!(got.as_slice(), &data[1000..91_000]);
        assert!(got.is_pool_memory());
        assert_eq!(pool.uninit.load(Ordering::Relaxed), 1);
        assert_eq!(pool.zeroed.load(Ordering::Relaxed), 0);
        assert_eq!(pool.bytes_allocated(), 90_048);
        drop(got);
        assert_eq!(pool.bytes_allocated(), 0);

        let empty = file.read_at_in(5, 0, &pool_ref).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn read_at_past_the_end_is_an_eof_error_and_frees_its_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        OsFile::create(&path).unwrap().write_all(b"abcdef").unwrap();
        let file = OsFile::open(&path).unwrap();
        let pool = Arc::new(Recording::default());
        let err = file
            .read_at_in(4, 10, &MemoryPoolRef::from(Arc::clone(&pool)))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(err.to_string(), "range 4+10 is past the end of the file");
        assert_eq!(pool.bytes_allocated(), 0);
    }
}
