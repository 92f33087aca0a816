//! [`i256`]: the 256-bit signed integer behind `decimal256` values.

use std::cmp::Ordering;
use std::fmt;

use crate::native::NativeType;

/// A 256-bit two's-complement signed integer, stored as 32 bytes in native byte order:
/// exactly the bytes of one `decimal256` slot. Its alignment is 1, so a view of a
/// decimal256 buffer never depends on where the buffer starts.
///
/// ```
/// use quiver_buffer::i256;
/// let v = i256::from_i128(-12345);
/// assert_eq!(v.to_string(), "-12345");
/// assert_eq!(v.to_i128(), Some(-12345));
/// assert!(i256::MAX > v && v > i256::MIN);
/// assert_eq!(i256::MAX.to_string(),
///     "57896044618658097711785492504343953926634992332820282019728792003956564819967");
/// assert_eq!(i256::MAX.to_i128(), None);
/// ```
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct i256([u8; 32]);

impl i256 {
    /// Zero.
    pub const ZERO: i256 = i256([0; 32]);
    /// The largest value, 2^255 - 1.
    pub const MAX: i256 = i256::from_parts(i128::MAX, u128::MAX);
    /// The smallest value, -2^255.
    pub const MIN: i256 = i256::from_parts(i128::MIN, 0);

    /// The value with these 32 little-endian bytes.
    pub const fn from_le_bytes(bytes: [u8; 32]) -> Self {
        let mut out = bytes;
        if cfg!(target_endian = "big") {
            let mut i = 0;
            while i < 32 {
                out[i] = bytes[31 - i];
                i += 1;
            }
        }
        i256(out)
    }

    /// The value with these 32 bytes in native byte order (one decimal256 slot).
    pub const fn from_ne_bytes(bytes: [u8; 32]) -> Self {
        i256(bytes)
    }

    /// The value's 32 bytes in native byte order.
    pub const fn to_ne_bytes(self) -> [u8; 32] {
        self.0
    }

    /// The value's 32 bytes, little-endian (as Arrow stores them on little-endian hosts).
    pub const fn to_le_bytes(self) -> [u8; 32] {
        let mut out = self.0;
        if cfg!(target_endian = "big") {
            let mut i = 0;
            while i < 32 {
                out[i] = self.0[31 - i];
                i += 1;
            }
        }
        out
    }

    /// The value `high * 2^128 + low`.
    pub const fn from_parts(high: i128, low: u128) -> Self {
        let (lo, hi) = (low.to_le_bytes(), high.to_le_bytes());
        let mut bytes = [0u8; 32];
        let mut i = 0;
        while i < 16 {
            bytes[i] = lo[i];
            bytes[16 + i] = hi[i];
            i += 1;
        }
        i256::from_le_bytes(bytes)
    }

    /// The high 128 bits (signed) and the low 128 bits.
    pub const fn to_parts(self) -> (i128, u128) {
        let bytes = self.to_le_bytes();
        let (mut lo, mut hi) = ([0u8; 16], [0u8; 16]);
        let mut i = 0;
        while i < 16 {
            lo[i] = bytes[i];
            hi[i] = bytes[16 + i];
            i += 1;
        }
        (i128::from_le_bytes(hi), u128::from_le_bytes(lo))
    }

    /// The value of an `i128`, sign-extended.
    pub const fn from_i128(v: i128) -> Self {
        i256::from_parts(if v < 0 { -1 } else { 0 }, v as u128)
    }

    /// The value as an `i128`, if it fits.
    pub const fn to_i128(self) -> Option<i128> {
        let (high, low) = self.to_parts();
        let v = low as i128;
        let sign = if v < 0 { -1 } else { 0 };
        if high == sign { Some(v) } else { None }
    }

    /// `-self`, or `None` for [`i256::MIN`], whose negation does not fit.
    ///
    /// ```
    /// use quiver_buffer::i256;
    /// assert_eq!(i256::from_i128(7).checked_neg(), Some(i256::from_i128(-7)));
    /// assert_eq!(i256::MIN.checked_neg(), None);
    /// ```
    pub fn checked_neg(self) -> Option<i256> {
        if self == i256::MIN {
            return None;
        }
        let (high, low) = self.to_parts();
        // Two's complement: invert every bit and add one, carrying from low into high.
        let (low, carry) = (!low).overflowing_add(1);
        Some(i256::from_parts(
            (!high).wrapping_add(i128::from(carry)),
            low,
        ))
    }

    /// Whether the value is below zero.
    pub const fn is_negative(self) -> bool {
        self.to_parts().0 < 0
    }

    /// The magnitude as four little-endian 64-bit words (`|MIN|` fits, as 2^255).
    fn magnitude_words(self) -> [u64; 4] {
        let (high, low) = self.to_parts();
        let mut words = [
            low as u64,
            (low >> 64) as u64,
            high as u64,
            ((high as u128) >> 64) as u64,
        ];
        if high < 0 {
            // Two's-complement negation: invert every bit, then add one.
            let mut carry = 1u64;
            for w in &mut words {
                let (sum, overflow) = (!*w).overflowing_add(carry);
                *w = sum;
                carry = u64::from(overflow);
            }
        }
        words
    }
}

impl Ord for i256 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.to_parts().cmp(&other.to_parts())
    }
}

impl PartialOrd for i256 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<i128> for i256 {
    fn from(v: i128) -> Self {
        i256::from_i128(v)
    }
}

impl From<i64> for i256 {
    fn from(v: i64) -> Self {
        i256::from_i128(i128::from(v))
    }
}

impl fmt::Display for i256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19, the largest power in a u64
        let mut words = self.magnitude_words();
        // Base-10^19 digits, least significant first; 2^256 < 10^78 needs at most 5.
        let mut chunks = Vec::with_capacity(5);
        while words.iter().any(|&w| w != 0) {
            let mut rem = 0u128;
            for w in words.iter_mut().rev() {
                let cur = (rem << 64) | u128::from(*w);
                *w = (cur / u128::from(CHUNK)) as u64;
                rem = cur % u128::from(CHUNK);
            }
            chunks.push(rem as u64);
        }
        let mut digits = String::with_capacity(80);
        match chunks.split_last() {
            None => digits.push('0'),
            Some((top, rest)) => {
                digits += &top.to_string();
                for c in rest.iter().rev() {
                    digits += &format!("{c:019}");
                }
            }
        }
        f.pad_integral(!self.is_negative(), "", &digits)
    }
}

impl fmt::Debug for i256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

// SAFETY: `i256` is `repr(transparent)` over `[u8; 32]`: no padding, every bit pattern is
// a valid value, alignment 1.
unsafe impl NativeType for i256 {
    #[inline]
    fn swap_bytes(self) -> Self {
        let mut b = self.0;
        b.reverse();
        i256(b)
    }
}
