//! The Arrow logical model for Quiver: [`DataType`], [`Field`], [`Schema`], [`Array`]
//! (one immutable representation for every type, with typed views), builders from
//! plain Rust values, [`RecordBatch`], [`Table`], logical equality, validation and
//! pretty printing.
//!
//! ```
//! use quiver_array::{Array, RecordBatch};
//! let batch = RecordBatch::try_from_columns(
//!     vec![Array::from(vec![1i64, 2]), Array::from(vec![Some("a"), None])],
//!     &["n", "s"],
//! )
//! .unwrap();
//! assert_eq!(batch.to_string(), "   n     s\n0  1     a\n1  2  null");
//! ```

mod buffers;
mod builders;
mod canonical;
mod concat;
mod data;
mod datatype;
mod display;
mod equal;
mod error;
mod extension;
mod field;
mod full;
mod json_meta;
mod layout;
mod nested;
mod record_batch;
mod schema;
mod semantic;
mod special;
mod table;
mod validate;
mod values;
mod views;

pub use buffers::Buffers;
pub use builders::{
    ArrayBuilder, ArrowPrimitive, BinaryBuilder, BinaryKind, BinaryViewBuilder, BooleanBuilder,
    ByteViewBuilder, BytesKind, DecimalBuilder, DecimalNative, DictionaryBuilder,
    FixedSizeBinaryBuilder, FixedSizeListBuilder, GenericBytesBuilder, GenericListBuilder,
    LargeBinaryBuilder, LargeListBuilder, LargeStringBuilder, ListBuilder, MapBuilder,
    PrimitiveBuilder, PrimitiveDictionaryBuilder, RunEndBuilder, RunEndIndex, StringBuilder,
    StringDictionaryBuilder, StringViewBuilder, StructBuilder, UnionBuilder, Utf8Kind,
    ValueBuilder,
};
pub use concat::concat;
pub use data::{Array, ArrayData, BooleanValues, OffsetSize, PrimitiveValues};
pub use datatype::{DataType, IntervalUnit, TimeUnit, UnionMode};
pub use display::format_value;
pub use equal::{range_equal, slot_equal};
pub use error::{ArrayError, Result};
pub use extension::{
    CANONICAL_EXTENSION_NAMES, EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY, ExtensionRegistry,
    ExtensionType, canonical_extension_type, extension_type, register_extension_type,
    unregister_extension_type, validate_extension,
};
pub use field::{Field, Metadata};
pub use layout::{BufferSpec, BufferSpecs, Layout, layout};
pub use nested::validity_from_bools;
pub use record_batch::RecordBatch;
pub use schema::{Schema, SchemaRef};
pub use special::run_end;
pub use table::{ChunkedArray, Table};
pub use validate::ValidationLevel;
pub use views::{
    BinaryValues, BinaryViewValues, DictionaryValues, FixedSizeBinaryValues, FixedSizeListValues,
    ListValues, ListViewValues, MapValues, RunEndValues, StringValues, StringViewValues,
    StructValues, UnionValues,
};
