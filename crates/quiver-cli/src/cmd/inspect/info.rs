//! What `quiver info` reports: gathered while the library's readers decode every batch
//! (so the figures are those of valid data), with each message's metadata read by the
//! [`Framer`] beside them.

use std::collections::BTreeMap;

use quiver::ipc::message::{DecodedMessage, Message, MessageDecoder, MessageType};
use quiver::ipc::{CompressionCodec, Endianness, IpcReadOptions};
use quiver::{Buffer, Field, RecordBatch, Schema};

use super::framer::{Event, Framed, Framer};
use super::source::{Log, Opened, Source, file_reader, tee_stream_reader};
use crate::cmd::CliError;

/// One top-level column.
#[derive(Debug)]
pub struct ColumnInfo {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    pub null_count: u64,
    pub byte_size: u64,
}

/// One dictionary id.
#[derive(Debug, Default)]
pub struct DictionaryInfo {
    /// Paths of the fields encoded with it.
    pub fields: Vec<String>,
    /// Dictionary batch messages with this id.
    pub batches: u64,
    /// Of those, deltas (values appended).
    pub deltas: u64,
    /// Of those, whole dictionaries replacing an earlier one (streams only).
    pub replacements: u64,
}

/// Everything `info` prints.
#[derive(Debug)]
pub struct Info {
    pub is_file: bool,
    pub metadata_version: Option<String>,
    pub endianness: Option<Endianness>,
    pub file_size: Option<u64>,
    pub num_batches: u64,
    pub num_rows: u64,
    pub columns: Vec<ColumnInfo>,
    /// Record batch and dictionary batch messages per codec name (`none`, `lz4`, `zstd`).
    pub message_compression: BTreeMap<&'static str, u64>,
    pub dictionaries: BTreeMap<i64, DictionaryInfo>,
    /// The footer's custom metadata (files only).
    pub footer_metadata: Option<Vec<(String, String)>>,
}

impl Info {
    fn new(schema: &Schema, is_file: bool, file_size: Option<u64>) -> Self {
        let columns = schema
            .fields()
            .iter()
            .map(|f| ColumnInfo {
                name: f.name().to_owned(),
                data_type: f.data_type().to_string(),
                nullable: f.is_nullable(),
                null_count: 0,
                byte_size: 0,
            })
            .collect();
        Self {
            is_file,
            metadata_version: None,
            endianness: None,
            file_size,
            num_batches: 0,
            num_rows: 0,
            columns,
            message_compression: BTreeMap::new(),
            dictionaries: BTreeMap::new(),
            footer_metadata: None,
        }
    }

    /// The codec of every compressed message, when they agree: `none`, a codec name, or
    /// `mixed`.
    pub fn compression(&self) -> &'static str {
        let compressed: Vec<_> = self
            .message_compression
            .keys()
            .filter(|k| **k != "none")
            .collect();
        match compressed.as_slice() {
            [] => "none",
            [one] if !self.message_compression.contains_key("none") => one,
            _ => "mixed",
        }
    }

    fn batch(&mut self, batch: &RecordBatch) {
        self.num_batches += 1;
        self.num_rows += batch.num_rows() as u64;
        for (column, info) in batch.columns().iter().zip(&mut self.columns) {
            info.null_count += column.null_count() as u64;
            info.byte_size += column.get_buffer_memory_size() as u64;
        }
    }

    fn message(&mut self, message: &Message) {
        if self.metadata_version.is_none() {
            self.metadata_version = Some(format!("{:?}", message.metadata_version()));
        }
        if !matches!(
            message.message_type(),
            Some(MessageType::RecordBatch | MessageType::DictionaryBatch)
        ) {
            return;
        }
        *self
            .message_compression
            .entry(codec_name(message.body_compression().ok().flatten()))
            .or_default() += 1;
        if let Some(id) = message.dictionary_id() {
            let entry = self.dictionaries.entry(id).or_default();
            if message.is_delta() {
                entry.deltas += 1;
            } else if entry.batches > entry.deltas {
                entry.replacements += 1;
            }
            entry.batches += 1;
        }
    }

    /// Names the fields of each dictionary id (ids as the schema message numbered them).
    fn dictionary_fields(&mut self, schema: &Schema, ids: &[Option<i64>]) {
        let mut paths = Vec::new();
        for f in schema.fields() {
            pre_order_paths(f, "", &mut paths);
        }
        for (path, id) in paths.into_iter().zip(ids) {
            if let Some(id) = id {
                self.dictionaries.entry(*id).or_default().fields.push(path);
            }
        }
    }
}

/// The name `info` gives a codec.
pub fn codec_name(codec: Option<CompressionCodec>) -> &'static str {
    match codec {
        None => "none",
        Some(CompressionCodec::Lz4Frame) => "lz4",
        Some(CompressionCodec::Zstd) => "zstd",
        Some(_) => "unknown",
    }
}

/// Field paths (`s.a`, `l.item`) in the pre-order walk of dictionary ids.
fn pre_order_paths(field: &Field, parent: &str, out: &mut Vec<String>) {
    let path = if parent.is_empty() {
        field.name().to_owned()
    } else {
        format!("{parent}.{}", field.name())
    };
    out.push(path.clone());
    for child in field.children_through_dictionary() {
        pre_order_paths(child, &path, out);
    }
}

/// The dictionary ids and byte order of a schema message, decoded on its own.
pub fn schema_message_details(
    message: &Message,
    options: &IpcReadOptions,
) -> Option<(quiver::SchemaRef, Vec<Option<i64>>, Endianness)> {
    let mut decoder = MessageDecoder::new(options.clone());
    let decoded = decoder.decode_message(message, Buffer::from_vec(Vec::<u8>::new()));
    match decoded {
        Ok(DecodedMessage::Schema(schema)) => Some((
            schema,
            decoder.dictionary_ids()?.to_vec(),
            decoder.endianness()?,
        )),
        _ => None,
    }
}

/// Reads the whole input, every batch decoded and checked, and gathers the report.
pub fn gather(opened: Opened, options: IpcReadOptions) -> Result<Info, CliError> {
    let Opened {
        source,
        file_size,
        name,
    } = opened;
    let fail = |e: &dyn std::fmt::Display| CliError::new(format!("cannot read {name}: {e}"));
    match source {
        Source::File(bytes) => {
            let reader = file_reader(&bytes, options.clone(), &name)?;
            let mut info = Info::new(reader.schema(), true, file_size);
            // The schema message after the magic, for the metadata version.
            let mut framer = Framer::new(8, options.clone());
            if let Ok((_, Some(Event::Message(m)))) =
                framer.push(bytes.get(8..).unwrap_or_default())
            {
                info.message(&m.message);
            }
            let decoder = reader.decoder();
            for block in decoder
                .dictionaries()
                .iter()
                .chain(decoder.record_batches())
            {
                let slice = block.slice_of(&bytes).map_err(|e| fail(&e))?;
                let mut framer = Framer::new(block.offset, options.clone());
                if let (_, Some(Event::Message(m))) = framer.push(&slice).map_err(|e| fail(&e))? {
                    info.message(&m.message);
                }
            }
            for i in 0..reader.num_record_batches() {
                info.batch(&reader.get_batch(i).map_err(|e| fail(&e))?);
            }
            let messages = decoder.message_decoder();
            info.endianness = messages.endianness();
            let ids = messages.dictionary_ids().unwrap_or_default().to_vec();
            info.dictionary_fields(reader.schema(), &ids);
            info.footer_metadata = Some(reader.custom_metadata().to_vec());
            Ok(info)
        }
        Source::Stream(source) => {
            let (mut reader, log) = tee_stream_reader(source, options.clone(), &name)?;
            let mut info = Info::new(reader.schema(), false, file_size);
            let mut framer = Framer::new(0, options.clone());
            let mut first = true;
            loop {
                for framed in drain(&log, &mut framer).map_err(|e| fail(&e))? {
                    if first {
                        first = false;
                        if let Some((schema, ids, endianness)) =
                            schema_message_details(&framed.message, &options)
                        {
                            info.endianness = Some(endianness);
                            info.dictionary_fields(&schema, &ids);
                        }
                    }
                    info.message(&framed.message);
                }
                match reader.next_batch().map_err(|e| fail(&e))? {
                    Some(batch) => info.batch(&batch),
                    None => break,
                }
            }
            for framed in drain(&log, &mut framer).map_err(|e| fail(&e))? {
                info.message(&framed.message);
            }
            Ok(info)
        }
    }
}

/// The messages framed out of the bytes the reader consumed since the last call.
fn drain(log: &Log, framer: &mut Framer) -> Result<Vec<Framed>, String> {
    let mut events = Vec::new();
    for chunk in log.take() {
        framer.push_all(&chunk, &mut events)?;
    }
    Ok(events
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m),
            Event::EndOfStream => None,
        })
        .collect())
}
