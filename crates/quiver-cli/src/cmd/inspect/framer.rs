//! A push framer for the messages of an Arrow IPC stream: it finds each message's
//! metadata (verified as a [`Message`] by the library's message layer) and steps over
//! the bodies without keeping them. `info` runs it beside the library's stream reader
//! (on the bytes that reader consumed) and over each block of a file; `validate --full`
//! runs it over the stream inside a file to compare it with the footer.

use quiver::Buffer;
use quiver::ipc::IpcReadOptions;
use quiver::ipc::message::Message;

/// The continuation marker before each message's length (Arrow 0.15 and later).
const CONTINUATION: [u8; 4] = [0xFF; 4];

/// One message found by the [`Framer`].
#[derive(Debug, Clone)]
pub struct Framed {
    /// Byte offset of the message's prefix (continuation marker or length).
    pub offset: u64,
    /// Prefix plus metadata (with its padding): the footer's `metadata_length`.
    pub metadata_length: usize,
    /// The verified metadata.
    pub message: Message,
}

/// What the framer found.
#[derive(Debug, Clone)]
pub enum Event {
    /// A message; its body follows and is skipped.
    Message(Framed),
    /// The end-of-stream marker.
    EndOfStream,
}

#[derive(Debug)]
enum State {
    /// Expecting the continuation marker or a (pre-0.15) length.
    Prefix,
    /// Expecting the length after a continuation marker.
    Length,
    /// Expecting this many bytes of metadata.
    Metadata(usize),
    /// Skipping this many more bytes of body.
    Body(usize),
    /// The end-of-stream marker was seen.
    Done,
}

/// Frames messages out of bytes pushed in any chunks.
#[derive(Debug)]
pub struct Framer {
    state: State,
    options: IpcReadOptions,
    /// Bytes of the current prefix or metadata collected so far.
    partial: Vec<u8>,
    /// Absolute offset of the next byte pushed.
    offset: u64,
    /// Offset and prefix length of the message being framed.
    start: u64,
    prefix: usize,
}

impl Framer {
    /// A framer whose first byte is at `offset` of the input.
    pub fn new(offset: u64, options: IpcReadOptions) -> Self {
        Self {
            state: State::Prefix,
            options,
            partial: Vec::new(),
            offset,
            start: offset,
            prefix: 0,
        }
    }

    /// Whether the end-of-stream marker was seen.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Whether the bytes pushed so far end exactly between two messages.
    pub fn at_boundary(&self) -> bool {
        matches!(self.state, State::Prefix | State::Done) && self.partial.is_empty()
    }

    /// Consumes bytes from the start of `bytes` until one event is complete or they run
    /// out; returns how many were consumed and the event, if any. After the
    /// end-of-stream marker nothing more is consumed. Errors say what and at which byte.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(usize, Option<Event>), String> {
        let mut used = 0;
        loop {
            let rest = bytes.get(used..).unwrap_or_default();
            match self.state {
                State::Done => return Ok((used, None)),
                State::Body(n) => {
                    let take = n.min(rest.len());
                    used += take;
                    self.advance(take);
                    self.state = if take == n {
                        State::Prefix
                    } else {
                        State::Body(n - take)
                    };
                    if take < n {
                        return Ok((used, None));
                    }
                }
                State::Prefix | State::Length => {
                    if self.partial.is_empty() && matches!(self.state, State::Prefix) {
                        self.start = self.offset;
                        self.prefix = 0;
                    }
                    let take = (4 - self.partial.len()).min(rest.len());
                    self.partial
                        .extend_from_slice(rest.get(..take).unwrap_or_default());
                    used += take;
                    self.advance(take);
                    let Ok(word) = <[u8; 4]>::try_from(self.partial.as_slice()) else {
                        return Ok((used, None));
                    };
                    self.partial.clear();
                    self.prefix += 4;
                    if word == CONTINUATION && matches!(self.state, State::Prefix) {
                        self.state = State::Length;
                        continue;
                    }
                    let length = i32::from_le_bytes(word);
                    match usize::try_from(length) {
                        Ok(0) => {
                            self.state = State::Done;
                            return Ok((used, Some(Event::EndOfStream)));
                        }
                        Ok(n) => self.state = State::Metadata(n),
                        Err(_) => {
                            return Err(format!(
                                "the message at byte {} has a negative metadata length {length}",
                                self.start
                            ));
                        }
                    }
                }
                State::Metadata(n) => {
                    let take = (n - self.partial.len()).min(rest.len());
                    self.partial
                        .extend_from_slice(rest.get(..take).unwrap_or_default());
                    used += take;
                    self.advance(take);
                    if self.partial.len() < n {
                        return Ok((used, None));
                    }
                    let metadata = Buffer::from_vec(std::mem::take(&mut self.partial));
                    let message = Message::try_new(metadata, &self.options)
                        .map_err(|e| format!("the message at byte {}: {e}", self.start))?;
                    self.state = State::Body(message.body_length());
                    let framed = Framed {
                        offset: self.start,
                        metadata_length: self.prefix + n,
                        message,
                    };
                    return Ok((used, Some(Event::Message(framed))));
                }
            }
        }
    }

    /// Pushes all of `bytes`, collecting every event (stops at the end-of-stream
    /// marker; returns how many bytes were consumed).
    pub fn push_all(&mut self, bytes: &[u8], events: &mut Vec<Event>) -> Result<usize, String> {
        let mut used = 0;
        while used < bytes.len() && !self.is_done() {
            let (n, event) = self.push(bytes.get(used..).unwrap_or_default())?;
            used += n;
            events.extend(event);
            if n == 0 {
                break;
            }
        }
        Ok(used)
    }

    fn advance(&mut self, n: usize) {
        self.offset = self.offset.saturating_add(n as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quiver::ipc::message::MessageType;
    use quiver::{Array, record_batch};

    fn stream() -> Vec<u8> {
        let batch = record_batch(vec![Array::from(vec![1i64, 2])], &["n"]).unwrap();
        let mut out = Vec::new();
        let mut w = quiver::ipc::new_stream(&mut out, batch.schema()).unwrap();
        w.write_batch(&batch).unwrap();
        w.close().unwrap();
        out
    }

    #[test]
    fn frames_a_stream_pushed_one_byte_at_a_time() {
        let bytes = stream();
        let mut framer = Framer::new(100, IpcReadOptions::default());
        let mut events = Vec::new();
        for b in &bytes {
            framer
                .push_all(std::slice::from_ref(b), &mut events)
                .unwrap();
        }
        let kinds: Vec<_> = events
            .iter()
            .map(|e| match e {
                Event::Message(m) => (m.offset, m.message.message_type()),
                Event::EndOfStream => (0, None),
            })
            .collect();
        let Event::Message(schema) = &events[0] else {
            panic!("{events:?}")
        };
        let batch_at = 100 + (schema.metadata_length + schema.message.body_length()) as u64;
        assert_eq!(
            kinds,
            vec![
                (100, Some(MessageType::Schema)),
                (batch_at, Some(MessageType::RecordBatch)),
                (0, None),
            ]
        );
        assert!(framer.is_done());
        assert_eq!(framer.offset, 100 + bytes.len() as u64);
    }

    #[test]
    fn reports_a_negative_length_and_bad_metadata_with_their_byte() {
        let mut framer = Framer::new(8, IpcReadOptions::default());
        let err = framer.push(&[0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            err.unwrap_err(),
            "the message at byte 8 has a negative metadata length -16"
        );
        let mut framer = Framer::new(0, IpcReadOptions::default());
        let err = framer.push(&[4, 0, 0, 0, 1, 2, 3, 4]).unwrap_err();
        assert!(
            err.starts_with("the message at byte 0: malformed message metadata at input"),
            "{err}"
        );
    }
}
