//! Building, validating, comparing and printing the indirect layouts: views, list
//! views, unions and run-end encoded arrays.

use std::sync::Arc;

use quiver_array::{Array, ArrayData, ArrayError, DataType, Field, UnionMode};
use quiver_buffer::{Buffer, MutableBuffer};

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
    for v in vs {
        m.extend_from_slice(v);
    }
    m.freeze()
}

#[test]
fn utf8_view_reads_inline_and_out_of_line_values() {
    let long = b"a string longer than twelve";
    let data = Buffer::from_slice_ref(&long[..]);
    let a = ArrayData::new(DataType::Utf8View, 2)
        .buffers(vec![
            views(&[view(b"short", 0, 0), view(long, 0, 0)]),
            data.clone(),
        ])
        .build()
        .unwrap();
    assert_eq!(
        a.to_string(),
        "[\"short\", \"a string longer than twelve\"]"
    );
    assert!(a.slice(1, 1).equals(&a.slice(1, 1)));
    assert!(!a.slice(0, 1).equals(&a.slice(1, 1)));

    let bad_offset = ArrayData::new(DataType::Utf8View, 1)
        .buffers(vec![views(&[view(long, 0, 5)]), data.clone()])
        .build()
        .unwrap_err();
    assert!(
        bad_offset
            .to_string()
            .contains("slot 0 reads 27 bytes at offset 5"),
        "{bad_offset}"
    );
    let bad_buffer = ArrayData::new(DataType::Utf8View, 1)
        .buffers(vec![views(&[view(long, 3, 0)]), data])
        .build()
        .unwrap_err();
    assert!(
        bad_buffer.to_string().contains("data buffer 3 of 1"),
        "{bad_buffer}"
    );
}

#[test]
fn list_view_ranges_may_overlap_and_are_checked() {
    let child = Array::from(vec![1i32, 2, 3]);
    let t = DataType::ListView(Arc::new(Field::new("item", DataType::Int32, true)));
    let a = ArrayData::new(t.clone(), 2)
        .buffers(vec![
            Buffer::from_slice_ref(&[1i32, 0]),
            Buffer::from_slice_ref(&[2i32, 3]),
        ])
        .children(vec![child.clone()])
        .build()
        .unwrap();
    assert_eq!(a.to_string(), "[[2, 3], [1, 2, 3]]");
    let err = ArrayData::new(t, 1)
        .buffers(vec![
            Buffer::from_slice_ref(&[2i32]),
            Buffer::from_slice_ref(&[2i32]),
        ])
        .children(vec![child])
        .build()
        .unwrap_err();
    assert!(matches!(err, ArrayError::InvalidData { .. }), "{err}");
}

#[test]
fn unions_check_type_ids_and_dense_offsets() {
    let fields = vec![
        Field::new("i", DataType::Int32, true),
        Field::new("s", DataType::Utf8, true),
    ];
    let dense = DataType::Union {
        fields: fields.clone(),
        type_ids: vec![5, 7],
        mode: UnionMode::Dense,
    };
    let ints = Array::from(vec![10i32, 20]);
    let strs = Array::from(vec!["x"]);
    let a = ArrayData::new(dense.clone(), 3)
        .buffers(vec![
            Buffer::from_slice_ref(&[5i8, 7, 5]),
            Buffer::from_slice_ref(&[0i32, 0, 1]),
        ])
        .children(vec![ints.clone(), strs.clone()])
        .build()
        .unwrap();
    assert_eq!(a.to_string(), "[10, \"x\", 20]");
    let undeclared = ArrayData::new(dense.clone(), 1)
        .buffers(vec![
            Buffer::from_slice_ref(&[6i8]),
            Buffer::from_slice_ref(&[0i32]),
        ])
        .children(vec![ints.clone(), strs.clone()])
        .build()
        .unwrap_err();
    assert!(undeclared.to_string().contains("type id 6"), "{undeclared}");
    let past = ArrayData::new(dense, 1)
        .buffers(vec![
            Buffer::from_slice_ref(&[7i8]),
            Buffer::from_slice_ref(&[1i32]),
        ])
        .children(vec![ints, strs])
        .build()
        .unwrap_err();
    assert!(past.to_string().contains("slot 1 of child 1"), "{past}");

    let sparse = DataType::Union {
        fields,
        type_ids: vec![0, 1],
        mode: UnionMode::Sparse,
    };
    let s = ArrayData::new(sparse, 2)
        .buffers(vec![Buffer::from_slice_ref(&[1i8, 0])])
        .children(vec![
            Array::from(vec![1i32, 2]),
            Array::from(vec!["a", "b"]),
        ])
        .build()
        .unwrap();
    assert_eq!(s.to_string(), "[\"a\", 2]");
    assert_eq!(s.slice(1, 1).to_string(), "[2]");
}

#[test]
fn run_end_encoded_expands_runs_and_checks_run_ends() {
    let t = DataType::RunEndEncoded(
        Arc::new(Field::new("run_ends", DataType::Int32, false)),
        Arc::new(Field::new("values", DataType::Utf8, true)),
    );
    let a = ArrayData::new(t.clone(), 5)
        .children(vec![
            Array::from(vec![2i32, 5]),
            Array::from(vec![Some("a"), None]),
        ])
        .build()
        .unwrap();
    assert_eq!(a.to_string(), "[\"a\", \"a\", null, null, null]");
    assert_eq!(a.slice(1, 2).to_string(), "[\"a\", null]");
    let decreasing = ArrayData::new(t.clone(), 2)
        .children(vec![
            Array::from(vec![2i32, 1]),
            Array::from(vec!["a", "b"]),
        ])
        .build()
        .unwrap_err();
    assert!(
        decreasing.to_string().contains("strictly increasing"),
        "{decreasing}"
    );
    let short = ArrayData::new(t, 9)
        .children(vec![
            Array::from(vec![2i32, 5]),
            Array::from(vec!["a", "b"]),
        ])
        .build()
        .unwrap_err();
    assert!(short.to_string().contains("cover 5 slots but 9"), "{short}");
}

#[test]
fn decimal256_prints_full_range() {
    let mut m = MutableBuffer::new();
    let mut neg = [0xFFu8; 32];
    neg[0] = 0x85; // -123 in two's complement, little-endian
    m.extend_from_slice(&neg);
    let mut big = [0u8; 32];
    big[16] = 1; // 2^128
    m.extend_from_slice(&big);
    let a = ArrayData::new(DataType::Decimal256(76, 2), 2)
        .buffers(vec![m.freeze()])
        .build()
        .unwrap();
    assert_eq!(
        a.to_string(),
        "[-1.23, 3402823669209384634633746074317682114.56]"
    );
}

#[test]
fn concat_joins_slices_of_every_supported_layout() {
    let s = quiver_array::concat(&[
        Array::from(vec![Some("a"), None, Some("bc")]).slice(1, 2),
        Array::from(vec!["d"]),
    ])
    .unwrap();
    assert_eq!(s.to_string(), "[null, \"bc\", \"d\"]");
    let n = quiver_array::concat(&[
        Array::from(vec![1i64, 2]).slice(1, 1),
        Array::from(vec![Some(3i64), None]),
    ])
    .unwrap();
    assert!(n.equals(&Array::from(vec![Some(2i64), Some(3), None])));
    let b = quiver_array::concat(&[
        Array::from(vec![true, false, true]).slice(1, 2),
        Array::from(vec![true]),
    ])
    .unwrap();
    assert_eq!(b.to_string(), "[false, true, true]");
    let mixed =
        quiver_array::concat(&[Array::from(vec![1i32]), Array::from(vec![1i64])]).unwrap_err();
    assert_eq!(
        mixed.to_string(),
        "record batch: cannot concatenate int64 with int32"
    );
}

#[test]
fn values_outside_their_meaning_build_but_are_reported() {
    use quiver_array::TimeUnit;
    let t = Array::from_primitive::<i32>(
        DataType::Time32(TimeUnit::Second),
        [Some(86_399), Some(90_000)],
    )
    .unwrap();
    assert_eq!(
        t.validate_values().unwrap_err().to_string(),
        "time32[s] array: slot 1 holds 90000s, outside one day"
    );
    let d =
        Array::from_primitive::<i64>(DataType::Date64, [Some(86_400_000), None, Some(1)]).unwrap();
    assert_eq!(
        d.validate_values().unwrap_err().to_string(),
        "date64[ms] array: slot 2 holds 1 ms, which is not a whole day"
    );
    let ok = Array::from_primitive::<i64>(DataType::Decimal64(2, 0), [Some(-99), None]).unwrap();
    assert!(ok.validate_values().is_ok());
}

#[test]
fn utf8_is_checked_per_slot_even_when_the_whole_run_is_valid() {
    // "é" is two bytes; offsets that cut it in half make two invalid slots.
    let cut = ArrayData::new(DataType::Utf8, 2)
        .buffers(vec![
            Buffer::from_slice_ref(&[0i32, 1, 2]),
            Buffer::from_slice_ref("é".as_bytes()),
        ])
        .build()
        .unwrap_err();
    assert_eq!(cut.to_string(), "string array: slot 0 is not valid UTF-8");
    let bad = ArrayData::new(DataType::Utf8, 2)
        .buffers(vec![
            Buffer::from_slice_ref(&[0i32, 1, 2]),
            Buffer::from_slice_ref(&[b'a', 0xFF]),
        ])
        .build()
        .unwrap_err();
    assert_eq!(bad.to_string(), "string array: slot 1 is not valid UTF-8");
    let sliced_ok = ArrayData::new(DataType::Utf8, 1)
        .offset(1)
        .buffers(vec![
            Buffer::from_slice_ref(&[0i32, 1, 3]),
            Buffer::from_slice_ref(&[0xFF, b'o', b'k']),
        ])
        .build()
        .unwrap();
    assert_eq!(sliced_ok.to_string(), "[\"ok\"]");
}

#[test]
fn nested_constructors_from_rust_values() {
    let v = Array::from_bytes(
        DataType::Utf8View,
        [Some("short"), None, Some("longer than twelve")],
    )
    .unwrap();
    assert_eq!(v.to_string(), "[\"short\", null, \"longer than twelve\"]");
    let item = Arc::new(Field::new("item", DataType::Int64, true));
    let lv = Array::list_of(
        DataType::LargeListView(item),
        Array::from(vec![1i64, 2, 3]),
        [Some(1), Some(2)],
    )
    .unwrap();
    assert_eq!(lv.to_string(), "[[1], [2, 3]]");
    let bad_slot = Array::union_from(
        vec![("a", Array::from(vec![1i32]))],
        &[1],
        UnionMode::Sparse,
    )
    .unwrap_err();
    assert!(
        bad_slot.to_string().contains("slot 0 names child 1 of 1"),
        "{bad_slot}"
    );
    let short = Array::list_from_lengths(Array::from(vec![1i32]), [Some(2)]).unwrap_err();
    assert!(short.to_string().contains("past the end"), "{short}");
}
