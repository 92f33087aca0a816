//! Byte patterns the pool tests write into blocks and check after they moved.

use std::ptr::NonNull;

/// Fills `len` bytes at `ptr` with a pattern that depends on the position and `seed`.
pub fn fill(ptr: NonNull<u8>, len: usize, seed: u8) {
    // SAFETY: the test owns `len` bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), len) };
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (i % 251) as u8 ^ seed;
    }
}

/// The index of the first byte that differs from what `fill(_, len, seed)` wrote.
pub fn first_mismatch(ptr: NonNull<u8>, len: usize, seed: u8) -> Option<usize> {
    // SAFETY: the test owns `len` initialised bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) };
    bytes
        .iter()
        .enumerate()
        .position(|(i, &b)| b != (i % 251) as u8 ^ seed)
}
