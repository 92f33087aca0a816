//! Errors of the array layer.

use quiver_buffer::BufferError;

use crate::datatype::DataType;

/// Why an array, batch or table could not be built or used.
///
/// New variants may be added, so matches need a `_` arm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArrayError {
    /// A buffer is missing, too short or misshapen for the layout.
    #[error("{data_type} array: buffer {index} {problem}")]
    Buffer {
        /// The array's type.
        data_type: DataType,
        /// Which buffer (0 = validity, then the layout's buffers in IPC order).
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// The number of buffers or children does not match the layout.
    #[error("{data_type} array: expected {expected} {what}, found {found}")]
    Layout {
        /// The array's type.
        data_type: DataType,
        /// `"buffers"` or `"children"`.
        what: &'static str,
        /// How many the layout needs.
        expected: usize,
        /// How many were given.
        found: usize,
    },
    /// The values break an invariant of the type (offsets, UTF-8, indices…). Build it
    /// with [`invalid_data`](ArrayError::invalid_data) or
    /// [`invalid_slot`](ArrayError::invalid_slot).
    #[error("{data_type} array: {problem}")]
    InvalidData {
        /// The array's type.
        data_type: DataType,
        /// What is wrong, and at which slot.
        problem: String,
        /// The first slot (logical index into the array) found breaking the invariant,
        /// when the check is per slot.
        slot: Option<usize>,
    },
    /// The declared null count disagrees with the validity bitmap.
    #[error("{data_type} array: null count {declared} but the validity bitmap has {actual} nulls")]
    NullCount {
        /// The array's type.
        data_type: DataType,
        /// Declared count.
        declared: usize,
        /// Counted from the bitmap.
        actual: usize,
    },
    /// Columns of a batch disagree with each other or with the schema.
    #[error("record batch: {0}")]
    Batch(String),
    /// An operation that this type does not support (yet).
    #[error("{operation} is not supported for {data_type}")]
    Unsupported {
        /// What was attempted.
        operation: &'static str,
        /// The type.
        data_type: DataType,
    },
    /// An index or range outside the array.
    #[error("{what} {index} is out of bounds for length {len}")]
    OutOfBounds {
        /// What was indexed.
        what: &'static str,
        /// The index.
        index: usize,
        /// The length.
        len: usize,
    },
    /// A lower-level buffer error.
    #[error(transparent)]
    Memory(#[from] BufferError),
    /// A lookup by name found no field of that name.
    #[error("no field named {name:?}; {}", name_list(available))]
    FieldNotFound {
        /// The name looked up.
        name: String,
        /// The names that exist, in order.
        available: Vec<String>,
    },
    /// A lookup by name found several fields of that name (Arrow allows duplicates).
    #[error(
        "{} fields are named {name:?} (at {}); look the field up by index instead",
        indices.len(),
        index_list(indices)
    )]
    AmbiguousFieldName {
        /// The name looked up.
        name: String,
        /// The positions of the fields of that name.
        indices: Vec<usize>,
    },
}

/// How many names or indices an error message lists before it says how many more.
const LISTED: usize = 10;

/// `the fields are: a, b, c` (cut after [`LISTED`] names), for [`ArrayError::FieldNotFound`].
fn name_list(names: &[String]) -> String {
    if names.is_empty() {
        return "there are no fields".to_owned();
    }
    let shown: Vec<&str> = names.iter().take(LISTED).map(String::as_str).collect();
    let mut out = format!("the fields are: {}", shown.join(", "));
    if names.len() > LISTED {
        out.push_str(&format!(" and {} more", names.len() - LISTED));
    }
    out
}

/// `indices 0, 2` (cut after [`LISTED`]), for [`ArrayError::AmbiguousFieldName`].
fn index_list(indices: &[usize]) -> String {
    let shown: Vec<String> = indices.iter().take(LISTED).map(usize::to_string).collect();
    let mut out = format!("indices {}", shown.join(", "));
    if indices.len() > LISTED {
        out.push_str(&format!(" and {} more", indices.len() - LISTED));
    }
    out
}

impl ArrayError {
    /// An [`InvalidData`](ArrayError::InvalidData) error about the array as a whole.
    pub fn invalid_data(data_type: DataType, problem: impl Into<String>) -> Self {
        ArrayError::InvalidData {
            data_type,
            problem: problem.into(),
            slot: None,
        }
    }

    /// An [`InvalidData`](ArrayError::InvalidData) error about one slot; `problem`
    /// should name the slot too, as it is what people read.
    ///
    /// ```
    /// use quiver_array::{ArrayError, DataType};
    ///
    /// let e = ArrayError::invalid_slot(DataType::Utf8, 3, "slot 3 is not valid UTF-8");
    /// assert_eq!(e.slot(), Some(3));
    /// assert_eq!(e.to_string(), "string array: slot 3 is not valid UTF-8");
    /// ```
    pub fn invalid_slot(data_type: DataType, slot: usize, problem: impl Into<String>) -> Self {
        ArrayError::InvalidData {
            data_type,
            problem: problem.into(),
            slot: Some(slot),
        }
    }

    /// The slot an [`InvalidData`](ArrayError::InvalidData) error is about, if known.
    pub fn slot(&self) -> Option<usize> {
        match self {
            ArrayError::InvalidData { slot, .. } => *slot,
            _ => None,
        }
    }
}

/// Result alias for the array layer.
pub type Result<T, E = ArrayError> = std::result::Result<T, E>;
