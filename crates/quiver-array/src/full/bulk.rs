//! Bulk passes of full validation: tight loops over whole buffers that only answer
//! "is everything right?", without a `Result` or an early exit per element, so the
//! compiler can vectorise them. When a pass answers no, the slot-by-slot checks in
//! [`full`](crate::full) run instead and name the first bad slot, so an error reads
//! exactly as it would without the bulk pass.
//!
//! Each pass accepts exactly what the slot-by-slot check accepts, or (for UTF-8 and
//! dictionary indices) a subset of it: whatever a pass lets through, the slow check
//! would have let through too.
//!
//! The loops work on fixed-size groups ([`LANES`] elements as an array, so the
//! compiler knows the length): each group ORs a "bad" flag per element with no branch,
//! and the flag is looked at once per group.

use quiver_buffer::{Buffer, NativeType};

use crate::data::OffsetSize;
use crate::datatype::DataType;

/// Elements in a group whose verdict is looked at once: a whole number of vector
/// registers for every element width, and few enough to stop soon after a bad one.
const LANES: usize = 64;

/// Dictionary indices a pass looks at together; a group holding an index out of range
/// is looked at again slot by slot, as the index may sit under a null.
const KEY_CHUNK: usize = 512;

/// Whether every offset is non-negative, no offset is smaller than the one before, and
/// none is past `limit`: offsets that are non-decreasing from a non-negative first one
/// up to a last one at most `limit` are all inside `0..=limit`.
pub(crate) fn offsets_ok<O: OffsetSize>(offsets: &[O], limit: usize) -> bool {
    ends_ok(offsets, limit) && all_pairs(offsets, no_decrease)
}

/// The verdicts of [`utf8_offsets_ok`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utf8Verdict {
    /// What [`offsets_ok`] says of the offsets.
    pub(crate) offsets: bool,
    /// Only meaningful when `offsets` is true: whether the bytes the offsets cover are
    /// valid UTF-8 cut only at character boundaries (then every slot holds valid
    /// UTF-8, null slots included).
    pub(crate) utf8: bool,
}

/// [`offsets_ok`] for the offsets of a utf8 array over `bytes` (its values, of which
/// `limit` is the length), and whether the text they cover is valid UTF-8 cut only at
/// character boundaries. ASCII text (every byte starts a character) needs only the
/// offsets' pass; other text is validated once as a whole and the offsets are walked
/// once, for their order and their boundaries together.
pub(crate) fn utf8_offsets_ok<O: OffsetSize>(
    bytes: &[u8],
    offsets: &[O],
    limit: usize,
) -> Utf8Verdict {
    let bad = Utf8Verdict {
        offsets: false,
        utf8: false,
    };
    if !ends_ok(offsets, limit) {
        return bad;
    }
    let at = |o: &O| o.to_usize().unwrap_or(0);
    let (first, last) = match (offsets.first(), offsets.last()) {
        (Some(f), Some(l)) => (at(f), at(l)),
        _ => {
            return Utf8Verdict {
                offsets: true,
                utf8: true,
            };
        }
    };
    // `None` when the first offset is past the last (then they decrease somewhere).
    let text = bytes
        .get(..last)
        .and_then(|head| Some((head, head.get(first..)?)));
    let Some((head, text)) = text else {
        return Utf8Verdict {
            offsets: all_pairs(offsets, no_decrease),
            utf8: false,
        };
    };
    if text.is_ascii() {
        return Utf8Verdict {
            offsets: all_pairs(offsets, no_decrease),
            utf8: true,
        };
    }
    if simdutf8::basic::from_utf8(text).is_err() {
        return Utf8Verdict {
            offsets: all_pairs(offsets, no_decrease),
            utf8: false,
        };
    }
    // The first offset starts valid text, so it is a boundary. Every other offset is
    // one at the end of the text or on a byte that does not continue a character
    // (continuation bytes are 0b10xxxxxx, -64..=-65 as i8). Offsets out of order are
    // answered by the order check; where they point then does not matter.
    let mut on_boundaries = true;
    let in_order = all_pairs(offsets, |prev, next| {
        on_boundaries &= next.iter().fold(true, |ok, o| {
            ok & head.get(at(o)).is_none_or(|&b| (b as i8) >= -0x40)
        });
        no_decrease(prev, next)
    });
    Utf8Verdict {
        offsets: in_order,
        utf8: in_order && on_boundaries,
    }
}

/// Whether the first offset is non-negative and the last at most `limit` (true when
/// there are none).
fn ends_ok<O: OffsetSize>(offsets: &[O], limit: usize) -> bool {
    match (offsets.first(), offsets.last()) {
        (Some(first), Some(last)) => {
            first.to_usize().is_some() && last.to_usize().is_some_and(|l| l <= limit)
        }
        _ => true,
    }
}

/// Whether `pair_ok(prev, next)` holds for every group of neighbours, `prev` holding
/// `offsets[k..k + n]` and `next` `offsets[k + 1..k + 1 + n]`; stops at the first group
/// it does not hold for. Groups are [`LANES`] long except the last.
#[inline(always)]
fn all_pairs<O: Copy>(offsets: &[O], mut pair_ok: impl FnMut(&[O], &[O]) -> bool) -> bool {
    let Some(next) = offsets.get(1..) else {
        return true;
    };
    let prev = offsets.get(..next.len()).unwrap_or(&[]);
    let (prev_groups, prev_rest) = prev.as_chunks::<LANES>();
    let (next_groups, next_rest) = next.as_chunks::<LANES>();
    prev_groups
        .iter()
        .zip(next_groups)
        .all(|(p, n)| pair_ok(p, n))
        && pair_ok(prev_rest, next_rest)
}

/// Whether no element of `next` is smaller than the one at the same place in `prev`,
/// with no branch per element.
#[inline(always)]
fn no_decrease<O: Ord + Copy>(prev: &[O], next: &[O]) -> bool {
    prev.iter()
        .zip(next)
        .fold(0u8, |bad, (p, n)| bad | u8::from(n < p))
        == 0
}

/// Whether the index at every valid slot of a dictionary array is inside a dictionary
/// of `dict_len` values (indices under null slots may be anything). `keys` is the
/// array's first buffer, `offset` and `len` its slots, `nulls` its validity. `None`
/// when the buffer cannot be read as indices (the slow check says why).
pub(crate) fn indices_ok(
    keys: &Buffer,
    index: &DataType,
    nulls: Option<&Buffer>,
    offset: usize,
    len: usize,
    dict_len: usize,
) -> Option<bool> {
    let nulls = nulls.map(Buffer::as_slice);
    match index {
        DataType::Int8 => keys_ok::<i8>(keys, nulls, offset, len, dict_len),
        DataType::Int16 => keys_ok::<i16>(keys, nulls, offset, len, dict_len),
        DataType::Int32 => keys_ok::<i32>(keys, nulls, offset, len, dict_len),
        DataType::Int64 => keys_ok::<i64>(keys, nulls, offset, len, dict_len),
        DataType::UInt8 => keys_ok::<u8>(keys, nulls, offset, len, dict_len),
        DataType::UInt16 => keys_ok::<u16>(keys, nulls, offset, len, dict_len),
        DataType::UInt32 => keys_ok::<u32>(keys, nulls, offset, len, dict_len),
        DataType::UInt64 => keys_ok::<u64>(keys, nulls, offset, len, dict_len),
        _ => None,
    }
}

/// A dictionary index type, range-checked as the unsigned integer of its width: a
/// negative index reads as one at least half the width's range, so `0 <= k < n` is the
/// one comparison `k as unsigned < n` when `n` is at most that half.
trait Key: NativeType {
    type Unsigned: Copy + PartialOrd;
    /// The index's bits as the unsigned integer of its width.
    fn unsigned(self) -> Self::Unsigned;
    /// The bound indices (as [`Key::unsigned`]) must stay below to be inside a
    /// dictionary of `dict_len` values; `None` when every index is.
    fn bound(dict_len: usize) -> Option<Self::Unsigned>;
}

macro_rules! signed_key {
    ($($k:ty => $u:ty),*) => {$(
        impl Key for $k {
            type Unsigned = $u;
            #[inline(always)]
            fn unsigned(self) -> $u {
                self as $u
            }
            fn bound(dict_len: usize) -> Option<$u> {
                // Past `MAX + 1` a dictionary holds every non-negative index.
                let every = <$u>::MAX / 2 + 1;
                Some(<$u>::try_from(dict_len).map_or(every, |n| n.min(every)))
            }
        }
    )*};
}

macro_rules! unsigned_key {
    ($($k:ty),*) => {$(
        impl Key for $k {
            type Unsigned = $k;
            #[inline(always)]
            fn unsigned(self) -> $k {
                self
            }
            fn bound(dict_len: usize) -> Option<$k> {
                <$k>::try_from(dict_len).ok()
            }
        }
    )*};
}

signed_key!(i8 => u8, i16 => u16, i32 => u32, i64 => u64);
unsigned_key!(u8, u16, u32, u64);

fn keys_ok<K: Key>(
    keys: &Buffer,
    nulls: Option<&[u8]>,
    offset: usize,
    len: usize,
    dict_len: usize,
) -> Option<bool> {
    let keys = keys
        .typed_data::<K>()
        .ok()?
        .get(offset..offset.checked_add(len)?)?;
    let Some(bound) = K::bound(dict_len) else {
        return Some(true);
    };
    let inside = |group: &[K]| {
        let (lanes, rest) = group.as_chunks::<LANES>();
        let outside = |ks: &[K]| {
            ks.iter()
                .fold(0u8, |bad, k| bad | u8::from(k.unsigned() >= bound))
        };
        (lanes.iter().fold(0u8, |bad, ks| bad | outside(ks)) | outside(rest)) == 0
    };
    Some(keys.chunks(KEY_CHUNK).enumerate().all(|(c, chunk)| {
        inside(chunk)
            || nulls.is_some_and(|bits| {
                chunk.iter().enumerate().all(|(j, k)| {
                    let at = offset + c * KEY_CHUNK + j;
                    let valid = bits.get(at / 8).is_some_and(|b| b & (1 << (at % 8)) != 0);
                    !valid || inside(std::slice::from_ref(k))
                })
            })
    }))
}
