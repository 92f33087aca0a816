//! [`StreamWriter`]: the streaming format.

use std::io::Write;

use quiver_array::{RecordBatch, Schema, SchemaRef, Table};

use crate::error::Result;
use crate::options::IpcWriteOptions;
use crate::write::core::WriterCore;

/// Writes record batches in the Arrow streaming format, like `pyarrow.ipc.new_stream`.
///
/// [`finish`](StreamWriter::finish) (or [`close`](StreamWriter::close)) writes the
/// end-of-stream marker and flushes the sink.
///
/// # Dropping an unfinished writer
///
/// Dropping a writer never writes: what the sink holds is what earlier calls wrote
/// (every message reaches the sink before [`write`](StreamWriter::write) returns; the
/// sink is not flushed). A stream that was never finished has no end-of-stream marker,
/// so Quiver's readers report it as cut off after its last complete batch (unless
/// [`IpcReadOptions::with_require_end_of_stream`](crate::IpcReadOptions::with_require_end_of_stream)
/// is turned off). [`FileWriter`](crate::FileWriter) behaves the same way. Like Arrow
/// C++ and arrow-rs, Quiver does not finish on drop: a writer dropped because of an
/// error or a panic must not make partial output look complete, and a destructor can
/// neither report an I/O error nor safely write while a panic unwinds.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_buffer::BufferOutputStream;
/// use quiver_ipc::StreamWriter;
///
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2, 3, 4])], &["f0"]).unwrap();
/// let mut sink = BufferOutputStream::new();
/// {
///     let mut writer = StreamWriter::try_new(&mut sink, batch.schema()).unwrap();
///     for _ in 0..5 {
///         writer.write_batch(&batch).unwrap();
///     }
///     writer.finish().unwrap();
/// }
/// let buf = sink.getvalue();
/// assert_eq!(&buf[buf.len() - 8..], &[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
/// ```
#[derive(Debug)]
pub struct StreamWriter<W: Write> {
    core: WriterCore<W>,
}

impl<W: Write> StreamWriter<W> {
    /// Writes the schema message with default options.
    pub fn try_new(sink: W, schema: &Schema) -> Result<Self> {
        Self::try_new_with_options(sink, schema, IpcWriteOptions::default())
    }

    /// Writes the schema message with the given options.
    pub fn try_new_with_options(
        sink: W,
        schema: &Schema,
        options: IpcWriteOptions,
    ) -> Result<Self> {
        let mut core = WriterCore::new(sink, schema, options, true)?;
        core.write_schema()?;
        Ok(Self { core })
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        self.core.schema()
    }

    /// Writes one batch (after any dictionary it needs).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.core.write_batch(batch).map(|_| ())
    }

    /// Writes one batch; pyarrow's name for [`write`](StreamWriter::write).
    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        self.write(batch)
    }

    /// Writes every batch of a table.
    pub fn write_table(&mut self, table: &Table) -> Result<()> {
        table.batches().iter().try_for_each(|b| self.write(b))
    }

    /// Writes the end-of-stream marker and flushes.
    ///
    /// Once it succeeded, calling it again does nothing. If it (or an earlier write)
    /// failed, the stream is incomplete and every later call fails too.
    pub fn finish(&mut self) -> Result<()> {
        self.core.finish(|_| Ok(()))
    }

    /// Finishes and returns the sink.
    pub fn close(mut self) -> Result<W> {
        self.finish()?;
        Ok(self.core.framer.sink)
    }

    /// The sink.
    pub fn get_ref(&self) -> &W {
        &self.core.framer.sink
    }
}
