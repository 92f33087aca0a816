//! [`FileWriter`]: the file (random access) format.

use std::io::Write;

use flatbuffers::FlatBufferBuilder;
use quiver_array::{Metadata, RecordBatch, Schema, SchemaRef, Table};

use crate::convert::schema::{metadata_to_fb, schema_to_fb};
use crate::error::{IpcError, Result};
use crate::fb;
use crate::framing::MAGIC;
use crate::options::{IpcWriteOptions, MetadataVersion};
use crate::write::core::WriterCore;
use crate::write::framer::Written;

/// Writes record batches in the Arrow file format, like `pyarrow.ipc.new_file`.
///
/// [`finish`](FileWriter::finish) (or [`close`](FileWriter::close)) writes the footer
/// (schema and block index) and the closing magic, and flushes the sink.
///
/// # Gathered writes
///
/// The writer gathers whole messages and hands them to the sink about 1 MiB at a time
/// (a body buffer of 64 KiB or more goes to the sink directly, after what was gathered
/// before it), so a file of many small batches costs few large writes instead of one
/// per batch. [`flush`](FileWriter::flush) hands over what is gathered and flushes the
/// sink; [`finish`](FileWriter::finish) does so at the end. An error of the sink is
/// returned by the call that hands it the bytes, which may be a later `write` than the
/// one whose batch they hold, or `flush`/`finish`.
///
/// # Dropping an unfinished writer
///
/// Dropping a writer never writes: what the sink holds is what earlier calls handed it;
/// gathered messages are dropped with the writer and the sink is not flushed. A file
/// that was never finished has no footer, so every file reader refuses it.
/// [`StreamWriter`](crate::StreamWriter) behaves the same way; its documentation says
/// why.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_ipc::{FileReader, FileWriter};
///
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![true, false])], &["b"]).unwrap();
/// let mut writer = FileWriter::try_new(Vec::new(), batch.schema()).unwrap();
/// writer.write(&batch).unwrap();
/// let bytes = writer.close().unwrap();
/// assert_eq!(&bytes[..6], b"ARROW1");
/// assert_eq!(FileReader::try_new(quiver_buffer::Buffer::from_vec(bytes)).unwrap().num_record_batches(), 1);
/// ```
#[derive(Debug)]
pub struct FileWriter<W: Write> {
    core: WriterCore<W>,
    options: IpcWriteOptions,
    dictionaries: Vec<Written>,
    batches: Vec<Written>,
    footer_metadata: Metadata,
}

impl<W: Write> FileWriter<W> {
    /// Writes the magic and the schema with default options.
    pub fn try_new(sink: W, schema: &Schema) -> Result<Self> {
        Self::try_new_with_options(sink, schema, IpcWriteOptions::default())
    }

    /// Writes the magic and the schema with the given options.
    pub fn try_new_with_options(
        sink: W,
        schema: &Schema,
        options: IpcWriteOptions,
    ) -> Result<Self> {
        let mut core = WriterCore::new(sink, schema, options.clone(), false)?.hold_messages();
        core.framer.write_all(MAGIC)?;
        core.framer.write_all(&[0, 0])?;
        core.write_schema()?;
        Ok(Self {
            core,
            options,
            dictionaries: Vec::new(),
            batches: Vec::new(),
            footer_metadata: Metadata::new(),
        })
    }

    /// The schema every batch must have.
    pub fn schema(&self) -> &SchemaRef {
        self.core.schema()
    }

    /// Sets the custom metadata written into the footer (read back with
    /// [`FileReader::custom_metadata`](crate::FileReader::custom_metadata)).
    pub fn set_footer_metadata(&mut self, metadata: Metadata) {
        self.footer_metadata = metadata;
    }

    /// Writes one batch (after any dictionary it needs).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let (dicts, written) = self.core.write_batch(batch)?;
        self.dictionaries.extend(dicts);
        self.batches.push(written);
        Ok(())
    }

    /// Writes one batch; pyarrow's name for [`write`](FileWriter::write).
    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        self.write(batch)
    }

    /// Writes every batch of a table.
    pub fn write_table(&mut self, table: &Table) -> Result<()> {
        table.batches().iter().try_for_each(|b| self.write(b))
    }

    /// Hands every gathered message to the sink and flushes the sink, so it holds a
    /// prefix of the file ending after the last written batch (not yet a readable file:
    /// that needs [`finish`](FileWriter::finish)).
    ///
    /// A failure closes the writer for good, like a failed [`write`](FileWriter::write).
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// use quiver_ipc::FileWriter;
    ///
    /// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i32, 2])], &["n"]).unwrap();
    /// let mut writer = FileWriter::try_new(Vec::new(), batch.schema()).unwrap();
    /// writer.write(&batch).unwrap();
    /// assert!(writer.get_ref().is_empty()); // still gathered
    /// writer.flush().unwrap();
    /// assert_eq!(&writer.get_ref()[..6], b"ARROW1");
    /// ```
    pub fn flush(&mut self) -> Result<()> {
        self.core.flush()
    }

    /// Writes the end-of-stream marker, the footer and the closing magic, then flushes.
    ///
    /// Once it succeeded, calling it again does nothing. If it (or an earlier write)
    /// failed, the file is incomplete and every later call fails too.
    pub fn finish(&mut self) -> Result<()> {
        if self.core.is_finished() {
            return Ok(());
        }
        let footer = self.footer();
        let len = i32::try_from(footer.len())
            .map_err(|_| IpcError::Usage("the footer is larger than 2 GiB".into()))?;
        self.core.finish(|framer| {
            framer.write_all(&footer)?;
            framer.write_all(&len.to_le_bytes())?;
            framer.write_all(MAGIC)
        })
    }

    fn footer(&self) -> Vec<u8> {
        let mut fbb = FlatBufferBuilder::new();
        let schema = self.core.schema().clone();
        let dict_ids = schema.dictionary_ids();
        let s = schema_to_fb(&mut fbb, &schema, &dict_ids);
        let blocks = |v: &[Written]| -> Vec<fb::Block> {
            v.iter()
                .map(|w| {
                    fb::Block::new(
                        w.offset as i64,
                        w.metadata_length as i32,
                        w.body_length as i64,
                    )
                })
                .collect()
        };
        let dictionaries = Some(fbb.create_vector(&blocks(&self.dictionaries)));
        let record_batches = Some(fbb.create_vector(&blocks(&self.batches)));
        let version = match self.options.metadata_version() {
            MetadataVersion::V4 => fb::MetadataVersion::V4,
            MetadataVersion::V5 => fb::MetadataVersion::V5,
        };
        let custom_metadata = metadata_to_fb(&mut fbb, &self.footer_metadata);
        let footer = fb::Footer::create(
            &mut fbb,
            &fb::FooterArgs {
                version,
                schema: Some(s),
                dictionaries,
                recordBatches: record_batches,
                custom_metadata,
            },
        );
        fbb.finish(footer, None);
        fbb.finished_data().to_vec()
    }

    /// Finishes and returns the sink.
    pub fn close(mut self) -> Result<W> {
        self.finish()?;
        Ok(self.core.framer.sink)
    }

    /// The sink. Messages still gathered (see [Gathered writes](FileWriter#gathered-writes))
    /// are not in it yet; [`flush`](FileWriter::flush) hands them over.
    pub fn get_ref(&self) -> &W {
        &self.core.framer.sink
    }
}
