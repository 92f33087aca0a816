//! Errors of the IPC layer.

use std::fmt;

use quiver_array::ArrayError;
use quiver_buffer::BufferError;

/// Where in a stream or file something went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// Index of the message in the stream (0 = the schema), if known.
    pub message: Option<usize>,
    /// Index of the record batch, if known.
    pub batch: Option<usize>,
    /// Field path inside the schema, like `a.b[].c`.
    pub field: Option<String>,
    /// IPC buffer index inside the message, if known.
    pub buffer: Option<usize>,
    /// Byte offset in the source, if known.
    pub byte_offset: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(m) = self.message {
            parts.push(format!("message {m}"));
        }
        if let Some(b) = self.batch {
            parts.push(format!("record batch {b}"));
        }
        if let Some(p) = &self.field {
            parts.push(format!("field {p:?}"));
        }
        if let Some(b) = self.buffer {
            parts.push(format!("buffer {b}"));
        }
        if let Some(o) = self.byte_offset {
            parts.push(format!("byte {o}"));
        }
        if parts.is_empty() {
            f.write_str("input")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Everything that can go wrong reading or writing Arrow IPC data.
#[derive(Debug, thiserror::Error)]
pub enum IpcError {
    /// The source or sink failed.
    #[error("I/O error while {context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The input ended before a complete message.
    #[error("unexpected end of input at {location}: {detail}")]
    Truncated {
        /// Where.
        location: Box<Location>,
        /// What was expected.
        detail: String,
    },
    /// A flatbuffer (message metadata or footer) failed verification.
    #[error("malformed {what} metadata at {location}: {source}")]
    InvalidFlatbuffer {
        /// `"message"`, `"footer"`, `"schema"`.
        what: &'static str,
        /// Where.
        location: Box<Location>,
        /// The verifier's complaint.
        source: flatbuffers::InvalidFlatbuffer,
    },
    /// The bytes break the IPC format's rules.
    #[error("invalid Arrow IPC data at {location}: {problem}")]
    Malformed {
        /// Where.
        location: Box<Location>,
        /// What is wrong.
        problem: String,
    },
    /// Valid IPC data using something Quiver does not support (yet).
    #[error("not supported at {location}: {what}")]
    Unsupported {
        /// Where.
        location: Box<Location>,
        /// What.
        what: String,
    },
    /// A decoded array breaks its type's invariants.
    #[error("invalid array at {location}: {source}")]
    InvalidArray {
        /// Where.
        location: Box<Location>,
        /// What the array layer found.
        source: ArrayError,
    },
    /// A zero-copy read was required but a buffer had to be copied.
    #[error("a copy would be needed at {location}: {reason} (the read options require zero-copy)")]
    CopyRequired {
        /// Where.
        location: Box<Location>,
        /// Why.
        reason: String,
    },
    /// A limit from the read options was exceeded.
    #[error("limit exceeded at {location}: {what}")]
    LimitExceeded {
        /// Where.
        location: Box<Location>,
        /// Which limit, and by how much.
        what: String,
    },
    /// A memory pool refused an allocation: the system is out of memory, or the pool of
    /// the read or write options reached its limit
    /// ([`BufferError::PoolLimitExceeded`]).
    #[error("cannot allocate memory while {context}: {source}")]
    Memory {
        /// What was being done.
        context: String,
        /// The pool's refusal.
        source: BufferError,
    },
    /// A writer was used wrongly (wrong schema, write after finish…).
    #[error("{0}")]
    Usage(String),
    /// An array-layer error outside reading (for example building a table).
    #[error(transparent)]
    Array(#[from] ArrayError),
}

/// Result alias for the IPC layer.
pub type Result<T, E = IpcError> = std::result::Result<T, E>;

impl IpcError {
    /// An I/O error; a source's allocation failure (an `OutOfMemory` error carrying a
    /// [`BufferError`]) becomes [`IpcError::Memory`].
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::OutOfMemory
            && let Some(e) = source
                .get_ref()
                .and_then(|e| e.downcast_ref::<BufferError>())
        {
            return IpcError::memory(context, e.clone());
        }
        IpcError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn memory(context: impl Into<String>, source: BufferError) -> Self {
        IpcError::Memory {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn malformed(location: Location, problem: impl Into<String>) -> Self {
        IpcError::Malformed {
            location: Box::new(location),
            problem: problem.into(),
        }
    }

    pub(crate) fn unsupported(location: Location, what: impl Into<String>) -> Self {
        IpcError::Unsupported {
            location: Box::new(location),
            what: what.into(),
        }
    }

    /// The location the error refers to, if it has one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            IpcError::Truncated { location, .. }
            | IpcError::InvalidFlatbuffer { location, .. }
            | IpcError::Malformed { location, .. }
            | IpcError::Unsupported { location, .. }
            | IpcError::InvalidArray { location, .. }
            | IpcError::CopyRequired { location, .. }
            | IpcError::LimitExceeded { location, .. } => Some(location),
            _ => None,
        }
    }
}
