//! The subcommands of the `quiver` binary, one module per family:
//!
//! - [`inspect`] (`schema`, `info`) and [`validate`] (`validate`);
//! - [`print`] (`head`, `cat`: a table, CSV or JSON lines);
//! - [`convert`] (`convert`, `file-to-stream`, `stream-to-file`) and [`json`] (`json`,
//!   `from-json`), writing through [`output`] (atomic files, the same-file and terminal
//!   guards, Ctrl-C clean-up) with a [`progress`] bar on a terminal;
//! - [`legacy`] (`legacy decode`, `legacy encode`);
//! - [`flight`] (`flight serve`, `flight list`, `flight get`, `flight put`: Arrow Flight);
//! - [`docs`] (`completions`, and the man pages `cargo xtask codegen` writes).
//!
//! They share [`CliError`] and [`input`], which opens a file or a stream told apart by
//! its bytes.

pub mod convert;
pub mod docs;
pub mod flight;
pub mod input;
pub mod inspect;
pub mod json;
pub mod legacy;
pub mod output;
pub mod print;
pub mod progress;
pub mod validate;

use std::{fmt, io};

/// A failed command: one human-readable message (the binary prints it on one line).
#[derive(Debug)]
pub struct CliError {
    message: String,
    usage: bool,
    quiet: bool,
}

impl CliError {
    /// An error with the given message: bad data or a failed read or write (exit code 1).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            usage: false,
            quiet: false,
        }
    }

    /// A usage error that clap cannot see, such as binary output to a terminal (exit
    /// code 2, like clap's own usage errors).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            usage: true,
            quiet: false,
        }
    }

    /// A failed write to standard output, worded for the user, except that a closed pipe
    /// (`quiver cat big.arrow | head -1`: the reader has all it wanted) stops the
    /// command quietly: see [`is_quiet`](CliError::is_quiet).
    pub fn stdout(e: io::Error) -> Self {
        Self {
            quiet: e.kind() == io::ErrorKind::BrokenPipe,
            ..Self::new(format!("cannot write to standard output: {e}"))
        }
    }

    /// This error, made quiet when `cause` (or an error behind it) is a closed pipe and
    /// the write went to standard output: see [`stdout`](CliError::stdout).
    pub fn quiet_on_broken_pipe(
        mut self,
        to_stdout: bool,
        cause: &(dyn std::error::Error + 'static),
    ) -> Self {
        self.quiet |= to_stdout && is_broken_pipe(cause);
        self
    }

    /// Whether the command stopped for a reason that is no error to report: the binary
    /// prints nothing and exits with code 0.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// The process exit code for this error: 2 for usage errors, else 1.
    pub fn exit_code(&self) -> u8 {
        if self.usage { 2 } else { 1 }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// Whether `e`, or any error in its chain of sources, is an I/O error of kind
/// [`BrokenPipe`](io::ErrorKind::BrokenPipe): the reader of our output went away.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        next = err.source();
    }
    false
}
