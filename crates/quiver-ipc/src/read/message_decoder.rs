//! [`MessageDecoder`]: one message at a time, from its metadata bytes and its body, with
//! no framing and no I/O. [`StreamDecoder`](crate::StreamDecoder) and
//! [`FileDecoder`](crate::FileDecoder) are drivers on top of it; Arrow Flight hands it
//! each `FlightData { data_header, data_body }`.

use std::sync::Arc;

use quiver_array::{Array, RecordBatch, SchemaRef};
use quiver_buffer::Buffer;

use crate::compression::CompressionCodec;
use crate::convert::schema::{IpcSchema, schema_from_fb};
use crate::error::{IpcError, Location, Result};
use crate::fb;
use crate::message::VerifiedMessage;
use crate::options::{Endianness, IpcReadOptions, MetadataVersion, Selection, project_schema};
use crate::read::array::{Body, Dictionaries};
use crate::read::decoder::{decode_dictionary, decode_record_batch, plan_record_batch};

/// What an IPC message holds, read from its metadata before its body is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageType {
    /// A schema (no body).
    Schema,
    /// A dictionary batch: the values of one dictionary, whole or a delta.
    DictionaryBatch,
    /// A record batch.
    RecordBatch,
    /// A dense tensor.
    Tensor,
    /// A sparse tensor.
    SparseTensor,
}

impl MessageType {
    pub(crate) fn from_fb(header: fb::MessageHeader) -> Option<Self> {
        Some(match header {
            fb::MessageHeader::Schema => Self::Schema,
            fb::MessageHeader::DictionaryBatch => Self::DictionaryBatch,
            fb::MessageHeader::RecordBatch => Self::RecordBatch,
            fb::MessageHeader::Tensor => Self::Tensor,
            fb::MessageHeader::SparseTensor => Self::SparseTensor,
            _ => return None,
        })
    }
}

/// A message's metadata (the `Message` flatbuffer), verified, with its bytes.
///
/// Verification checks the flatbuffer's structure against the limits of the read
/// options, the metadata version (V4 and V5 are read) and that the body length is not
/// negative nor over [`IpcReadOptions::with_max_message_size`].
///
/// ```
/// use quiver_ipc::message::{Message, MessageEncoder, MessageType};
/// use quiver_ipc::{IpcReadOptions, MetadataVersion};
/// use quiver_array::{DataType, Field, Schema};
///
/// let schema = Schema::new(vec![Field::new("x", DataType::Int32, true)]);
/// let mut encoder = MessageEncoder::try_new(&schema, Default::default()).unwrap();
/// let encoded = encoder.encode_schema();
/// let message = Message::try_new(encoded.metadata().clone(), &IpcReadOptions::default()).unwrap();
/// assert_eq!(message.message_type(), Some(MessageType::Schema));
/// assert_eq!(message.body_length(), 0);
/// assert_eq!(message.metadata_version(), MetadataVersion::V5);
///
/// let err = Message::try_new(quiver_buffer::Buffer::from_vec(b"hello".to_vec()), &IpcReadOptions::default());
/// assert!(err.unwrap_err().to_string().starts_with("malformed message metadata at input"));
/// ```
#[derive(Debug, Clone)]
pub struct Message {
    inner: VerifiedMessage,
}

impl Message {
    /// Verifies `metadata` (the flatbuffer bytes, without the framing prefix; trailing
    /// padding is allowed).
    pub fn try_new(metadata: Buffer, options: &IpcReadOptions) -> Result<Self> {
        Self::parse(metadata, options, &Location::default())
    }

    pub(crate) fn parse(metadata: Buffer, options: &IpcReadOptions, loc: &Location) -> Result<Self> {
        VerifiedMessage::parse(metadata, options.max_message_size(), loc).map(|inner| Self { inner })
    }

    /// What the message holds; `None` for a header type this reader does not know.
    pub fn message_type(&self) -> Option<MessageType> {
        MessageType::from_fb(self.inner.header)
    }

    /// Bytes of body that follow the metadata.
    pub fn body_length(&self) -> usize {
        self.inner.body_length
    }

    /// The metadata version the message was written with.
    pub fn metadata_version(&self) -> MetadataVersion {
        self.inner.version
    }

    /// The codec that compresses the body's buffers: `None` for an uncompressed record or
    /// dictionary batch and for every other message type; an error for a codec or
    /// compression method this reader does not know.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// use quiver_ipc::message::{Message, MessageEncoder};
    /// use quiver_ipc::{CompressionCodec, IpcReadOptions, IpcWriteOptions};
    ///
    /// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2])], &["n"]).unwrap();
    /// let options = IpcWriteOptions::default().with_compression(CompressionCodec::Zstd, None);
    /// let mut encoder = MessageEncoder::try_new(batch.schema(), options).unwrap();
    /// let read = IpcReadOptions::default();
    /// let schema = Message::try_new(encoder.encode_schema().metadata().clone(), &read).unwrap();
    /// assert_eq!(schema.body_compression().unwrap(), None);
    /// let encoded = encoder.encode_batch(&batch).unwrap();
    /// let message = Message::try_new(encoded[0].metadata().clone(), &read).unwrap();
    /// assert_eq!(message.body_compression().unwrap(), Some(CompressionCodec::Zstd));
    /// ```
    pub fn body_compression(&self) -> Result<Option<CompressionCodec>> {
        let message = self.inner.message();
        let batch = match self.inner.header {
            fb::MessageHeader::RecordBatch => message.header_as_record_batch(),
            fb::MessageHeader::DictionaryBatch => {
                message.header_as_dictionary_batch().and_then(|d| d.data())
            }
            _ => None,
        };
        batch
            .and_then(|b| b.compression())
            .map(|c| CompressionCodec::from_fb(c, &Location::default()))
            .transpose()
    }

    /// The id of the dictionary a dictionary batch message carries; `None` for every
    /// other message type.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// use quiver_ipc::message::{Message, MessageEncoder};
    /// use quiver_ipc::IpcReadOptions;
    ///
    /// let dict = Array::dictionary_from(Array::from(vec![0i32, 1]), Array::from(vec!["a", "b"]), false).unwrap();
    /// let batch = RecordBatch::try_from_columns(vec![dict], &["d"]).unwrap();
    /// let mut encoder = MessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
    /// let encoded = encoder.encode_batch(&batch).unwrap(); // the dictionary, then the batch
    /// let read = IpcReadOptions::default();
    /// let dictionary = Message::try_new(encoded[0].metadata().clone(), &read).unwrap();
    /// assert_eq!((dictionary.dictionary_id(), dictionary.is_delta()), (Some(0), false));
    /// let record_batch = Message::try_new(encoded[1].metadata().clone(), &read).unwrap();
    /// assert_eq!((record_batch.dictionary_id(), record_batch.is_delta()), (None, false));
    /// ```
    pub fn dictionary_id(&self) -> Option<i64> {
        self.dictionary_batch().map(|d| d.id())
    }

    /// Whether a dictionary batch message is a delta (its values are appended to the
    /// dictionary already known) rather than a whole dictionary; `false` for every other
    /// message type. See [`dictionary_id`](Message::dictionary_id).
    pub fn is_delta(&self) -> bool {
        self.dictionary_batch().is_some_and(|d| d.isDelta())
    }

    fn dictionary_batch(&self) -> Option<fb::DictionaryBatch<'_>> {
        match self.inner.header {
            fb::MessageHeader::DictionaryBatch => self.inner.message().header_as_dictionary_batch(),
            _ => None,
        }
    }

    /// The metadata bytes, as given.
    pub fn metadata(&self) -> &Buffer {
        self.inner.bytes()
    }

    pub(crate) fn verified(&self) -> &VerifiedMessage {
        &self.inner
    }
}

/// What [`MessageDecoder::decode`] made of one message.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DecodedMessage {
    /// The schema (projected when the read options set a projection). Always first.
    Schema(SchemaRef),
    /// A dictionary batch was read into the decoder's dictionary state: a new
    /// dictionary, a replacement, or (`is_delta`) values appended to one.
    DictionaryBatch {
        /// The dictionary id.
        id: i64,
        /// Whether the values were appended to the dictionary already known.
        is_delta: bool,
    },
    /// A record batch, its dictionaries resolved from the decoder's state.
    RecordBatch(RecordBatch),
}

/// Decodes IPC messages one at a time: given a message's metadata bytes and its body as
/// a [`Buffer`], it returns the schema, a dictionary update or a record batch. It keeps
/// the state a stream needs between messages (the schema and the dictionaries) and
/// does no framing and no I/O, so it serves streams, files, Arrow Flight's
/// `FlightData` and any transport that delivers whole messages.
///
/// Buffers of decoded arrays are slices of `body` wherever alignment, byte order and
/// compression allow: nothing is copied. Every message is checked as the readers check
/// it (structure always, values unless the options skip them).
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_ipc::message::{DecodedMessage, MessageDecoder, MessageEncoder};
///
/// let batch = RecordBatch::try_from_columns(
///     vec![Array::dictionary_from(Array::from(vec![0i32, 1, 0]), Array::from(vec!["a", "b"]), false).unwrap()],
///     &["d"],
/// )
/// .unwrap();
/// let mut encoder = MessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
/// let mut messages = vec![encoder.encode_schema()];
/// messages.extend(encoder.encode_batch(&batch).unwrap()); // the dictionary, then the batch
///
/// let mut decoder = MessageDecoder::new(Default::default());
/// let mut decoded = Vec::new();
/// for m in &messages {
///     decoded.push(decoder.decode(m.metadata().clone(), m.body()).unwrap());
/// }
/// assert!(matches!(decoded[0], DecodedMessage::Schema(_)));
/// assert!(matches!(decoded[1], DecodedMessage::DictionaryBatch { id: 0, is_delta: false }));
/// match &decoded[2] {
///     DecodedMessage::RecordBatch(b) => assert!(b.equals(&batch)),
///     other => panic!("expected a batch, got {other:?}"),
/// }
/// ```
#[derive(Debug)]
pub struct MessageDecoder {
    options: IpcReadOptions,
    schema: Option<IpcSchema>,
    output: Option<SchemaRef>,
    projection: Option<Vec<Selection>>,
    dictionaries: Dictionaries,
    /// Whether a whole dictionary may replace one already known (streams: yes; files:
    /// no).
    allow_replacement: bool,
    messages: usize,
    batches: usize,
}

impl MessageDecoder {
    /// A decoder expecting a schema message first.
    pub fn new(options: IpcReadOptions) -> Self {
        Self {
            options,
            schema: None,
            output: None,
            projection: None,
            dictionaries: Dictionaries::new(),
            allow_replacement: true,
            messages: 0,
            batches: 0,
        }
    }

    /// A decoder that already has its schema (from a file footer): dictionaries and
    /// record batches come next, and no dictionary may be replaced.
    pub(crate) fn for_file(schema: IpcSchema, options: IpcReadOptions) -> Result<Self> {
        let mut decoder = Self::new(options);
        decoder.allow_replacement = false;
        decoder.set_schema(schema)?;
        Ok(decoder)
    }

    /// The read options.
    pub fn options(&self) -> &IpcReadOptions {
        &self.options
    }

    /// The schema of the batches produced (projected if the options set a projection),
    /// once the schema message was decoded.
    pub fn schema(&self) -> Option<&SchemaRef> {
        self.output.as_ref()
    }

    /// The dictionary with id `id` as known so far (deltas applied).
    pub fn dictionary(&self, id: i64) -> Option<&Array> {
        self.dictionaries.get(&id)
    }

    /// The dictionary id of every field of the schema, as the schema message gave
    /// them, once the schema was decoded: one entry per field of a pre-order walk over
    /// the whole (unprojected) schema, in the order of
    /// [`Schema::dictionary_ids`](quiver_array::Schema::dictionary_ids), `Some(id)` for a
    /// dictionary-encoded field. Writers may number dictionaries differently from that
    /// method, and several fields may share one dictionary.
    ///
    /// ```
    /// use quiver_array::{DataType, Field, Schema};
    /// use quiver_ipc::message::{MessageDecoder, MessageEncoder};
    ///
    /// let dict = DataType::Dictionary { index: Box::new(DataType::Int8), value: Box::new(DataType::Utf8), ordered: false };
    /// let schema = Schema::new(vec![Field::new("n", DataType::Int32, true), Field::new("d", dict, true)]);
    /// let mut encoder = MessageEncoder::try_new(&schema, Default::default()).unwrap();
    /// let mut decoder = MessageDecoder::new(Default::default());
    /// assert_eq!(decoder.dictionary_ids(), None);
    /// let message = encoder.encode_schema();
    /// decoder.decode(message.metadata().clone(), message.body()).unwrap();
    /// assert_eq!(decoder.dictionary_ids(), Some(&[None, Some(0)][..]));
    /// ```
    pub fn dictionary_ids(&self) -> Option<&[Option<i64>]> {
        self.schema.as_ref().map(|s| s.dict_ids.as_slice())
    }

    /// The byte order the schema declares for the body buffers, once the schema was
    /// decoded. Big-endian data is swapped to the machine's order as it is read.
    ///
    /// ```
    /// use quiver_array::{DataType, Field, Schema};
    /// use quiver_ipc::message::{MessageDecoder, MessageEncoder};
    /// use quiver_ipc::Endianness;
    ///
    /// let schema = Schema::new(vec![Field::new("n", DataType::Int32, true)]);
    /// let mut encoder = MessageEncoder::try_new(&schema, Default::default()).unwrap();
    /// let mut decoder = MessageDecoder::new(Default::default());
    /// let message = encoder.encode_schema();
    /// decoder.decode(message.metadata().clone(), message.body()).unwrap();
    /// assert_eq!(decoder.endianness(), Some(Endianness::native()));
    /// ```
    pub fn endianness(&self) -> Option<Endianness> {
        self.schema.as_ref().map(|s| {
            if s.big_endian {
                Endianness::Big
            } else {
                Endianness::Little
            }
        })
    }

    /// Messages decoded so far.
    pub fn num_messages(&self) -> usize {
        self.messages
    }

    /// Record batches decoded so far.
    pub fn num_batches(&self) -> usize {
        self.batches
    }

    /// Verifies `metadata` and decodes the message with its `body`.
    pub fn decode(&mut self, metadata: Buffer, body: Buffer) -> Result<DecodedMessage> {
        let loc = self.location();
        let message = Message::parse(metadata, &self.options, &loc)?;
        self.decode_at(&message, &Body::Whole(body), loc)
    }

    /// Decodes a message whose metadata was already verified (to learn its body length
    /// first, for instance).
    pub fn decode_message(&mut self, message: &Message, body: Buffer) -> Result<DecodedMessage> {
        let loc = self.location();
        self.decode_at(message, &Body::Whole(body), loc)
    }

    fn location(&self) -> Location {
        Location {
            message: Some(self.messages),
            ..Location::default()
        }
    }

    pub(crate) fn projection(&self) -> Option<&[Selection]> {
        self.projection.as_deref()
    }

    fn set_schema(&mut self, ipc: IpcSchema) -> Result<SchemaRef> {
        let projection = self.options.resolve_projection(&ipc.schema)?;
        let output = project_schema(&ipc.schema, projection.as_deref());
        self.projection = projection;
        self.schema = Some(ipc);
        self.output = Some(Arc::clone(&output));
        Ok(output)
    }

    /// Decodes one message; `loc` says where it is for errors. The message count grows
    /// whether or not decoding succeeds.
    pub(crate) fn decode_at(
        &mut self,
        message: &Message,
        body: &Body,
        loc: Location,
    ) -> Result<DecodedMessage> {
        self.messages = self.messages.saturating_add(1);
        let msg = message.verified();
        if msg.body_length != body.len() {
            return Err(IpcError::malformed(
                loc,
                format!(
                    "the metadata announces a body of {} bytes but {} were given",
                    msg.body_length,
                    body.len()
                ),
            ));
        }
        match (msg.header, &self.schema) {
            (fb::MessageHeader::Schema, None) => {
                let m = msg.message();
                let s = m.header_as_schema().ok_or_else(|| {
                    IpcError::malformed_metadata(loc.clone(), "message says schema but holds none")
                })?;
                let ipc = schema_from_fb(s, self.options.extension_registry(), &loc)?;
                Ok(DecodedMessage::Schema(self.set_schema(ipc)?))
            }
            (fb::MessageHeader::Schema, Some(_)) => {
                Err(IpcError::malformed(loc, "a second schema message"))
            }
            (_, None) => Err(IpcError::malformed(
                loc,
                "the stream does not start with a schema message",
            )),
            (fb::MessageHeader::RecordBatch, Some(_)) => {
                let loc = Location {
                    batch: loc.batch.or(Some(self.batches)),
                    ..loc
                };
                let batch = self.decode_record_batch_at(message, body, &loc)?;
                self.batches = self.batches.saturating_add(1);
                Ok(DecodedMessage::RecordBatch(batch))
            }
            (fb::MessageHeader::DictionaryBatch, Some(schema)) => {
                let m = msg.message();
                let (id, is_delta) = m
                    .header_as_dictionary_batch()
                    .map_or((0, false), |d| (d.id(), d.isDelta()));
                if !self.allow_replacement && !is_delta && self.dictionaries.contains_key(&id) {
                    return Err(IpcError::malformed(
                        loc,
                        "a dictionary is defined twice; the file format does not allow replacement",
                    ));
                }
                decode_dictionary(
                    msg,
                    body,
                    schema,
                    &mut self.dictionaries,
                    &self.options,
                    &loc,
                )?;
                Ok(DecodedMessage::DictionaryBatch { id, is_delta })
            }
            (fb::MessageHeader::Tensor | fb::MessageHeader::SparseTensor, _) => Err(
                IpcError::unsupported(loc, "a tensor message inside a record batch stream"),
            ),
            (other, _) => Err(IpcError::malformed_metadata(
                loc,
                format!("unknown message type {}", other.0),
            )),
        }
    }

    /// Decodes a record batch message without touching the decoder's state, so a file
    /// decoder shared between threads serves any block in any order.
    pub(crate) fn decode_record_batch_at(
        &self,
        message: &Message,
        body: &Body,
        loc: &Location,
    ) -> Result<RecordBatch> {
        let msg = message.verified();
        let schema = self.schema.as_ref().ok_or_else(|| {
            IpcError::malformed(loc.clone(), "a record batch before the schema")
        })?;
        if msg.header != fb::MessageHeader::RecordBatch {
            return Err(IpcError::malformed(loc.clone(), "the message holds no record batch"));
        }
        decode_record_batch(
            msg,
            body,
            schema,
            self.output.as_ref().unwrap_or(&schema.schema),
            self.projection.as_deref(),
            &self.dictionaries,
            &self.options,
            loc,
        )
    }

    /// The body ranges a record batch message's projected columns need.
    pub(crate) fn plan(
        &self,
        message: &Message,
        projection: &[Selection],
        loc: &Location,
    ) -> Result<Vec<(usize, usize)>> {
        let schema = self.schema.as_ref().ok_or_else(|| {
            IpcError::malformed(loc.clone(), "a record batch before the schema")
        })?;
        plan_record_batch(
            message.verified(),
            message.body_length(),
            schema,
            projection,
            &self.dictionaries,
            &self.options,
            loc,
        )
    }
}
