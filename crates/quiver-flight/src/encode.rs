//! Record batches to [`FlightData`]: [`FlightMessageEncoder`] does it one batch at a time
//! with no I/O; [`FlightDataEncoder`] does it for a whole stream of batches.
//!
//! Both sit on the IPC crate's [`MessageEncoder`]: a Flight message is the IPC message's
//! flatbuffer metadata and body, with no stream framing. Column buffers are not copied
//! here: each [`FlightData`] body holds them as they are, and they are written once,
//! into the gRPC frame.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use quiver_array::{RecordBatch, Schema, SchemaRef};
use quiver_ipc::message::{EncodedMessageRef, MessageEncoder, MessageType};
use quiver_ipc::{IpcWriteOptions, StreamWriter};

use crate::data::{FlightBody, FlightData};
use crate::error::{FlightError, Result};
use crate::proto::FlightDescriptor;

/// The message size [`FlightMessageEncoder`] splits batches to by default: 4 MiB, the
/// receive limit gRPC implementations start with (arrow-rs and grpc-go among them), so
/// any Flight peer accepts what Quiver sends.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 << 20;

/// Room left for the metadata and the protobuf framing when a body is sized against the
/// message limit.
const METADATA_ALLOWANCE: usize = 64 << 10;

/// Encodes a schema and record batches into [`FlightData`] messages, one call at a time,
/// with no I/O: the dictionaries a batch needs go first (deltas when the options ask
/// for them), and a batch whose body is over the message size is sent as several
/// smaller batches.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_flight::decode::{DecodedPayload, FlightMessageDecoder};
/// use quiver_flight::encode::FlightMessageEncoder;
///
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2, 3])], &["n"]).unwrap();
/// let mut encoder = FlightMessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
/// let mut messages = vec![encoder.encode_schema()];
/// encoder.encode_batch(&batch, &mut messages).unwrap();
///
/// let mut decoder = FlightMessageDecoder::new(Default::default());
/// let mut batches = Vec::new();
/// for m in messages {
///     if let DecodedPayload::RecordBatch(b) = decoder.decode(m).unwrap().payload {
///         batches.push(b);
///     }
/// }
/// assert!(batches[0].equals(&batch));
/// ```
#[derive(Debug)]
pub struct FlightMessageEncoder {
    encoder: MessageEncoder,
    max_message_size: usize,
}

impl FlightMessageEncoder {
    /// An encoder for batches of `schema`.
    pub fn try_new(schema: &Schema, options: IpcWriteOptions) -> Result<Self> {
        Ok(Self {
            encoder: MessageEncoder::try_new(schema, options)?,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        })
    }

    /// Splits batches so that each message stays under `bytes` (at least 64 KiB more
    /// than the metadata needs; smaller values are raised to 128 KiB). A single row
    /// bigger than that is sent whole.
    pub fn with_max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes.max(2 * METADATA_ALLOWANCE);
        self
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        self.encoder.schema()
    }

    /// The schema message.
    pub fn encode_schema(&mut self) -> FlightData {
        self.encoder.encode_schema_with(to_flight_data)
    }

    /// Appends to `out` the messages for `batch`: its dictionaries, then the batch (or
    /// the slices of it that fit the message size). Nothing is appended on error.
    pub fn encode_batch(&mut self, batch: &RecordBatch, out: &mut Vec<FlightData>) -> Result<()> {
        self.encode_batch_with_metadata(batch, Bytes::new(), out)
    }

    /// Like [`encode_batch`](Self::encode_batch), with `app_metadata` on the (first)
    /// record batch message.
    pub fn encode_batch_with_metadata(
        &mut self,
        batch: &RecordBatch,
        app_metadata: Bytes,
        out: &mut Vec<FlightData>,
    ) -> Result<()> {
        let start = out.len();
        let result = self.encode_into(batch, app_metadata, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    fn encode_into(
        &mut self,
        batch: &RecordBatch,
        app_metadata: Bytes,
        out: &mut Vec<FlightData>,
    ) -> Result<()> {
        let limit = self.max_message_size.saturating_sub(METADATA_ALLOWANCE);
        let mut too_big = None;
        self.encoder.encode_batch_with(batch, |m| {
            if m.message_type() == MessageType::RecordBatch && m.body_length() > limit {
                too_big = Some(m.body_length());
            } else {
                out.push(to_flight_data(m));
            }
            Ok(())
        })?;
        let Some(body) = too_big else {
            if let Some(last) = out.last_mut() {
                last.app_metadata = app_metadata;
            }
            return Ok(());
        };
        // Slice the batch in pieces of a whole number of 64 rows (so validity bitmaps
        // slice on byte boundaries) that should each fit, and encode each in turn. The
        // dictionaries were sent above; the slices share them, so none is sent again.
        let rows = batch.num_rows();
        let pieces = body.div_ceil(limit.max(1)).max(2);
        let step = rows.div_ceil(pieces).next_multiple_of(64).min(rows).max(1);
        let mut first = true;
        let mut offset = 0;
        while offset < rows {
            let len = step.min(rows - offset);
            let piece = batch
                .slice(offset, len)
                .map_err(quiver_ipc::IpcError::from)?;
            let metadata = if first {
                app_metadata.clone()
            } else {
                Bytes::new()
            };
            first = false;
            if len == rows {
                // One row that does not fit: send it whole.
                self.encoder
                    .encode_batch_with(&piece, |m| {
                        out.push(to_flight_data(m));
                        Ok(())
                    })
                    .map_err(FlightError::from)?;
                if let Some(last) = out.last_mut() {
                    last.app_metadata = metadata;
                }
            } else {
                self.encode_into(&piece, metadata, out)?;
            }
            offset += len;
        }
        Ok(())
    }
}

/// A [`FlightData`] holding `m`: the metadata copied (it is small and borrowed from the
/// encoder's scratch space), the body buffers shared.
fn to_flight_data(m: EncodedMessageRef<'_>) -> FlightData {
    let body = if m.body_length() == 0 {
        FlightBody::default()
    } else {
        FlightBody::from_parts(Arc::from(m.body_parts()), m.body_length())
    };
    FlightData {
        flight_descriptor: None,
        data_header: Bytes::copy_from_slice(m.metadata()),
        app_metadata: Bytes::new(),
        data_body: body,
    }
}

/// The schema as Flight's `FlightInfo.schema` and `SchemaResult.schema` carry it: an
/// encapsulated IPC schema message (continuation marker, length, metadata, padding).
///
/// ```
/// use quiver_array::{DataType, Field, Schema};
/// use quiver_flight::decode::schema_from_ipc;
/// use quiver_flight::encode::schema_to_ipc;
///
/// let schema = Schema::new(vec![Field::new("n", DataType::Int64, true)]);
/// let bytes = schema_to_ipc(&schema).unwrap();
/// assert_eq!(&bytes[..4], &[0xff; 4]);
/// assert_eq!(*schema_from_ipc(&bytes).unwrap(), schema);
/// ```
pub fn schema_to_ipc(schema: &Schema) -> Result<Bytes> {
    let writer = StreamWriter::try_new(Vec::new(), schema)?;
    let mut bytes = writer.close()?;
    // Drop the end-of-stream marker (continuation, zero length) the stream ends with.
    let end = bytes.len().saturating_sub(8);
    bytes.truncate(end);
    Ok(Bytes::from(bytes))
}

/// Builds a [`FlightDataEncoder`].
///
/// ```
/// use futures::{StreamExt, TryStreamExt, stream};
/// use quiver_array::{Array, RecordBatch};
/// use quiver_flight::decode::FlightRecordBatchStream;
/// use quiver_flight::encode::FlightDataEncoderBuilder;
///
/// # futures::executor::block_on(async {
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2, 3])], &["n"]).unwrap();
/// let schema = batch.schema().clone();
/// let encoder = FlightDataEncoderBuilder::new()
///     .build(schema, stream::iter(vec![Ok(batch.clone()), Ok(batch.clone())]));
/// let batches: Vec<_> = FlightRecordBatchStream::new(encoder).try_collect().await.unwrap();
/// assert_eq!(batches.len(), 2);
/// assert!(batches[1].equals(&batch));
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct FlightDataEncoderBuilder {
    options: IpcWriteOptions,
    descriptor: Option<FlightDescriptor>,
    max_message_size: Option<usize>,
    app_metadata: Bytes,
}

impl FlightDataEncoderBuilder {
    /// Default options: no compression, 4 MiB messages, no descriptor.
    pub fn new() -> Self {
        Self::default()
    }

    /// The IPC write options (compression, alignment, dictionary deltas).
    pub fn with_options(mut self, options: IpcWriteOptions) -> Self {
        self.options = options;
        self
    }

    /// A descriptor to put on the first message (`DoPut` and `DoExchange` need one).
    pub fn with_descriptor(mut self, descriptor: FlightDescriptor) -> Self {
        self.descriptor = Some(descriptor);
        self
    }

    /// The message size batches are split to (see
    /// [`FlightMessageEncoder::with_max_message_size`]).
    pub fn with_max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = Some(bytes);
        self
    }

    /// Application metadata for the schema message.
    pub fn with_app_metadata(mut self, app_metadata: Bytes) -> Self {
        self.app_metadata = app_metadata;
        self
    }

    /// The encoder of `batches`, which must all have `schema`. The schema message is
    /// the first message even when there is no batch.
    pub fn build<S>(self, schema: SchemaRef, batches: S) -> FlightDataEncoder
    where
        S: Stream<Item = Result<RecordBatch>> + Send + 'static,
    {
        let encoder = FlightMessageEncoder::try_new(&schema, self.options).map(|e| {
            match self.max_message_size {
                Some(max) => e.with_max_message_size(max),
                None => e,
            }
        });
        let mut queue = VecDeque::new();
        let (encoder, failed) = match encoder {
            Ok(mut encoder) => {
                let mut first = encoder.encode_schema();
                first.flight_descriptor = self.descriptor;
                first.app_metadata = self.app_metadata;
                queue.push_back(first);
                (Some(encoder), None)
            }
            Err(e) => (None, Some(e)),
        };
        FlightDataEncoder {
            encoder,
            input: Some(batches.boxed()),
            queue,
            scratch: Vec::new(),
            failed,
        }
    }
}

/// A stream of [`FlightData`] made from a stream of record batches: the schema first,
/// then each batch's dictionaries and the batch. Made by [`FlightDataEncoderBuilder`].
///
/// The first error (from the input, or a batch that does not fit the schema) is the last
/// item.
pub struct FlightDataEncoder {
    encoder: Option<FlightMessageEncoder>,
    input: Option<BoxStream<'static, Result<RecordBatch>>>,
    queue: VecDeque<FlightData>,
    scratch: Vec<FlightData>,
    failed: Option<FlightError>,
}

impl std::fmt::Debug for FlightDataEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlightDataEncoder")
            .field("queued", &self.queue.len())
            .field("done", &self.input.is_none())
            .finish()
    }
}

impl FlightDataEncoder {
    /// The schema of the batches.
    pub fn schema(&self) -> Option<&SchemaRef> {
        self.encoder.as_ref().map(FlightMessageEncoder::schema)
    }
}

impl Stream for FlightDataEncoder {
    type Item = Result<FlightData>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(next) = this.queue.pop_front() {
                return Poll::Ready(Some(Ok(next)));
            }
            if let Some(e) = this.failed.take() {
                this.input = None;
                this.encoder = None;
                return Poll::Ready(Some(Err(e)));
            }
            let (Some(input), Some(encoder)) = (this.input.as_mut(), this.encoder.as_mut()) else {
                return Poll::Ready(None);
            };
            match input.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.input = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => this.failed = Some(e),
                Poll::Ready(Some(Ok(batch))) => {
                    match encoder.encode_batch(&batch, &mut this.scratch) {
                        Ok(()) => this.queue.extend(this.scratch.drain(..)),
                        Err(e) => this.failed = Some(e),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{DecodedPayload, FlightMessageDecoder};
    use quiver_array::Array;

    fn decode_all(messages: Vec<FlightData>) -> Vec<RecordBatch> {
        let mut decoder = FlightMessageDecoder::new(Default::default());
        messages
            .into_iter()
            .filter_map(|m| match decoder.decode(m).unwrap().payload {
                DecodedPayload::RecordBatch(b) => Some(b),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_batch_over_the_message_size_is_sent_in_slices_of_64_rows() {
        let n = 100_000usize;
        let values: Vec<Option<i64>> = (0..n as i64).map(|i| (i % 7 != 0).then_some(i)).collect();
        let batch = RecordBatch::try_from_columns(vec![Array::from(values)], &["n"]).unwrap();
        // 800 KB of values + 12.5 KB of validity: at most 128 KiB - 64 KiB per body.
        let mut encoder = FlightMessageEncoder::try_new(batch.schema(), Default::default())
            .unwrap()
            .with_max_message_size(128 << 10);
        let mut out = vec![encoder.encode_schema()];
        encoder
            .encode_batch_with_metadata(&batch, Bytes::from_static(b"m"), &mut out)
            .unwrap();
        assert!(out.len() > 13, "{} messages", out.len());
        assert!(out.iter().all(|m| m.data_body.len() <= 64 << 10));
        assert_eq!(out[1].app_metadata, Bytes::from_static(b"m"));
        assert!(out[2..].iter().all(|m| m.app_metadata.is_empty()));
        let back = decode_all(out);
        assert!(
            back.iter()
                .all(|b| b.num_rows() % 64 == 0 || b.num_rows() == n % back[0].num_rows())
        );
        let rows: usize = back.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, n);
        let mut offset = 0;
        for b in &back {
            assert!(b.equals(&batch.slice(offset, b.num_rows()).unwrap()));
            offset += b.num_rows();
        }
    }

    #[test]
    fn dictionaries_go_first_and_once() {
        let dict = |keys: Vec<i32>| {
            Array::dictionary_from(Array::from(keys), Array::from(vec!["a", "b"]), false).unwrap()
        };
        let batch = RecordBatch::try_from_columns(vec![dict(vec![0, 1, 0])], &["d"]).unwrap();
        let mut encoder =
            FlightMessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
        let mut out = vec![encoder.encode_schema()];
        encoder.encode_batch(&batch, &mut out).unwrap();
        encoder.encode_batch(&batch, &mut out).unwrap();
        assert_eq!(out.len(), 4, "schema, dictionary, batch, batch");
        let back = decode_all(out);
        assert_eq!(back.len(), 2);
        assert!(back[1].equals(&batch));
    }

    #[test]
    fn a_batch_of_another_schema_appends_nothing() {
        let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64])], &["n"]).unwrap();
        let other = RecordBatch::try_from_columns(vec![Array::from(vec![1i32])], &["n"]).unwrap();
        let mut encoder =
            FlightMessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
        let mut out = Vec::new();
        let err = encoder.encode_batch(&other, &mut out).unwrap_err();
        assert!(out.is_empty());
        assert!(matches!(err, FlightError::Ipc(_)), "{err}");
    }
}
