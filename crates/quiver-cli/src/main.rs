//! The `quiver` command-line tool for Arrow IPC data.
//!
//! ```text
//! quiver file-to-stream IN OUT    # Arrow IPC file   -> Arrow IPC stream
//! quiver stream-to-file IN OUT    # Arrow IPC stream -> Arrow IPC file
//! ```
//!
//! `-` stands for standard input or standard output. Every command either succeeds
//! (exit code 0) or prints exactly one line starting with `quiver: ` on standard error
//! and exits with code 1; usage errors keep clap's exit code 2. The commands themselves
//! live in [`cmd`], one module per family of subcommands.

mod cmd;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "quiver",
    version,
    about = "Convert Arrow IPC files and streams",
    long_about = "Convert between the Arrow IPC file (random access) and streaming formats. \
                  Every batch is fully decoded and validated, then re-encoded with default \
                  write options. Use '-' for standard input or standard output."
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
}

fn main() -> ExitCode {
    // On a usage error (or --help / --version) clap prints its message and exits with
    // its own code.
    let cli = Cli::parse();
    let read_options =
        quiver::ipc::IpcReadOptions::default().with_value_range_checks(!cli.no_value_range_checks);
    let result = match &cli.command {
        Command::FileToStream { input, output } => {
            cmd::convert::file_to_stream(input, output, read_options)
        }
        Command::StreamToFile { input, output } => {
            cmd::convert::stream_to_file(input, output, read_options)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Nothing sensible is left to do if standard error itself is gone.
            let _ = writeln!(
                std::io::stderr().lock(),
                "quiver: {}",
                one_line(&e.to_string())
            );
            ExitCode::from(1)
        }
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
