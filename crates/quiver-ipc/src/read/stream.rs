//! [`StreamReader`]: reads the streaming format from any [`InputStream`].

use std::io::Read;

use quiver_array::{RecordBatch, SchemaRef, Table};
use quiver_buffer::{InputStream, ReadInputStream};

use crate::error::{IpcError, Location, Result};
use crate::options::IpcReadOptions;
use crate::read::stream_decoder::{Decoded, StreamDecoder};

/// Reads record batches from an Arrow stream, like `pyarrow.ipc.open_stream`.
///
/// Over a [`BufferReader`](quiver_buffer::BufferReader) or a
/// [`MemoryMappedFile`](quiver_buffer::MemoryMappedFile), the batches' buffers are slices
/// of the source: nothing is copied.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_buffer::{BufferOutputStream, BufferReader};
/// use quiver_ipc::{StreamReader, StreamWriter};
///
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2, 3])], &["n"]).unwrap();
/// let mut sink = BufferOutputStream::new();
/// let mut writer = StreamWriter::try_new(&mut sink, batch.schema()).unwrap();
/// writer.write(&batch).unwrap();
/// writer.finish().unwrap();
/// drop(writer);
/// let buf = sink.getvalue();
///
/// let reader = StreamReader::try_new(BufferReader::new(buf.clone())).unwrap();
/// let batches: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
/// assert!(batches[0].equals(&batch));
/// // Zero-copy: the column's values live inside `buf`.
/// assert!(buf.contains_ptr(batches[0].columns()[0].buffers()[0].as_ptr()));
/// ```
#[derive(Debug)]
pub struct StreamReader<S> {
    source: S,
    decoder: StreamDecoder,
    schema: SchemaRef,
    done: bool,
}

impl<R: Read> StreamReader<ReadInputStream<R>> {
    /// Reads from any `std::io::Read` (a socket, a pipe, a decompressor): each message
    /// is read into pool memory.
    pub fn from_reader(reader: R) -> Result<Self> {
        Self::try_new(ReadInputStream::new(reader))
    }
}

impl<S: InputStream> StreamReader<S> {
    /// Reads the schema message and returns a reader positioned at the first batch.
    pub fn try_new(source: S) -> Result<Self> {
        Self::try_new_with_options(source, IpcReadOptions::default())
    }

    /// Like [`try_new`](StreamReader::try_new), with options.
    pub fn try_new_with_options(mut source: S, options: IpcReadOptions) -> Result<Self> {
        if options.require_zero_copy() && !source.is_zero_copy() {
            return Err(IpcError::CopyRequired {
                location: Box::new(Location::default()),
                reason: "the source is not in memory (use a BufferReader or a memory map)".into(),
            });
        }
        let mut decoder = StreamDecoder::new(options);
        match next_event(&mut source, &mut decoder)? {
            Some(Decoded::Schema(schema)) => Ok(Self {
                source,
                decoder,
                schema,
                done: false,
            }),
            Some(_) => Err(IpcError::malformed(
                Location::default(),
                "the stream does not start with a schema message",
            )),
            None => Err(IpcError::Truncated {
                location: Box::new(Location::default()),
                detail: "the input is empty: no schema message".into(),
            }),
        }
    }

    /// The schema of the batches.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The next batch, or `None` at the end of the stream.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.done {
            return Ok(None);
        }
        let event = next_event(&mut self.source, &mut self.decoder);
        self.done = !matches!(event, Ok(Some(Decoded::RecordBatch(_))));
        // The decoder refuses a second schema message itself (as pyarrow does), so after
        // the first, only batches and the end come out of it.
        match event? {
            Some(Decoded::RecordBatch(b)) => Ok(Some(b)),
            Some(Decoded::EndOfStream | Decoded::Schema(_)) | None => Ok(None),
        }
    }

    /// Reads every remaining batch into a [`Table`].
    pub fn read_all(mut self) -> Result<Table> {
        let mut batches = Vec::new();
        while let Some(b) = self.next_batch()? {
            batches.push(b);
        }
        Ok(Table::from_batches(self.schema.clone(), batches)?)
    }

    /// The decoder underneath: the metadata of the last batch read, the bytes consumed.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// use quiver_buffer::BufferReader;
    /// use quiver_ipc::{CompressionCodec, IpcWriteOptions, StreamReader, StreamWriter};
    ///
    /// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64; 100])], &["n"]).unwrap();
    /// let options = IpcWriteOptions::default().with_compression(CompressionCodec::Zstd, None);
    /// let mut w = StreamWriter::try_new_with_options(Vec::new(), batch.schema(), options).unwrap();
    /// w.write(&batch).unwrap();
    /// let bytes = quiver_buffer::Buffer::from_vec(w.close().unwrap());
    ///
    /// let mut reader = StreamReader::try_new(BufferReader::new(bytes.clone())).unwrap();
    /// reader.next_batch().unwrap();
    /// let message = reader.decoder().last_batch_message().unwrap();
    /// assert_eq!(message.body_compression().unwrap(), Some(CompressionCodec::Zstd));
    /// assert!(reader.decoder().bytes_consumed() < bytes.len() as u64);
    /// ```
    pub fn decoder(&self) -> &StreamDecoder {
        &self.decoder
    }

    /// Whether the end-of-stream marker was read (a stream can also end without one).
    pub fn saw_end_of_stream_marker(&self) -> bool {
        self.decoder.is_finished()
    }

    /// The source, positioned after the last message read.
    pub fn into_inner(self) -> S {
        self.source
    }
}

/// Feeds the decoder exactly the bytes it asks for until it produces something.
/// `Ok(None)` means the input ended cleanly between messages.
fn next_event<S: InputStream>(
    source: &mut S,
    decoder: &mut StreamDecoder,
) -> Result<Option<Decoded>> {
    loop {
        let need = decoder.needed();
        if need == 0 && decoder.is_finished() {
            return Ok(None);
        }
        let mut chunk = source
            .read_buffer_in(need, decoder.options().memory_pool())
            .map_err(|e| IpcError::io("reading the stream", e))?;
        if chunk.is_empty() && need > 0 {
            decoder.finish()?;
            return Ok(None);
        }
        let short = chunk.len() < need;
        if let Some(event) = decoder.decode(&mut chunk)? {
            return Ok(Some(event));
        }
        if short {
            decoder.finish()?;
            return Ok(None);
        }
    }
}

impl<S: InputStream> Iterator for StreamReader<S> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_batch().transpose()
    }
}
