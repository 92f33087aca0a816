//! Malformed imports give typed errors naming what is wrong and where, never panics,
//! and the producer's `release` still runs exactly once.

mod common;

use common::hand::{count, hand, i32s};
use quiver_array::DataType;
use quiver_ffi::format::{Format, decode_metadata, parse_format};
use quiver_ffi::{
    ArrowArray, ArrowSchema, FfiError, export_data_type, import_array, import_schema,
};

fn import(array: ArrowArray, data_type: &DataType) -> Result<quiver_array::Array, FfiError> {
    let schema = export_data_type(data_type).unwrap();
    // SAFETY: the hand-built arrays follow the spec's pointer rules; only their contents
    // are wrong.
    unsafe { import_array(array, &schema) }
}

fn structure_problem(e: FfiError) -> String {
    match e {
        FfiError::Structure { problem, path, .. } => {
            assert_eq!(path, "array");
            problem
        }
        other => panic!("expected a structure error, got {other:?}"),
    }
}

#[test]
fn a_good_hand_built_array_imports_and_releases_once_after_the_last_slice() {
    let (a, releases) = hand(
        3,
        1,
        0,
        vec![Some(vec![0b101]), Some(i32s(&[7, 8, 9]))],
        vec![],
    );
    let array = import(a, &DataType::Int32).unwrap();
    let tail = array.slice(2, 1);
    drop(array);
    assert_eq!(count(&releases), 0, "a slice still holds the buffers");
    assert_eq!(tail.as_primitive::<i32>().unwrap().value(0), 9);
    drop(tail);
    assert_eq!(count(&releases), 1);
}

#[test]
fn a_null_values_buffer_is_refused() {
    let (a, releases) = hand(3, 0, 0, vec![None, None], vec![]);
    let e = structure_problem(import(a, &DataType::Int32).unwrap_err());
    assert_eq!(
        e,
        "buffer 1 (values) is null but 12 bytes are needed; only empty buffers may be null"
    );
    assert_eq!(count(&releases), 1);
}

#[test]
fn a_null_validity_with_nulls_is_refused() {
    let (a, releases) = hand(3, 2, 0, vec![None, Some(i32s(&[1, 2, 3]))], vec![]);
    let e = structure_problem(import(a, &DataType::Int32).unwrap_err());
    assert_eq!(e, "the validity buffer is null but null_count is 2");
    assert_eq!(count(&releases), 1);
}

#[test]
fn negative_lengths_offsets_and_counts_are_refused() {
    for (length, null_count, offset, want) in [
        (-1, 0, 0, "length is negative (-1)"),
        (1, 0, -4, "offset is negative (-4)"),
        (1, -2, 0, "null_count is negative (-2)"),
    ] {
        let (a, releases) = hand(
            length,
            null_count,
            offset,
            vec![None, Some(i32s(&[1]))],
            vec![],
        );
        assert_eq!(
            structure_problem(import(a, &DataType::Int32).unwrap_err()),
            want
        );
        assert_eq!(count(&releases), 1);
    }
}

#[test]
fn too_few_or_too_many_buffers_are_refused() {
    let (a, _) = hand(1, 0, 0, vec![Some(i32s(&[1]))], vec![]);
    assert_eq!(
        structure_problem(import(a, &DataType::Int32).unwrap_err()),
        "has 1 buffers but its layout has 2"
    );
    let (a, _) = hand(0, 0, 0, vec![None, None], vec![]);
    assert_eq!(
        structure_problem(import(a, &DataType::Utf8View).unwrap_err()),
        "has 2 buffers but at least 3 are needed (validity, views, the variadic sizes)"
    );
}

#[test]
fn offsets_out_of_range_are_refused() {
    // The data buffer is sized by the last offset (3); offset 5 lies beyond it.
    let (a, releases) = hand(
        2,
        0,
        0,
        vec![None, Some(i32s(&[0, 5, 3])), Some(b"abcde".to_vec())],
        vec![],
    );
    match import(a, &DataType::Utf8).unwrap_err() {
        FfiError::Invalid { path, source } => {
            assert_eq!(path, "array");
            assert!(source.to_string().contains("offset"), "{source}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(count(&releases), 1);
    // A negative last offset is caught before any data is sized.
    let (a, _) = hand(1, 0, 0, vec![None, Some(i32s(&[0, -1])), None], vec![]);
    assert_eq!(
        structure_problem(import(a, &DataType::Utf8).unwrap_err()),
        "the last offset (slot 1) is negative (-1)"
    );
}

#[test]
fn wrong_children_and_missing_dictionaries_are_refused() {
    let (a, _) = hand(1, 0, 0, vec![None], vec![]);
    let t = DataType::Struct(vec![quiver_array::Field::new("x", DataType::Int32, true)]);
    assert_eq!(
        structure_problem(import(a, &t).unwrap_err()),
        "has 0 children but its type has 1"
    );
    let (a, _) = hand(1, 0, 0, vec![None, Some(vec![0])], vec![]);
    let t = DataType::Dictionary {
        index: Box::new(DataType::Int8),
        value: Box::new(DataType::Utf8),
        ordered: false,
    };
    assert_eq!(
        structure_problem(import(a, &t).unwrap_err()),
        "a dictionary-encoded array needs a dictionary but it is null"
    );
    // A struct child shorter than the parent's offset + length.
    let (child, child_releases) = hand(1, 0, 0, vec![None, Some(i32s(&[1]))], vec![]);
    let (a, releases) = hand(1, 0, 1, vec![None], vec![child]);
    let t = DataType::Struct(vec![quiver_array::Field::new("x", DataType::Int32, true)]);
    assert_eq!(
        structure_problem(import(a, &t).unwrap_err()),
        "child 0 has 1 slots but the parent needs 2 (offset 1 + length 1)"
    );
    assert_eq!((count(&releases), count(&child_releases)), (1, 1));
}

#[test]
fn released_structs_are_refused() {
    let schema = export_data_type(&DataType::Int32).unwrap();
    // SAFETY: a released struct is never read.
    let e = unsafe { import_array(ArrowArray::empty(), &schema) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "ArrowArray at array is released (its release callback is null); pass a live struct"
    );
    // SAFETY: as above.
    let e = unsafe { import_schema(&ArrowSchema::empty()) }.unwrap_err();
    assert!(
        matches!(
            e,
            FfiError::Released {
                what: "ArrowSchema",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn bad_format_strings_are_refused_with_the_reason() {
    for (format, problem) in [
        ("q", "unknown format string"),
        ("", "unknown format string"),
        ("d:5", "decimal must be d:precision,scale[,bitwidth]"),
        ("d:0,1", "decimal precision must be an integer in 1..=255"),
        ("d:5,1,100", "decimal bit width must be 32, 64, 128 or 256"),
        ("d:5,x", "decimal scale must be an integer in -128..=127"),
        (
            "w:-3",
            "fixed-size binary width must be a non-negative int32",
        ),
        ("+w:", "fixed-size list size must be a non-negative int32"),
        ("tsx:UTC", "timestamp unit must be s, m, u or n"),
        (
            "tsu",
            "timestamp needs ':' after the unit (then an optional time zone)",
        ),
        ("tDx", "duration unit must be s, m, u or n"),
        ("+ud:1,1", "union type id 1 appears twice"),
        (
            "+us:200",
            "union type id \"200\" is not an integer in 0..=127",
        ),
        (
            "+us:+1",
            "union type id \"+1\" is not an integer in 0..=127",
        ),
    ] {
        match parse_format(format) {
            Err(FfiError::Format {
                format: f,
                problem: p,
                path,
            }) => {
                assert_eq!(
                    (f.as_str(), p.as_str(), path.as_str()),
                    (format, problem, "format")
                );
            }
            other => panic!("{format:?}: expected a format error, got {other:?}"),
        }
    }
    assert_eq!(
        parse_format("+us:").unwrap(),
        Format::Union(quiver_array::UnionMode::Sparse, vec![])
    );
}

#[test]
fn bad_metadata_is_refused_with_the_reason() {
    let n = |v: i32| v.to_ne_bytes().to_vec();
    for (bytes, problem) in [
        (vec![1u8, 0], "the pair count at byte 0 is cut off"),
        (n(-1), "the pair count at byte 0 is negative (-1)"),
        (n(1000), "1000 pairs cannot fit in 4 bytes"),
        (
            [n(1), n(3), b"ab".to_vec()].concat(),
            "key 0 (3 bytes at byte 8) is cut off",
        ),
        (
            [n(1), n(1), b"k".to_vec(), n(-2)].concat(),
            "the length of value 0 at byte 9 is negative (-2)",
        ),
        (
            [n(1), n(1), vec![0xff], n(0)].concat(),
            "key 0 is not UTF-8: invalid utf-8 sequence of 1 bytes from index 0",
        ),
    ] {
        match decode_metadata(&bytes) {
            Err(FfiError::Metadata { problem: p, .. }) => assert_eq!(p, problem),
            other => panic!("expected a metadata error, got {other:?}"),
        }
    }
}

#[test]
fn an_empty_slice_sizes_its_data_from_its_own_offsets() {
    // Length 0 at offset 2: the data buffer is sized by offsets[2] = 3.
    let (a, releases) = hand(
        0,
        0,
        2,
        vec![None, Some(i32s(&[0, 1, 3])), Some(b"abc".to_vec())],
        vec![],
    );
    let array = import(a, &DataType::Utf8).unwrap();
    assert_eq!((array.len(), array.buffers()[1].len()), (0, 3));
    drop(array);
    assert_eq!(count(&releases), 1);
}

#[test]
fn types_and_names_the_spec_cannot_express_are_export_errors() {
    use quiver_array::{Field, TimeUnit, UnionMode};
    use quiver_ffi::export_field;
    let problem = |t: DataType| match export_data_type(&t).unwrap_err() {
        FfiError::Export { problem, .. } => problem,
        other => panic!("expected an export error, got {other:?}"),
    };
    assert_eq!(
        problem(DataType::FixedSizeBinary(-1)),
        "fixed-size binary width -1 is negative"
    );
    assert_eq!(
        problem(DataType::Time32(TimeUnit::Nanosecond)),
        "time32 takes seconds or milliseconds, time64 microseconds or nanoseconds"
    );
    assert_eq!(
        problem(DataType::Decimal128(0, 0)),
        "a decimal's precision must be at least 1"
    );
    let u = DataType::Union {
        fields: vec![Field::new("a", DataType::Int8, true)],
        type_ids: vec![-1],
        mode: UnionMode::Sparse,
    };
    assert_eq!(problem(u), "union type ids must be in 0..=127");
    let e = export_field(&Field::new("a\0b", DataType::Int8, true)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot export field name: \"a\\0b\" contains a NUL byte, which C strings cannot hold"
    );
}
