//! Opening the input of `schema`, `info` and `validate`: the whole bytes of a file
//! (memory-mapped when it is a regular file), or a stream read as it arrives, told apart
//! by the `ARROW1` magic, not the name. A [`Tee`] lets the framer see the bytes the
//! library's stream reader consumed.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::rc::Rc;

use quiver::ipc::{FileReader, IpcError, IpcReadOptions, StreamReader};
use quiver::{Buffer, BufferReader, InputStream, MemoryMappedFile, MemoryPoolRef, ReadInputStream};

use crate::cmd::CliError;
use crate::cmd::convert::{describe, is_std};

/// The file format's leading magic.
const FILE_MAGIC: &[u8] = b"ARROW1";

/// An opened input.
pub enum Source {
    /// The file format: all of its bytes.
    File(Buffer),
    /// The streaming format, read in order.
    Stream(Box<dyn InputStream>),
}

/// An input and what is known about it before reading.
pub struct Opened {
    /// The bytes.
    pub source: Source,
    /// The size of a regular file; `None` for standard input and pipes.
    pub file_size: Option<u64>,
    /// How errors name the input: `'path'` or `standard input`.
    pub name: String,
}

impl Opened {
    /// Opens `path` (`-` for standard input). A directory, a missing file or an
    /// unreadable one is an error naming it.
    pub fn open(path: &Path) -> Result<Self, CliError> {
        let name = describe(path, "standard input");
        let fail = |e: io::Error| CliError::new(format!("cannot read {name}: {e}"));
        if is_std(path) {
            return Self::read_as_it_comes(
                ReadInputStream::new(io::BufReader::new(io::stdin())),
                name,
            );
        }
        if path.is_dir() {
            return Err(CliError::new(format!(
                "cannot read {name}: it is a directory; give an Arrow IPC file or stream"
            )));
        }
        let file = File::open(path).map_err(fail)?;
        let metadata = file.metadata().map_err(fail)?;
        if !metadata.is_file() {
            // A pipe or a device.
            return Self::read_as_it_comes(ReadInputStream::new(io::BufReader::new(file)), name);
        }
        let bytes = if metadata.len() == 0 {
            Buffer::from_vec(Vec::<u8>::new())
        } else {
            MemoryMappedFile::from_file(&file)
                .map_err(fail)?
                .buffer()
                .clone()
        };
        let source = if bytes.starts_with(FILE_MAGIC) {
            Source::File(bytes)
        } else {
            Source::Stream(Box::new(BufferReader::new(bytes)))
        };
        Ok(Self {
            source,
            file_size: Some(metadata.len()),
            name,
        })
    }

    /// Standard input or a pipe: a file is read whole (its footer is at the end), a
    /// stream as it comes.
    fn read_as_it_comes<R: Read + 'static>(
        mut input: ReadInputStream<R>,
        name: String,
    ) -> Result<Self, CliError> {
        let fail = |e: io::Error| CliError::new(format!("cannot read {name}: {e}"));
        let head = input.read_buffer(FILE_MAGIC.len()).map_err(fail)?;
        let source = if head.starts_with(FILE_MAGIC) {
            let mut bytes = head.to_vec();
            loop {
                let chunk = input.read_buffer(1 << 20).map_err(fail)?;
                if chunk.is_empty() {
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            Source::File(Buffer::from_vec(bytes))
        } else {
            Source::Stream(Box::new(Prefixed { head, rest: input }))
        };
        Ok(Self {
            source,
            file_size: None,
            name,
        })
    }
}

/// Opens a file reader over the bytes, errors naming the input.
pub fn file_reader(
    bytes: &Buffer,
    options: IpcReadOptions,
    name: &str,
) -> Result<FileReader<Buffer>, CliError> {
    FileReader::try_new_with_options(bytes.clone(), options)
        .map_err(|e: IpcError| CliError::new(format!("cannot read {name}: {e}")))
}

/// Opens a stream reader whose consumed bytes are recorded in the returned log.
pub fn tee_stream_reader(
    source: Box<dyn InputStream>,
    options: IpcReadOptions,
    name: &str,
) -> Result<(StreamReader<Tee>, Log), CliError> {
    let log = Log::default();
    let tee = Tee {
        inner: source,
        log: log.clone(),
    };
    let reader = StreamReader::try_new_with_options(tee, options)
        .map_err(|e| CliError::new(format!("cannot read {name}: {e}")))?;
    Ok((reader, log))
}

/// The chunks a [`Tee`] passed on, in order, until taken.
#[derive(Debug, Default, Clone)]
pub struct Log(Rc<RefCell<Vec<Buffer>>>);

impl Log {
    /// The chunks recorded since the last call.
    pub fn take(&self) -> Vec<Buffer> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// A source that records every chunk read through it (buffers are shared, not copied).
pub struct Tee {
    inner: Box<dyn InputStream>,
    log: Log,
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let copy = buf.get(..n).unwrap_or_default().to_vec();
        self.log.0.borrow_mut().push(Buffer::from_vec(copy));
        Ok(n)
    }
}

impl InputStream for Tee {
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer> {
        let chunk = self.inner.read_buffer(len)?;
        self.log.0.borrow_mut().push(chunk.clone());
        Ok(chunk)
    }

    fn read_buffer_in(&mut self, len: usize, pool: &MemoryPoolRef) -> io::Result<Buffer> {
        let chunk = self.inner.read_buffer_in(len, pool)?;
        self.log.0.borrow_mut().push(chunk.clone());
        Ok(chunk)
    }

    fn is_zero_copy(&self) -> bool {
        self.inner.is_zero_copy()
    }
}

/// Bytes already read (`head`), then the rest of the source.
struct Prefixed<S> {
    head: Buffer,
    rest: S,
}

impl<S: InputStream> Read for Prefixed<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.head.is_empty() {
            return self.rest.read(buf);
        }
        let n = buf.len().min(self.head.len());
        let chunk = self.read_buffer(n)?;
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(&chunk);
        Ok(n)
    }
}

impl<S: InputStream> InputStream for Prefixed<S> {
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer> {
        if self.head.is_empty() {
            return self.rest.read_buffer(len);
        }
        if self.head.len() >= len {
            let out = self.head.slice(0, len);
            self.head = self.head.slice(len, self.head.len() - len);
            return Ok(out);
        }
        let mut out = self.head.to_vec();
        self.head = Buffer::from_vec(Vec::<u8>::new());
        out.extend_from_slice(&self.rest.read_buffer(len - out.len())?);
        Ok(Buffer::from_vec(out))
    }
}
