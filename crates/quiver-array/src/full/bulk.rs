//! Bulk passes of full validation: tight loops over whole buffers that only answer
//! "is everything right?", without a `Result` or an early exit per element, so the
//! compiler can vectorise them. When a pass answers no, the slot-by-slot checks in
//! [`full`](crate::full) run instead and name the first bad slot, so an error reads
//! exactly as it would without the bulk pass.
//!
//! Each pass accepts exactly what the slot-by-slot check accepts, or (for UTF-8 and
//! dictionary indices) a subset of it: whatever a pass lets through, the slow check
//! would have let through too.

use quiver_buffer::{Buffer, NativeType};

use crate::data::OffsetSize;
use crate::datatype::DataType;

/// Elements a pass looks at between two looks at its verdict: large enough for the
/// loop inside to vectorise, small enough to stop soon after a bad element.
const CHUNK: usize = 2048;

/// Dictionary indices a pass looks at together; a group holding an index out of range
/// is looked at again slot by slot, as the index may sit under a null.
const KEY_CHUNK: usize = 512;

/// Whether every offset is non-negative, no offset is smaller than the one before, and
/// none is past `limit`: offsets that are non-decreasing from a non-negative first one
/// up to a last one at most `limit` are all inside `0..=limit`.
pub(crate) fn offsets_ok<O: OffsetSize>(offsets: &[O], limit: usize) -> bool {
    let (Some(&first), Some(&last)) = (offsets.first(), offsets.last()) else {
        return true;
    };
    if first.to_usize().is_none() || last.to_usize().is_none_or(|l| l > limit) {
        return false;
    }
    let pairs = offsets.get(1..).unwrap_or(&[]);
    pairs
        .chunks(CHUNK)
        .zip(offsets.chunks(CHUNK))
        .all(|(next, prev)| next.iter().zip(prev).fold(true, |ok, (n, p)| ok & (n >= p)))
}

/// Whether the bytes the offsets cover are valid UTF-8 cut only at character
/// boundaries, for offsets [`offsets_ok`] accepted (so they index `bytes`). Then every
/// slot holds valid UTF-8, null slots included.
pub(crate) fn utf8_ok<O: OffsetSize>(bytes: &[u8], offsets: &[O]) -> bool {
    let at = |o: &O| o.to_usize().unwrap_or(0);
    let (first, last) = match (offsets.first(), offsets.last()) {
        (Some(f), Some(l)) => (at(f), at(l)),
        _ => return true,
    };
    let (Some(head), Some(text)) = (bytes.get(..last), bytes.get(first..last)) else {
        return false;
    };
    if text.is_ascii() {
        // Every byte of ASCII text starts a character.
        return true;
    }
    if simdutf8::basic::from_utf8(text).is_err() {
        return false;
    }
    // An offset is a boundary at the end of the text or on a byte that does not
    // continue a character (continuation bytes are 0b10xxxxxx, -64..=-65 as i8).
    offsets.chunks(CHUNK).all(|chunk| {
        chunk.iter().fold(true, |ok, o| {
            ok & head.get(at(o)).is_none_or(|&b| (b as i8) >= -0x40)
        })
    })
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

fn keys_ok<K: NativeType + PartialOrd + TryFrom<usize>>(
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
    let zero = K::default();
    // A dictionary longer than the largest key: every non-negative key is inside it.
    let upper = K::try_from(dict_len).ok();
    let chunk_ok = |chunk: &[K]| match upper {
        Some(u) => chunk.iter().fold(true, |ok, &k| ok & (k >= zero) & (k < u)),
        None => chunk.iter().fold(true, |ok, &k| ok & (k >= zero)),
    };
    Some(keys.chunks(KEY_CHUNK).enumerate().all(|(c, chunk)| {
        chunk_ok(chunk)
            || nulls.is_some_and(|bits| {
                chunk.iter().enumerate().all(|(j, k)| {
                    let at = offset + c * KEY_CHUNK + j;
                    let valid = bits.get(at / 8).is_some_and(|b| b & (1 << (at % 8)) != 0);
                    !valid || chunk_ok(std::slice::from_ref(k))
                })
            })
    }))
}
