//! `quiver`, the command-line tool for Arrow IPC data: inspect, print, convert and
//! validate Arrow IPC files and streams, translate them to and from the Arrow JSON
//! integration format, read and write pyarrow's legacy serialize blobs, and serve or
//! fetch Arrow files over Arrow Flight.
//!
//! ```text
//! quiver schema FILE              # the schema: types, nullability, dictionaries, metadata
//! quiver info FILE [--json]       # format, version, batches, rows, columns, compression
//! quiver head FILE [-n N]         # the first rows as a table (or CSV, JSON lines)
//! quiver cat FILE                 # every row
//! quiver validate FILE [--full]   # check every batch: `OK: N batches, M rows`
//! quiver convert IN OUT           # file <-> stream, compression, batch size, columns
//! quiver json IN OUT              # Arrow IPC -> Arrow JSON integration format
//! quiver from-json IN OUT         # Arrow JSON integration format -> Arrow IPC
//! quiver file-to-stream IN OUT    # Arrow IPC file   -> Arrow IPC stream
//! quiver stream-to-file IN OUT    # Arrow IPC stream -> Arrow IPC file
//! quiver legacy decode BLOB       # pyarrow.serialize blob -> canonical JSON
//! quiver legacy encode JSON OUT   # canonical JSON -> pyarrow.serialize blob
//! quiver flight serve DIR         # serve DIR's Arrow files over Arrow Flight (gRPC)
//! quiver flight list URL          # the flights of a Flight server: name, rows, bytes
//! quiver flight get URL NAME OUT  # download a flight into an Arrow IPC file
//! quiver flight put URL FILE      # upload an Arrow IPC file or stream
//! quiver completions SHELL        # a bash, zsh or fish completion script
//! ```
//!
//! `-` stands for standard input or standard output. Every command either succeeds
//! (exit code 0) or prints exactly one line starting with `quiver: ` on standard error,
//! saying what went wrong, where and what to do, and exits with code 1 for bad data or a
//! failed read or write, or 2 for a usage error (clap's own, or binary output refused
//! because standard output is a terminal). The commands themselves live in [`cmd`], one
//! module per family of subcommands; the shell completions and man pages in
//! `completions/` and `man/` are generated from [`Cli`] by `cargo xtask codegen`.

mod cmd;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "quiver",
    version,
    about = "Inspect, print, convert and validate Arrow IPC files and streams",
    long_about = "Inspect, print, convert and validate Arrow IPC files and streams. \
                  'schema', 'info' and 'validate' tell what a file holds and whether it is \
                  sound; 'head' and 'cat' print its rows; 'convert', 'file-to-stream' and \
                  'stream-to-file' rewrite it; 'json' and 'from-json' translate to and from \
                  the Arrow JSON integration format; 'legacy' reads and writes pyarrow's \
                  legacy serialize blobs; 'flight' serves a directory of Arrow files over \
                  Arrow Flight and lists, downloads and uploads flights. The format (file \
                  or stream) is told from the bytes, not the file name. Use '-' for standard input or standard output.",
    after_help = EXIT_STATUS
)]
struct Cli {
    /// Accept decimals with more digits than their precision, date64 values that are not
    /// whole days and times outside one day (Arrow C++'s full validation refuses them,
    /// and so does Quiver by default; some old producers wrote them). They are carried
    /// over unchanged.
    #[arg(long, global = true)]
    no_value_range_checks: bool,
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Print the schema: types, nullability, dictionaries, extension types, metadata.
    Schema(cmd::inspect::SchemaArgs),
    /// Describe a file or stream: format, batches, rows, columns, compression, dictionaries.
    Info(cmd::inspect::InfoArgs),
    /// Print the first rows of an Arrow IPC file or stream (a table, CSV or JSON lines).
    #[command(after_help = cmd::print::HEAD_EXAMPLES)]
    Head(cmd::print::HeadArgs),
    /// Print every row of an Arrow IPC file or stream, batch by batch.
    #[command(after_help = cmd::print::CAT_EXAMPLES)]
    Cat(cmd::print::CatArgs),
    /// Check that a file or stream is valid, at the default or the full level.
    Validate(cmd::validate::ValidateArgs),
    /// Convert Arrow IPC data: file <-> stream, compression, columns, batch size.
    #[command(after_help = cmd::convert::CONVERT_EXAMPLES)]
    Convert(cmd::convert::ConvertArgs),
    /// Write Arrow IPC data as an Arrow JSON integration-test document.
    #[command(after_help = cmd::json::JSON_EXAMPLES)]
    Json(cmd::json::JsonArgs),
    /// Write an Arrow JSON integration-test document as Arrow IPC (a file by default).
    #[command(after_help = cmd::json::JSON_EXAMPLES)]
    FromJson(cmd::json::FromJsonArgs),
    /// Convert an Arrow IPC file (`.arrow`) into an Arrow IPC stream.
    FileToStream {
        /// The Arrow IPC file to read ('-' for standard input).
        input: PathBuf,
        /// Where to write the stream ('-' for standard output).
        output: PathBuf,
    },
    /// Convert an Arrow IPC stream (`.arrows`) into an Arrow IPC file.
    StreamToFile {
        /// The Arrow IPC stream to read ('-' for standard input).
        input: PathBuf,
        /// Where to write the file ('-' for standard output).
        output: PathBuf,
    },
    /// Read and write pyarrow's legacy `pyarrow.serialize` blobs (pyarrow 10 and earlier).
    #[command(after_help = LEGACY_EXAMPLES)]
    Legacy {
        /// What to do.
        #[command(subcommand)]
        command: LegacyCommand,
    },
    /// Serve Arrow files over Arrow Flight, or list, download and upload flights.
    #[command(after_help = cmd::flight::FLIGHT_EXAMPLES)]
    Flight {
        /// What to do.
        #[command(subcommand)]
        command: cmd::flight::FlightCommand,
    },
    /// Print a shell completion script (bash, zsh or fish) on standard output.
    #[command(after_help = cmd::docs::COMPLETIONS_EXAMPLES)]
    Completions(cmd::docs::CompletionsArgs),
}

/// The exit codes, at the end of `quiver --help` and of the man page.
const EXIT_STATUS: &str = "\
Exit status: 0 on success, 1 on bad data or a failed read or write, 2 on a usage error. \
An error is one line on standard error, starting with 'quiver: '.";

/// Examples for `quiver legacy --help`.
const LEGACY_EXAMPLES: &str = "\
Examples:
  quiver legacy decode cache.bin                 print the value as one line of JSON
  quiver legacy decode --pretty - < cache.bin    indented, from standard input
  quiver legacy encode value.json cache.bin      write a blob
  quiver legacy encode case.expected.json - | python3 -c 'import sys, pyarrow as pa; \
print(pa.deserialize(sys.stdin.buffer.read()))'

The JSON is the canonical tagged form of the golden vectors' README: every node is an \
object with a \"type\" (\"int\", \"float\", \"list\", \"dict\", \"ndarray\", ...).";

/// The `quiver legacy` subcommands.
#[derive(Debug, Subcommand)]
enum LegacyCommand {
    /// Print the value of a legacy blob as canonical tagged JSON (one document).
    #[command(after_help = "Examples:\n  quiver legacy decode cache.bin\n  \
                            cat cache.bin | quiver legacy decode --pretty -")]
    Decode {
        /// The blob to read ('-' for standard input).
        blob: PathBuf,
        /// Indent the JSON (default: one line).
        #[arg(long)]
        pretty: bool,
    },
    /// Write a legacy blob from canonical tagged JSON.
    #[command(
        after_help = "VALUE.json holds a canonical node, or an object whose \"value\" \
                            field is one (a golden vector's expected.json).\n\n\
                            Examples:\n  quiver legacy encode value.json cache.bin\n  \
                            quiver legacy decode old.bin | quiver legacy encode - new.bin"
    )]
    Encode {
        /// The canonical JSON to read ('-' for standard input).
        #[arg(value_name = "VALUE.json")]
        value: PathBuf,
        /// Where to write the blob ('-' for standard output, refused when it is a terminal).
        output: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match cmd::docs::generate_docs_dir() {
        // `quiver generate-docs DIR` (for `cargo xtask codegen`) is kept out of `Cli`, so
        // that the completions and man pages it writes do not offer it.
        Some(dir) => cmd::docs::generate_docs(&dir, Cli::command()),
        // On a usage error (or --help / --version) clap prints its message and exits
        // with its own code.
        None => run(&Cli::parse()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed standard output pipe: the reader has what it wanted.
        Err(e) if e.is_quiet() => ExitCode::SUCCESS,
        Err(e) => {
            // Nothing sensible is left to do if standard error itself is gone.
            let _ = writeln!(
                std::io::stderr().lock(),
                "quiver: {}",
                one_line(&e.to_string())
            );
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs the command `cli` asks for.
fn run(cli: &Cli) -> Result<(), cmd::CliError> {
    let read_options =
        quiver::ipc::IpcReadOptions::default().with_value_range_checks(!cli.no_value_range_checks);
    match &cli.command {
        Command::Schema(args) => cmd::inspect::schema(args, read_options),
        Command::Info(args) => cmd::inspect::info(args, read_options),
        Command::Head(args) => cmd::print::head(args, read_options),
        Command::Cat(args) => cmd::print::cat(args, read_options),
        Command::Validate(args) => cmd::validate::validate(args, read_options),
        Command::Convert(args) => cmd::convert::convert(args, read_options),
        Command::Json(args) => cmd::json::to_json(args, read_options),
        Command::FromJson(args) => cmd::json::from_json(args),
        Command::FileToStream { input, output } => {
            cmd::convert::file_to_stream(input, output, read_options)
        }
        Command::StreamToFile { input, output } => {
            cmd::convert::stream_to_file(input, output, read_options)
        }
        Command::Legacy {
            command: LegacyCommand::Decode { blob, pretty },
        } => cmd::legacy::decode(blob, *pretty),
        Command::Legacy {
            command: LegacyCommand::Encode { value, output },
        } => cmd::legacy::encode(value, output),
        Command::Flight { command } => match command {
            cmd::flight::FlightCommand::Serve(args) => cmd::flight::serve(args, read_options),
            cmd::flight::FlightCommand::List(args) => cmd::flight::list(args),
            cmd::flight::FlightCommand::Get(args) => cmd::flight::get(args, read_options),
            cmd::flight::FlightCommand::Put(args) => cmd::flight::put(args, read_options),
        },
        Command::Completions(args) => cmd::docs::completions(args, Cli::command()),
    }
}

/// `message` with every run of control characters (newlines, tabs…) replaced by one
/// space, so an error is always exactly one line.
fn one_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_control = false;
    for c in message.chars() {
        if c.is_control() {
            if !in_control {
                out.push(' ');
            }
            in_control = true;
        } else {
            out.push(c);
            in_control = false;
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_one_line() {
        assert_eq!(one_line("a\n\tb\r\nc\n"), "a b c");
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
