//! Plain-language text for a flatbuffers verification failure
//! ([`IpcError::InvalidFlatbuffer`](crate::IpcError::InvalidFlatbuffer)).
//!
//! The verifier's own `Display` is several lines of positions and "while verifying"
//! traces written for flatbuffers developers. This module names instead what a reader of
//! the Arrow format knows: the field and table that are broken (found by following the
//! error trace from the root table through the Arrow schema's tables), what is wrong
//! with them, and what that means.

use std::fmt;

use flatbuffers::{ErrorTraceDetail, InvalidFlatbuffer};

/// `Display`s a verification failure of the `what` metadata (`"message"`, `"footer"`)
/// for people; see [`describe`].
pub(crate) struct Described<'a> {
    what: &'static str,
    error: &'a InvalidFlatbuffer,
    /// The error's trace, innermost first (apart from the error for tests, which cannot
    /// fill an `ErrorTrace` themselves).
    trace: &'a [ErrorTraceDetail],
}

/// The plain-language text of `error`, met while verifying the `what` metadata
/// (`"message"`, `"footer"`, `"schema"`): which field of which table, what is wrong, and
/// that the data is corrupt.
pub(crate) fn describe<'a>(what: &'static str, error: &'a InvalidFlatbuffer) -> Described<'a> {
    Described {
        what,
        error,
        trace: error_trace(error),
    }
}

/// The trace the verifier recorded in `error`, innermost first (empty for the
/// denial-of-service errors, which have none).
fn error_trace(error: &InvalidFlatbuffer) -> &[ErrorTraceDetail] {
    match error {
        InvalidFlatbuffer::MissingRequiredField { error_trace, .. }
        | InvalidFlatbuffer::InconsistentUnion { error_trace, .. }
        | InvalidFlatbuffer::Utf8Error { error_trace, .. }
        | InvalidFlatbuffer::MissingNullTerminator { error_trace, .. }
        | InvalidFlatbuffer::Unaligned { error_trace, .. }
        | InvalidFlatbuffer::RangeOutOfBounds { error_trace, .. }
        | InvalidFlatbuffer::SignedOffsetOutOfBounds { error_trace, .. } => error_trace.as_ref(),
        InvalidFlatbuffer::TooManyTables
        | InvalidFlatbuffer::ApparentSizeTooLarge
        | InvalidFlatbuffer::DepthLimitReached => &[],
    }
}

/// What the data most likely is, and so what to do about it.
const ADVICE: &str = "the data is corrupt or not Arrow IPC";

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.what;
        let walk = Walk::new(root_table(what), self.trace);
        let limits = crate::fb::verifier_options();
        match self.error {
            InvalidFlatbuffer::MissingRequiredField {
                required,
                ..
            } => write!(
                f,
                "{} lacks its required `{}` field",
                walk.table(),
                display_name(required)
            )?,
            InvalidFlatbuffer::InconsistentUnion {
                field,
                field_type,
                ..
            } => write!(
                f,
                "{} has only one of the union fields `{}` and `{}` (a union needs both its \
                 type and its value, or neither)",
                walk.table(),
                display_name(field),
                display_name(field_type)
            )?,
            InvalidFlatbuffer::Utf8Error {
                error,
                range,
                ..
            } => write!(
                f,
                "{} is not valid UTF-8 ({error}, in the string at bytes {}..{} of the {what} \
                 metadata)",
                walk.field(),
                range.start,
                range.end
            )?,
            InvalidFlatbuffer::MissingNullTerminator { range, .. } => write!(
                f,
                "{} lacks the zero byte that ends a flatbuffers string (the string at bytes \
                 {}..{} of the {what} metadata)",
                walk.field(),
                range.start,
                range.end
            )?,
            InvalidFlatbuffer::Unaligned {
                position,
                unaligned_type,
                ..
            } => {
                let ty = short_type_name(unaligned_type);
                write!(
                    f,
                    "{} is misaligned ({} {ty} at byte {position} of the {what} metadata)",
                    walk.field(),
                    article(ty)
                )?;
            }
            InvalidFlatbuffer::RangeOutOfBounds { range, .. } => write!(
                f,
                "{} reaches past the end of the {what} metadata (bytes {}..{})",
                walk.field(),
                range.start,
                range.end
            )?,
            InvalidFlatbuffer::SignedOffsetOutOfBounds {
                soffset,
                position,
                ..
            } => write!(
                f,
                "{} points outside the {what} metadata (its vtable offset {soffset} at byte \
                 {position})",
                walk.field()
            )?,
            InvalidFlatbuffer::TooManyTables => write!(
                f,
                "the {what} metadata holds more than {} tables",
                limits.max_tables
            )?,
            InvalidFlatbuffer::ApparentSizeTooLarge => write!(
                f,
                "the {what} metadata's tables, counted once for every reference to them, add \
                 up to more than {} bytes",
                limits.max_apparent_size
            )?,
            InvalidFlatbuffer::DepthLimitReached => write!(
                f,
                "the {what} metadata nests tables more than {} deep",
                limits.max_depth
            )?,
        }
        write!(f, "; {ADVICE}")
    }
}

/// The Arrow table at the root of the `what` metadata.
fn root_table(what: &str) -> &'static str {
    match what {
        "footer" => "Footer",
        "schema" => "Schema",
        _ => "Message",
    }
}

/// A field name as the Arrow `.fbs` files spell it: flatc appends `_` to field names
/// that are Rust keywords (`type_`).
fn display_name(name: &str) -> &str {
    name.strip_suffix('_')
        .filter(|n| !n.is_empty())
        .unwrap_or(name)
}

/// `i16` for `i16`, `core::primitive::u32` or `foo::Bar<baz::Qux>`'s `Bar`.
fn short_type_name(name: &str) -> &str {
    let base = name.split('<').next().unwrap_or(name);
    base.rsplit("::").next().unwrap_or(base)
}

/// `"an"` before a type name read out starting with a vowel sound (`i16`, `f64`), else
/// `"a"`.
fn article(type_name: &str) -> &'static str {
    match type_name.chars().next() {
        Some('a' | 'e' | 'f' | 'i' | 'o') => "an",
        _ => "a",
    }
}

/// The table a field of `table` points to (for a vector, its elements' table), if it
/// is one of the Arrow metadata tables. Union fields are resolved by their variant.
fn child_table(table: &str, field: &str) -> Option<&'static str> {
    Some(match (table, field) {
        ("Footer", "schema") => "Schema",
        ("Footer", "dictionaries" | "recordBatches") => "Block",
        (_, "custom_metadata") => "KeyValue",
        ("Schema" | "Field", "fields" | "children") => "Field",
        ("Field", "dictionary") => "DictionaryEncoding",
        ("DictionaryEncoding", "indexType") => "Int",
        ("DictionaryBatch", "data") => "RecordBatch",
        ("RecordBatch", "compression") => "BodyCompression",
        ("RecordBatch", "nodes") => "FieldNode",
        ("RecordBatch", "buffers") => "Buffer",
        ("Tensor" | "SparseTensor", "shape") => "TensorDim",
        ("Tensor" | "SparseTensor", "data") => "Buffer",
        (_, "indicesType" | "indptrType") => "Int",
        _ => return None,
    })
}

/// The error trace followed from the root table: the path to the failure and the
/// tables along it.
struct Walk {
    /// Like `Message.header.fields[2].name` (the root table's name first).
    path: String,
    /// The innermost field: its name and the table holding it (if known), and the vector
    /// indices that follow it in the path.
    field: Option<(String, Option<&'static str>, Vec<usize>)>,
    /// The table the path ends in, if known.
    table: Option<&'static str>,
}

impl Walk {
    /// Follows `trace`, which the verifier records innermost first.
    fn new(root: &'static str, trace: &[ErrorTraceDetail]) -> Self {
        let mut walk = Walk {
            path: root.to_owned(),
            field: None,
            table: Some(root),
        };
        for detail in trace.iter().rev() {
            match detail {
                ErrorTraceDetail::TableField { field_name, .. } => {
                    let name = display_name(field_name);
                    walk.path.push('.');
                    walk.path.push_str(name);
                    let holder = walk.table;
                    walk.table = holder.and_then(|t| child_table(t, name));
                    walk.field = Some((name.to_owned(), holder, Vec::new()));
                }
                ErrorTraceDetail::VectorElement { index, .. } => {
                    walk.path.push_str(&format!("[{index}]"));
                    if let Some((_, _, indices)) = &mut walk.field {
                        indices.push(*index);
                    }
                }
                ErrorTraceDetail::UnionVariant { variant, .. } => {
                    // `MessageHeader::Schema`: the value is a `Schema` table.
                    walk.table = variant.rsplit("::").next().and_then(known_table);
                }
            }
        }
        walk
    }

    /// The innermost field, like ``the `name` field of table `Field` (at
    /// `Message.header.fields[2].name`)``, or the root table when the trace is empty.
    fn field(&self) -> String {
        let Some((name, holder, indices)) = &self.field else {
            return format!("the root table `{}`", self.path);
        };
        let mut text = String::new();
        for index in indices.iter().rev() {
            text.push_str(&format!("element {index} of "));
        }
        text.push_str(&format!("the `{name}` field"));
        let short = match holder {
            Some(table) => {
                text.push_str(&format!(" of table `{table}`"));
                format!("{table}.{name}")
            }
            None => name.clone(),
        };
        if self.path != short {
            text.push_str(&format!(" (at `{}`)", self.path));
        }
        text
    }

    /// The table the path ends in, like ``table `Field` (at `Message.header.fields[2]`)``.
    fn table(&self) -> String {
        match (self.table, &self.field) {
            (Some(table), None) => format!("the root table `{table}`"),
            (Some(table), Some(_)) => format!("table `{table}` (at `{}`)", self.path),
            (None, _) => format!("the table at `{}`", self.path),
        }
    }
}

/// `name` as a `'static` table name if it is one the walk knows how to follow, else
/// `None` (the walk then stops naming tables).
fn known_table(name: &str) -> Option<&'static str> {
    const TABLES: [&str; 42] = [
        "Schema",
        "DictionaryBatch",
        "RecordBatch",
        "Tensor",
        "SparseTensor",
        "Null",
        "Int",
        "FloatingPoint",
        "Binary",
        "Utf8",
        "Bool",
        "Decimal",
        "Date",
        "Time",
        "Timestamp",
        "Interval",
        "List",
        "Struct_",
        "Union",
        "FixedSizeBinary",
        "FixedSizeList",
        "Map",
        "Duration",
        "LargeBinary",
        "LargeUtf8",
        "LargeList",
        "RunEndEncoded",
        "BinaryView",
        "Utf8View",
        "ListView",
        "LargeListView",
        "SparseTensorIndexCOO",
        "SparseMatrixIndexCSX",
        "SparseTensorIndexCSF",
        "Field",
        "KeyValue",
        "DictionaryEncoding",
        "BodyCompression",
        "Footer",
        "Message",
        "TensorDim",
        "Block",
    ];
    TABLES.into_iter().find(|t| *t == name)
}

// Tests may panic on bytes they built themselves.
#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
#[path = "flatbuffer_error_tests.rs"]
mod tests;
