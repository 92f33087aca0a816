//! Full validation against Arrow C++'s `ValidateFull`: each bad array is built through
//! the `unsafe` unchecked path, then `validate_full` must name the problem and the slot,
//! and `build` (full validation) must refuse the same parts.

use std::sync::Arc;

use quiver_array::{Array, ArrayData, DataType, Field, UnionMode};
use quiver_buffer::{Buffer, NativeType};

fn buf<T: NativeType>(v: &[T]) -> Buffer {
    Buffer::from_slice_ref(v)
}

/// A validity bitmap for these slots.
fn bits(valid: &[bool]) -> Buffer {
    let mut bytes = vec![0u8; valid.len().div_ceil(8)];
    for (i, _) in valid.iter().enumerate().filter(|(_, v)| **v) {
        bytes[i / 8] |= 1 << (i % 8);
    }
    Buffer::from(bytes)
}

fn unchecked(d: ArrayData) -> Array {
    // SAFETY: the arrays built here are deliberately broken and are only validated,
    // never read.
    unsafe { d.build_unchecked() }.expect("the layout itself is sound")
}

/// The error of the layout checks, which even the unchecked path runs.
fn structural(d: ArrayData) -> String {
    // SAFETY: the parts are refused before any array exists.
    unsafe { d.build_unchecked() }
        .expect_err("the layout checks accepted it")
        .to_string()
}

/// The error of `validate_full` on the unchecked array; `build` must give the same.
fn rejected(d: ArrayData) -> String {
    let full = unchecked(d.clone())
        .validate_full()
        .expect_err("validate_full accepted it")
        .to_string();
    let built = d.build().expect_err("build accepted it").to_string();
    assert_eq!(full, built);
    full
}

/// A 16-byte view holding `value` inline (`value.len() <= 12`), zero-padded.
fn inline_view(value: &[u8]) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..4].copy_from_slice(&(value.len() as i32).to_ne_bytes());
    v[4..4 + value.len()].copy_from_slice(value);
    v
}

fn views(vs: &[[u8; 16]]) -> Buffer {
    Buffer::from(vs.concat())
}

#[test]
fn inline_views_must_be_zero_padded() {
    let mut dirty = inline_view(b"abc");
    dirty[9] = 0xff;
    let parts = |t: DataType, nulls: Option<Buffer>| {
        ArrayData::new(t, 2)
            .nulls(nulls)
            .buffers(vec![views(&[inline_view(b"hello"), dirty])])
    };
    assert_eq!(
        rejected(parts(DataType::BinaryView, None)),
        "binary_view array: slot 1 is an inline view of 3 bytes whose unused bytes are not zero: 0000ff000000000000"
    );
    assert_eq!(
        rejected(parts(DataType::Utf8View, None)),
        "string_view array: slot 1 is an inline view of 3 bytes whose unused bytes are not zero: 0000ff000000000000"
    );
    // A null slot's view is not looked at, as in C++.
    let null_slot = parts(DataType::Utf8View, Some(bits(&[true, false])))
        .build()
        .unwrap();
    assert_eq!(null_slot.to_string(), "[\"hello\", null]");
    // Twelve bytes fill the view: nothing to pad.
    let full = ArrayData::new(DataType::BinaryView, 1)
        .buffers(vec![views(&[inline_view(b"0123456789ab")])])
        .build()
        .unwrap();
    assert_eq!(full.to_string(), "[303132333435363738396162]");
}

fn list_view_parts<O: NativeType>(
    large: bool,
    offsets: &[O],
    sizes: &[O],
    valid: &[bool],
) -> ArrayData {
    let item = Arc::new(Field::new("item", DataType::Int32, true));
    let t = if large {
        DataType::LargeListView(item)
    } else {
        DataType::ListView(item)
    };
    ArrayData::new(t, offsets.len())
        .nulls(Some(bits(valid)))
        .buffers(vec![buf(offsets), buf(sizes)])
        .children(vec![Array::from(vec![1i32, 2, 3])])
}

#[test]
fn list_view_offsets_and_sizes_are_checked_in_null_slots() {
    let valid = [true, false];
    assert_eq!(
        rejected(list_view_parts(
            false,
            &[0i32, i32::MAX],
            &[1i32, 1],
            &valid
        )),
        "list_view<item: int32> array: slot 1 has offset 2147483647, outside the child of 3 values"
    );
    assert_eq!(
        rejected(list_view_parts(false, &[0i32, -1], &[1i32, 0], &valid)),
        "list_view<item: int32> array: slot 1 has offset -1, outside the child of 3 values"
    );
    assert_eq!(
        rejected(list_view_parts(false, &[0i32, 0], &[1i32, -2], &valid)),
        "list_view<item: int32> array: slot 1 has negative size -2"
    );
    assert_eq!(
        rejected(list_view_parts(true, &[0i64, 0], &[1i64, i64::MIN], &valid)),
        "large_list_view<item: int32> array: slot 1 has negative size -9223372036854775808"
    );
    assert_eq!(
        rejected(list_view_parts(true, &[0i64, i64::MAX], &[1i64, 1], &valid)),
        "large_list_view<item: int32> array: slot 1 has offset 9223372036854775807, outside the child of 3 values"
    );
    // offset + size overflows i64: still reported, not wrapped.
    assert_eq!(
        rejected(list_view_parts(true, &[0i64, 2], &[1i64, i64::MAX], &valid)),
        "large_list_view<item: int32> array: slot 1 covers 9223372036854775807 values from offset 2, past the end of the child of 3 values"
    );
    assert_eq!(
        rejected(list_view_parts(false, &[0i32, 2], &[1i32, 2], &valid)),
        "list_view<item: int32> array: slot 1 covers 2 values from offset 2, past the end of the child of 3 values"
    );
    // The edges that are allowed: an empty view at the child's end, in any slot.
    let ok = list_view_parts(false, &[3i32, 0], &[0i32, 3], &[true, true])
        .build()
        .unwrap();
    assert_eq!(ok.to_string(), "[[], [1, 2, 3]]");
}

/// A list view whose null slot 1 points past its child: built without checks.
fn bad_list_view() -> Array {
    unchecked(list_view_parts(
        false,
        &[0i32, i32::MAX],
        &[1i32, 1],
        &[true, false],
    ))
}

const BAD_LV: &str =
    "list_view<item: int32> array: slot 1 has offset 2147483647, outside the child of 3 values";

fn lv_field(name: &str) -> Field {
    Field::new(name, bad_list_view().data_type().clone(), true)
}

#[test]
fn full_validation_reaches_nested_arrays() {
    let lv = bad_list_view();
    let lv_type = lv.data_type().clone();
    // struct<a: list_view>
    let st = ArrayData::new(DataType::Struct(vec![lv_field("a")]), 2).children(vec![lv.clone()]);
    let st_type = st.data_type.to_string();
    assert_eq!(rejected(st), format!("{st_type} array: child 0: {BAD_LV}"));
    // list<list_view>
    let list = ArrayData::new(DataType::List(Arc::new(lv_field("item"))), 1)
        .buffers(vec![buf(&[0i32, 2])])
        .children(vec![lv.clone()]);
    assert_eq!(
        rejected(list),
        format!("list<item: {lv_type}> array: child 0: {BAD_LV}")
    );
    // fixed_size_list<list_view>[2]
    let fsl = ArrayData::new(DataType::FixedSizeList(Arc::new(lv_field("item")), 2), 1)
        .children(vec![lv.clone()]);
    assert_eq!(
        rejected(fsl),
        format!("fixed_size_list<item: {lv_type}>[2] array: child 0: {BAD_LV}")
    );
    // map<int32, list_view>: the bad array two levels down.
    let entries_type = DataType::Struct(vec![
        Field::new("key", DataType::Int32, false),
        lv_field("value"),
    ]);
    let entries = unchecked(
        ArrayData::new(entries_type.clone(), 2)
            .children(vec![Array::from(vec![1i32, 2]), lv.clone()]),
    );
    let map = ArrayData::new(
        DataType::Map(Arc::new(Field::new("entries", entries_type, false)), false),
        1,
    )
    .buffers(vec![buf(&[0i32, 2])])
    .children(vec![entries]);
    let map_type = map.data_type.to_string();
    assert_eq!(
        rejected(map),
        format!(
            "{map_type} array: child 0: struct<key: int32, value: {lv_type}> array: child 1: {BAD_LV}"
        )
    );
    // sparse union<a: list_view>
    let union_type = DataType::Union {
        fields: vec![lv_field("a")],
        type_ids: vec![0],
        mode: UnionMode::Sparse,
    };
    let union = ArrayData::new(union_type.clone(), 2)
        .buffers(vec![buf(&[0i8, 0])])
        .children(vec![lv.clone()]);
    assert_eq!(
        rejected(union),
        format!("{union_type} array: child 0: {BAD_LV}")
    );
    // dictionary<values=list_view>
    let dict_type = DataType::Dictionary {
        index: Box::new(DataType::Int8),
        value: Box::new(lv_type.clone()),
        ordered: false,
    };
    let dict = ArrayData::new(dict_type.clone(), 1)
        .buffers(vec![buf(&[0i8])])
        .dictionary(Some(lv.clone()));
    assert_eq!(
        rejected(dict),
        format!("{dict_type} array: dictionary: {BAD_LV}")
    );
    // run_end_encoded<int32, list_view>
    let ree_type = DataType::RunEndEncoded(
        Arc::new(Field::new("run_ends", DataType::Int32, false)),
        Arc::new(lv_field("values")),
    );
    let ree = ArrayData::new(ree_type.clone(), 2).children(vec![Array::from(vec![1i32, 2]), lv]);
    assert_eq!(
        rejected(ree),
        format!("{ree_type} array: child 1: {BAD_LV}")
    );
}

#[test]
fn validate_full_recurses_into_children() {
    // A list built unchecked over an unchecked child holding invalid UTF-8: the old
    // validate_full looked at the top level only.
    let strings = unchecked(
        ArrayData::new(DataType::Utf8, 1).buffers(vec![buf(&[0i32, 2]), buf(&[0xc3u8, 0x28])]),
    );
    let list = unchecked(
        ArrayData::new(
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            1,
        )
        .buffers(vec![buf(&[0i32, 1])])
        .children(vec![strings]),
    );
    assert_eq!(
        list.validate_full().unwrap_err().to_string(),
        "list<item: string> array: child 0: string array: slot 0 is not valid UTF-8"
    );
    assert_eq!(
        list.ensure_values_checked().unwrap_err().to_string(),
        "list<item: string> array: child 0: string array: slot 0 is not valid UTF-8"
    );
}

#[test]
fn dense_union_offsets_never_decrease_per_child() {
    let t = DataType::Union {
        fields: vec![
            Field::new("i", DataType::Int32, true),
            Field::new("s", DataType::Utf8, true),
        ],
        type_ids: vec![5, 7],
        mode: UnionMode::Dense,
    };
    let parts = |offsets: &[i32]| {
        ArrayData::new(t.clone(), 3)
            .buffers(vec![buf(&[5i8, 7, 5]), buf(offsets)])
            .children(vec![Array::from(vec![10i32, 20]), Array::from(vec!["x"])])
    };
    assert_eq!(
        rejected(parts(&[1, 0, 0])),
        format!(
            "{t} array: slot 2 points to slot 0 of child 0, before the 1 an earlier slot points to"
        )
    );
    // Repeating a child slot is allowed (C++ only refuses decreasing offsets).
    assert_eq!(
        parts(&[1, 0, 1]).build().unwrap().to_string(),
        "[20, \"x\", 20]"
    );
}

#[test]
fn union_type_ids_are_distinct_and_non_negative() {
    let t = |ids: Vec<i8>| DataType::Union {
        fields: vec![
            Field::new("a", DataType::Int32, true),
            Field::new("b", DataType::Int32, true),
        ],
        type_ids: ids,
        mode: UnionMode::Sparse,
    };
    let parts = |t: &DataType| {
        ArrayData::new(t.clone(), 1)
            .buffers(vec![buf(&[0i8])])
            .children(vec![Array::from(vec![1i32]), Array::from(vec![2i32])])
    };
    let twice = t(vec![0, 0]);
    assert_eq!(
        structural(parts(&twice)),
        format!("{twice} array: type id 0 is declared twice")
    );
    let negative = t(vec![0, -3]);
    assert_eq!(
        parts(&negative).build().unwrap_err().to_string(),
        format!("{negative} array: type id -3 is negative")
    );
}

fn map_parts(entries_valid: Option<Buffer>, keys_valid: Option<Buffer>) -> ArrayData {
    let entries_type = DataType::Struct(vec![
        Field::new("key", DataType::Int32, true),
        Field::new("value", DataType::Int32, true),
    ]);
    let keys = ArrayData::new(DataType::Int32, 2)
        .nulls(keys_valid)
        .buffers(vec![buf(&[1i32, 2])])
        .build()
        .unwrap();
    let entries = ArrayData::new(entries_type.clone(), 2)
        .nulls(entries_valid)
        .children(vec![keys, Array::from(vec![3i32, 4])])
        .build()
        .unwrap();
    ArrayData::new(
        DataType::Map(Arc::new(Field::new("entries", entries_type, false)), false),
        1,
    )
    .buffers(vec![buf(&[0i32, 2])])
    .children(vec![entries])
}

#[test]
fn map_keys_and_entries_are_never_null() {
    let null_key = map_parts(None, Some(bits(&[true, false])));
    assert_eq!(
        structural(null_key),
        "map<int32, int32> array: 1 keys are null"
    );
    let null_entry = map_parts(Some(bits(&[false, true])), None);
    assert_eq!(
        null_entry.build().unwrap_err().to_string(),
        "map<int32, int32> array: 1 entries are null"
    );
    assert_eq!(
        map_parts(None, None).build().unwrap().to_string(),
        "[[{key: 1, value: 3}, {key: 2, value: 4}]]"
    );
}

#[test]
fn only_dictionary_arrays_carry_a_dictionary() {
    let parts = ArrayData::new(DataType::Int32, 1)
        .buffers(vec![buf(&[1i32])])
        .dictionary(Some(Array::from(vec!["a"])));
    assert_eq!(
        structural(parts),
        "int32 array: only dictionary-encoded arrays have a dictionary"
    );
}

#[test]
fn utf8_is_checked_in_valid_slots_only() {
    // Slot 1 is null and covers bytes that are not UTF-8: C++ accepts this, and so must
    // full validation; the same bytes in a valid slot are refused.
    let parts = |valid: &[bool]| {
        ArrayData::new(DataType::Utf8, 3)
            .nulls(Some(bits(valid)))
            .buffers(vec![buf(&[0i32, 2, 4, 5]), buf(b"ab\xc3\x28c")])
    };
    let a = parts(&[true, false, true]).build().unwrap();
    assert_eq!(a.to_string(), "[\"ab\", null, \"c\"]");
    assert_eq!(
        rejected(parts(&[true, true, true])),
        "string array: slot 1 is not valid UTF-8"
    );
    // A null slot may also cut a character in two.
    let cut = ArrayData::new(DataType::LargeUtf8, 2)
        .nulls(Some(bits(&[false, true])))
        .buffers(vec![buf(&[0i64, 1, 1]), buf("é".as_bytes())])
        .build()
        .unwrap();
    assert_eq!(cut.to_string(), "[null, \"\"]");
}
