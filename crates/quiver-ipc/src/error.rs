//! Errors of the IPC layer.

use std::fmt;

use quiver_array::ArrayError;
use quiver_buffer::BufferError;

pub use crate::error_kind::ErrorKind;

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

/// One of the two Arrow IPC formats, as named in an [`IpcError::NotArrowData`] hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpcFormat {
    /// The streaming format: a sequence of messages ending with an end-of-stream marker.
    Stream,
    /// The file (random access) format: `ARROW1`, a stream, a footer, `ARROW1`.
    File,
}

impl IpcFormat {
    /// The hint a reader of the other format appends to its error: what the bytes look
    /// like and what to do.
    fn hint(self) -> &'static str {
        match self {
            IpcFormat::File => " (open it as a file)",
            IpcFormat::Stream => " (it starts like an Arrow IPC stream: open it as a stream)",
        }
    }
}

/// `" (open it as a file)"` and the like, or nothing.
fn hint(looks_like: &Option<IpcFormat>) -> &'static str {
    looks_like.map_or("", IpcFormat::hint)
}

/// Everything that can go wrong reading or writing Arrow IPC data.
///
/// Code that reacts to errors matches [`kind`](IpcError::kind) (which stays small and
/// stable) or the variants, which carry the details: the [`Location`], the
/// [`ArrayError`] of an invalid array (with its type and slot), the schema difference.
/// New variants may be added, so matches need a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// The bytes are not Arrow IPC data at all (text, another format), or are the other
    /// IPC format: a stream given to a file reader or the other way round.
    #[error("invalid Arrow IPC data at {location}: {problem}{}", hint(looks_like))]
    NotArrowData {
        /// Where (the start of the input).
        location: Box<Location>,
        /// What the reader found instead of what it expected.
        problem: String,
        /// The other IPC format, when the bytes look like it. `Display` then ends with a
        /// hint to open them as that format.
        looks_like: Option<IpcFormat>,
    },
    /// A flatbuffer (message metadata or footer) failed verification.
    ///
    /// `Display` says in plain words which field of which Arrow table is broken and how,
    /// like ``malformed message metadata at message 0, byte 8: the `fields` field of
    /// table `Schema` (at `Message.header.fields`) is misaligned (a u32 at byte 42 of the
    /// message metadata); the data is corrupt or not Arrow IPC``; the verifier's own
    /// error, with its trace, stays in `source`.
    #[error(
        "malformed {what} metadata at {location}: {}",
        crate::flatbuffer_error::describe(what, source)
    )]
    InvalidFlatbuffer {
        /// `"message"`, `"footer"`, `"schema"`.
        what: &'static str,
        /// Where.
        location: Box<Location>,
        /// The verifier's complaint (also [`std::error::Error::source`]).
        source: flatbuffers::InvalidFlatbuffer,
    },
    /// The metadata (a message, schema or footer table) verified as a flatbuffer but
    /// says something impossible: a missing table, an unknown type, a negative count.
    #[error("invalid Arrow IPC data at {location}: {problem}")]
    MalformedMetadata {
        /// Where.
        location: Box<Location>,
        /// What is wrong.
        problem: String,
    },
    /// The bytes break the IPC format's rules outside the metadata tables: framing,
    /// a buffer outside the message body, counts that do not add up, dictionaries out of
    /// order.
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
    /// A batch handed to a writer does not match the writer's schema.
    #[error("the batch does not match the writer's schema: {difference}")]
    SchemaMismatch {
        /// The first difference, as [`Schema::first_difference`] describes it.
        ///
        /// [`Schema::first_difference`]: quiver_array::Schema::first_difference
        difference: String,
    },
    /// The API was used wrongly: write after finish, a writer whose earlier write
    /// failed, a batch index past the end, invalid options.
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

    pub(crate) fn malformed_metadata(location: Location, problem: impl Into<String>) -> Self {
        IpcError::MalformedMetadata {
            location: Box::new(location),
            problem: problem.into(),
        }
    }

    pub(crate) fn not_arrow_data(
        location: Location,
        problem: impl Into<String>,
        looks_like: Option<IpcFormat>,
    ) -> Self {
        IpcError::NotArrowData {
            location: Box::new(location),
            problem: problem.into(),
            looks_like,
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
            | IpcError::NotArrowData { location, .. }
            | IpcError::MalformedMetadata { location, .. }
            | IpcError::InvalidFlatbuffer { location, .. }
            | IpcError::Malformed { location, .. }
            | IpcError::Unsupported { location, .. }
            | IpcError::InvalidArray { location, .. }
            | IpcError::CopyRequired { location, .. }
            | IpcError::LimitExceeded { location, .. } => Some(location),
            _ => None,
        }
    }

    /// What kind of error this is, for code that reacts to errors (see [`ErrorKind`]).
    ///
    /// ```
    /// use quiver_ipc::{ErrorKind, StreamReader};
    /// use quiver_buffer::BufferReader;
    ///
    /// let text = BufferReader::new(&b"id,name\n1,ann\n"[..]);
    /// let err = StreamReader::try_new(text).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::NotArrowData);
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid Arrow IPC data at message 0, byte 0: not an Arrow IPC stream: its first 4 \
    ///      bytes (69 64 2c 6e) are neither the continuation marker (ff ff ff ff) nor a \
    ///      plausible metadata length"
    /// );
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            IpcError::Io { .. } => ErrorKind::Io,
            IpcError::Truncated { .. } => ErrorKind::Truncated,
            IpcError::NotArrowData { .. } => ErrorKind::NotArrowData,
            IpcError::InvalidFlatbuffer { .. } | IpcError::MalformedMetadata { .. } => {
                ErrorKind::MalformedMetadata
            }
            IpcError::Malformed { .. } => ErrorKind::MalformedData,
            IpcError::Unsupported { .. } => ErrorKind::Unsupported,
            IpcError::InvalidArray { source, .. } => match ErrorKind::from(source) {
                k @ (ErrorKind::OutOfMemory | ErrorKind::LimitExceeded) => k,
                _ => ErrorKind::InvalidArray,
            },
            IpcError::CopyRequired { .. } => ErrorKind::CopyRequired,
            IpcError::LimitExceeded { .. } => ErrorKind::LimitExceeded,
            IpcError::SchemaMismatch { .. } => ErrorKind::SchemaMismatch,
            IpcError::Memory { source, .. } => ErrorKind::from(source),
            IpcError::Usage(_) => ErrorKind::Usage,
            IpcError::Array(e) => ErrorKind::from(e),
        }
    }
}
