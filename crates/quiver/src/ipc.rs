//! The IPC formats, with pyarrow's entry points: [`new_stream`], [`open_stream`],
//! [`new_file`], [`open_file`], each with a `_with_options` form taking
//! [`IpcWriteOptions`] or [`IpcReadOptions`], and [`open`], which reads either format.
//! With the `tokio` feature, `AsyncStreamReader` and `AsyncStreamWriter` read and write
//! the streaming format over tokio sockets and pipes (see `examples/tcp_stream.rs`).

use std::io::Write;
use std::path::Path;

pub use quiver_ipc::*;

use quiver_array::{RecordBatch, Schema, SchemaRef, Table};
use quiver_buffer::{
    Buffer, BufferReader, InputStream, MemoryMappedFile, OsFile, RandomAccessFile, memory_map,
};

/// Something a stream can be read from: a [`Buffer`] (read zero-copy), a
/// [`BufferReader`], a [`MemoryMappedFile`], an [`OsFile`], or a `&mut` of any
/// [`InputStream`]. Wrap other `std::io::Read`ers with [`StreamReader::from_reader`].
pub trait IntoStreamSource {
    /// The stream it becomes.
    type Source: InputStream;
    /// Converts.
    fn into_stream_source(self) -> Self::Source;
}

impl IntoStreamSource for Buffer {
    type Source = BufferReader;
    fn into_stream_source(self) -> BufferReader {
        BufferReader::new(self)
    }
}

macro_rules! identity_source {
    ($($t:ty),*) => {$(
        impl IntoStreamSource for $t {
            type Source = $t;
            fn into_stream_source(self) -> $t {
                self
            }
        }
    )*};
}
identity_source!(BufferReader, MemoryMappedFile, OsFile);

impl<'a, S: InputStream> IntoStreamSource for &'a mut S {
    type Source = &'a mut S;
    fn into_stream_source(self) -> &'a mut S {
        self
    }
}

/// A stream writer over `sink`, like `pyarrow.ipc.new_stream(sink, schema)`.
///
/// Call [`close`](StreamWriter::close) (or [`finish`](StreamWriter::finish)) when done,
/// as pyarrow's `with` block does.
pub fn new_stream<W: Write>(sink: W, schema: &Schema) -> Result<StreamWriter<W>> {
    StreamWriter::try_new(sink, schema)
}

/// [`new_stream`] with options: compression and its level, alignment, metadata version,
/// dictionary deltas.
///
/// ```
/// use quiver::ipc::{CompressionCodec, IpcWriteOptions};
/// # use quiver::{Array, BufferOutputStream, record_batch};
/// # let batch = record_batch(vec![Array::from(vec![1i64; 1000])], &["f0"]).unwrap();
/// let options = IpcWriteOptions::default().with_compression(CompressionCodec::Zstd, Some(3));
/// let mut sink = BufferOutputStream::new();
/// let mut writer = quiver::ipc::new_stream_with_options(&mut sink, batch.schema(), options).unwrap();
/// writer.write_batch(&batch).unwrap();
/// writer.close().unwrap();
/// let back = quiver::ipc::open_stream(sink.getvalue()).unwrap().read_all().unwrap();
/// assert_eq!(back.num_rows(), 1000);
/// ```
pub fn new_stream_with_options<W: Write>(
    sink: W,
    schema: &Schema,
    options: IpcWriteOptions,
) -> Result<StreamWriter<W>> {
    StreamWriter::try_new_with_options(sink, schema, options)
}

/// A stream reader over `source`, like `pyarrow.ipc.open_stream(source)`.
///
/// ```
/// # use quiver::{Array, BufferOutputStream, record_batch};
/// # let batch = record_batch(vec![Array::from(vec![1i64])], &["f0"]).unwrap();
/// # let mut sink = BufferOutputStream::new();
/// # quiver::ipc::new_stream(&mut sink, batch.schema()).unwrap().close().unwrap();
/// let reader = quiver::ipc::open_stream(sink.getvalue()).unwrap();
/// assert_eq!(reader.schema().to_string(), "f0: int64");
/// ```
pub fn open_stream<S: IntoStreamSource>(source: S) -> Result<StreamReader<S::Source>> {
    StreamReader::try_new(source.into_stream_source())
}

/// [`open_stream`] with options: a projection, zero-copy required, value range checks,
/// unchecked values (`unsafe`).
///
/// ```
/// use quiver::ipc::IpcReadOptions;
/// # use quiver::{Array, BufferOutputStream, record_batch};
/// # let batch = record_batch(vec![Array::from(vec![1i64]), Array::from(vec!["a"])], &["n", "s"]).unwrap();
/// # let mut sink = BufferOutputStream::new();
/// # quiver::ipc::new_stream(&mut sink, batch.schema()).unwrap().close().unwrap();
/// let options = IpcReadOptions::default().with_projection_names(["s"]).with_require_zero_copy(true);
/// let reader = quiver::ipc::open_stream_with_options(sink.getvalue(), options).unwrap();
/// assert_eq!(reader.schema().to_string(), "s: string");
/// ```
pub fn open_stream_with_options<S: IntoStreamSource>(
    source: S,
    options: IpcReadOptions,
) -> Result<StreamReader<S::Source>> {
    StreamReader::try_new_with_options(source.into_stream_source(), options)
}

/// A file writer over `sink`, like `pyarrow.ipc.new_file(sink, schema)`.
pub fn new_file<W: Write>(sink: W, schema: &Schema) -> Result<FileWriter<W>> {
    FileWriter::try_new(sink, schema)
}

/// [`new_file`] with options (see [`new_stream_with_options`]).
pub fn new_file_with_options<W: Write>(
    sink: W,
    schema: &Schema,
    options: IpcWriteOptions,
) -> Result<FileWriter<W>> {
    FileWriter::try_new_with_options(sink, schema, options)
}

/// A random-access file reader over `source` (a [`Buffer`], [`BufferReader`],
/// [`MemoryMappedFile`] or [`OsFile`]), like `pyarrow.ipc.open_file(source)`.
///
/// ```
/// # use quiver::{Array, BufferOutputStream, record_batch};
/// # let batch = record_batch(vec![Array::from(vec![1i64])], &["f0"]).unwrap();
/// # let mut sink = BufferOutputStream::new();
/// let mut writer = quiver::ipc::new_file(&mut sink, batch.schema()).unwrap();
/// for _ in 0..10 {
///     writer.write_batch(&batch).unwrap();
/// }
/// writer.close().unwrap();
/// let reader = quiver::ipc::open_file(sink.getvalue()).unwrap();
/// assert_eq!(reader.num_record_batches(), 10);
/// assert!(reader.get_batch(3).unwrap().equals(&batch));
/// ```
pub fn open_file<F: RandomAccessFile>(source: F) -> Result<FileReader<F>> {
    FileReader::try_new(source)
}

/// [`open_file`] with options (see [`open_stream_with_options`]).
pub fn open_file_with_options<F: RandomAccessFile>(
    source: F,
    options: IpcReadOptions,
) -> Result<FileReader<F>> {
    FileReader::try_new_with_options(source, options)
}

/// Something [`open`] reads from, as one [`Buffer`]: a `Buffer`, a
/// [`MemoryMappedFile`] (the buffer is the map: nothing is copied) or a
/// [`BufferReader`] (its whole buffer).
pub trait IntoIpcBuffer {
    /// The bytes.
    fn into_ipc_buffer(self) -> Buffer;
}

impl IntoIpcBuffer for Buffer {
    fn into_ipc_buffer(self) -> Buffer {
        self
    }
}

impl IntoIpcBuffer for MemoryMappedFile {
    fn into_ipc_buffer(self) -> Buffer {
        self.buffer().clone()
    }
}

impl IntoIpcBuffer for &MemoryMappedFile {
    fn into_ipc_buffer(self) -> Buffer {
        self.buffer().clone()
    }
}

impl IntoIpcBuffer for BufferReader {
    fn into_ipc_buffer(self) -> Buffer {
        self.buffer().clone()
    }
}

/// A reader of either IPC format, from [`open`]: iterate it for the batches.
#[derive(Debug)]
pub enum IpcReader {
    /// The bytes start with the file format's `ARROW1` magic.
    File(FileReader<Buffer>),
    /// Anything else is read as a stream.
    Stream(StreamReader<BufferReader>),
}

impl IpcReader {
    /// The schema of the batches (projected if the options set a projection).
    pub fn schema(&self) -> &SchemaRef {
        match self {
            IpcReader::File(r) => r.schema(),
            IpcReader::Stream(r) => r.schema(),
        }
    }

    /// Whether the bytes are in the file format.
    pub fn is_file(&self) -> bool {
        matches!(self, IpcReader::File(_))
    }

    /// Reads every (remaining) batch into a [`Table`].
    pub fn read_all(self) -> Result<Table> {
        match self {
            IpcReader::File(r) => r.read_all(),
            IpcReader::Stream(r) => r.read_all(),
        }
    }
}

/// The batches of an [`IpcReader`], in order.
#[derive(Debug)]
pub struct IpcBatches {
    reader: IpcReader,
    next: usize,
}

impl Iterator for IpcBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.reader {
            IpcReader::File(r) => {
                if self.next >= r.num_record_batches() {
                    return None;
                }
                let batch = r.get_batch(self.next);
                self.next = self.next.saturating_add(1);
                Some(batch)
            }
            IpcReader::Stream(r) => r.next(),
        }
    }
}

impl IntoIterator for IpcReader {
    type Item = Result<RecordBatch>;
    type IntoIter = IpcBatches;

    fn into_iter(self) -> IpcBatches {
        IpcBatches {
            reader: self,
            next: 0,
        }
    }
}

/// Opens a file or a stream, telling them apart by the bytes: the file format starts
/// with the `ARROW1` magic, anything else is read as a stream. Batches are slices of
/// the source, as with [`open_file`] and [`open_stream`].
///
/// ```
/// # use quiver::{Array, BufferOutputStream, record_batch};
/// # let batch = record_batch(vec![Array::from(vec![1i64, 2])], &["f0"]).unwrap();
/// let mut sink = BufferOutputStream::new();
/// let mut writer = quiver::ipc::new_file(&mut sink, batch.schema()).unwrap();
/// writer.write_batch(&batch).unwrap();
/// writer.close().unwrap();
///
/// let reader = quiver::ipc::open(sink.getvalue()).unwrap();
/// assert!(reader.is_file());
/// for b in reader {
///     assert!(b.unwrap().equals(&batch));
/// }
/// ```
pub fn open<S: IntoIpcBuffer>(source: S) -> Result<IpcReader> {
    open_with_options(source, IpcReadOptions::default())
}

/// [`open`] with options (see [`open_stream_with_options`]).
pub fn open_with_options<S: IntoIpcBuffer>(
    source: S,
    options: IpcReadOptions,
) -> Result<IpcReader> {
    let bytes = source.into_ipc_buffer();
    if bytes.starts_with(b"ARROW1") {
        Ok(IpcReader::File(FileReader::try_new_with_options(
            bytes, options,
        )?))
    } else {
        Ok(IpcReader::Stream(StreamReader::try_new_with_options(
            BufferReader::new(bytes),
            options,
        )?))
    }
}

/// [`open`] on the file at `path`, through a memory map.
pub fn open_path(path: impl AsRef<Path>) -> Result<IpcReader> {
    open_path_with_options(path, IpcReadOptions::default())
}

/// [`open_path`] with options (see [`open_stream_with_options`]).
pub fn open_path_with_options(
    path: impl AsRef<Path>,
    options: IpcReadOptions,
) -> Result<IpcReader> {
    let path = path.as_ref();
    let map = memory_map(path).map_err(|source| IpcError::Io {
        context: format!("memory-mapping {}", path.display()),
        source,
    })?;
    open_with_options(map, options)
}
