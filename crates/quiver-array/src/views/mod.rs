//! Typed views of every layout but the fixed-width ones (see `data.rs` for primitive
//! and boolean views), each returned only when the array's [`DataType`] matches: byte
//! strings, lists and maps, structs, dictionaries, unions and run-end encoded arrays.
//!
//! A view borrows its array and reads through checked accessors, so an array that
//! passed only structural validation never makes a view panic; the only documented
//! panic is a slot index at or past the view's length. Every view has `len()`,
//! `value(i)` and an `iter()` that yields `None` for null slots.
//!
//! [`DataType`]: crate::DataType

mod bytes;
mod encoded;
mod list;
mod structs;

pub use bytes::{
    BinaryValues, BinaryViewValues, FixedSizeBinaryValues, StringValues, StringViewValues,
};
pub use encoded::{DictionaryValues, RunEndValues, UnionValues};
pub use list::{FixedSizeListValues, ListValues, ListViewValues, MapValues};
pub use structs::StructValues;

use crate::data::Array;

/// Panics with the message every view uses for a slot past its length.
#[track_caller]
pub(crate) fn check_slot(i: usize, len: usize) {
    assert!(i < len, "slot {i} out of bounds for length {len}");
}

/// `len` slots of `array` from `start`, or an empty slice of it when that range is
/// not there (possible only in data that skipped full validation); never panics.
pub(crate) fn slice_or_empty(array: &Array, start: usize, len: usize) -> Array {
    array
        .try_slice(start, len)
        .or_else(|_| array.try_slice(0, 0))
        .unwrap_or_else(|_| array.clone())
}
