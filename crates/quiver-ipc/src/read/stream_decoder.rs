//! [`StreamDecoder`]: a push decoder for the streaming format. It does no I/O: feed it
//! bytes, it says how many more it needs and what it decoded.

use quiver_array::{RecordBatch, SchemaRef};
use quiver_buffer::{Buffer, MutableBuffer};

use crate::error::{IpcError, IpcFormat, Location, Result};
use crate::framing::{CONTINUATION, MAGIC};
use crate::options::IpcReadOptions;
use crate::read::array::Body;
use crate::read::message_decoder::{DecodedMessage, Message, MessageDecoder};

/// What a call to [`StreamDecoder::decode`] produced. More kinds of message may be
/// reported in future, so matches need a `_` arm.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Decoded {
    /// The stream's schema (always the first message).
    Schema(SchemaRef),
    /// A record batch.
    RecordBatch(RecordBatch),
    /// The end-of-stream marker.
    EndOfStream,
}

/// The largest metadata length believed at the very start of a stream without the
/// continuation marker (the pre-0.15 framing, whose first message is a schema). Text and
/// other non-Arrow bytes read as lengths far above it.
const MAX_LEGACY_SCHEMA: i32 = 1 << 24;

#[derive(Debug)]
enum State {
    /// Expecting the continuation marker (or a legacy length).
    Prefix,
    /// Expecting the metadata length after a continuation marker.
    Length,
    /// Expecting `n` bytes of metadata.
    Metadata(usize),
    /// Expecting the body of this message.
    Body(Message),
    /// The end-of-stream marker was seen.
    Done,
}

/// A sans-IO decoder for the Arrow streaming format.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_buffer::Buffer;
/// use quiver_ipc::{Decoded, StreamDecoder, StreamWriter};
///
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i32, 2])], &["x"]).unwrap();
/// let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
/// w.write(&batch).unwrap();
/// let bytes = w.close().unwrap();
///
/// let mut decoder = StreamDecoder::new(Default::default());
/// let mut input = Buffer::from_vec(bytes);
/// let mut batches = Vec::new();
/// while let Some(event) = decoder.decode(&mut input).unwrap() {
///     if let Decoded::RecordBatch(b) = event {
///         batches.push(b);
///     }
/// }
/// assert!(batches[0].equals(&batch));
/// assert!(decoder.is_finished());
/// ```
#[derive(Debug)]
pub struct StreamDecoder {
    state: State,
    partial: Option<MutableBuffer>,
    prefix: [u8; 4],
    prefix_len: usize,
    /// Decodes each whole message; the stream decoder only frames.
    messages: MessageDecoder,
    consumed: u64,
    /// The metadata of the last record batch decoded.
    last_batch: Option<Message>,
}

impl StreamDecoder {
    /// A decoder expecting a schema message first.
    pub fn new(options: IpcReadOptions) -> Self {
        Self {
            state: State::Prefix,
            partial: None,
            prefix: [0; 4],
            prefix_len: 0,
            messages: MessageDecoder::new(options),
            consumed: 0,
            last_batch: None,
        }
    }

    /// The schema (of the batches produced, so projected if a projection is set), once
    /// the schema message was decoded.
    pub fn schema(&self) -> Option<&SchemaRef> {
        self.messages.schema()
    }

    /// The message decoder underneath, with the stream's dictionaries.
    pub fn message_decoder(&self) -> &MessageDecoder {
        &self.messages
    }

    /// The metadata of the last record batch decoded (`None` before the first), for tools
    /// that report or keep what the producer chose, such as its body compression.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// use quiver_buffer::Buffer;
    /// use quiver_ipc::{CompressionCodec, IpcWriteOptions, StreamDecoder, StreamWriter};
    ///
    /// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64; 100])], &["n"]).unwrap();
    /// let options = IpcWriteOptions::default().with_compression(CompressionCodec::Lz4Frame, None);
    /// let mut w = StreamWriter::try_new_with_options(Vec::new(), batch.schema(), options).unwrap();
    /// w.write(&batch).unwrap();
    /// let bytes = w.close().unwrap();
    /// let total = bytes.len() as u64;
    /// let mut input = Buffer::from_vec(bytes);
    ///
    /// let mut decoder = StreamDecoder::new(Default::default());
    /// decoder.decode(&mut input).unwrap(); // the schema
    /// assert!(decoder.last_batch_message().is_none());
    /// decoder.decode(&mut input).unwrap(); // the batch
    /// let message = decoder.last_batch_message().unwrap();
    /// assert_eq!(message.body_compression().unwrap(), Some(CompressionCodec::Lz4Frame));
    /// decoder.decode(&mut input).unwrap(); // the end-of-stream marker
    /// assert_eq!(decoder.bytes_consumed(), total);
    /// ```
    pub fn last_batch_message(&self) -> Option<&Message> {
        self.last_batch.as_ref()
    }

    /// Bytes of input consumed so far (framing, metadata and bodies), to report progress.
    pub fn bytes_consumed(&self) -> u64 {
        self.consumed
    }

    /// The options the decoder was made with.
    pub(crate) fn options(&self) -> &IpcReadOptions {
        self.messages.options()
    }

    /// Bytes needed before the next step can happen (0 once the stream has ended).
    pub fn needed(&self) -> usize {
        let have = self.partial.as_ref().map_or(0, MutableBuffer::len);
        match &self.state {
            State::Prefix | State::Length => 4usize.saturating_sub(self.prefix_len),
            State::Metadata(n) => n.saturating_sub(have),
            State::Body(m) => m.body_length().saturating_sub(have),
            State::Done => 0,
        }
    }

    /// Whether the decoder is between messages (where input may cleanly end).
    pub fn at_message_boundary(&self) -> bool {
        matches!(self.state, State::Prefix | State::Done) && self.prefix_len == 0
    }

    /// Whether the end-of-stream marker was seen.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Number of record batches decoded so far.
    pub fn num_batches(&self) -> usize {
        self.messages.num_batches()
    }

    fn loc(&self) -> Location {
        Location {
            message: Some(self.messages.num_messages()),
            byte_offset: Some(self.consumed),
            ..Location::default()
        }
    }

    /// Reports an error if the input ended in the middle of a message, or (unless the
    /// options allow it) before the end-of-stream marker; call it when the input is
    /// exhausted.
    pub fn finish(&self) -> Result<()> {
        if self.is_finished() {
            return Ok(());
        }
        if self.at_message_boundary() {
            if !self.options().require_end_of_stream() || self.schema().is_none() {
                return Ok(());
            }
            return Err(IpcError::Truncated {
                location: Box::new(self.loc()),
                detail: format!(
                    "the stream ends after {} record batches without its end-of-stream marker \
                     (cut off, or its writer never finished it); \
                     `IpcReadOptions::with_require_end_of_stream(false)` accepts such streams",
                    self.num_batches()
                ),
            });
        }
        let detail = match &self.state {
            State::Prefix | State::Length => {
                "the stream ends inside a message length prefix".to_string()
            }
            State::Metadata(n) => format!("the stream ends inside {n} bytes of message metadata"),
            State::Body(m) => format!(
                "the stream ends inside a message body of {} bytes",
                m.body_length()
            ),
            State::Done => String::new(),
        };
        Err(IpcError::Truncated {
            location: Box::new(self.loc()),
            detail,
        })
    }

    /// Consumes bytes from the front of `input` and returns the next schema, batch or
    /// end-of-stream it completes, or `None` when `input` ran out first (feed more and
    /// call again). Whole metadata and bodies inside `input` are sliced, not copied.
    pub fn decode(&mut self, input: &mut Buffer) -> Result<Option<Decoded>> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Prefix if self.prefix_len == 0 && self.partial.is_none() => {
                    let before = input.len();
                    if let Some(event) = self.decode_whole(input)? {
                        return Ok(Some(event));
                    }
                    // Not a whole message in `input` (unless it was a dictionary batch,
                    // which produces no event): frame it one step at a time.
                    if matches!(self.state, State::Prefix) && input.len() == before {
                        match self.step_prefix(input)? {
                            None => return Ok(None),
                            Some(Some(event)) => return Ok(Some(event)),
                            Some(None) => {}
                        }
                    }
                }
                State::Prefix | State::Length => match self.step_prefix(input)? {
                    None => return Ok(None),
                    Some(Some(event)) => return Ok(Some(event)),
                    Some(None) => {}
                },
                State::Metadata(_) | State::Body(_) => {
                    let Some(chunk) = self.take(input)? else {
                        return Ok(None);
                    };
                    if let Some(event) = self.on_chunk(chunk)? {
                        return Ok(Some(event));
                    }
                }
            }
        }
    }

    /// The fast path for input that holds a whole framed message (continuation marker,
    /// length, metadata, body) at its front, as in-memory sources do: one look at the
    /// prefix, the metadata and body sliced straight out of `input`, and `input`
    /// advanced once. State, byte counts and error locations end up exactly as the
    /// step-by-step path leaves them; anything else (a legacy prefix, the end-of-stream
    /// marker, a message cut short) is left to that path, as `Ok(None)` with nothing
    /// consumed, or with the metadata consumed and the state at `Body`.
    fn decode_whole(&mut self, input: &mut Buffer) -> Result<Option<Decoded>> {
        let (Some(marker), Some(length)) = (read4(input, 0), read4(input, 4)) else {
            return Ok(None);
        };
        let value = i32::from_le_bytes(length);
        if u32::from_le_bytes(marker) != CONTINUATION || value <= 0 {
            return Ok(None);
        }
        let start = self.consumed;
        // The same check and error as the step-by-step path, after the 8 prefix bytes.
        self.consumed = start.saturating_add(8);
        let meta_len = match self.message_len(value) {
            Ok(n) => n,
            Err(e) => {
                input.advance(8);
                self.state = State::Length;
                return Err(e);
            }
        };
        let meta_end = 8usize.saturating_add(meta_len);
        let Some(metadata) = input.try_slice(8, meta_len).ok() else {
            self.consumed = start;
            return Ok(None);
        };
        self.consumed = start.saturating_add(meta_end as u64);
        let loc = self.loc();
        let msg = match Message::parse(metadata, self.options(), &loc) {
            Ok(m) => m,
            Err(e) => {
                input.advance(meta_end);
                return Err(e);
            }
        };
        let body_len = msg.body_length();
        let Some(body) = input.try_slice(meta_end, body_len).ok() else {
            // The body is still to come: continue where the slow path would be.
            input.advance(meta_end);
            self.state = State::Body(msg);
            return Ok(None);
        };
        input.advance(meta_end.saturating_add(body_len));
        self.consumed = self.consumed.saturating_add(body_len as u64);
        self.decode_body(msg, body)
    }

    /// Takes what `input` has of a 4-byte prefix (a continuation marker or a length) and
    /// acts on it once whole: `None` when `input` ran out first, else what acting on it
    /// produced.
    fn step_prefix(&mut self, input: &mut Buffer) -> Result<Option<Option<Decoded>>> {
        let have = self.prefix_len;
        let take = self.needed().min(input.len());
        for (dst, src) in self
            .prefix
            .iter_mut()
            .skip(have)
            .zip(input.iter().take(take))
        {
            *dst = *src;
        }
        self.prefix_len = have.saturating_add(take);
        self.advance_input(input, take);
        if self.prefix_len < 4 {
            return Ok(None);
        }
        self.prefix_len = 0;
        self.on_prefix().map(Some)
    }

    fn advance_input(&mut self, input: &mut Buffer, n: usize) {
        input.advance(n);
        self.consumed = self.consumed.saturating_add(n as u64);
    }

    /// The bytes for the current state, once all of them are available.
    /// Partial messages are gathered in the pool of the options.
    fn take(&mut self, input: &mut Buffer) -> Result<Option<Buffer>> {
        let need = self.needed();
        if self.partial.is_none() && input.len() >= need {
            let chunk = input.slice(0, need);
            self.advance_input(input, need);
            return Ok(Some(chunk));
        }
        let take = need.min(input.len());
        if take == 0 {
            return Ok(None);
        }
        let refused = |e| IpcError::memory("gathering a partial message", e);
        let partial = match &mut self.partial {
            Some(p) => p,
            empty => empty.insert(
                MutableBuffer::try_with_capacity_in(
                    need.min(1 << 20),
                    self.messages.options().memory_pool(),
                )
                .map_err(refused)?,
            ),
        };
        partial.try_reserve(take).map_err(refused)?;
        partial.extend_from_slice(input.get(..take).unwrap_or_default());
        self.advance_input(input, take);
        if take < need {
            return Ok(None);
        }
        Ok(self.partial.take().map(MutableBuffer::freeze))
    }

    fn message_len(&self, v: i32) -> Result<usize> {
        let len = usize::try_from(v).map_err(|_| {
            IpcError::malformed(self.loc(), format!("negative metadata length {v}"))
        })?;
        if len > self.options().max_message_size() {
            return Err(IpcError::LimitExceeded {
                location: Box::new(self.loc()),
                what: format!(
                    "metadata of {len} bytes is over the limit of {}",
                    self.options().max_message_size()
                ),
            });
        }
        Ok(len)
    }

    fn on_prefix(&mut self) -> Result<Option<Decoded>> {
        let raw = u32::from_le_bytes(self.prefix);
        let value = i32::from_le_bytes(self.prefix);
        match self.state {
            State::Prefix if raw == CONTINUATION => self.state = State::Length,
            _ if value == 0 => {
                self.state = State::Done;
                return Ok(Some(Decoded::EndOfStream));
            }
            // A positive value straight away is the pre-0.15 framing: no marker.
            State::Prefix
                if self.messages.num_messages() == 0
                    && !(1..=MAX_LEGACY_SCHEMA).contains(&value) =>
            {
                return Err(self.not_a_stream());
            }
            _ => self.state = State::Metadata(self.message_len(value)?),
        }
        Ok(None)
    }

    /// The error for input whose first 4 bytes cannot start a stream.
    fn not_a_stream(&self) -> IpcError {
        let loc = Location {
            message: Some(0),
            byte_offset: Some(0),
            ..Location::default()
        };
        let [a, b, c, d] = self.prefix;
        let (why, looks_like) = if self.prefix == MAGIC[..4] {
            (
                "it starts with the ARROW1 magic of the file format".to_string(),
                Some(IpcFormat::File),
            )
        } else {
            (
                format!(
                    "its first 4 bytes ({a:02x} {b:02x} {c:02x} {d:02x}) are neither the \
                     continuation marker (ff ff ff ff) nor a plausible metadata length"
                ),
                None,
            )
        };
        IpcError::not_arrow_data(loc, format!("not an Arrow IPC stream: {why}"), looks_like)
    }

    fn on_chunk(&mut self, chunk: Buffer) -> Result<Option<Decoded>> {
        match std::mem::replace(&mut self.state, State::Prefix) {
            State::Metadata(_) => {
                let loc = self.loc();
                let msg = Message::parse(chunk, self.options(), &loc)?;
                self.state = State::Body(msg);
                Ok(None)
            }
            State::Body(msg) => self.decode_body(msg, chunk),
            other => {
                self.state = other;
                Ok(None)
            }
        }
    }

    /// Decodes a message whose body is whole (the state is `Prefix` again).
    fn decode_body(&mut self, msg: Message, body: Buffer) -> Result<Option<Decoded>> {
        let loc = self.loc();
        match self.messages.decode_at(&msg, &Body::Whole(body), loc)? {
            DecodedMessage::Schema(s) => Ok(Some(Decoded::Schema(s))),
            DecodedMessage::RecordBatch(b) => {
                self.last_batch = Some(msg);
                Ok(Some(Decoded::RecordBatch(b)))
            }
            DecodedMessage::DictionaryBatch { .. } => Ok(None),
        }
    }
}

/// Four bytes at `at`, if there are.
fn read4(bytes: &[u8], at: usize) -> Option<[u8; 4]> {
    bytes.get(at..at.checked_add(4)?)?.try_into().ok()
}
