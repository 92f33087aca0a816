//! `quiver validate`: read everything, say whether it is valid, and at which level.
//!
//! - **default**: the checks every read makes. The whole input is decoded with the
//!   library's readers and default read options: the framing and every message's
//!   metadata, for files the footer and every block it lists, every dictionary and
//!   record batch, every array built at full validation (offsets, UTF-8, dictionary
//!   indices, union type ids, run ends… in every slot) and the value ranges (decimal
//!   precision, date64 whole days, times within a day) unless `--no-value-range-checks`.
//!   Streams must end with the end-of-stream marker.
//! - **full** (`--full`) adds: every column of every batch checked again as decoded
//!   (`Array::validate_full`, and `Array::validate_values` unless the value range checks
//!   are off), dictionaries as resolved included; for files, the stream of messages
//!   inside the file, walked message by message from byte 8, must start with a schema
//!   message equal to the footer's schema (metadata and dictionary ids included) and
//!   hold exactly the dictionary and record batch blocks the footer lists, in order, at
//!   the same offsets and sizes; for streams, no bytes may follow the end-of-stream
//!   marker (two concatenated streams, for instance).

use std::path::PathBuf;

use quiver::ipc::message::MessageType;
use quiver::ipc::{Block, FileDecoder, FileReader, IpcReadOptions, StreamReader};
use quiver::{Buffer, InputStream, RecordBatch};

use super::CliError;
use super::inspect::{Event, Framer, Opened, Source, print, schema_message_details};

/// Arguments of `quiver validate`.
#[derive(Debug, clap::Args)]
#[command(after_help = VALIDATE_HELP)]
pub struct ValidateArgs {
    /// The Arrow IPC file or stream to check ('-' for standard input).
    pub file: PathBuf,
    /// Also check every column again as decoded, a file's footer against its messages,
    /// and that nothing follows a stream's end (see below).
    #[arg(long)]
    pub full: bool,
}

const VALIDATE_HELP: &str = "\
A valid input prints 'OK: N batches, M rows (<level> validation)' and exits with 0; an \
invalid one prints where and what is wrong on one line and exits with 1.

default validation: the checks every read makes. Everything is decoded: the framing and \
each message's metadata; for files the footer and every block it lists; every \
dictionary and record batch, with every array's structure and values checked in every \
slot (offsets, UTF-8, dictionary indices, union type ids, run ends...) and the value \
ranges (decimal precision, date64 whole days, times within a day) unless \
--no-value-range-checks is given. A stream must end with its end-of-stream marker.

full validation (--full) adds: every column of every batch checked again as decoded, \
dictionaries included; for files, the messages inside the file, walked one by one from \
byte 8, must start with a schema equal to the footer's (metadata and dictionary ids \
included) and hold exactly the dictionary and record batch blocks the footer lists, in \
order, at the same offsets and sizes; for streams, no bytes may follow the end-of-stream \
marker.

Examples:
  quiver validate data.arrow
  quiver validate --full data.arrows
  cat data.arrows | quiver validate -";

/// Checks `args.file` and prints the verdict.
pub fn validate(args: &ValidateArgs, options: IpcReadOptions) -> Result<(), CliError> {
    let level = if args.full { "full" } else { "default" };
    let ranges_off = !options.value_range_checks();
    let note = if ranges_off {
        " (value range checks off)"
    } else {
        ""
    };
    let opened = Opened::open(&args.file)?;
    let name = opened.name;
    let invalid = |what: &dyn std::fmt::Display| {
        CliError::new(format!("{name} failed {level} validation{note}: {what}"))
    };
    let (mut batches, mut rows) = (0u64, 0u64);
    let mut count = |batch: &RecordBatch, index: usize| -> Result<(), CliError> {
        batches += 1;
        rows += batch.num_rows() as u64;
        if args.full {
            check_batch(batch, index, &options).map_err(|e| invalid(&e))?;
        }
        Ok(())
    };
    match opened.source {
        Source::File(bytes) => {
            let reader = FileReader::try_new_with_options(bytes.clone(), options.clone())
                .map_err(|e| invalid(&e))?;
            for i in 0..reader.num_record_batches() {
                let batch = reader.get_batch(i).map_err(|e| invalid(&e))?;
                count(&batch, i)?;
            }
            if args.full {
                check_file_messages(&bytes, &reader, &options).map_err(|e| invalid(&e))?;
            }
        }
        Source::Stream(source) => {
            let mut reader = StreamReader::try_new_with_options(source, options.clone())
                .map_err(|e| invalid(&e))?;
            let mut index = 0;
            while let Some(batch) = reader.next_batch().map_err(|e| invalid(&e))? {
                count(&batch, index)?;
                index += 1;
            }
            if args.full && reader.saw_end_of_stream_marker() {
                let trailing = count_rest(reader.into_inner()).map_err(|e| invalid(&e))?;
                if trailing > 0 {
                    return Err(invalid(&format!(
                        "{trailing} bytes follow the end-of-stream marker (a stream ends at \
                         its marker; is this two streams one after the other?)"
                    )));
                }
            }
        }
    }
    let note = if ranges_off {
        ", value range checks off"
    } else {
        ""
    };
    let batches_word = if batches == 1 { "batch" } else { "batches" };
    let rows_word = if rows == 1 { "row" } else { "rows" };
    print(&format!(
        "OK: {batches} {batches_word}, {rows} {rows_word} ({level} validation{note})\n"
    ))
}

/// Every column of `batch` checked again at full level (and for value ranges).
fn check_batch(batch: &RecordBatch, index: usize, options: &IpcReadOptions) -> Result<(), String> {
    for (column, field) in batch.columns().iter().zip(batch.schema().fields()) {
        let checked = column.validate_full().and_then(|()| {
            if options.value_range_checks() {
                column.validate_values()
            } else {
                Ok(())
            }
        });
        checked.map_err(|e| format!("record batch {index}, column {:?}: {e}", field.name()))?;
    }
    Ok(())
}

/// Bytes left in `source`.
fn count_rest(mut source: impl InputStream) -> std::io::Result<u64> {
    let mut total = 0u64;
    loop {
        let chunk = source.read_buffer(1 << 16)?;
        if chunk.is_empty() {
            return Ok(total);
        }
        total += chunk.len() as u64;
    }
}

/// Where a message sits, as a footer block describes it.
fn describe_block(b: &Block) -> String {
    format!(
        "byte {}, {} metadata + {} body bytes",
        b.offset, b.metadata_length, b.body_length
    )
}

/// The stream of messages inside a file agrees with the footer.
fn check_file_messages(
    bytes: &Buffer,
    reader: &FileReader<Buffer>,
    options: &IpcReadOptions,
) -> Result<(), String> {
    let tail = bytes
        .get(bytes.len().saturating_sub(10)..)
        .unwrap_or_default();
    let (footer_at, _) =
        FileDecoder::footer_location(bytes.len() as u64, bytes, tail).map_err(|e| e.to_string())?;
    let inner = usize::try_from(footer_at)
        .ok()
        .and_then(|end| bytes.get(8..end))
        .unwrap_or_default();
    let mut framer = Framer::new(8, options.clone());
    let mut events = Vec::new();
    framer
        .push_all(inner, &mut events)
        .map_err(|e| format!("inside the file: {e}"))?;
    if !framer.at_boundary() {
        return Err(format!(
            "inside the file, a message runs into the footer at byte {footer_at}"
        ));
    }
    let mut messages = events.iter().filter_map(|e| match e {
        Event::Message(m) => Some(m),
        Event::EndOfStream => None,
    });
    let schema = messages
        .next()
        .filter(|m| m.message.message_type() == Some(MessageType::Schema))
        .ok_or("the file holds no schema message at byte 8")?;
    let (stream_schema, ids, endianness) = schema_message_details(&schema.message, options)
        .ok_or("the schema message at byte 8 cannot be decoded")?;
    let footer = reader.decoder().message_decoder();
    if let Some(difference) = stream_schema.first_difference(reader.schema()) {
        return Err(format!(
            "the schema message at byte 8 differs from the footer's schema: {difference}"
        ));
    }
    if *stream_schema != **reader.schema() {
        return Err(
            "the schema message at byte 8 has other metadata than the footer's schema".into(),
        );
    }
    if Some(ids.as_slice()) != footer.dictionary_ids() || Some(endianness) != footer.endianness() {
        return Err(
            "the schema message at byte 8 numbers dictionaries or orders bytes unlike the \
             footer's schema"
                .into(),
        );
    }
    let (mut dictionaries, mut batches) = (Vec::new(), Vec::new());
    for m in messages {
        let block = Block::new(m.offset, m.metadata_length, m.message.body_length());
        match m.message.message_type() {
            Some(MessageType::DictionaryBatch) => dictionaries.push(block),
            Some(MessageType::RecordBatch) => batches.push(block),
            _ => {
                return Err(format!(
                    "unexpected message at byte {} inside the file",
                    m.offset
                ));
            }
        }
    }
    compare_blocks("dictionary", reader.decoder().dictionaries(), &dictionaries)?;
    compare_blocks("record batch", reader.decoder().record_batches(), &batches)
}

fn compare_blocks(what: &str, footer: &[Block], messages: &[Block]) -> Result<(), String> {
    for (i, (f, m)) in footer.iter().zip(messages).enumerate() {
        if f != m {
            return Err(format!(
                "the footer's {what} block {i} ({}) does not match {what} message {i} \
                 inside the file ({})",
                describe_block(f),
                describe_block(m)
            ));
        }
    }
    if footer.len() != messages.len() {
        return Err(format!(
            "the footer lists {} {what} blocks but the file holds {} {what} messages",
            footer.len(),
            messages.len()
        ));
    }
    Ok(())
}
