//! Framing messages onto a sink: prefix, metadata, padding, body buffers.

use std::io::Write;

use quiver_buffer::Buffer;

use crate::error::{IpcError, Result};
use crate::framing::{CONTINUATION, pad_to, zero_padding};

/// A sink that knows its position, so every body lands on the alignment boundary.
///
/// Small pieces (prefixes, metadata, padding, small buffers) are gathered and handed to
/// the sink together; large buffers go to the sink directly, never copied. With a
/// `hold` of 0 everything of a message reaches the sink before `write_message` returns
/// (without flushing it); otherwise whole messages stay gathered until `hold` bytes
/// are, a large buffer follows, or [`drain`](Framer::drain) or `flush` is called, so a
/// sink receives few large writes instead of one per message.
#[derive(Debug)]
pub(crate) struct Framer<W> {
    pub sink: W,
    pub position: u64,
    alignment: usize,
    /// Gathered bytes are handed to the sink once at least this many are held.
    limit: usize,
    /// Whether gathered bytes stay gathered across messages.
    holds: bool,
    small: Vec<u8>,
}

/// Pieces at least this large bypass the gathering buffer.
pub(crate) const DIRECT: usize = 64 * 1024;

/// How many bytes of whole messages a holding framer gathers before it writes them
/// (see [`Framer::hold_messages`]).
pub(crate) const GATHER: usize = 1024 * 1024;

/// The sizes of a written message, as a file footer records them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Written {
    pub offset: u64,
    pub metadata_length: usize,
    pub body_length: usize,
}

impl<W: Write> Framer<W> {
    /// A framer that hands every message to the sink before `write_message` returns.
    pub(crate) fn new(sink: W, alignment: usize) -> Self {
        Self {
            sink,
            position: 0,
            alignment,
            limit: DIRECT,
            holds: false,
            small: Vec::with_capacity(DIRECT),
        }
    }

    /// From now on, gathers whole messages and writes them [`GATHER`] bytes at a time
    /// (a large body buffer, `drain` and `flush` write what is gathered before them).
    pub(crate) fn hold_messages(&mut self) {
        self.limit = GATHER;
        self.holds = true;
        // Gathered bytes stay under `GATHER + DIRECT`, so this never grows again.
        self.small
            .reserve((GATHER + DIRECT).saturating_sub(self.small.len()));
    }

    /// Queues (small) or writes (large) bytes; `drain` hands queued bytes over.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.len() >= DIRECT {
            self.drain()?;
            self.sink
                .write_all(bytes)
                .map_err(|e| IpcError::io("writing to the sink", e))?;
        } else {
            self.small.extend_from_slice(bytes);
            if self.small.len() >= self.limit {
                self.drain()?;
            }
        }
        self.position += bytes.len() as u64;
        Ok(())
    }

    /// Hands the gathered small pieces to the sink.
    pub(crate) fn drain(&mut self) -> Result<()> {
        if !self.small.is_empty() {
            let result = self.sink.write_all(&self.small);
            self.small.clear();
            result.map_err(|e| IpcError::io("writing to the sink", e))?;
        }
        Ok(())
    }

    /// Writes one encapsulated message. Large body parts go straight to the sink.
    pub(crate) fn write_message(
        &mut self,
        metadata: &[u8],
        parts: &[(usize, Buffer)],
        body_length: usize,
    ) -> Result<Written> {
        let frame =
            FramedMessage::new(self.position, self.alignment, metadata, parts, body_length)?;
        for piece in frame.pieces() {
            self.write_all(piece)?;
        }
        if !self.holds {
            self.drain()?;
        }
        Ok(frame.written())
    }

    /// Writes the end-of-stream marker.
    pub(crate) fn write_eos(&mut self) -> Result<()> {
        self.write_all(&END_OF_STREAM)
    }

    pub(crate) fn flush(&mut self) -> Result<()> {
        self.drain()?;
        self.sink
            .flush()
            .map_err(|e| IpcError::io("flushing the sink", e))
    }
}

/// The end-of-stream marker: the continuation marker and a zero length.
pub(crate) const END_OF_STREAM: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

/// One message framed at a position of the output: the continuation marker and padded
/// metadata length, the metadata and its padding, then the body parts with the padding
/// before, between and after them. The sync and async writers both emit
/// [`pieces`](FramedMessage::pieces), so they frame byte for byte alike.
#[derive(Debug)]
pub(crate) struct FramedMessage<'a> {
    header: [u8; 8],
    metadata: &'a [u8],
    metadata_padding: usize,
    parts: &'a [(usize, Buffer)],
    body_length: usize,
    written: Written,
}

impl<'a> FramedMessage<'a> {
    /// Frames a message that starts `position` bytes into the output, so its body lands
    /// on an `alignment` boundary. Fails if the padded metadata does not fit the `i32`
    /// length prefix.
    pub(crate) fn new(
        position: u64,
        alignment: usize,
        metadata: &'a [u8],
        parts: &'a [(usize, Buffer)],
        body_length: usize,
    ) -> Result<Self> {
        let start = (position % alignment as u64) as usize;
        let total = pad_to(start + 8 + metadata.len(), alignment) - start;
        let padded = total - 8;
        let len = i32::try_from(padded).map_err(|_| {
            IpcError::Usage(format!("message metadata of {padded} bytes is too large"))
        })?;
        let mut header = [0u8; 8];
        header[..4].copy_from_slice(&CONTINUATION.to_le_bytes());
        header[4..].copy_from_slice(&len.to_le_bytes());
        Ok(Self {
            header,
            metadata,
            metadata_padding: padded - metadata.len(),
            parts,
            body_length,
            written: Written {
                offset: position,
                metadata_length: total,
                body_length,
            },
        })
    }

    /// Where the message lands and its sizes.
    pub(crate) fn written(&self) -> Written {
        self.written
    }

    /// The message's bytes in order, as slices: the header, metadata, padding (as
    /// slices of zeros) and the body parts themselves, never copied.
    pub(crate) fn pieces(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let body_end = self
            .parts
            .last()
            .map_or(0, |(offset, buf)| offset + buf.len());
        let body = self.parts.iter().scan(0, |at, (offset, buf)| {
            let padding = offset - *at;
            *at = offset + buf.len();
            Some(zeros(padding).chain(std::iter::once(buf.as_slice())))
        });
        std::iter::once(&self.header[..])
            .chain(std::iter::once(self.metadata))
            .chain(zeros(self.metadata_padding))
            .chain(body.flatten())
            .chain(zeros(self.body_length - body_end))
    }
}

/// [`zero_padding`] with a lifetime to chain beside borrowed pieces.
fn zeros<'x>(n: usize) -> impl Iterator<Item = &'x [u8]> {
    zero_padding(n).map(|z| -> &'x [u8] { z })
}
