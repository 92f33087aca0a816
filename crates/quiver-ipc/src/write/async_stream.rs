//! [`AsyncStreamWriter`]: the streaming format onto a tokio [`AsyncWrite`].

use std::ops::Range;

use quiver_array::{RecordBatch, Schema, SchemaRef};
use quiver_buffer::Buffer;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::{IpcError, Result};
use crate::message::EncodedMessageRef;
use crate::options::IpcWriteOptions;
use crate::write::core::WriterState;
use crate::write::framer::{DIRECT, END_OF_STREAM, FramedMessage};
use crate::write::message_encoder::MessageEncoder;

/// What a writer whose `write` or `finish` future was dropped midway reports.
const CANCELLED: &str = "a write or finish was cancelled before it completed";

/// Writes record batches in the Arrow streaming format to a tokio [`AsyncWrite`] (a
/// socket, a pipe, a file): the async form of [`StreamWriter`](crate::StreamWriter).
///
/// For the same batches and options it writes exactly the bytes `StreamWriter` writes.
/// Column buffers go to the sink as they are, never copied into an intermediate buffer;
/// only small pieces (prefixes, metadata, padding, buffers under 64 KiB) are gathered
/// so the sink gets few writes. Every message reaches the sink before
/// [`write`](Self::write) returns; the sink is flushed only by
/// [`finish`](Self::finish), which also writes the end-of-stream marker.
///
/// # Cancellation and errors
///
/// If a `write` or `finish` future is dropped before it completes, or fails after it
/// started sending, the sink holds part of a message: every later call returns an
/// [`IpcError::Usage`] saying the output is incomplete. A batch refused before anything
/// is sent (another schema, values that fail their checks) leaves the writer usable.
/// Like the sync writers, dropping the writer never writes the end-of-stream marker.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_ipc::AsyncStreamWriter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> quiver_ipc::Result<()> {
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2, 3, 4])], &["f0"])?;
/// let mut writer = AsyncStreamWriter::try_new(Vec::new(), batch.schema()).await?;
/// writer.write(&batch).await?;
/// writer.finish().await?;
/// let bytes = writer.into_inner();
/// assert_eq!(&bytes[bytes.len() - 8..], &[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
///
/// // The same bytes as the sync writer's.
/// let mut sync = quiver_ipc::StreamWriter::try_new(Vec::new(), batch.schema())?;
/// sync.write(&batch)?;
/// assert_eq!(sync.close()?, bytes);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncStreamWriter<W> {
    sink: W,
    /// Makes every message; the writer only frames and emits.
    encoder: MessageEncoder,
    state: WriterState,
    /// Bytes written so far, so every body lands on the alignment boundary.
    position: u64,
    /// Small pieces waiting to be handed to the sink together.
    gathered: Vec<u8>,
    /// The messages of the batch being written, reused from batch to batch.
    pending: Pending,
}

/// The messages of one batch, kept from the encoder's scratch space until written: their
/// metadata copied side by side, their body parts shared (never copied).
#[derive(Debug, Default)]
struct Pending {
    metadata: Vec<u8>,
    parts: Vec<(usize, Buffer)>,
    /// Each message's metadata and parts (ranges of the vectors above), body length.
    messages: Vec<(Range<usize>, Range<usize>, usize)>,
}

impl Pending {
    fn push(&mut self, m: EncodedMessageRef<'_>) {
        let metadata = self.metadata.len()..self.metadata.len() + m.metadata().len();
        self.metadata.extend_from_slice(m.metadata());
        let parts = self.parts.len()..self.parts.len() + m.body_parts().len();
        self.parts.extend_from_slice(m.body_parts());
        self.messages.push((metadata, parts, m.body_length()));
    }

    /// Forgets the messages (releasing the body parts), keeping the allocations.
    fn clear(&mut self) {
        self.metadata.clear();
        self.parts.clear();
        self.messages.clear();
    }
}

impl<W: AsyncWrite + Unpin> AsyncStreamWriter<W> {
    /// Writes the schema message with default options.
    pub async fn try_new(sink: W, schema: &Schema) -> Result<Self> {
        Self::try_new_with_options(sink, schema, IpcWriteOptions::default()).await
    }

    /// Writes the schema message with the given options: compression, alignment,
    /// metadata version, dictionary deltas.
    pub async fn try_new_with_options(
        sink: W,
        schema: &Schema,
        options: IpcWriteOptions,
    ) -> Result<Self> {
        let mut writer = Self {
            sink,
            encoder: MessageEncoder::try_new(schema, options)?,
            state: WriterState::Open,
            position: 0,
            gathered: Vec::with_capacity(DIRECT),
            pending: Pending::default(),
        };
        let message = writer.encoder.encode_schema();
        writer
            .emit(
                message.metadata(),
                message.body_parts(),
                message.body_length(),
            )
            .await?;
        writer.hand_over().await?;
        Ok(writer)
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        self.encoder.schema()
    }

    /// Writes one batch (after any dictionary message it needs).
    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.state.check_open()?;
        // A refused batch changes nothing: the writer stays usable.
        self.encoder.check_batch(batch)?;
        // Until this call completes, the output may hold part of a message.
        self.state = WriterState::Failed(CANCELLED.into());
        let result = self.send(batch).await;
        self.state = WriterState::Open;
        self.state.poison_on_error(result)
    }

    /// Writes every batch of a table.
    pub async fn write_table(&mut self, table: &quiver_array::Table) -> Result<()> {
        for batch in table.batches() {
            self.write(batch).await?;
        }
        Ok(())
    }

    /// Writes the end-of-stream marker and flushes the sink.
    ///
    /// Once it succeeded, calling it again does nothing. If it (or an earlier write)
    /// failed or was cancelled, the stream is incomplete and every later call fails too.
    pub async fn finish(&mut self) -> Result<()> {
        self.state.check_not_failed()?;
        if self.state.is_finished() {
            return Ok(());
        }
        self.state = WriterState::Failed(CANCELLED.into());
        let result = self.write_end().await;
        self.state = WriterState::Open;
        self.state.poison_on_error(result)?;
        self.state = WriterState::Finished;
        Ok(())
    }

    /// The sink.
    pub fn get_ref(&self) -> &W {
        &self.sink
    }

    /// The sink. Call [`finish`](Self::finish) first for a complete stream.
    pub fn into_inner(self) -> W {
        self.sink
    }

    async fn send(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut pending = std::mem::take(&mut self.pending);
        let mut result = self.encoder.encode_checked_batch_with(batch, |m| {
            pending.push(m);
            Ok(())
        });
        if result.is_ok() {
            result = self.emit_all(&pending).await;
        }
        pending.clear();
        self.pending = pending;
        result
    }

    async fn emit_all(&mut self, pending: &Pending) -> Result<()> {
        for (metadata, parts, body_length) in &pending.messages {
            let metadata = pending.metadata.get(metadata.clone()).unwrap_or_default();
            let parts = pending.parts.get(parts.clone()).unwrap_or_default();
            self.emit(metadata, parts, *body_length).await?;
        }
        self.hand_over().await
    }

    async fn write_end(&mut self) -> Result<()> {
        self.put(&END_OF_STREAM).await?;
        self.hand_over().await?;
        self.sink
            .flush()
            .await
            .map_err(|e| IpcError::io("flushing the sink", e))
    }

    /// Frames one message exactly as the sync writers do.
    async fn emit(
        &mut self,
        metadata: &[u8],
        parts: &[(usize, Buffer)],
        body_length: usize,
    ) -> Result<()> {
        let alignment = self.encoder.options().alignment();
        let frame = FramedMessage::new(self.position, alignment, metadata, parts, body_length)?;
        for piece in frame.pieces() {
            self.put(piece).await?;
        }
        Ok(())
    }

    /// Gathers a small piece, or writes a large one straight from where it lies.
    async fn put(&mut self, piece: &[u8]) -> Result<()> {
        if piece.len() >= DIRECT {
            self.hand_over().await?;
            self.sink
                .write_all(piece)
                .await
                .map_err(|e| IpcError::io("writing to the sink", e))?;
        } else {
            self.gathered.extend_from_slice(piece);
            if self.gathered.len() >= DIRECT {
                self.hand_over().await?;
            }
        }
        self.position += piece.len() as u64;
        Ok(())
    }

    /// Writes the gathered pieces to the sink (without flushing it).
    async fn hand_over(&mut self) -> Result<()> {
        if !self.gathered.is_empty() {
            let result = self.sink.write_all(&self.gathered).await;
            self.gathered.clear();
            result.map_err(|e| IpcError::io("writing to the sink", e))?;
        }
        Ok(())
    }
}
