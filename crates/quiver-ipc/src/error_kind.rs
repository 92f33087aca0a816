//! [`ErrorKind`]: what went wrong, as a small set code can match on.

use quiver_array::ArrayError;
use quiver_buffer::BufferError;

/// What kind of error an [`IpcError`](crate::IpcError) (or an [`ArrayError`] or
/// [`BufferError`]) is: what code that reacts to errors matches on, while the error's
/// `Display` is for people and its variant holds the details (location, slot…).
///
/// New kinds may be added, so a `match` needs a `_` arm.
///
/// ```
/// use quiver_buffer::BufferReader;
/// use quiver_ipc::{ErrorKind, StreamReader};
///
/// fn explain(bytes: &[u8]) -> &'static str {
///     match StreamReader::try_new(BufferReader::new(bytes)) {
///         Ok(_) => "an Arrow IPC stream",
///         Err(e) => match e.kind() {
///             ErrorKind::NotArrowData => "not Arrow IPC data",
///             ErrorKind::Truncated => "cut off: wait for more bytes or fetch it again",
///             ErrorKind::Unsupported => "needs a newer Quiver",
///             _ => "damaged",
///         },
///     }
/// }
/// assert_eq!(explain(b"id,name\n1,ann\n"), "not Arrow IPC data");
/// assert_eq!(explain(&[0xff, 0xff, 0xff, 0xff, 0x10]), "cut off: wait for more bytes or fetch it again");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The source or sink failed (an `std::io::Error` underneath).
    Io,
    /// The input ended before a complete message, footer or file.
    Truncated,
    /// The bytes are not Arrow IPC data at all, or are the other IPC format (a file
    /// given to a stream reader, or the other way round).
    NotArrowData,
    /// The metadata (message, schema or footer flatbuffers) is damaged: it fails
    /// verification or says something impossible.
    MalformedMetadata,
    /// The bytes break the format's rules outside the metadata tables: framing, a
    /// buffer outside the message body, counts that do not add up.
    MalformedData,
    /// An array breaks its type's invariants (offsets, UTF-8, indices, buffer sizes).
    InvalidArray,
    /// Valid data using something Quiver does not support (yet).
    Unsupported,
    /// A batch does not match the schema it is written under.
    SchemaMismatch,
    /// A zero-copy read was required but a copy would have been needed.
    CopyRequired,
    /// A limit from the read options was exceeded.
    LimitExceeded,
    /// The API was used wrongly: write after finish, an index out of bounds, invalid
    /// options, columns that do not form a batch.
    Usage,
    /// An allocation failed or was too large for the platform.
    OutOfMemory,
}

impl From<&BufferError> for ErrorKind {
    /// [`OutOfMemory`](ErrorKind::OutOfMemory) for failed allocations,
    /// [`LimitExceeded`](ErrorKind::LimitExceeded) when a pool's limit refused one,
    /// [`Usage`](ErrorKind::Usage) for views that do not fit their buffer.
    fn from(e: &BufferError) -> Self {
        match e {
            BufferError::OutOfMemory { .. } | BufferError::AllocationTooLarge { .. } => {
                ErrorKind::OutOfMemory
            }
            BufferError::PoolLimitExceeded { .. } => ErrorKind::LimitExceeded,
            _ => ErrorKind::Usage,
        }
    }
}

impl From<&ArrayError> for ErrorKind {
    /// [`InvalidArray`](ErrorKind::InvalidArray) for arrays that break their type's
    /// invariants (including buffers too short for them),
    /// [`Unsupported`](ErrorKind::Unsupported), [`Usage`](ErrorKind::Usage) for an
    /// index out of bounds or columns that do not form a batch, and
    /// [`OutOfMemory`](ErrorKind::OutOfMemory).
    fn from(e: &ArrayError) -> Self {
        match e {
            ArrayError::Memory(b) => match ErrorKind::from(b) {
                k @ (ErrorKind::OutOfMemory | ErrorKind::LimitExceeded) => k,
                _ => ErrorKind::InvalidArray,
            },
            ArrayError::Unsupported { .. } => ErrorKind::Unsupported,
            ArrayError::OutOfBounds { .. }
            | ArrayError::Batch(_)
            | ArrayError::FieldNotFound { .. }
            | ArrayError::AmbiguousFieldName { .. } => ErrorKind::Usage,
            _ => ErrorKind::InvalidArray,
        }
    }
}

#[cfg(test)]
mod tests {
    use quiver_array::DataType;

    use super::*;

    #[test]
    fn array_and_buffer_errors_have_kinds() {
        let oom = BufferError::OutOfMemory { requested: 8 };
        assert_eq!(ErrorKind::from(&oom), ErrorKind::OutOfMemory);
        assert_eq!(
            ErrorKind::from(&ArrayError::Memory(oom)),
            ErrorKind::OutOfMemory
        );
        let short = BufferError::OutOfBounds {
            offset: 4,
            len: 8,
            size: 8,
        };
        assert_eq!(ErrorKind::from(&short), ErrorKind::Usage);
        assert_eq!(
            ErrorKind::from(&ArrayError::Memory(short)),
            ErrorKind::InvalidArray
        );
        let bad = ArrayError::invalid_slot(DataType::Utf8, 2, "slot 2 is not valid UTF-8");
        assert_eq!(ErrorKind::from(&bad), ErrorKind::InvalidArray);
        let unsupported = ArrayError::Unsupported {
            operation: "sorting",
            data_type: DataType::Null,
        };
        assert_eq!(ErrorKind::from(&unsupported), ErrorKind::Unsupported);
        assert_eq!(
            ErrorKind::from(&ArrayError::Batch("columns differ".into())),
            ErrorKind::Usage
        );
    }
}
