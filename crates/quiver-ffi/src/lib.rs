//! The Arrow C data interface and C stream interface for Quiver: export arrays, record
//! batches, schemas and readers to any Arrow implementation in the same process
//! (pyarrow, polars, DuckDB, arrow-rs), and import theirs, zero-copy both ways.
//!
//! - [`ArrowSchema`], [`ArrowArray`], [`ArrowArrayStream`]: the spec's `#[repr(C)]`
//!   structs. A struct's `release` frees what it owns; dropping one calls it.
//! - Export: [`export_schema`], [`export_field`], [`export_data_type`],
//!   [`export_array`], [`export_record_batch`], [`export_reader`]. The release callbacks
//!   keep Quiver's buffers alive; nothing is copied, and release may run on any thread.
//! - Import: [`import_schema`], [`import_field`], [`import_data_type`],
//!   [`import_array`], [`import_record_batch`], [`ArrowArrayStreamReader`]. Imported
//!   buffers are [`Buffer`](quiver_buffer::Buffer)s that call the producer's `release`
//!   once, when the last of them is dropped. Imports are structurally checked always and
//!   fully validated unless [`ImportOptions::with_unchecked_values`] says otherwise.
//! - Raw pointers (PyCapsules) move in with [`ArrowArray::take`] and friends.
//!
//! ```
//! use quiver_array::{Array, RecordBatch};
//! use quiver_ffi::{export_record_batch, export_schema, import_record_batch};
//!
//! let batch = RecordBatch::try_from_columns(
//!     vec![Array::from(vec![Some("a"), None]), Array::from(vec![1.5f64, 2.5])],
//!     &["s", "x"],
//! )
//! .unwrap();
//! let array = export_record_batch(&batch).unwrap();
//! let schema = export_schema(batch.schema()).unwrap();
//! // SAFETY: both structs are live exports of this process.
//! let back = unsafe { import_record_batch(array, &schema) }.unwrap();
//! assert!(back.equals(&batch));
//! // Zero-copy: the imported column points into the exported one's memory.
//! let col = |b: &RecordBatch| b.column(1).unwrap().buffers()[0].as_ptr();
//! assert_eq!(col(&back), col(&batch));
//! ```

/// Modules that read what a foreign producer handed in: no `unwrap`, `expect`, `panic`,
/// indexing or unchecked arithmetic, checked at compile time.
macro_rules! import_modules {
    ($($vis:vis $name:ident),* $(,)?) => {$(
        #[deny(
            clippy::unwrap_used,
            clippy::expect_used,
            clippy::panic,
            clippy::indexing_slicing,
            clippy::arithmetic_side_effects
        )]
        $vis mod $name;
    )*};
}

import_modules!(pub format, import, schema, stream);

mod abi;
mod counters;
mod error;
mod export;

pub use abi::{
    ARROW_FLAG_DICTIONARY_ORDERED, ARROW_FLAG_MAP_KEYS_SORTED, ARROW_FLAG_NULLABLE, ArrowArray,
    ArrowArrayStream, ArrowSchema,
};
pub use counters::{live_exports, live_imports};
pub use error::{FfiError, Result};
pub use export::{export_array, export_record_batch};
pub use import::{
    ImportOptions, import_array, import_array_with, import_record_batch, import_record_batch_with,
};
pub use schema::{
    export_data_type, export_field, export_schema, import_data_type, import_field, import_schema,
};
pub use stream::{ArrowArrayStreamReader, export_reader};
