//! `quiver schema` and `quiver info`: what is in an Arrow IPC file or stream.
//!
//! Both tell the format from the bytes (`ARROW1` starts a file), not the name. `schema`
//! reads only the schema (a file's footer, a stream's first message); `info` decodes
//! every batch with the library's readers (the standard validation of every read) and
//! reads each message's metadata beside them for the compression codec and the
//! dictionary batches. Regular files are memory-mapped; standard input is read as it
//! comes (a file whole, since its footer is at the end).

mod framer;
mod info;
mod report;
mod schema_text;
mod source;

use std::io::{self, Write};
use std::path::PathBuf;

use quiver::ipc::{FileDecoder, IpcReadOptions};

use super::CliError;
pub(crate) use framer::{Event, Framer};
pub(crate) use info::schema_message_details;
pub(crate) use source::{Opened, Source};

/// Arguments of `quiver schema`.
#[derive(Debug, clap::Args)]
#[command(after_help = SCHEMA_HELP)]
pub struct SchemaArgs {
    /// The Arrow IPC file or stream to read ('-' for standard input).
    pub file: PathBuf,
}

const SCHEMA_HELP: &str = "\
One line per field: name, type, and 'not null' when nulls are not allowed; the children \
of nested types are indented under their parent. Below a field: its dictionary (id as \
written in the data, index type, ordered or not, value type), its extension type (name, \
storage type, serialized metadata) and its other metadata. The schema's metadata comes \
last. Names that are not plain are quoted; metadata keys and values always are.

Examples:
  quiver schema data.arrow
  curl -s https://example.com/data.arrows | quiver schema -";

/// Arguments of `quiver info`.
#[derive(Debug, clap::Args)]
#[command(after_help = INFO_HELP)]
pub struct InfoArgs {
    /// The Arrow IPC file or stream to read ('-' for standard input).
    pub file: PathBuf,
    /// Print one JSON document instead of text (field names below).
    #[arg(long)]
    pub json: bool,
}

const INFO_HELP: &str = "\
Every batch is decoded and checked, as any read does (see 'quiver validate').

Reported: the format (file or stream, from the bytes), the metadata version of the first \
message, the byte order, the file size (regular files only), the number of batches and \
rows, the compression codec of the record and dictionary batch messages, and per \
top-level column its type, null count and byte size. The byte size is the sum, over all \
batches, of the sizes of the buffers the decoded column references: validity, offsets, \
values, children and dictionary (a dictionary counts again in every batch). For \
compressed input these are decompressed sizes; for uncompressed input most are views of \
the file itself. Then, per dictionary id, the fields it encodes and its dictionary \
batches, of which deltas and replacements; for files, the footer's custom metadata.

--json field names (stable):
  format               \"file\" or \"stream\"
  metadata_version     \"V4\" or \"V5\" (of the first message), or null
  endianness           \"little\" or \"big\", or null
  file_size            bytes, or null for standard input and pipes
  num_batches, num_rows
  compression          \"none\", \"lz4\", \"zstd\", or \"mixed\" when messages differ
  message_compression  {codec: number of record and dictionary batch messages}
  columns              [{name, type, nullable, null_count, byte_size}]
  dictionaries         [{id, fields, batches, deltas, replacements}]
  footer_metadata      [{key, value}] for files, null for streams

Examples:
  quiver info data.arrow
  quiver info --json data.arrows | jq .num_rows
  cat data.arrows | quiver info -";

/// Prints the schema of `args.file`.
pub fn schema(args: &SchemaArgs, options: IpcReadOptions) -> Result<(), CliError> {
    let Opened { source, name, .. } = Opened::open(&args.file)?;
    let fail = |e: &dyn std::fmt::Display| CliError::new(format!("cannot read {name}: {e}"));
    let (schema, ids) = match source {
        Source::File(bytes) => {
            let tail = bytes
                .get(bytes.len().saturating_sub(10)..)
                .unwrap_or_default();
            let (at, len) = FileDecoder::footer_location(bytes.len() as u64, &bytes, tail)
                .map_err(|e| fail(&e))?;
            let footer = usize::try_from(at)
                .ok()
                .and_then(|at| bytes.get(at..)?.get(..len))
                .unwrap_or_default();
            let decoder = FileDecoder::try_new(footer, at, options).map_err(|e| fail(&e))?;
            let ids = decoder
                .message_decoder()
                .dictionary_ids()
                .unwrap_or_default()
                .to_vec();
            (decoder.schema().clone(), ids)
        }
        Source::Stream(stream) => {
            let (reader, log) = source::tee_stream_reader(stream, options.clone(), &name)?;
            let mut framer = Framer::new(0, options.clone());
            let mut events = Vec::new();
            for chunk in log.take() {
                framer.push_all(&chunk, &mut events).map_err(|e| fail(&e))?;
            }
            let ids = match events.first() {
                Some(Event::Message(m)) => info::schema_message_details(&m.message, &options)
                    .map(|(_, ids, _)| ids)
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            (reader.schema().clone(), ids)
        }
    };
    print(&schema_text::render(&schema, &ids))
}

/// Prints the report of `args.file`.
pub fn info(args: &InfoArgs, options: IpcReadOptions) -> Result<(), CliError> {
    let info = info::gather(Opened::open(&args.file)?, options)?;
    if args.json {
        print(&format!("{}\n", report::json(&info)))
    } else {
        print(&report::text(&info))
    }
}

/// Writes `text` to standard output; a closed pipe (`| head`) ends the command quietly.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::stdout)
}
