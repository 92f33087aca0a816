//! Reading single values out of an array's raw buffers: native-endian integers of every
//! width, dictionary indices, offsets, run ends and 16-byte views. Validation, equality,
//! display and the typed accessors all read through these helpers, so every one of them
//! decodes values the same way and none of them can index out of bounds: each returns
//! `None` where the bytes are not there.

use crate::data::Array;
use crate::datatype::DataType;

/// The `N` bytes of value `k` of `bytes`, counting in `N`-byte values.
#[inline]
pub(crate) fn chunk<const N: usize>(bytes: &[u8], k: usize) -> Option<[u8; N]> {
    let start = k.checked_mul(N)?;
    bytes.get(start..start.checked_add(N)?)?.try_into().ok()
}

/// The `i32` at value position `k` of `bytes`.
#[inline]
pub(crate) fn i32_at(bytes: &[u8], k: usize) -> Option<i32> {
    chunk::<4>(bytes, k).map(i32::from_ne_bytes)
}

/// The `i64` at value position `k` of `bytes`.
#[inline]
pub(crate) fn i64_at(bytes: &[u8], k: usize) -> Option<i64> {
    chunk::<8>(bytes, k).map(i64::from_ne_bytes)
}

/// The offset (or list-view size) at position `k` of `bytes`, whose values are `width`
/// (4 or 8) bytes wide, widened to `i64`.
#[inline]
pub(crate) fn offset_at(bytes: &[u8], width: usize, k: usize) -> Option<i64> {
    match width {
        4 => i32_at(bytes, k).map(i64::from),
        8 => i64_at(bytes, k),
        _ => None,
    }
}

/// The integer of type `t` (any of the eight integer types) at position `k` of `bytes`,
/// widened to `i128` so that every value, `u64::MAX` included, keeps its sign and size.
pub(crate) fn integer_at(bytes: &[u8], t: &DataType, k: usize) -> Option<i128> {
    Some(match t {
        DataType::Int8 => i128::from(i8::from_ne_bytes(chunk(bytes, k)?)),
        DataType::UInt8 => i128::from(u8::from_ne_bytes(chunk(bytes, k)?)),
        DataType::Int16 => i128::from(i16::from_ne_bytes(chunk(bytes, k)?)),
        DataType::UInt16 => i128::from(u16::from_ne_bytes(chunk(bytes, k)?)),
        DataType::Int32 => i128::from(i32::from_ne_bytes(chunk(bytes, k)?)),
        DataType::UInt32 => i128::from(u32::from_ne_bytes(chunk(bytes, k)?)),
        DataType::Int64 => i128::from(i64::from_ne_bytes(chunk(bytes, k)?)),
        DataType::UInt64 => i128::from(u64::from_ne_bytes(chunk(bytes, k)?)),
        _ => return None,
    })
}

/// `n` values of `w` bytes from slot `i` of the array's first buffer (the array's
/// offset applied).
pub(crate) fn slot_bytes(a: &Array, i: usize, n: usize, w: usize) -> Option<&[u8]> {
    let start = a.offset().checked_add(i)?.checked_mul(w)?;
    let end = start.checked_add(n.checked_mul(w)?)?;
    a.buffers().first()?.as_slice().get(start..end)
}

/// The `N` bytes of slot `i` in the array's first buffer, if they are there.
#[inline]
pub(crate) fn slot<const N: usize>(a: &Array, i: usize) -> Option<[u8; N]> {
    slot_bytes(a, i, 1, N)?.try_into().ok()
}

/// The raw dictionary index at slot `i` of a dictionary array whose index type is
/// `index` (negative and out-of-range values included).
pub(crate) fn raw_dict_index(a: &Array, i: usize, index: &DataType) -> Option<i128> {
    let bytes = a.buffers().first()?.as_slice();
    integer_at(bytes, index, a.offset().checked_add(i)?)
}

/// The dictionary index at slot `i`, if it is a non-negative index.
pub(crate) fn dict_index(a: &Array, i: usize, index: &DataType) -> Option<usize> {
    usize::try_from(raw_dict_index(a, i, index)?).ok()
}

/// Run end `k` of a run-ends child (int16, int32 or int64), or `None` if it cannot
/// be read.
pub fn run_end(ends: &Array, k: usize) -> Option<i64> {
    let bytes = ends.buffers().first()?.as_slice();
    let at = ends.offset().checked_add(k)?;
    match ends.data_type() {
        DataType::Int16 => chunk::<2>(bytes, at).map(|b| i64::from(i16::from_ne_bytes(b))),
        DataType::Int32 => i32_at(bytes, at).map(i64::from),
        DataType::Int64 => i64_at(bytes, at),
        _ => None,
    }
}

/// One 16-byte view of a binary view or utf8 view array, split into its fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    /// The value's length in bytes (negative only in broken data).
    pub len: i32,
    /// The twelve bytes after the length: the whole value (zero-padded) when the value
    /// is inline, else the prefix, buffer index and offset.
    pub rest: &'a [u8; 12],
}

impl<'a> View<'a> {
    /// View `k` of a views buffer.
    pub fn at(views: &'a [u8], k: usize) -> Option<Self> {
        let start = k.checked_mul(16)?;
        let v = views.get(start..start.checked_add(16)?)?;
        let (len, rest) = v.split_first_chunk::<4>()?;
        Some(View {
            len: i32::from_ne_bytes(*len),
            rest: rest.try_into().ok()?,
        })
    }

    /// Whether the value is stored in the view itself (length 12 or less).
    pub fn is_inline(&self) -> bool {
        self.len <= 12
    }

    /// The first four bytes of the value.
    pub fn prefix(&self) -> &'a [u8] {
        &self.rest[..4]
    }

    /// The data buffer index of an out-of-line value.
    pub fn buffer_index(&self) -> i32 {
        i32_at(self.rest, 1).unwrap_or(-1)
    }

    /// The offset in its data buffer of an out-of-line value.
    pub fn offset(&self) -> i32 {
        i32_at(self.rest, 2).unwrap_or(-1)
    }

    /// The bytes of the value: inline, or in `data[buffer_index]`. `None` when the
    /// view does not describe bytes that are there.
    pub fn value<'b>(&self, data: impl Fn(usize) -> Option<&'b [u8]>) -> Option<&'b [u8]>
    where
        'a: 'b,
    {
        let len = usize::try_from(self.len).ok()?;
        if self.is_inline() {
            return self.rest.get(..len);
        }
        let index = usize::try_from(self.buffer_index()).ok()?;
        let offset = usize::try_from(self.offset()).ok()?;
        data(index)?.get(offset..offset.checked_add(len)?)
    }
}

/// Whether slot `i` of an array with this validity bitmap and offset holds a value.
#[inline]
pub(crate) fn bit_is_valid(nulls: Option<&quiver_buffer::Buffer>, offset: usize, i: usize) -> bool {
    nulls.is_none_or(|b| {
        let at = offset.saturating_add(i);
        b.as_slice()
            .get(at / 8)
            .is_some_and(|byte| byte & (1 << (at % 8)) != 0)
    })
}
