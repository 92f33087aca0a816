//! `concat` over every layout, with sliced inputs: exact values, and for the indirect
//! layouts the exact buffers the result carries (renumbered view buffers, shifted
//! list-view and dense-union offsets, rebased run ends, joined dictionaries).

use std::sync::Arc;

use quiver_array::{Array, ArrayData, DataType, Field, IntervalUnit, UnionMode, concat};
use quiver_buffer::{Buffer, MutableBuffer};

fn item(t: DataType) -> Arc<Field> {
    Arc::new(Field::new("item", t, true))
}

fn i32s(b: &Buffer) -> Vec<i32> {
    b.as_slice()
        .chunks_exact(4)
        .map(|c| i32::from_ne_bytes(c.try_into().unwrap()))
        .collect()
}

/// A 16-byte view of `bytes` (out of line in data buffer `buffer` at `offset`).
fn view(bytes: &[u8], buffer: i32, offset: i32) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..4].copy_from_slice(&(bytes.len() as i32).to_ne_bytes());
    if bytes.len() <= 12 {
        v[4..4 + bytes.len()].copy_from_slice(bytes);
    } else {
        v[4..8].copy_from_slice(&bytes[..4]);
        v[8..12].copy_from_slice(&buffer.to_ne_bytes());
        v[12..16].copy_from_slice(&offset.to_ne_bytes());
    }
    v
}

fn views(vs: &[[u8; 16]]) -> Buffer {
    let mut m = MutableBuffer::new();
    vs.iter().for_each(|v| m.extend_from_slice(v));
    m.freeze()
}

/// The length and, for out-of-line views, the buffer index of each view of `a` (its
/// whole views buffer).
fn view_indices(a: &Array) -> Vec<(i32, Option<i32>)> {
    let v = i32s(&a.buffers()[0]);
    v.chunks_exact(4)
        .map(|c| (c[0], (c[0] > 12).then_some(c[2])))
        .collect()
}

#[test]
fn fixed_width_boolean_and_null_layouts_join_sliced_inputs() {
    let ints = concat(&[
        Array::from(vec![Some(1i32), None, Some(3)]).slice(1, 2),
        Array::from(vec![7i32, 8]),
    ])
    .unwrap();
    assert_eq!(ints.to_string(), "[null, 3, 7, 8]");
    let bools = concat(&[
        Array::from(vec![
            true, false, true, true, false, false, true, false, true, true,
        ])
        .slice(3, 6),
        Array::from(vec![Some(false), None]),
    ])
    .unwrap();
    assert_eq!(
        bools.to_string(),
        "[true, false, false, true, false, true, false, null]"
    );
    let mut m = MutableBuffer::new();
    for v in [-5i128, 123_456, 9] {
        m.extend_from_slice(&v.to_ne_bytes());
    }
    let dec = ArrayData::new(DataType::Decimal128(10, 2), 3)
        .buffers(vec![m.freeze()])
        .build()
        .unwrap();
    assert_eq!(
        concat(&[dec.slice(1, 2), dec.slice(0, 1)])
            .unwrap()
            .to_string(),
        "[1234.56, 0.09, -0.05]"
    );
    let mut m = MutableBuffer::new();
    for (months, days, nanos) in [(1i32, 2i32, 3i64), (4, 5, 6)] {
        m.extend_from_slice(&months.to_ne_bytes());
        m.extend_from_slice(&days.to_ne_bytes());
        m.extend_from_slice(&nanos.to_ne_bytes());
    }
    let mdn = ArrayData::new(DataType::Interval(IntervalUnit::MonthDayNano), 2)
        .buffers(vec![m.freeze()])
        .build()
        .unwrap();
    let joined = concat(&[mdn.slice(1, 1), mdn.clone()]).unwrap();
    assert!(joined.slice(0, 1).equals(&mdn.slice(1, 1)));
    assert!(joined.slice(1, 2).equals(&mdn));
    let fsb = Array::from_bytes(
        DataType::FixedSizeBinary(2),
        [Some(b"ab"), None, Some(b"cd")],
    )
    .unwrap();
    let joined = concat(&[fsb.slice(2, 1), fsb.slice(0, 2)]).unwrap();
    assert_eq!(
        joined
            .as_fixed_size_binary()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(&b"cd"[..]), Some(&b"ab"[..]), None]
    );
    let nulls = concat(&[Array::new_null(2).slice(1, 1), Array::new_null(3)]).unwrap();
    assert_eq!((nulls.len(), nulls.null_count()), (4, 4));
    // A sparse union (one type-id buffer, like a primitive) keeps its children.
    let sparse = Array::union_from(
        vec![
            ("i", Array::from(vec![1i32, 2, 3])),
            ("s", Array::from(vec!["a", "b", "c"])),
        ],
        &[0, 1, 1],
        UnionMode::Sparse,
    )
    .unwrap();
    let joined = concat(&[sparse.slice(1, 2), sparse.clone()]).unwrap();
    assert_eq!(joined.to_string(), "[\"b\", \"c\", 1, \"b\", \"c\"]");
    assert_eq!(joined.children()[0].len(), 5);
}

#[test]
fn views_keep_only_the_data_buffers_they_use_and_renumber_them() {
    let long0 = b"first buffer, long value";
    let long1 = b"second buffer, long value";
    let a = ArrayData::new(DataType::Utf8View, 4)
        .nulls(Some(Buffer::from_slice_ref(&[0b1011u8])))
        .buffers(vec![
            views(&[
                view(b"tiny", 0, 0),
                view(long1, 1, 0),
                // Under a null: a valid view, whose buffer must not be kept for it.
                view(long0, 0, 0),
                view(long0, 0, 0),
            ]),
            Buffer::from_slice_ref(&long0[..]),
            Buffer::from_slice_ref(&long1[..]),
        ])
        .build()
        .unwrap();
    let b = Array::from_bytes(
        DataType::Utf8View,
        [Some("short"), Some("a third long value, in b")],
    )
    .unwrap();
    // a[1..3] uses only a's buffer 1; b uses its buffer 0.
    let joined = concat(&[a.slice(1, 2), b.clone(), a.slice(3, 1)]).unwrap();
    assert_eq!(
        joined.to_string(),
        "[\"second buffer, long value\", null, \"short\", \"a third long value, in b\", \"first buffer, long value\"]"
    );
    // a's buffer 1 -> 0, b's buffer 0 -> 1, a's buffer 0 -> 2; the null view is zeroed.
    assert_eq!(
        view_indices(&joined),
        vec![
            (25, Some(0)),
            (0, None),
            (5, None),
            (24, Some(1)),
            (24, Some(2))
        ]
    );
    assert_eq!(joined.buffers().len(), 4);
    assert_eq!(joined.buffers()[1].as_slice(), &long1[..]);
    let bin =
        Array::from_bytes(DataType::BinaryView, [Some(&b"0123456789abcdef"[..]), None]).unwrap();
    let joined = concat(&[bin.clone(), bin.slice(0, 1)]).unwrap();
    assert_eq!(
        joined.as_binary_view().unwrap().iter().collect::<Vec<_>>(),
        vec![
            Some(&b"0123456789abcdef"[..]),
            None,
            Some(&b"0123456789abcdef"[..])
        ]
    );
}

#[test]
fn list_views_take_the_child_range_they_cover() {
    for (t, wide) in [
        (DataType::ListView(item(DataType::Int32)), false),
        (DataType::LargeListView(item(DataType::Int32)), true),
    ] {
        let buf = |v: &[i64]| {
            if wide {
                Buffer::from_slice_ref(v)
            } else {
                Buffer::from_vec(v.iter().map(|&x| x as i32).collect::<Vec<_>>())
            }
        };
        // Slots: [4, 5], null (over [6], which must not be carried), [], [1, 2, 3]
        // (out of order).
        let a = ArrayData::new(t.clone(), 4)
            .nulls(Some(Buffer::from_slice_ref(&[0b1101u8])))
            .buffers(vec![buf(&[3, 5, 6, 0]), buf(&[2, 1, 0, 3])])
            .children(vec![Array::from(vec![1i32, 2, 3, 4, 5, 6])])
            .build()
            .unwrap();
        assert_eq!(a.to_string(), "[[4, 5], null, [], [1, 2, 3]]");
        let joined = concat(&[a.slice(0, 3), a.slice(3, 1), a.slice(0, 1)]).unwrap();
        assert_eq!(joined.to_string(), "[[4, 5], null, [], [1, 2, 3], [4, 5]]");
        // Child: [4, 5] from the first input, [1, 2, 3] from the second, [4, 5] again.
        assert_eq!(joined.children()[0].to_string(), "[4, 5, 1, 2, 3, 4, 5]");
        assert_eq!(joined.list_range(3), Some((2, 3)));
        assert_eq!(joined.list_range(4), Some((5, 2)));
        assert_eq!(
            joined.list_range(1),
            Some((0, 0)),
            "a null slot is written as offset 0, size 0"
        );
    }
}

#[test]
fn dense_unions_shift_offsets_onto_the_joined_children() {
    let u = Array::union_from(
        vec![
            ("i", Array::from(vec![10i32, 20, 30])),
            ("s", Array::from(vec![Some("x"), None])),
        ],
        &[0, 1, 0, 1, 0],
        UnionMode::Dense,
    )
    .unwrap();
    assert_eq!(u.to_string(), "[10, \"x\", 20, null, 30]");
    let joined = concat(&[u.slice(2, 3), u.slice(0, 2)]).unwrap();
    assert_eq!(joined.to_string(), "[20, null, 30, 10, \"x\"]");
    // The slices reach ints 20, 30 then 10, and strings null then "x".
    assert_eq!(joined.children()[0].to_string(), "[20, 30, 10]");
    assert_eq!(joined.children()[1].to_string(), "[null, \"x\"]");
    assert_eq!(i32s(&joined.buffers()[1]), vec![0, 0, 1, 2, 1]);
}

#[test]
fn run_end_encoded_slices_keep_only_their_runs() {
    for ends in [
        Array::from(vec![2i16, 5, 6]),
        Array::from(vec![2i32, 5, 6]),
        Array::from(vec![2i64, 5, 6]),
    ] {
        let r =
            Array::run_end_encoded(ends, Array::from(vec![Some("a"), None, Some("c")])).unwrap();
        assert_eq!(r.to_string(), "[\"a\", \"a\", null, null, null, \"c\"]");
        let joined = concat(&[r.slice(1, 3), r.slice(0, 0), r.slice(4, 2)]).unwrap();
        assert_eq!(joined.to_string(), "[\"a\", null, null, null, \"c\"]");
        assert_eq!(joined.children()[0].to_string(), "[1, 3, 4, 5]");
        assert_eq!(
            joined.children()[1].to_string(),
            "[\"a\", null, null, \"c\"]"
        );
    }
    let narrow =
        Array::run_end_encoded(Array::from(vec![30_000i16]), Array::from(vec![1u8])).unwrap();
    let err = concat(&[narrow.clone(), narrow.clone()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "run_end_encoded<run_ends: int16, values: uint8> array: run end 60000 does not fit in int16"
    );
}

#[test]
fn dictionaries_are_kept_when_shared_and_joined_when_different() {
    let dict = Array::from(vec!["lo", "hi"]);
    let a = Array::dictionary_from(
        Array::from(vec![Some(1i8), None, Some(0)]),
        dict.clone(),
        false,
    )
    .unwrap();
    let same = concat(&[a.slice(1, 2), a.clone()]).unwrap();
    assert_eq!(same.to_string(), "[null, \"lo\", \"hi\", null, \"lo\"]");
    assert!(same.dictionary().unwrap().ptr_eq(&dict));
    let b = Array::dictionary_from(
        Array::from(vec![2i8, 0]),
        Array::from(vec!["x", "y", "z"]),
        false,
    )
    .unwrap();
    let joined = concat(&[a.slice(1, 2), b.clone()]).unwrap();
    assert_eq!(joined.to_string(), "[null, \"lo\", \"z\", \"x\"]");
    assert_eq!(
        joined.dictionary().unwrap().to_string(),
        "[\"lo\", \"hi\", \"x\", \"y\", \"z\"]"
    );
    assert_eq!(
        joined.buffers()[0].as_slice(),
        &[0u8, 0, 4, 2],
        "b's indices are shifted past a's two values; the null index is 0"
    );
    let big = |n: usize| {
        let values = Array::from((0..n).map(|i| i as i64).collect::<Vec<_>>());
        Array::dictionary_from(Array::from(vec![n as i8 - 1]), values, false).unwrap()
    };
    let err = concat(&[big(100), big(101)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dictionary<values=int64, indices=int8, ordered=0> array: slot 0 of input 1: index 200 into the joined dictionaries (201 values) does not fit in int8"
    );
}

#[test]
fn nested_layouts_join_through_every_level() {
    // list<dictionary> whose dictionaries differ.
    let d1 = Array::dictionary_from(
        Array::from(vec![0i32, 1]),
        Array::from(vec!["p", "q"]),
        false,
    )
    .unwrap();
    let d2 =
        Array::dictionary_from(Array::from(vec![0i32]), Array::from(vec!["r"]), false).unwrap();
    let l1 = Array::list_from_lengths(d1, [Some(1), None, Some(1)]).unwrap();
    let l2 = Array::list_from_lengths(d2, [Some(1)]).unwrap();
    let joined = concat(&[l1.slice(1, 2), l2]).unwrap();
    assert_eq!(joined.to_string(), "[null, [\"q\"], [\"r\"]]");
    // large list and fixed-size list of struct<view, run-end encoded>.
    let s = Array::struct_from(
        vec![
            (
                "v",
                Array::from_bytes(
                    DataType::Utf8View,
                    [
                        Some("a long string value #1"),
                        Some("b"),
                        None,
                        Some("a long string value #2"),
                    ],
                )
                .unwrap(),
            ),
            (
                "r",
                Array::run_end_encoded(Array::from(vec![3i32, 4]), Array::from(vec![7i8, 8]))
                    .unwrap(),
            ),
        ],
        Some(vec![true, true, false, true]),
    )
    .unwrap();
    let fixed = Array::fixed_size_list(s.clone(), 2, None).unwrap();
    let joined = concat(&[fixed.slice(1, 1), fixed.slice(0, 1)]).unwrap();
    assert_eq!(
        joined.to_string(),
        "[[null, {v: \"a long string value #2\", r: 8}], [{v: \"a long string value #1\", r: 7}, {v: \"b\", r: 7}]]"
    );
    let large = Array::list_of(
        DataType::LargeList(item(s.data_type().clone())),
        s,
        [Some(3), Some(1)],
    )
    .unwrap();
    let joined = concat(&[large.slice(1, 1), large.slice(0, 1)]).unwrap();
    assert_eq!(
        joined.to_string(),
        "[[{v: \"a long string value #2\", r: 8}], [{v: \"a long string value #1\", r: 7}, {v: \"b\", r: 7}, null]]"
    );
    // map<utf8, list_view<dense union>>.
    let u = Array::union_from(
        vec![
            ("i", Array::from(vec![1i64, 2])),
            ("b", Array::from(vec![true])),
        ],
        &[0, 1, 0],
        UnionMode::Dense,
    )
    .unwrap();
    let lv = Array::list_of(
        DataType::ListView(item(u.data_type().clone())),
        u,
        [Some(2), Some(1)],
    )
    .unwrap();
    let m = Array::map_from_lengths(Array::from(vec!["k1", "k2"]), lv, [Some(1), Some(1)], false)
        .unwrap();
    let joined = concat(&[m.slice(1, 1), m.clone()]).unwrap();
    assert_eq!(
        joined.to_string(),
        "[[{key: \"k2\", value: [2]}], [{key: \"k1\", value: [1, true]}], [{key: \"k2\", value: [2]}]]"
    );
}

#[test]
fn concat_refuses_what_it_cannot_join() {
    assert_eq!(
        concat(&[]).unwrap_err().to_string(),
        "record batch: nothing to concatenate"
    );
    assert_eq!(
        concat(&[Array::from(vec![1i32]), Array::from(vec![1i64])])
            .unwrap_err()
            .to_string(),
        "record batch: cannot concatenate int64 with int32"
    );
    // Offsets that decrease (possible only in arrays built without value checks) are
    // an error, not an arithmetic panic.
    let broken = ArrayData::new(DataType::Utf8, 1).buffers(vec![
        Buffer::from_slice_ref(&[5i32, 2]),
        Buffer::from_slice_ref(b"abcdef"),
    ]);
    // SAFETY: the offsets are deliberately broken; Quiver never reads array values
    // without bounds checks, so the broken contract can only produce errors.
    let broken = unsafe { broken.build_unchecked() }.unwrap();
    assert_eq!(
        concat(&[broken.clone(), broken]).unwrap_err().to_string(),
        "string array: offset 1 is negative or decreasing"
    );
}
