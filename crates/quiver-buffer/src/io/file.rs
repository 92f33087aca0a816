//! Plain operating-system files.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
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
        // they read once.
        let mut m = MutableBuffer::try_from_len_zeroed_in(len, pool)
            .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
        read_exact_at(&self.file, m.as_mut_slice(), offset).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("range {offset}+{len} is past the end of the file"),
                )
            } else {
                e
            }
        })?;
        Ok(m.freeze())
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
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
