//! `quiver json` and `quiver from-json`: Arrow IPC to and from the Arrow JSON
//! integration-test format (the `generated_*.json` documents of the cross-language
//! integration tests), through `quiver::json`.
//!
//! Both hold the whole document in memory, as the format is one JSON object. `json`
//! writes it indented (one key per line, short scalar lists on one line); `from-json`
//! reads JSON text or its gzip-compressed form (`*.json.gz`, told by its bytes), checks
//! every array fully, and writes an IPC file unless `--to stream` is given. Outputs are
//! atomic, as for `convert`.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use quiver::ipc::{IpcReadOptions, IpcWriteOptions};

use super::CliError;
use super::convert::{Format, Writer, describe, is_std, read_error, write_error};
use super::input::Input;
use super::output::{Output, refuse_same_file, refuse_terminal};

/// Examples for `quiver json --help`.
pub const JSON_EXAMPLES: &str = "\
Examples:
  quiver json data.arrow data.json              IPC file or stream -> JSON
  quiver json data.arrows - | less              to standard output
  quiver from-json data.json data.arrow         JSON -> IPC file
  quiver from-json generated_primitive.json.gz - --to stream | quiver convert - out.arrow";

/// The arguments of `quiver json`.
#[derive(Debug, clap::Args)]
pub struct JsonArgs {
    /// The Arrow IPC file or stream to read ('-' for standard input).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Where to write the JSON document ('-' for standard output).
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
}

/// The arguments of `quiver from-json`.
#[derive(Debug, clap::Args)]
pub struct FromJsonArgs {
    /// The JSON integration document, or its gzip-compressed form ('-' for standard
    /// input).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Where to write ('-' for standard output, refused when it is a terminal).
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
    /// The output format.
    #[arg(long, value_enum, default_value = "file")]
    pub to: Format,
}

/// `quiver json IN OUT`.
pub fn to_json(args: &JsonArgs, options: IpcReadOptions) -> Result<(), CliError> {
    refuse_same_file(&args.input, &args.output)?;
    let mut input = Input::open(&args.input, options)?;
    let format = match input.format() {
        quiver::ipc::IpcFormat::File => "file",
        quiver::ipc::IpcFormat::Stream => "stream",
    };
    let mut batches = Vec::new();
    while let Some(batch) = input
        .next_batch()
        .map_err(|e| read_error(format, &args.input, &e))?
    {
        batches.push(batch);
    }
    let write_error = |e: &(dyn std::error::Error + 'static)| write_error("JSON", &args.output, e);
    let mut text = quiver::json::write_json_file_pretty(input.schema(), &batches, None)
        .map_err(|e| write_error(&e))?;
    text.push('\n');
    let (target, mut sink) = Output::create(&args.output).map_err(|e| write_error(&e))?;
    sink.write_all(text.as_bytes())
        .map_err(|e| write_error(&e))?;
    target.commit(sink).map_err(|e| write_error(&e))
}

/// `quiver from-json IN OUT [--to file|stream]`.
pub fn from_json(args: &FromJsonArgs) -> Result<(), CliError> {
    refuse_same_file(&args.input, &args.output)?;
    let to = args.to.ipc();
    let (name, kind) = match args.to {
        Format::File => ("file", "an Arrow IPC file"),
        Format::Stream => ("stream", "an Arrow IPC stream"),
    };
    refuse_terminal(&args.output, kind)?;
    let what = describe(&args.input, "standard input");
    let read_error =
        |e: &dyn std::fmt::Display| CliError::new(format!("cannot read JSON {what}: {e}"));
    let text = read_text(&args.input).map_err(|e| read_error(&e))?;
    let doc = quiver::json::read_json_file(&text).map_err(|e| read_error(&e))?;
    let write_error = |e: &(dyn std::error::Error + 'static)| write_error(name, &args.output, e);
    let (target, sink) = Output::create(&args.output).map_err(|e| write_error(&e))?;
    let mut writer = Writer::new(to, sink, &doc.schema, IpcWriteOptions::default())
        .map_err(|e| write_error(&e))?;
    for batch in &doc.batches {
        writer.write(batch).map_err(|e| write_error(&e))?;
    }
    let sink: BufWriter<_> = writer.close().map_err(|e| write_error(&e))?;
    target.commit(sink).map_err(|e| write_error(&e))
}

/// The text of `path`, gunzipped when it starts with the gzip magic.
fn read_text(path: &Path) -> io::Result<String> {
    let mut bytes = Vec::new();
    if is_std(path) {
        io::stdin().lock().read_to_end(&mut bytes)?;
    } else {
        File::open(path)?.read_to_end(&mut bytes)?;
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut plain)
            .map_err(|e| io::Error::new(e.kind(), format!("bad gzip data: {e}")))?;
        bytes = plain;
    }
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at {}): a JSON document is expected",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}
