//! Logical equality: same type, length, validity, and values at valid slots.

use quiver_buffer::get_bit;

use crate::data::{Array, OffsetSize};
use crate::datatype::DataType;
use crate::values::{dict_index, slot_bytes};

/// Whether two arrays are logically equal (see [`Array::equals`]).
pub fn array_equal(a: &Array, b: &Array) -> bool {
    if a.data_type() != b.data_type() || a.len() != b.len() || a.null_count() != b.null_count() {
        return false;
    }
    if let Some(w) = fixed_width(a.data_type())
        && a.null_count() == 0
    {
        // Fast path: one memcmp over the whole value range.
        return slot_bytes(a, 0, a.len(), w) == slot_bytes(b, 0, b.len(), w);
    }
    range_equal(a, 0, b, 0, a.len())
}

/// Whether `len` slots of `a` from `ai` equal `len` slots of `b` from `bi`.
pub fn range_equal(a: &Array, ai: usize, b: &Array, bi: usize, len: usize) -> bool {
    (0..len).all(|k| slot_equal(a, ai + k, b, bi + k))
}

fn fixed_width(t: &DataType) -> Option<usize> {
    match t {
        DataType::Boolean => None,
        t => t.primitive_width(),
    }
}

/// Whether slot `i` of `a` equals slot `j` of `b` (types assumed equal).
pub fn slot_equal(a: &Array, i: usize, b: &Array, j: usize) -> bool {
    let (va, vb) = (a.is_valid(i), b.is_valid(j));
    if va != vb {
        return false;
    }
    if !va {
        return true;
    }
    use DataType::*;
    match a.data_type() {
        Null => true,
        Boolean => {
            let (Some(x), Some(y)) = (a.buffers().first(), b.buffers().first()) else {
                return false;
            };
            get_bit(x, a.offset() + i) == get_bit(y, b.offset() + j)
        }
        Binary | Utf8 => bytes_at::<i32>(a, i) == bytes_at::<i32>(b, j),
        LargeBinary | LargeUtf8 => bytes_at::<i64>(a, i) == bytes_at::<i64>(b, j),
        List(_) | Map(..) | LargeList(_) | FixedSizeList(..) | ListView(_) | LargeListView(_) => {
            match (a.list_range(i), b.list_range(j)) {
                (Some((sa, la)), Some((sb, lb))) if la == lb => {
                    range_equal(&a.children()[0], sa, &b.children()[0], sb, la)
                }
                _ => false,
            }
        }
        BinaryView | Utf8View => match (a.as_binary_view(), b.as_binary_view()) {
            (Some(x), Some(y)) => x.value(i) == y.value(j),
            _ => false,
        },
        Union { .. } => match (a.union_slot(i), b.union_slot(j)) {
            (Some((ia, ca, sa)), Some((ib, cb, sb))) => {
                ia == ib && slot_equal(&a.children()[ca], sa, &b.children()[cb], sb)
            }
            _ => false,
        },
        RunEndEncoded(..) => match (a.run_index(i), b.run_index(j)) {
            (Some(ra), Some(rb)) => slot_equal(&a.children()[1], ra, &b.children()[1], rb),
            _ => false,
        },
        Struct(_) => a
            .children()
            .iter()
            .zip(b.children())
            .all(|(ca, cb)| slot_equal(ca, i, cb, j)),
        Dictionary { index, .. } => {
            match (
                a.dictionary(),
                b.dictionary(),
                dict_index(a, i, index),
                dict_index(b, j, index),
            ) {
                (Some(da), Some(db), Some(x), Some(y)) => slot_equal(da, x, db, y),
                _ => false,
            }
        }
        t => match t.primitive_width() {
            Some(w) => slot_bytes(a, i, 1, w) == slot_bytes(b, j, 1, w),
            None => false,
        },
    }
}

fn bytes_at<O: OffsetSize>(a: &Array, i: usize) -> Option<&[u8]> {
    a.as_binary::<O>().map(|v| v.value(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_ignores_offsets_and_bytes_under_nulls() {
        let a = Array::from(vec![Some(1i32), None, Some(3), Some(4)]);
        let b = Array::from(vec![Some(9i32), Some(1), Some(7), Some(3), Some(4)]);
        assert!(!a.equals(&b));
        let a2 = a.slice(2, 2);
        let b2 = b.slice(3, 2);
        assert!(a2.equals(&b2));
        // The same values and validity as `a`, but 99 instead of `a`'s byte under the
        // null slot: equality must not look there.
        let with_other_null_byte = crate::ArrayData::new(DataType::Int32, 4)
            .nulls(Some(quiver_buffer::Buffer::from_slice_ref(&[0b1101u8])))
            .buffers(vec![quiver_buffer::Buffer::from_slice_ref(&[
                1i32, 99, 3, 4,
            ])])
            .build()
            .unwrap();
        let under_null = |x: &Array| slot_bytes(x, 1, 1, 4).map(<[u8]>::to_vec);
        assert_ne!(under_null(&a), under_null(&with_other_null_byte));
        assert!(a.equals(&with_other_null_byte));
        assert!(with_other_null_byte.equals(&a));
        // Strings: the null slot of one covers bytes, the other's is empty.
        let s = Array::from(vec![Some("ab"), None, Some("c")]);
        let s_other = crate::ArrayData::new(DataType::Utf8, 3)
            .nulls(Some(quiver_buffer::Buffer::from_slice_ref(&[0b101u8])))
            .buffers(vec![
                quiver_buffer::Buffer::from_slice_ref(&[0i32, 2, 5, 6]),
                quiver_buffer::Buffer::from_slice_ref(b"abxyzc"),
            ])
            .build()
            .unwrap();
        assert_eq!(s_other.as_binary::<i32>().unwrap().value(1), b"xyz");
        assert!(s.equals(&s_other));
        assert!(!a.equals(&Array::from(vec![Some(1i64), None, Some(3), Some(4)])));
    }

    #[test]
    fn strings_and_bools() {
        let s = Array::from(vec![Some("foo"), Some("bar"), None]);
        assert!(s.equals(&Array::from(vec![Some("foo"), Some("bar"), None])));
        assert!(!s.equals(&Array::from(vec![Some("foo"), Some("baz"), None])));
        assert!(s.slice(1, 1).equals(&Array::from(vec!["bar"])));
        let t = Array::from(vec![Some(true), None, Some(false)]);
        assert!(t.slice(2, 1).equals(&Array::from(vec![false])));
        assert!(!t.equals(&Array::from(vec![Some(true), Some(true), Some(false)])));
    }
}
