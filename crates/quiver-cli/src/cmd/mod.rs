//! The subcommands of the `quiver` binary, one module per family.
//!
//! Today there are [`convert`] (`file-to-stream`, `stream-to-file`) and [`legacy`]
//! (`legacy decode`, `legacy encode`); `inspect`, `print` and `validate` are meant to
//! join them as sibling modules, sharing [`CliError`] and the input/output helpers in
//! [`convert`].

pub mod convert;
pub mod docs;
#[allow(dead_code)] // the inspect, print and validate commands are being built on it
pub mod input;
pub mod legacy;

use std::fmt;

/// A failed command: one human-readable message (the binary prints it on one line).
#[derive(Debug)]
pub struct CliError {
    message: String,
    usage: bool,
}

impl CliError {
    /// An error with the given message: bad data or a failed read or write (exit code 1).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            usage: false,
        }
    }

    /// A usage error that clap cannot see, such as binary output to a terminal (exit
    /// code 2, like clap's own usage errors).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            usage: true,
        }
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
