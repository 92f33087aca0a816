//! [`MessageEncoder`]: a schema and its record batches become IPC messages, each as
//! (flatbuffer metadata bytes, body buffers), with no framing and no I/O. The stream and
//! file writers frame what it produces; Arrow Flight sends it as
//! `FlightData { data_header, data_body }`.

use std::io::Write;
use std::sync::Arc;

use quiver_array::{RecordBatch, Schema, SchemaRef};
use quiver_buffer::{Buffer, MutableBuffer};

use crate::convert::types::ensure_writable;
use crate::error::{IpcError, Result};
use crate::framing::zero_padding;
use crate::options::IpcWriteOptions;
use crate::read::message_decoder::MessageType;
use crate::write::dictionary::{DictionaryMessage, DictionaryTracker};
use crate::write::encoder::Encoder;

/// One encoded message, borrowed from the encoder's scratch space: valid until the
/// encoder encodes the next message. [`to_owned`](EncodedMessageRef::to_owned) keeps it.
///
/// The body is given as parts, each a [`Buffer`] at its offset in the body; the bytes
/// between parts (and after the last, up to [`body_length`](Self::body_length)) are
/// zero padding. Column buffers are parts as they are, never copied.
#[derive(Debug, Clone, Copy)]
pub struct EncodedMessageRef<'a> {
    message_type: MessageType,
    metadata: &'a [u8],
    parts: &'a [(usize, Buffer)],
    body_length: usize,
}

impl<'a> EncodedMessageRef<'a> {
    /// What the message holds.
    pub fn message_type(&self) -> MessageType {
        self.message_type
    }

    /// The `Message` flatbuffer, unpadded.
    pub fn metadata(&self) -> &'a [u8] {
        self.metadata
    }

    /// The body parts: `(offset in the body, bytes)`, in order, not overlapping.
    pub fn body_parts(&self) -> &'a [(usize, Buffer)] {
        self.parts
    }

    /// The body's length, padding included (a multiple of the writer's alignment).
    pub fn body_length(&self) -> usize {
        self.body_length
    }

    /// Writes the body (parts and padding, exactly `body_length` bytes) to `sink`.
    pub fn write_body<W: Write>(&self, sink: &mut W) -> std::io::Result<()> {
        write_body(self.parts, self.body_length, sink)
    }

    /// An owned copy: the metadata bytes are copied, the body parts are shared.
    pub fn to_owned(&self) -> EncodedMessage {
        EncodedMessage {
            message_type: self.message_type,
            metadata: Buffer::from_slice_ref(self.metadata),
            parts: self.parts.to_vec(),
            body_length: self.body_length,
        }
    }
}

/// One encoded message that owns its bytes: what [`MessageEncoder::encode_schema`] and
/// [`MessageEncoder::encode_batch`] return.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_ipc::message::{MessageEncoder, MessageType};
///
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i32, 2, 3])], &["x"]).unwrap();
/// let mut encoder = MessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
/// let messages = encoder.encode_batch(&batch).unwrap();
/// assert_eq!(messages.len(), 1);
/// let m = &messages[0];
/// assert_eq!(m.message_type(), MessageType::RecordBatch);
/// // One part: the 12 bytes of values (no validity bitmap without nulls), padded to 16.
/// assert_eq!(m.body_parts().len(), 1);
/// assert_eq!(m.body_length(), 16);
/// assert_eq!(&m.body()[..12], &[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
/// ```
#[derive(Debug, Clone)]
pub struct EncodedMessage {
    message_type: MessageType,
    metadata: Buffer,
    parts: Vec<(usize, Buffer)>,
    body_length: usize,
}

impl EncodedMessage {
    /// What the message holds.
    pub fn message_type(&self) -> MessageType {
        self.message_type
    }

    /// The `Message` flatbuffer, unpadded.
    pub fn metadata(&self) -> &Buffer {
        &self.metadata
    }

    /// The body parts: `(offset in the body, bytes)`, in order, not overlapping; the
    /// bytes between them are zero padding.
    pub fn body_parts(&self) -> &[(usize, Buffer)] {
        &self.parts
    }

    /// The body's length, padding included.
    pub fn body_length(&self) -> usize {
        self.body_length
    }

    /// The body as one contiguous buffer: the single part itself when it fills the
    /// body, otherwise a copy with the padding in place.
    pub fn body(&self) -> Buffer {
        match self.parts.as_slice() {
            [] if self.body_length == 0 => Buffer::empty(),
            [(0, only)] if only.len() == self.body_length => only.clone(),
            _ => {
                let mut out = MutableBuffer::with_capacity(self.body_length);
                for (offset, part) in &self.parts {
                    out.resize(*offset, 0);
                    out.extend_from_slice(part.as_slice());
                }
                out.resize(self.body_length, 0);
                out.freeze()
            }
        }
    }

    /// Writes the body (parts and padding, exactly `body_length` bytes) to `sink`.
    pub fn write_body<W: Write>(&self, sink: &mut W) -> std::io::Result<()> {
        write_body(&self.parts, self.body_length, sink)
    }

    /// A borrowed view, as the encoder's callbacks give.
    pub fn view(&self) -> EncodedMessageRef<'_> {
        EncodedMessageRef {
            message_type: self.message_type,
            metadata: self.metadata.as_slice(),
            parts: &self.parts,
            body_length: self.body_length,
        }
    }
}

fn write_body<W: Write>(
    parts: &[(usize, Buffer)],
    body_length: usize,
    sink: &mut W,
) -> std::io::Result<()> {
    let mut at = 0;
    let pad = |sink: &mut W, n: usize| zero_padding(n).try_for_each(|z| sink.write_all(z));
    for (offset, part) in parts {
        pad(sink, offset - at)?;
        sink.write_all(part.as_slice())?;
        at = offset + part.len();
    }
    pad(sink, body_length - at)
}

/// Encodes a schema and record batches into IPC messages, keeping the dictionary state
/// between batches: before a batch, the dictionary messages it needs (a new dictionary,
/// a delta when the options allow deltas and the dictionary grew by appending, or a
/// replacement) come first. It does no framing and no I/O.
///
/// Batches are checked as the writers check them: the schema must match exactly, and
/// arrays built through `unsafe` unchecked paths have their values checked.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_ipc::message::{MessageEncoder, MessageType};
/// use quiver_ipc::IpcWriteOptions;
///
/// let dict = |values: Vec<&str>, keys: Vec<i32>| {
///     Array::dictionary_from(Array::from(keys), Array::from(values), false).unwrap()
/// };
/// let first = RecordBatch::try_from_columns(vec![dict(vec!["a"], vec![0, 0])], &["d"]).unwrap();
/// let second = RecordBatch::try_from_columns(vec![dict(vec!["a", "b"], vec![1, 0])], &["d"]).unwrap();
///
/// let options = IpcWriteOptions::default().with_emit_dictionary_deltas(true);
/// let mut encoder = MessageEncoder::try_new(first.schema(), options).unwrap();
/// let kinds = |ms: Vec<quiver_ipc::message::EncodedMessage>| -> Vec<MessageType> {
///     ms.iter().map(|m| m.message_type()).collect()
/// };
/// assert_eq!(encoder.encode_schema().message_type(), MessageType::Schema);
/// assert_eq!(
///     kinds(encoder.encode_batch(&first).unwrap()),
///     [MessageType::DictionaryBatch, MessageType::RecordBatch]
/// );
/// // The dictionary grew by appending: a delta with only "b" goes first.
/// assert_eq!(
///     kinds(encoder.encode_batch(&second).unwrap()),
///     [MessageType::DictionaryBatch, MessageType::RecordBatch]
/// );
/// // Nothing changed: the batch alone.
/// assert_eq!(kinds(encoder.encode_batch(&second).unwrap()), [MessageType::RecordBatch]);
/// ```
#[derive(Debug)]
pub struct MessageEncoder {
    encoder: Encoder,
    schema: SchemaRef,
    dict_ids: Vec<Option<i64>>,
    /// Whether any field (at any depth) is dictionary-encoded; without one there is no
    /// dictionary to track.
    has_dictionaries: bool,
    /// The schema of the last batch written, known equal to `schema`: a batch with this
    /// very `Arc` needs no field-by-field comparison (schemas are immutable behind their
    /// `Arc`, and holding it keeps the pointer from being reused).
    matched_schema: Option<SchemaRef>,
    tracker: DictionaryTracker,
    allow_replacement: bool,
}

impl MessageEncoder {
    /// An encoder for batches of `schema`, as a stream sends them (dictionaries may be
    /// replaced). Fails if the options are invalid.
    pub fn try_new(schema: &Schema, options: IpcWriteOptions) -> Result<Self> {
        Self::with_replacement(schema, options, true)
    }

    /// An encoder whose dictionaries may only grow by deltas, never be replaced (the
    /// file format's rule): a batch that changes a dictionary otherwise is refused.
    pub fn try_new_for_file(schema: &Schema, options: IpcWriteOptions) -> Result<Self> {
        Self::with_replacement(schema, options, false)
    }

    fn with_replacement(
        schema: &Schema,
        options: IpcWriteOptions,
        allow_replacement: bool,
    ) -> Result<Self> {
        let emit_deltas = options.emit_dictionary_deltas();
        schema.fields().iter().try_for_each(ensure_writable)?;
        let dict_ids = schema.dictionary_ids();
        Ok(Self {
            encoder: Encoder::new(options)?,
            schema: Arc::new(schema.clone()),
            has_dictionaries: dict_ids.iter().any(Option::is_some),
            matched_schema: None,
            dict_ids,
            tracker: DictionaryTracker::new(emit_deltas),
            allow_replacement,
        })
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The write options.
    pub fn options(&self) -> &IpcWriteOptions {
        self.encoder.options()
    }

    /// The schema message (no body). Dictionary ids are assigned to the dictionary
    /// fields in the schema's pre-order, from 0.
    pub fn encode_schema(&mut self) -> EncodedMessage {
        self.encoder.encode_schema(&self.schema, &self.dict_ids);
        self.current(MessageType::Schema).to_owned()
    }

    /// The schema message, handed to `emit` without a copy.
    pub fn encode_schema_with<T>(&mut self, emit: impl FnOnce(EncodedMessageRef<'_>) -> T) -> T {
        self.encoder.encode_schema(&self.schema, &self.dict_ids);
        emit(self.current(MessageType::Schema))
    }

    /// The messages for `batch`: the dictionary messages it needs, then the record
    /// batch message.
    ///
    /// If an error comes after a dictionary was encoded, the dictionary state already
    /// counts that dictionary as sent: start again with a new encoder (the writers
    /// close themselves for good then).
    pub fn encode_batch(&mut self, batch: &RecordBatch) -> Result<Vec<EncodedMessage>> {
        let mut out = Vec::new();
        self.encode_batch_with(batch, |m| {
            out.push(m.to_owned());
            Ok(())
        })?;
        Ok(out)
    }

    /// Like [`encode_batch`](Self::encode_batch), handing each message to `emit` as soon
    /// as it is encoded, without copying its metadata: what the writers use.
    pub fn encode_batch_with(
        &mut self,
        batch: &RecordBatch,
        emit: impl FnMut(EncodedMessageRef<'_>) -> Result<()>,
    ) -> Result<()> {
        self.check_batch(batch)?;
        self.encode_checked_batch_with(batch, emit)
    }

    /// Refuses a batch that does not match the schema, or whose unchecked arrays fail
    /// their checks. Nothing is encoded and the dictionary state is untouched.
    pub fn check_batch(&self, batch: &RecordBatch) -> Result<()> {
        let known = |s: &SchemaRef| Arc::ptr_eq(s, batch.schema());
        if !known(&self.schema)
            && !self.matched_schema.as_ref().is_some_and(known)
            && let Some(diff) = batch.schema().first_difference(&self.schema)
        {
            return Err(IpcError::SchemaMismatch { difference: diff });
        }
        // Arrays are checked when they are built; only those built through the `unsafe`
        // unchecked paths are checked here, so a writer never emits a file no reader
        // accepts, and checked arrays cost nothing.
        for (i, col) in batch.columns().iter().enumerate() {
            col.ensure_values_checked().map_err(|e| {
                IpcError::Usage(format!(
                    "refusing to write column {i} ({:?}): {e}",
                    batch.schema().fields()[i].name()
                ))
            })?;
        }
        Ok(())
    }

    /// Encodes a batch that passed [`check_batch`](Self::check_batch).
    pub(crate) fn encode_checked_batch_with(
        &mut self,
        batch: &RecordBatch,
        mut emit: impl FnMut(EncodedMessageRef<'_>) -> Result<()>,
    ) -> Result<()> {
        if !self
            .matched_schema
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, batch.schema()))
        {
            self.matched_schema = Some(batch.schema().clone());
        }
        let dictionaries = if self.has_dictionaries {
            self.tracker
                .collect(batch, &self.dict_ids, self.allow_replacement)?
        } else {
            Vec::new()
        };
        for action in dictionaries {
            let DictionaryMessage {
                id,
                values,
                is_delta,
            } = action;
            self.encoder.encode_dictionary(id, &values, is_delta)?;
            emit(self.current(MessageType::DictionaryBatch))?;
        }
        self.encoder.encode_batch(batch)?;
        emit(self.current(MessageType::RecordBatch))
    }

    fn current(&self, message_type: MessageType) -> EncodedMessageRef<'_> {
        EncodedMessageRef {
            message_type,
            metadata: self.encoder.metadata(),
            parts: &self.encoder.parts,
            body_length: self.encoder.body_len,
        }
    }
}
