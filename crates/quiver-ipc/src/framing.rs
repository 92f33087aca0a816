//! Framing constants and helpers shared by readers and writers.

/// The continuation marker that starts every message since Arrow 0.15.
pub(crate) const CONTINUATION: u32 = 0xFFFF_FFFF;

/// The magic bytes at both ends of an Arrow file.
pub(crate) const MAGIC: &[u8; 6] = b"ARROW1";

/// Rounds `n` up to a multiple of `align` (a power of two).
#[inline]
pub(crate) fn pad_to(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

/// Zero bytes to write as padding (at most 63 are ever needed).
pub(crate) const ZEROS: [u8; 64] = [0; 64];

/// `n` zero bytes as slices of [`ZEROS`], for writers to emit as padding.
pub(crate) fn zero_padding(n: usize) -> impl Iterator<Item = &'static [u8]> {
    let full = n / ZEROS.len();
    let rest = n % ZEROS.len();
    std::iter::repeat_n(&ZEROS[..], full).chain((rest > 0).then(|| &ZEROS[..rest]))
}
