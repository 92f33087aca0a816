//! The error type of the legacy format.

/// The result type of this crate.
pub type Result<T, E = LegacyError> = std::result::Result<T, E>;

/// What went wrong reading or writing a legacy blob, and where.
///
/// Positions are byte offsets into the blob (`at byte N`) or paths into the value
/// (`$[0][2].key[1]`: element 2 of the top-level list, key 1 of the dict there).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LegacyError {
    /// The input ends before a part it announces.
    #[error(
        "legacy blob is truncated: {what} at byte {offset} needs {needed} bytes, but only \
         {available} remain (the blob was cut off, or is not a pyarrow.serialize blob)"
    )]
    Truncated {
        /// The part being read.
        what: &'static str,
        /// Byte offset of that part.
        offset: usize,
        /// Bytes it needs.
        needed: u64,
        /// Bytes left in the input.
        available: usize,
    },
    /// The bytes are there but do not follow the format.
    #[error("malformed legacy blob at {location}: {detail}")]
    Malformed {
        /// Byte offset or value path.
        location: String,
        /// What is wrong.
        detail: String,
    },
    /// The embedded Arrow IPC data (the record batch stream, a tensor message, or the
    /// stream inside a `pyarrow.Array`/`RecordBatch` payload) failed to decode or encode.
    #[error("legacy blob: {what}: {source}")]
    Ipc {
        /// Which IPC part.
        what: String,
        /// The IPC error.
        #[source]
        source: Box<quiver_ipc::IpcError>,
    },
    /// The value nests deeper than the reader allows.
    #[error(
        "legacy blob nests deeper than {limit} levels at {location}: refusing to recurse \
         further (pyarrow itself cannot write more than 100)"
    )]
    TooDeep {
        /// The depth limit.
        limit: usize,
        /// Value path where the limit was hit.
        location: String,
    },
    /// A valid blob using a feature this implementation does not support.
    #[error("legacy blob at {location} uses {feature}, which is not supported")]
    Unsupported {
        /// Byte offset or value path.
        location: String,
        /// The feature.
        feature: String,
    },
    /// A value that the legacy format cannot represent.
    #[error("cannot serialize {what}: {detail}")]
    Serialize {
        /// The value.
        what: String,
        /// Why, and what to do.
        detail: String,
    },
    /// A Rust type with no handler in the [`SerializationContext`](crate::SerializationContext).
    #[error(
        "no handler for the Rust type {type_name} in this SerializationContext: register it \
         with SerializationContext::register_type"
    )]
    UnregisteredType {
        /// `std::any::type_name` of the type.
        type_name: &'static str,
    },
    /// A custom value that cannot become the requested Rust type.
    #[error("cannot deserialize custom type id {type_id:?}: {detail}")]
    Custom {
        /// The custom type id (`_pytype_`).
        type_id: String,
        /// Why.
        detail: String,
    },
    /// A canonical tagged JSON node that does not describe a value, or a value the
    /// canonical form cannot describe (the `canonical` module, feature `json`).
    #[error("canonical JSON at {location}: {detail}")]
    Canonical {
        /// Path of the node from the document's root `$` (`$.items[2][0]`).
        location: String,
        /// What is wrong, and what was expected.
        detail: String,
    },
}

impl LegacyError {
    pub(crate) fn malformed(location: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Malformed {
            location: location.into(),
            detail: detail.into(),
        }
    }

    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub(crate) fn canonical(location: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Canonical {
            location: location.into(),
            detail: detail.into(),
        }
    }

    pub(crate) fn ipc(what: impl Into<String>, source: quiver_ipc::IpcError) -> Self {
        Self::Ipc {
            what: what.into(),
            source: Box::new(source),
        }
    }

    pub(crate) fn serialize(what: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Serialize {
            what: what.into(),
            detail: detail.into(),
        }
    }
}
