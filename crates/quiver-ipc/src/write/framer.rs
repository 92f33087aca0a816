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
const DIRECT: usize = 64 * 1024;

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

    fn pad(&mut self, n: usize) -> Result<()> {
        zero_padding(n).try_for_each(|zeros| self.write_all(zeros))
    }

    /// Writes one encapsulated message. Large body parts go straight to the sink.
    pub(crate) fn write_message(
        &mut self,
        metadata: &[u8],
        parts: &[(usize, Buffer)],
        body_length: usize,
    ) -> Result<Written> {
        let offset = self.position;
        let start = (offset % self.alignment as u64) as usize;
        let total = pad_to(start + 8 + metadata.len(), self.alignment) - start;
        let padded = total - 8;
        let len = i32::try_from(padded).map_err(|_| {
            IpcError::Usage(format!("message metadata of {padded} bytes is too large"))
        })?;
        self.write_all(&CONTINUATION.to_le_bytes())?;
        self.write_all(&len.to_le_bytes())?;
        self.write_all(metadata)?;
        self.pad(padded - metadata.len())?;
        let mut at = 0;
        for (part_offset, buf) in parts {
            self.pad(part_offset - at)?;
            self.write_all(buf.as_slice())?;
            at = part_offset + buf.len();
        }
        self.pad(body_length - at)?;
        if !self.holds {
            self.drain()?;
        }
        Ok(Written {
            offset,
            metadata_length: total,
            body_length,
        })
    }

    /// Writes the end-of-stream marker.
    pub(crate) fn write_eos(&mut self) -> Result<()> {
        self.write_all(&CONTINUATION.to_le_bytes())?;
        self.write_all(&0i32.to_le_bytes())
    }

    pub(crate) fn flush(&mut self) -> Result<()> {
        self.drain()?;
        self.sink
            .flush()
            .map_err(|e| IpcError::io("flushing the sink", e))
    }
}
