//! What the stream and file writers share: schema checks, dictionaries, framing.

use std::io::Write;
use std::sync::Arc;

use quiver_array::{RecordBatch, Schema, SchemaRef};

use crate::error::{IpcError, Result};
use crate::options::IpcWriteOptions;
use crate::write::dictionary::{DictionaryMessage, DictionaryTracker};
use crate::write::encoder::Encoder;
use crate::write::framer::{Framer, Written};

/// Where a writer is in its life.
#[derive(Debug)]
enum State {
    /// Taking batches.
    Open,
    /// `finish` succeeded: the output is complete.
    Finished,
    /// A step failed after output or dictionary state changed: the output is incomplete
    /// for good. Holds the first error's text.
    Failed(String),
}

#[derive(Debug)]
pub(crate) struct WriterCore<W> {
    pub framer: Framer<W>,
    encoder: Encoder,
    schema: SchemaRef,
    dict_ids: Vec<Option<i64>>,
    tracker: DictionaryTracker,
    state: State,
    allow_replacement: bool,
}

impl<W: Write> WriterCore<W> {
    pub(crate) fn new(
        sink: W,
        schema: &Schema,
        options: IpcWriteOptions,
        allow_replacement: bool,
    ) -> Result<Self> {
        let emit_deltas = options.emit_dictionary_deltas();
        let encoder = Encoder::new(options)?;
        let alignment = encoder.options().alignment();
        Ok(Self {
            framer: Framer::new(sink, alignment),
            encoder,
            schema: Arc::new(schema.clone()),
            dict_ids: schema.dictionary_ids(),
            tracker: DictionaryTracker::new(emit_deltas),
            state: State::Open,
            allow_replacement,
        })
    }

    pub(crate) fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub(crate) fn write_schema(&mut self) -> Result<()> {
        self.encoder.encode_schema(&self.schema, &self.dict_ids);
        let meta = self.encoder.metadata();
        self.framer.write_message(meta, &[], 0)?;
        Ok(())
    }

    /// Whether `finish` succeeded.
    pub(crate) fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// An error if an earlier step failed, leaving the output incomplete.
    fn check_not_failed(&self) -> Result<()> {
        match &self.state {
            State::Failed(cause) => Err(IpcError::Usage(format!(
                "the writer's output is incomplete: an earlier write failed ({cause}); \
                 start again with a new writer and sink"
            ))),
            State::Open | State::Finished => Ok(()),
        }
    }

    /// Records `result`'s error, if any, as the one that closed the writer for good.
    fn poison_on_error<T>(&mut self, result: Result<T>) -> Result<T> {
        if let Err(e) = &result {
            self.state = State::Failed(e.to_string());
        }
        result
    }

    /// Writes the end-of-stream marker, then `tail` (the file footer), then flushes.
    /// Once this succeeded, later calls do nothing; once it failed, later calls fail too,
    /// so output that is not complete never passes for complete.
    pub(crate) fn finish(&mut self, tail: impl FnOnce(&mut Framer<W>) -> Result<()>) -> Result<()> {
        self.check_not_failed()?;
        if self.is_finished() {
            return Ok(());
        }
        let framer = &mut self.framer;
        let result = framer
            .write_eos()
            .and_then(|()| tail(framer))
            .and_then(|()| framer.flush());
        self.poison_on_error(result)?;
        self.state = State::Finished;
        Ok(())
    }

    /// Writes the dictionaries `batch` needs, then the batch. Returns the positions of
    /// the dictionary messages and of the batch.
    ///
    /// A batch refused before anything is sent (finished writer, other schema, values
    /// that fail their checks) leaves the writer usable; any later failure closes it for
    /// good, as the output or the record of sent dictionaries is then incomplete.
    pub(crate) fn write_batch(&mut self, batch: &RecordBatch) -> Result<(Vec<Written>, Written)> {
        self.check_not_failed()?;
        if self.is_finished() {
            return Err(IpcError::Usage(
                "write after finish(): the writer is closed".into(),
            ));
        }
        if let Some(diff) = batch.schema().first_difference(&self.schema) {
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
        let result = self.send_batch(batch);
        self.poison_on_error(result)
    }

    fn send_batch(&mut self, batch: &RecordBatch) -> Result<(Vec<Written>, Written)> {
        let mut dicts = Vec::new();
        for action in self
            .tracker
            .collect(batch, &self.dict_ids, self.allow_replacement)?
        {
            let DictionaryMessage {
                id,
                values,
                is_delta,
            } = action;
            self.encoder.encode_dictionary(id, &values, is_delta)?;
            dicts.push(self.emit()?);
        }
        self.encoder.encode_batch(batch)?;
        Ok((dicts, self.emit()?))
    }

    fn emit(&mut self) -> Result<Written> {
        let (meta, parts, len) = (
            self.encoder.metadata(),
            &self.encoder.parts,
            self.encoder.body_len,
        );
        self.framer.write_message(meta, parts, len)
    }
}
