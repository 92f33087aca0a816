//! What the stream and file writers share: the message encoder underneath, framing,
//! and the writer's state.

use std::io::Write;

use quiver_array::{RecordBatch, Schema, SchemaRef};

use crate::error::{IpcError, Result};
use crate::options::IpcWriteOptions;
use crate::read::message_decoder::MessageType;
use crate::write::framer::{Framer, Written};
use crate::write::message_encoder::MessageEncoder;

/// Where a writer is in its life.
#[derive(Debug)]
pub(crate) enum WriterState {
    /// Taking batches.
    Open,
    /// `finish` succeeded: the output is complete.
    Finished,
    /// A step failed after output or dictionary state changed: the output is incomplete
    /// for good. Holds the first error's text.
    Failed(String),
}

impl WriterState {
    /// Whether `finish` succeeded.
    pub(crate) fn is_finished(&self) -> bool {
        matches!(self, WriterState::Finished)
    }

    /// An error if an earlier step failed, leaving the output incomplete.
    pub(crate) fn check_not_failed(&self) -> Result<()> {
        match self {
            WriterState::Failed(cause) => Err(IpcError::Usage(format!(
                "the writer's output is incomplete: an earlier write failed ({cause}); \
                 start again with a new writer and sink"
            ))),
            WriterState::Open | WriterState::Finished => Ok(()),
        }
    }

    /// An error unless batches may be written: not after a failure, not after `finish`.
    pub(crate) fn check_open(&self) -> Result<()> {
        self.check_not_failed()?;
        if self.is_finished() {
            return Err(IpcError::Usage(
                "write after finish(): the writer is closed".into(),
            ));
        }
        Ok(())
    }

    /// Records `result`'s error, if any, as the one that closed the writer for good.
    pub(crate) fn poison_on_error<T>(&mut self, result: Result<T>) -> Result<T> {
        if let Err(e) = &result {
            *self = WriterState::Failed(e.to_string());
        }
        result
    }
}

#[derive(Debug)]
pub(crate) struct WriterCore<W> {
    pub framer: Framer<W>,
    /// Makes every message; the writer only frames and emits.
    encoder: MessageEncoder,
    state: WriterState,
}

impl<W: Write> WriterCore<W> {
    pub(crate) fn new(
        sink: W,
        schema: &Schema,
        options: IpcWriteOptions,
        allow_replacement: bool,
    ) -> Result<Self> {
        let encoder = if allow_replacement {
            MessageEncoder::try_new(schema, options)?
        } else {
            MessageEncoder::try_new_for_file(schema, options)?
        };
        let alignment = encoder.options().alignment();
        Ok(Self {
            framer: Framer::new(sink, alignment),
            encoder,
            state: WriterState::Open,
        })
    }

    /// Gathers whole messages into large writes (see [`Framer::hold_messages`]).
    pub(crate) fn hold_messages(mut self) -> Self {
        self.framer.hold_messages();
        self
    }

    pub(crate) fn schema(&self) -> &SchemaRef {
        self.encoder.schema()
    }

    pub(crate) fn write_schema(&mut self) -> Result<()> {
        let framer = &mut self.framer;
        self.encoder
            .encode_schema_with(|m| framer.write_message(m.metadata(), m.body_parts(), 0))?;
        Ok(())
    }

    /// Whether `finish` succeeded.
    pub(crate) fn is_finished(&self) -> bool {
        self.state.is_finished()
    }

    /// Writes the end-of-stream marker, then `tail` (the file footer), then flushes.
    /// Once this succeeded, later calls do nothing; once it failed, later calls fail too,
    /// so output that is not complete never passes for complete.
    pub(crate) fn finish(&mut self, tail: impl FnOnce(&mut Framer<W>) -> Result<()>) -> Result<()> {
        self.state.check_not_failed()?;
        if self.is_finished() {
            return Ok(());
        }
        let framer = &mut self.framer;
        let result = framer
            .write_eos()
            .and_then(|()| tail(framer))
            .and_then(|()| framer.flush());
        self.state.poison_on_error(result)?;
        self.state = WriterState::Finished;
        Ok(())
    }

    /// Hands every gathered byte to the sink and flushes it. A failure closes the writer
    /// for good, like a failed write.
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.state.check_not_failed()?;
        let result = self.framer.flush();
        self.state.poison_on_error(result)
    }

    /// Writes the dictionaries `batch` needs, then the batch. Returns the positions of
    /// the dictionary messages and of the batch.
    ///
    /// A batch refused before anything is sent (finished writer, other schema, values
    /// that fail their checks) leaves the writer usable; any later failure closes it for
    /// good, as the output or the record of sent dictionaries is then incomplete.
    pub(crate) fn write_batch(&mut self, batch: &RecordBatch) -> Result<(Vec<Written>, Written)> {
        self.state.check_open()?;
        // A refused batch changes nothing: the writer stays usable.
        self.encoder.check_batch(batch)?;
        let result = self.send_batch(batch);
        self.state.poison_on_error(result)
    }

    fn send_batch(&mut self, batch: &RecordBatch) -> Result<(Vec<Written>, Written)> {
        let mut dicts = Vec::new();
        let mut written = None;
        let framer = &mut self.framer;
        self.encoder.encode_checked_batch_with(batch, |m| {
            let w = framer.write_message(m.metadata(), m.body_parts(), m.body_length())?;
            if m.message_type() == MessageType::DictionaryBatch {
                dicts.push(w);
            } else {
                written = Some(w);
            }
            Ok(())
        })?;
        let written = written.ok_or_else(|| {
            IpcError::Usage("the encoder produced no record batch message".into())
        })?;
        Ok((dicts, written))
    }
}
