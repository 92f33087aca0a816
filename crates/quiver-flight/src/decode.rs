//! [`FlightData`] back to record batches: [`FlightMessageDecoder`] one message at a time
//! with no I/O, [`FlightDataDecoder`] and [`FlightRecordBatchStream`] over a stream.
//!
//! Every message goes through the IPC crate's [`MessageDecoder`], so it gets exactly the
//! checks a file gets: the flatbuffer is verified, every buffer must lie inside the body,
//! and the values are validated (offsets, UTF-8, dictionary indices, ...). The body is
//! not copied: the `Bytes` prost decoded from the gRPC frame becomes the [`Buffer`] the
//! arrays slice, wherever alignment allows (a misaligned buffer is copied to aligned
//! memory, as the IPC readers do).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use quiver_array::{RecordBatch, SchemaRef};
use quiver_buffer::Buffer;
use quiver_ipc::message::{DecodedMessage, MessageDecoder};
use quiver_ipc::{Decoded, IpcReadOptions, StreamDecoder};

use crate::data::FlightData;
use crate::error::{FlightError, Result};
use crate::proto::FlightDescriptor;

/// How incoming Flight data is decoded and what it may hold.
///
/// ```
/// use quiver_flight::decode::DecodeOptions;
///
/// let options = DecodeOptions::default().with_max_batches(1000);
/// assert_eq!(options.max_batches(), Some(1000));
/// ```
#[derive(Debug, Clone, Default)]
pub struct DecodeOptions {
    ipc: IpcReadOptions,
    max_batches: Option<usize>,
}

impl DecodeOptions {
    /// The IPC read options (validation level, memory pool, extension registry).
    pub fn with_ipc_options(mut self, options: IpcReadOptions) -> Self {
        self.ipc = options;
        self
    }

    /// At most `n` record batches in one stream; the next is a
    /// [`FlightError::Limit`].
    pub fn with_max_batches(mut self, n: usize) -> Self {
        self.max_batches = Some(n);
        self
    }

    /// The IPC read options.
    pub fn ipc_options(&self) -> &IpcReadOptions {
        &self.ipc
    }

    /// The batch limit, if any.
    pub fn max_batches(&self) -> Option<usize> {
        self.max_batches
    }
}

/// What one [`FlightData`] held.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DecodedPayload {
    /// No IPC message: the message carried only application metadata (or a descriptor).
    None,
    /// The schema; always the first IPC message of a stream.
    Schema(SchemaRef),
    /// A dictionary (or a delta to one) was read into the decoder's state.
    DictionaryBatch {
        /// The dictionary id.
        id: i64,
        /// Whether it was appended to the dictionary already known.
        is_delta: bool,
    },
    /// A record batch.
    RecordBatch(RecordBatch),
}

/// One decoded [`FlightData`]: its payload, with the descriptor and application metadata
/// that came with it.
#[derive(Debug, Clone)]
pub struct DecodedFlightData {
    /// The descriptor, when the message had one (the first message of an upload).
    pub descriptor: Option<FlightDescriptor>,
    /// The application metadata (empty when there was none).
    pub app_metadata: Bytes,
    /// What the IPC part of the message held.
    pub payload: DecodedPayload,
}

/// Decodes [`FlightData`] messages one at a time, keeping the schema and dictionaries
/// between them.
#[derive(Debug)]
pub struct FlightMessageDecoder {
    decoder: MessageDecoder,
    max_batches: Option<usize>,
}

impl FlightMessageDecoder {
    /// A decoder expecting the schema first.
    pub fn new(options: DecodeOptions) -> Self {
        Self {
            decoder: MessageDecoder::new(options.ipc),
            max_batches: options.max_batches,
        }
    }

    /// The schema, once decoded.
    pub fn schema(&self) -> Option<&SchemaRef> {
        self.decoder.schema()
    }

    /// Record batches decoded so far.
    pub fn num_batches(&self) -> usize {
        self.decoder.num_batches()
    }

    /// Decodes one message. Its body becomes a [`Buffer`] without a copy.
    pub fn decode(&mut self, data: FlightData) -> Result<DecodedFlightData> {
        let FlightData {
            flight_descriptor,
            data_header,
            app_metadata,
            data_body,
        } = data;
        let payload = if data_header.is_empty() {
            if !data_body.is_empty() {
                return Err(FlightError::protocol(format!(
                    "message {} has a body of {} bytes but no IPC header to read it with",
                    self.decoder.num_messages(),
                    data_body.len()
                )));
            }
            DecodedPayload::None
        } else {
            if self
                .max_batches
                .is_some_and(|max| self.decoder.num_batches() >= max)
            {
                return Err(FlightError::Limit(format!(
                    "the stream sent more than {} record batches, the most this side accepts",
                    self.decoder.num_batches()
                )));
            }
            let metadata = Buffer::from_owner(data_header);
            match self.decoder.decode(metadata, data_body.to_buffer())? {
                DecodedMessage::Schema(s) => DecodedPayload::Schema(s),
                DecodedMessage::DictionaryBatch { id, is_delta } => {
                    DecodedPayload::DictionaryBatch { id, is_delta }
                }
                DecodedMessage::RecordBatch(b) => DecodedPayload::RecordBatch(b),
                other => {
                    return Err(FlightError::protocol(format!(
                        "unexpected IPC message in a Flight stream: {other:?}"
                    )));
                }
            }
        };
        Ok(DecodedFlightData {
            descriptor: flight_descriptor,
            app_metadata,
            payload,
        })
    }
}

/// A stream of [`DecodedFlightData`] from a stream of [`FlightData`] (such as tonic's
/// `Streaming<FlightData>`). After an error it ends.
pub struct FlightDataDecoder {
    inner: Option<BoxStream<'static, Result<FlightData>>>,
    decoder: FlightMessageDecoder,
    /// Whether the end of the input was already held back once (see `poll_next`).
    end_held: bool,
}

impl std::fmt::Debug for FlightDataDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlightDataDecoder")
            .field("decoder", &self.decoder)
            .field("done", &self.inner.is_none())
            .finish()
    }
}

impl FlightDataDecoder {
    /// Decodes `inner` with the default options (full validation, no batch limit).
    pub fn new<S, E>(inner: S) -> Self
    where
        S: Stream<Item = std::result::Result<FlightData, E>> + Send + 'static,
        E: Into<FlightError>,
    {
        Self {
            inner: Some(inner.map(|r| r.map_err(Into::into)).boxed()),
            decoder: FlightMessageDecoder::new(DecodeOptions::default()),
            end_held: false,
        }
    }

    /// Sets the options; call it before the first message is read.
    pub fn with_options(mut self, options: DecodeOptions) -> Self {
        self.decoder = FlightMessageDecoder::new(options);
        self
    }

    /// The schema, once decoded.
    pub fn schema(&self) -> Option<&SchemaRef> {
        self.decoder.schema()
    }
}

impl Stream for FlightDataDecoder {
    type Item = Result<DecodedFlightData>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let item = match inner.poll_next_unpin(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) if !this.end_held => {
                // tonic reports a request stream the client cancelled (an HTTP/2 reset)
                // as a clean end. Holding the end back for one turn lets the server
                // (hyper polls for resets whenever the call is pending) see the reset
                // and drop the call, so a cancelled upload is never taken for a whole
                // one. Everywhere else this costs one extra wake-up per stream.
                this.end_held = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(None) => None,
            Poll::Ready(Some(Ok(data))) => Some(this.decoder.decode(data)),
            Poll::Ready(Some(Err(e))) => Some(Err(e)),
        };
        if !matches!(item, Some(Ok(_))) {
            this.inner = None;
        }
        Poll::Ready(item)
    }
}

/// The record batches of a Flight data stream (what `DoGet` answers and `DoPut`
/// uploads). Schema and dictionary messages are consumed on the way; the descriptor and
/// the latest application metadata can be read as the stream goes.
///
/// A stream that ends without a schema message is an error: Flight requires one even
/// when there are no batches.
pub struct FlightRecordBatchStream {
    inner: FlightDataDecoder,
    descriptor: Option<FlightDescriptor>,
    app_metadata: Bytes,
    seen_message: bool,
    done: bool,
}

impl std::fmt::Debug for FlightRecordBatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlightRecordBatchStream")
            .field("inner", &self.inner)
            .field("descriptor", &self.descriptor)
            .finish()
    }
}

impl FlightRecordBatchStream {
    /// The batches of `inner`, decoded with the default options.
    pub fn new<S, E>(inner: S) -> Self
    where
        S: Stream<Item = std::result::Result<FlightData, E>> + Send + 'static,
        E: Into<FlightError>,
    {
        Self {
            inner: FlightDataDecoder::new(inner),
            descriptor: None,
            app_metadata: Bytes::new(),
            seen_message: false,
            done: false,
        }
    }

    /// Sets the options; call it before the first batch is read.
    pub fn with_options(mut self, options: DecodeOptions) -> Self {
        self.inner = self.inner.with_options(options);
        self
    }

    /// The schema, once the first message was read (see [`read_schema`](Self::read_schema)).
    pub fn schema(&self) -> Option<&SchemaRef> {
        self.inner.schema()
    }

    /// Reads up to the schema message if it was not read yet, and returns the schema.
    /// Batches are not consumed.
    pub async fn read_schema(&mut self) -> Result<SchemaRef> {
        loop {
            if let Some(schema) = self.inner.schema() {
                return Ok(schema.clone());
            }
            match self.inner.next().await {
                None => return Err(self.missing_schema()),
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Some(Ok(m)) => {
                    self.note(&m);
                    if let DecodedPayload::RecordBatch(_) = m.payload {
                        // Unreachable: the IPC decoder refuses a batch before the schema.
                        return Err(FlightError::protocol("a record batch before the schema"));
                    }
                }
            }
        }
    }

    /// The descriptor of the stream (from its first message that had one).
    pub fn descriptor(&self) -> Option<&FlightDescriptor> {
        self.descriptor.as_ref()
    }

    /// The application metadata of the last message read (empty if it had none).
    pub fn app_metadata(&self) -> &Bytes {
        &self.app_metadata
    }

    fn note(&mut self, m: &DecodedFlightData) {
        self.seen_message = true;
        if self.descriptor.is_none() {
            self.descriptor.clone_from(&m.descriptor);
        }
        self.app_metadata = m.app_metadata.clone();
    }

    fn missing_schema(&mut self) -> FlightError {
        self.done = true;
        FlightError::protocol(if self.seen_message {
            "the stream ended before its schema message"
        } else {
            "the stream ended without any message; Flight streams start with a schema"
        })
    }
}

impl Stream for FlightRecordBatchStream {
    type Item = Result<RecordBatch>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        while !this.done {
            match this.inner.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.done = true;
                    if this.inner.schema().is_none() {
                        return Poll::Ready(Some(Err(this.missing_schema())));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(m))) => {
                    this.note(&m);
                    if let DecodedPayload::RecordBatch(b) = m.payload {
                        return Poll::Ready(Some(Ok(b)));
                    }
                }
            }
        }
        Poll::Ready(None)
    }
}

/// Reads the schema from Flight's `FlightInfo.schema` or `SchemaResult.schema`: an
/// encapsulated IPC schema message (the older form without the continuation marker is
/// accepted too).
pub fn schema_from_ipc(bytes: &Bytes) -> Result<SchemaRef> {
    let mut input = Buffer::from_owner(bytes.clone());
    let mut decoder = StreamDecoder::new(IpcReadOptions::default());
    match decoder.decode(&mut input)? {
        Some(Decoded::Schema(schema)) => Ok(schema),
        _ => Err(FlightError::protocol(format!(
            "the {} bytes given as a schema do not hold an IPC schema message",
            bytes.len()
        ))),
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use crate::encode::FlightMessageEncoder;
    use futures::TryStreamExt;
    use quiver_array::Array;

    fn messages(batch: &RecordBatch, copies: usize) -> Vec<FlightData> {
        let mut encoder = FlightMessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
        let mut out = vec![encoder.encode_schema()];
        for _ in 0..copies {
            encoder.encode_batch(batch, &mut out).unwrap();
        }
        out
    }

    fn batch() -> RecordBatch {
        RecordBatch::try_from_columns(
            vec![Array::from(vec![1i64, 2, 3]), Array::from(vec![Some("x"), None, Some("z")])],
            &["n", "s"],
        )
        .unwrap()
    }

    fn wire(data: Vec<FlightData>) -> impl Stream<Item = Result<FlightData>> + Send + 'static {
        futures::stream::iter(data.into_iter().map(Ok))
    }

    #[test]
    fn batches_come_back_equal_and_their_buffers_point_into_the_body() {
        let b = batch();
        let mut data = messages(&b, 1);
        // Re-encode the batch message as received bytes, aligned, to see zero-copy.
        let body = data[1].data_body.to_bytes();
        let aligned = Buffer::from_vec(body.to_vec());
        data[1].data_body = crate::data::FlightBody::from(Bytes::from_owner(aligned.clone()));
        let back: Vec<RecordBatch> =
            futures::executor::block_on(FlightRecordBatchStream::new(wire(data)).try_collect())
                .unwrap();
        assert_eq!(back.len(), 1);
        assert!(back[0].equals(&b));
        let values = back[0].column(0).unwrap().buffers().last().unwrap().clone();
        assert!(aligned.contains_ptr(values.as_ptr()), "the values were copied");
    }

    #[test]
    fn a_stream_without_a_schema_is_an_error() {
        let mut s = FlightRecordBatchStream::new(wire(vec![]));
        let err = futures::executor::block_on(s.next()).unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Flight protocol: the stream ended without any message; Flight streams start with a schema"
        );
        assert!(futures::executor::block_on(s.next()).is_none());

        let meta_only = FlightData::new().with_app_metadata(Bytes::from_static(b"hi"));
        let mut s = FlightRecordBatchStream::new(wire(vec![meta_only]));
        let err = futures::executor::block_on(s.next()).unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Flight protocol: the stream ended before its schema message"
        );
        assert_eq!(s.app_metadata(), &Bytes::from_static(b"hi"));
    }

    #[test]
    fn the_end_of_the_input_is_held_back_for_one_turn() {
        let b = batch();
        let mut s = FlightDataDecoder::new(wire(messages(&b, 0)));
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(matches!(s.poll_next_unpin(&mut cx), Poll::Ready(Some(Ok(_)))));
        assert!(s.poll_next_unpin(&mut cx).is_pending());
        assert!(matches!(s.poll_next_unpin(&mut cx), Poll::Ready(None)));
        assert!(matches!(s.poll_next_unpin(&mut cx), Poll::Ready(None)));
    }

    #[test]
    fn the_batch_limit_is_enforced() {
        let b = batch();
        let s = FlightRecordBatchStream::new(wire(messages(&b, 3)))
            .with_options(DecodeOptions::default().with_max_batches(2));
        let results: Vec<Result<RecordBatch>> = futures::executor::block_on(s.collect());
        assert_eq!(results.len(), 3);
        assert!(results[0].is_ok() && results[1].is_ok());
        let err = results[2].as_ref().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Flight limit: the stream sent more than 2 record batches, the most this side accepts"
        );
    }

    #[test]
    fn a_corrupt_header_is_an_ipc_error_and_ends_the_stream() {
        let b = batch();
        let mut data = messages(&b, 2);
        let mut header = data[1].data_header.to_vec();
        let n = header.len();
        header[n / 2] ^= 0xff;
        header[n / 2 + 1] ^= 0xff;
        data[1].data_header = Bytes::from(header);
        let results: Vec<Result<RecordBatch>> =
            futures::executor::block_on(FlightRecordBatchStream::new(wire(data)).collect());
        assert_eq!(results.len(), 1, "the stream ends after its first error");
        assert!(matches!(results[0], Err(FlightError::Ipc(_))), "{:?}", results[0]);
    }

    #[test]
    fn a_body_without_a_header_is_a_protocol_error() {
        let b = batch();
        let mut data = messages(&b, 0);
        data.push(FlightData::new().with_data_body(Bytes::from_static(b"12345678")));
        let results: Vec<Result<RecordBatch>> =
            futures::executor::block_on(FlightRecordBatchStream::new(wire(data)).collect());
        assert_eq!(
            results[0].as_ref().unwrap_err().to_string(),
            "Flight protocol: message 1 has a body of 8 bytes but no IPC header to read it with"
        );
    }

    #[test]
    fn schema_bytes_round_trip_and_garbage_is_refused() {
        let b = batch();
        let bytes = crate::encode::schema_to_ipc(b.schema()).unwrap();
        assert_eq!(schema_from_ipc(&bytes).unwrap().as_ref(), b.schema().as_ref());
        assert!(schema_from_ipc(&Bytes::from_static(b"not a schema")).is_err());
        assert!(schema_from_ipc(&Bytes::new()).is_err());
    }
}
