//! Helpers shared by the bulk-validation test files (`validation_bulk.rs`,
//! `validation_bulk_edges.rs`).

use quiver_array::ArrayData;
use quiver_buffer::{Buffer, NativeType};

/// A buffer holding `v`.
pub fn buf<T: NativeType>(v: &[T]) -> Buffer {
    Buffer::from_slice_ref(v)
}

/// A validity bitmap: bit `i` set where `valid[i]`.
pub fn bits(valid: &[bool]) -> Buffer {
    let mut bytes = vec![0u8; valid.len().div_ceil(8)];
    for (i, _) in valid.iter().enumerate().filter(|(_, v)| **v) {
        bytes[i / 8] |= 1 << (i % 8);
    }
    Buffer::from(bytes)
}

/// `build`'s error (full validation), checked to be the one `validate_full` gives for
/// the same parts built unchecked; with the slot the error names.
pub fn rejected(d: ArrayData) -> (String, Option<usize>) {
    // SAFETY: the array is only validated, never read.
    let unchecked = unsafe { d.clone().build_unchecked() }.expect("the layout is sound");
    let full = unchecked
        .validate_full()
        .expect_err("validate_full accepted it");
    let built = d.build().expect_err("build accepted it");
    assert_eq!(full.to_string(), built.to_string());
    (built.to_string(), built.slot())
}
