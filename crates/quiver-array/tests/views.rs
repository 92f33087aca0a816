//! Typed views of every non-primitive layout: each is returned only for its own type,
//! reads sliced arrays at their offset, yields `None` for null (or logically null)
//! slots, and never panics on data that skipped full validation.

use std::sync::Arc;

use quiver_array::{Array, ArrayData, DataType, Field, UnionMode, ValidationLevel};
use quiver_buffer::Buffer;

fn ints(a: &Array) -> Vec<Option<i32>> {
    a.as_primitive::<i32>().unwrap().iter().collect()
}

fn strs(a: &Array) -> Vec<Option<&str>> {
    a.as_string::<i32>().unwrap().iter().collect()
}

#[test]
fn string_and_binary_views_match_their_offset_width() {
    let s = Array::from(vec![Some("ab"), None, Some("cde"), Some("")]);
    let sliced = s.slice(1, 3);
    let v = sliced.as_string::<i32>().unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(
        v.iter().collect::<Vec<_>>(),
        vec![None, Some("cde"), Some("")]
    );
    assert_eq!(v.offsets(), &[2, 2, 5, 5]);
    assert!(s.as_string::<i64>().is_none());
    assert!(s.as_string_view().is_none());
    // Text is viewable as bytes, but bytes are not text.
    assert_eq!(s.as_binary::<i32>().unwrap().value(2), b"cde");
    let b = Array::from_bytes(DataType::LargeBinary, [Some(b"xy".as_slice()), None]).unwrap();
    assert!(b.as_string::<i64>().is_none());
    assert!(b.as_binary::<i32>().is_none());
    assert_eq!(
        b.as_binary::<i64>().unwrap().iter().collect::<Vec<_>>(),
        vec![Some(&b"xy"[..]), None]
    );
}

#[test]
fn fixed_size_binary_view_reads_at_the_offset() {
    let a = Array::from_bytes(
        DataType::FixedSizeBinary(3),
        [Some(b"abc"), None, Some(b"def")],
    )
    .unwrap()
    .slice(1, 2);
    let v = a.as_fixed_size_binary().unwrap();
    assert_eq!((v.len(), v.width()), (2, 3));
    assert_eq!(v.value(1), b"def");
    assert_eq!(v.iter().collect::<Vec<_>>(), vec![None, Some(&b"def"[..])]);
    assert!(Array::from(vec!["abc"]).as_fixed_size_binary().is_none());
}

#[test]
fn string_view_and_binary_view_read_inline_and_out_of_line_values() {
    let long = "a value longer than twelve bytes";
    let a = Array::from_bytes(
        DataType::Utf8View,
        [Some("tiny"), None, Some(long), Some("twelve bytes")],
    )
    .unwrap();
    let v = a.slice(1, 3);
    let s = v.as_string_view().unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(
        s.iter().collect::<Vec<_>>(),
        vec![None, Some(long), Some("twelve bytes")]
    );
    assert_eq!(a.as_binary_view().unwrap().value(0), b"tiny");
    let b = Array::from_bytes(DataType::BinaryView, [Some(long.as_bytes()), Some(b"")]).unwrap();
    assert!(b.as_string_view().is_none());
    assert!(b.as_string::<i32>().is_none());
    assert_eq!(
        b.as_binary_view().unwrap().iter().collect::<Vec<_>>(),
        vec![Some(long.as_bytes()), Some(&b""[..])]
    );
}

#[test]
fn a_view_pointing_outside_its_data_reads_as_empty() {
    // One out-of-line view of 20 bytes in a 4-byte data buffer, built without checks.
    let mut view = [0u8; 16];
    view[..4].copy_from_slice(&20i32.to_ne_bytes());
    // SAFETY: the broken view is the point; the view must read it without panicking.
    let a = unsafe {
        ArrayData::new(DataType::Utf8View, 1)
            .buffers(vec![
                Buffer::from_slice_ref(&view),
                Buffer::from_slice_ref(b"abcd"),
            ])
            .build_with(ValidationLevel::Structural)
    }
    .unwrap();
    assert_eq!(a.as_string_view().unwrap().value(0), "");
}

#[test]
fn list_views_are_keyed_by_list_type_and_offset_width() {
    let values = Array::from(vec![1i32, 2, 3, 4, 5]);
    let l = Array::list_from_lengths(values.clone(), [Some(2), None, Some(0), Some(3)]).unwrap();
    let v = l.slice(1, 3);
    let view = v.as_list::<i32>().unwrap();
    assert_eq!(view.offsets(), &[2, 2, 2, 5]);
    let got: Vec<Option<Vec<Option<i32>>>> = view.iter().map(|x| x.map(|a| ints(&a))).collect();
    assert_eq!(
        got,
        vec![None, Some(vec![]), Some(vec![Some(3), Some(4), Some(5)])]
    );
    assert_eq!(view.values().len(), 5);
    assert!(l.as_list::<i64>().is_none());
    assert!(l.as_list_view::<i32>().is_none());
    assert!(l.as_map().is_none());

    let item = Arc::new(Field::new("item", DataType::Int32, true));
    let large = Array::list_of(DataType::LargeList(item), values, [Some(1), Some(4)]).unwrap();
    assert!(large.as_list::<i32>().is_none());
    let view = large.as_list::<i64>().unwrap();
    assert_eq!(view.offsets(), &[0, 1, 5]);
    assert_eq!(
        ints(&view.value(1)),
        vec![Some(2), Some(3), Some(4), Some(5)]
    );
}

#[test]
fn list_view_views_read_offsets_and_sizes() {
    let item = Arc::new(Field::new("item", DataType::Utf8, true));
    let values = Array::from(vec!["a", "b", "c", "d"]);
    let lv = Array::list_of(
        DataType::LargeListView(item.clone()),
        values.clone(),
        [Some(1), None, Some(3)],
    )
    .unwrap()
    .slice(1, 2);
    assert!(lv.as_list_view::<i32>().is_none());
    assert!(lv.as_list::<i64>().is_none());
    let v = lv.as_list_view::<i64>().unwrap();
    assert_eq!((v.offsets(), v.sizes()), (&[1, 1][..], &[0, 3][..]));
    let got: Vec<_> = v.iter().map(|x| x.map(|a| a.len())).collect();
    assert_eq!(got, vec![None, Some(3)]);
    assert_eq!(strs(&v.value(1)), vec![Some("b"), Some("c"), Some("d")]);
    // Out-of-order views over a shared child, as list views allow.
    let a = ArrayData::new(DataType::ListView(item), 2)
        .buffers(vec![
            Buffer::from_slice_ref(&[2i32, 0]),
            Buffer::from_slice_ref(&[2i32, 1]),
        ])
        .children(vec![values])
        .build()
        .unwrap();
    let v = a.as_list_view::<i32>().unwrap();
    assert_eq!(strs(&v.value(0)), vec![Some("c"), Some("d")]);
    assert_eq!(strs(&v.value(1)), vec![Some("a")]);
}

#[test]
fn fixed_size_list_view_slices_by_value_length() {
    let l = Array::fixed_size_list(
        Array::from(vec![1i32, 2, 3, 4, 5, 6]),
        2,
        Some(vec![true, false, true]),
    )
    .unwrap();
    let s = l.slice(1, 2);
    let v = s.as_fixed_size_list().unwrap();
    assert_eq!((v.len(), v.value_length()), (2, 2));
    let got: Vec<_> = v.iter().map(|x| x.map(|a| ints(&a))).collect();
    assert_eq!(got, vec![None, Some(vec![Some(5), Some(6)])]);
    assert!(l.as_list::<i32>().is_none());
}

#[test]
fn struct_view_finds_columns_by_index_and_name() {
    let s = Array::struct_from(
        vec![
            ("n", Array::from(vec![1i32, 2, 3])),
            ("s", Array::from(vec![Some("x"), None, Some("z")])),
        ],
        Some(vec![true, true, false]),
    )
    .unwrap()
    .slice(1, 2);
    let v = s.as_struct().unwrap();
    assert_eq!((v.len(), v.num_columns()), (2, 2));
    let names: Vec<_> = v.fields().iter().map(Field::name).collect();
    assert_eq!(names, vec!["n", "s"]);
    assert_eq!(ints(v.column(0).unwrap()), vec![Some(2), Some(3)]);
    assert_eq!(strs(v.column_by_name("s").unwrap()), vec![None, Some("z")]);
    assert_eq!(
        v.column(2).unwrap_err().to_string(),
        "column 2 is out of bounds for length 2"
    );
    assert_eq!(
        v.column_by_name("missing").unwrap_err().to_string(),
        r#"no field named "missing"; the fields are: n, s"#
    );
    let rows: Vec<_> = v.iter().map(|r| r.map(|r| r.to_string())).collect();
    assert_eq!(rows, vec![Some("[{n: 2, s: null}]".to_string()), None]);
    assert!(Array::from(vec![1i32]).as_struct().is_none());
}

#[test]
fn map_view_gives_keys_and_values_per_slot() {
    let m = Array::map_from_lengths(
        Array::from(vec!["a", "b", "c", "d"]),
        Array::from(vec![Some(1i32), None, Some(3), Some(4)]),
        [Some(1), None, Some(3), Some(0)],
        true,
    )
    .unwrap()
    .slice(1, 3);
    let v = m.as_map().unwrap();
    assert!(v.keys_sorted());
    assert_eq!(v.offsets(), &[1, 1, 4, 4]);
    assert_eq!(v.keys().len(), 4);
    let (k, x) = v.value(1);
    assert_eq!(strs(&k), vec![Some("b"), Some("c"), Some("d")]);
    assert_eq!(ints(&x), vec![None, Some(3), Some(4)]);
    assert_eq!(v.entries_at(1).len(), 3);
    let sizes: Vec<_> = v.iter().map(|e| e.map(|(k, _)| k.len())).collect();
    assert_eq!(sizes, vec![None, Some(3), Some(0)]);
    assert!(m.as_list::<i32>().is_none());
}

#[test]
fn dictionary_view_gives_keys_values_and_checked_indices() {
    let d = Array::dictionary_from(
        Array::from(vec![Some(2u16), None, Some(0), Some(2)]),
        Array::from(vec!["zero", "one", "two"]),
        false,
    )
    .unwrap()
    .slice(1, 3);
    let v = d.as_dictionary().unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(v.iter().collect::<Vec<_>>(), vec![None, Some(0), Some(2)]);
    assert_eq!(
        v.keys()
            .as_primitive::<u16>()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![None, Some(0), Some(2)]
    );
    let words = v.values().as_string::<i32>().unwrap();
    let got: Vec<_> = v.iter().map(|k| k.map(|k| words.value(k))).collect();
    assert_eq!(got, vec![None, Some("zero"), Some("two")]);
    assert!(d.as_primitive::<u16>().is_none());
    // An index past the dictionary (built without checks) is no key.
    // SAFETY: the out-of-range index is the point; `key` must report it, not read it.
    let bad = unsafe {
        ArrayData::new(
            DataType::Dictionary {
                index: Box::new(DataType::Int8),
                value: Box::new(DataType::Utf8),
                ordered: false,
            },
            2,
        )
        .buffers(vec![Buffer::from_slice_ref(&[0i8, 9])])
        .dictionary(Some(Array::from(vec!["only"])))
        .build_with(ValidationLevel::Structural)
    }
    .unwrap();
    let v = bad.as_dictionary().unwrap();
    assert_eq!((v.key(0), v.key(1)), (Some(0), None));
}

#[test]
fn union_views_follow_type_ids_and_child_nulls() {
    for mode in [UnionMode::Sparse, UnionMode::Dense] {
        let (ints_child, strs_child) = match mode {
            UnionMode::Sparse => (
                Array::from(vec![Some(1i32), None, Some(3), Some(4)]),
                Array::from(vec![Some("p"), Some("q"), None, Some("s")]),
            ),
            UnionMode::Dense => (
                Array::from(vec![Some(1i32), Some(4)]),
                Array::from(vec![Some("q"), None]),
            ),
        };
        let u = Array::union_from(
            vec![("i", ints_child), ("s", strs_child)],
            &[0, 1, 1, 0],
            mode,
        )
        .unwrap()
        .slice(1, 3);
        let v = u.as_union().unwrap();
        assert_eq!(v.mode(), mode);
        assert_eq!(v.type_ids(), &[0, 1]);
        let ids: Vec<_> = (0..v.len()).map(|i| v.type_id(i)).collect();
        assert_eq!(ids, vec![1, 1, 0], "{mode:?}");
        let offsets: Vec<_> = (0..v.len()).map(|i| v.value_offset(i)).collect();
        let want = match mode {
            UnionMode::Sparse => vec![Some(0), Some(1), Some(2)],
            UnionMode::Dense => vec![Some(0), Some(1), Some(1)],
        };
        assert_eq!(offsets, want, "{mode:?}");
        assert_eq!(strs(&v.value(0)), vec![Some("q")], "{mode:?}");
        assert_eq!(ints(&v.value(2)), vec![Some(4)], "{mode:?}");
        let shown: Vec<_> = v.iter().map(|x| x.map(|a| a.to_string())).collect();
        assert_eq!(
            shown,
            vec![Some("[\"q\"]".to_string()), None, Some("[4]".to_string())],
            "{mode:?}"
        );
        assert!(v.child(5).is_none());
        assert_eq!(v.child(1).unwrap().data_type(), &DataType::Utf8);
    }
}

#[test]
fn run_end_view_iterates_logically_from_an_offset() {
    let r = Array::run_end_encoded(
        Array::from(vec![2i16, 3, 6, 7]),
        Array::from(vec![Some(10i32), None, Some(30), Some(40)]),
    )
    .unwrap();
    let s = r.slice(1, 5);
    let v = s.as_run_end_encoded().unwrap();
    assert_eq!(v.len(), 5);
    assert_eq!(v.run_ends().len(), 4);
    assert_eq!(v.values().len(), 4);
    let runs: Vec<_> = (0..6).map(|i| v.physical_index(i)).collect();
    assert_eq!(
        runs,
        vec![Some(0), Some(1), Some(2), Some(2), Some(2), None]
    );
    assert_eq!(
        v.iter().collect::<Vec<_>>(),
        vec![Some(0), None, Some(2), Some(2), Some(2)]
    );
    let values = v.values().as_primitive::<i32>().unwrap();
    let logical: Vec<_> = v.iter().map(|k| k.map(|k| values.value(k))).collect();
    assert_eq!(logical, vec![Some(10), None, Some(30), Some(30), Some(30)]);
    assert_eq!(ints(&v.value(4)), vec![Some(30)]);
    assert!(r.as_primitive::<i32>().is_none());
    assert!(r.as_dictionary().is_none());
}

#[test]
fn nested_views_compose() {
    // list<struct<name: string, tags: list<int32>>>
    let tags = Array::list_from_lengths(Array::from(vec![1i32, 2, 3]), [Some(2), Some(0), Some(1)])
        .unwrap();
    let people = Array::struct_from(
        vec![
            ("name", Array::from(vec!["ann", "bo", "cy"])),
            ("tags", tags),
        ],
        None,
    )
    .unwrap();
    let l = Array::list_from_lengths(people, [Some(1), Some(2)]).unwrap();
    let second = l.as_list::<i32>().unwrap().value(1);
    let row = second.as_struct().unwrap();
    assert_eq!(
        strs(row.column_by_name("name").unwrap()),
        vec![Some("bo"), Some("cy")]
    );
    let tags = row
        .column_by_name("tags")
        .unwrap()
        .as_list::<i32>()
        .unwrap();
    let got: Vec<_> = tags.iter().map(|t| t.map(|a| ints(&a))).collect();
    assert_eq!(got, vec![Some(vec![]), Some(vec![Some(3)])]);

    // dictionary values inside a run-end encoded array inside a list
    let dict = Array::dictionary_from(
        Array::from(vec![1i8, 0]),
        Array::from(vec!["no", "yes"]),
        false,
    )
    .unwrap();
    let ree = Array::run_end_encoded(Array::from(vec![3i32, 4]), dict).unwrap();
    let l = Array::list_from_lengths(ree, [Some(1), Some(3)]).unwrap();
    let tail = l.as_list::<i32>().unwrap().value(1);
    let r = tail.as_run_end_encoded().unwrap();
    let d = r.values().as_dictionary().unwrap();
    let words = d.values().as_string::<i32>().unwrap();
    let got: Vec<_> = r
        .iter()
        .map(|k| k.and_then(|k| d.key(k)).map(|k| words.value(k)))
        .collect();
    assert_eq!(got, vec![Some("yes"), Some("yes"), Some("no")]);
}
