//! [`FfiError`]: everything that can go wrong exporting or importing through the C
//! interfaces.

use quiver_array::ArrayError;

/// An error exporting or importing through the C data or C stream interface.
///
/// `path` fields name the place in the schema or array tree: `"column 'a'"`, then
/// `".child 0"`, `".dictionary"` for nested parts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FfiError {
    /// A format string the spec does not define, or one that is malformed.
    #[error(
        "format string {format:?} at {path}: {problem}; see the format strings in the Arrow C data interface spec"
    )]
    Format {
        /// The format string (lossily decoded).
        format: String,
        /// Where it is.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Field metadata that does not follow the spec's binary layout.
    #[error(
        "metadata at {path}: {problem}; metadata must be an int32 count followed by length-prefixed UTF-8 keys and values"
    )]
    Metadata {
        /// Where it is.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A struct that was already released (or moved from) was handed in.
    #[error("{what} at {path} is released (its release callback is null); pass a live struct")]
    Released {
        /// `"ArrowSchema"`, `"ArrowArray"` or `"ArrowArrayStream"`.
        what: &'static str,
        /// Where it is.
        path: String,
    },
    /// A struct whose shape does not match its type (counts, lengths, null pointers).
    #[error("invalid ArrowArray at {path} of type {data_type}: {problem}")]
    Structure {
        /// Where it is.
        path: String,
        /// The type it was imported as.
        data_type: String,
        /// What is wrong.
        problem: String,
    },
    /// A schema node whose shape does not match its format (children, dictionary, names).
    #[error("invalid ArrowSchema at {path}: {problem}")]
    Schema {
        /// Where it is.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A Quiver value that cannot be expressed through the C interface.
    #[error("cannot export {what}: {problem}")]
    Export {
        /// What was being exported.
        what: String,
        /// Why it cannot be.
        problem: String,
    },
    /// The imported data failed Quiver's validation (structural or full).
    #[error("imported array at {path} is invalid: {source}")]
    Invalid {
        /// Where it is.
        path: String,
        /// The validation error.
        #[source]
        source: ArrayError,
    },
    /// A stream's callback returned an error code.
    #[error("ArrowArrayStream {call} failed with code {code}: {message}")]
    Stream {
        /// `"get_schema"` or `"get_next"`.
        call: &'static str,
        /// The `errno` code returned.
        code: i32,
        /// The producer's `get_last_error` text, or a note that it gave none.
        message: String,
    },
}

/// The result of fallible operations in this crate.
pub type Result<T, E = FfiError> = std::result::Result<T, E>;
