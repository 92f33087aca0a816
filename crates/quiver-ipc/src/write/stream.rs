//! [`StreamWriter`]: the streaming format.

use std::io::Write;

use quiver_array::{RecordBatch, Schema, SchemaRef, Table};

use crate::error::{IpcError, Result};
use crate::options::IpcWriteOptions;
use crate::write::core::WriterCore;

/// Writes record batches in the Arrow streaming format, like `pyarrow.ipc.new_stream`.
///
/// [`finish`](StreamWriter::finish) (or [`close`](StreamWriter::close)) writes the
/// end-of-stream marker. A writer dropped without finishing instead writes a message
/// prefix that promises more bytes than follow, so every Arrow reader reports the stream
/// as truncated rather than silently taking it for complete.
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
    // `None` only after `close` moved the sink out.
    core: Option<WriterCore<W>>,
    schema: SchemaRef,
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
        Ok(Self {
            schema: core.schema().clone(),
            core: Some(core),
        })
    }

    fn core(&mut self) -> Result<&mut WriterCore<W>> {
        self.core
            .as_mut()
            .ok_or_else(|| IpcError::Usage("the writer is closed".into()))
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Writes one batch (after any dictionary it needs).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.core()?.write_batch(batch).map(|_| ())
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
        self.core()?.finish(|_| Ok(()))
    }

    /// Finishes and returns the sink.
    pub fn close(mut self) -> Result<W> {
        self.finish()?;
        self.core
            .take()
            .map(|c| c.framer.sink)
            .ok_or_else(|| IpcError::Usage("the writer is closed".into()))
    }

    /// The sink.
    pub fn get_ref(&self) -> Option<&W> {
        self.core.as_ref().map(|c| &c.framer.sink)
    }
}

impl<W: Write> Drop for StreamWriter<W> {
    fn drop(&mut self) {
        if let Some(core) = &mut self.core
            && !core.is_finished()
        {
            // A prefix announcing metadata that never comes: readers fail with
            // "truncated" instead of accepting a cut-off stream. Errors are ignored: there
            // is no one left to report them to.
            let len = crate::read::stream_decoder::DROPPED_WRITER_LENGTH as u32;
            let _ = core.framer.write_all(&[0xFF, 0xFF, 0xFF, 0xFF]);
            let _ = core.framer.write_all(&len.to_le_bytes());
            let _ = core.framer.flush();
        }
    }
}
