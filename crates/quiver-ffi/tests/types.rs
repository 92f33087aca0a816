//! Format strings and flags for every type, and round trips of the layouts the golden
//! files do not slice: sliced structs and sparse unions, views over several variadic
//! buffers, extension metadata.

use std::sync::Arc;

use arrow_array::Array as _;
use quiver_array::{
    Array, DataType, Field, IntervalUnit, PrimitiveBuilder, StringBuilder, StringViewBuilder,
    TimeUnit, UnionBuilder, UnionMode,
};
use quiver_ffi::format::{Format, format_of, parse_format};
use quiver_ffi::{
    ARROW_FLAG_DICTIONARY_ORDERED, ARROW_FLAG_MAP_KEYS_SORTED, ARROW_FLAG_NULLABLE, export_array,
    export_data_type, export_field, import_array, import_data_type, import_field,
};

fn f(name: &str, t: DataType) -> Field {
    Field::new(name, t, true)
}

fn every_type() -> Vec<(DataType, &'static str)> {
    use DataType::*;
    let item = || Arc::new(f("item", Int32));
    let entries = Arc::new(Field::new(
        "entries",
        Struct(vec![Field::new("key", Utf8, false), f("value", Int64)]),
        false,
    ));
    vec![
        (Null, "n"),
        (Boolean, "b"),
        (Int8, "c"),
        (UInt8, "C"),
        (Int16, "s"),
        (UInt16, "S"),
        (Int32, "i"),
        (UInt32, "I"),
        (Int64, "l"),
        (UInt64, "L"),
        (Float16, "e"),
        (Float32, "f"),
        (Float64, "g"),
        (Binary, "z"),
        (LargeBinary, "Z"),
        (BinaryView, "vz"),
        (Utf8, "u"),
        (LargeUtf8, "U"),
        (Utf8View, "vu"),
        (FixedSizeBinary(5), "w:5"),
        (Decimal32(9, 2), "d:9,2,32"),
        (Decimal64(18, -3), "d:18,-3,64"),
        (Decimal128(38, 10), "d:38,10"),
        (Decimal256(76, 0), "d:76,0,256"),
        (Date32, "tdD"),
        (Date64, "tdm"),
        (Time32(TimeUnit::Second), "tts"),
        (Time32(TimeUnit::Millisecond), "ttm"),
        (Time64(TimeUnit::Microsecond), "ttu"),
        (Time64(TimeUnit::Nanosecond), "ttn"),
        (Timestamp(TimeUnit::Second, None), "tss:"),
        (
            Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            "tsm:UTC",
        ),
        (
            Timestamp(TimeUnit::Microsecond, Some("Europe/Paris".into())),
            "tsu:Europe/Paris",
        ),
        (
            Timestamp(TimeUnit::Nanosecond, Some("+07:30".into())),
            "tsn:+07:30",
        ),
        (Duration(TimeUnit::Second), "tDs"),
        (Duration(TimeUnit::Millisecond), "tDm"),
        (Duration(TimeUnit::Microsecond), "tDu"),
        (Duration(TimeUnit::Nanosecond), "tDn"),
        (Interval(IntervalUnit::YearMonth), "tiM"),
        (Interval(IntervalUnit::DayTime), "tiD"),
        (Interval(IntervalUnit::MonthDayNano), "tin"),
        (List(item()), "+l"),
        (LargeList(item()), "+L"),
        (ListView(item()), "+vl"),
        (LargeListView(item()), "+vL"),
        (FixedSizeList(item(), 3), "+w:3"),
        (Struct(vec![f("a", Int8), f("b", Utf8)]), "+s"),
        (Map(entries.clone(), false), "+m"),
        (Map(entries, true), "+m"),
        (
            Union {
                fields: vec![f("a", Int8), f("b", Utf8)],
                type_ids: vec![3, 7],
                mode: UnionMode::Dense,
            },
            "+ud:3,7",
        ),
        (
            Union {
                fields: vec![f("a", Int8)],
                type_ids: vec![0],
                mode: UnionMode::Sparse,
            },
            "+us:0",
        ),
        (
            RunEndEncoded(Arc::new(Field::new("run_ends", Int32, false)), item()),
            "+r",
        ),
        (
            Dictionary {
                index: Box::new(UInt16),
                value: Box::new(Utf8),
                ordered: true,
            },
            "S",
        ),
        (
            Dictionary {
                index: Box::new(Int8),
                value: Box::new(List(item())),
                ordered: false,
            },
            "c",
        ),
    ]
}

#[test]
fn every_type_has_its_format_string_and_round_trips() {
    let types = every_type();
    assert_eq!(types.len(), 54);
    for (t, format) in types {
        assert_eq!(format_of(&t).unwrap(), format, "{t}");
        let c = export_data_type(&t).unwrap();
        // SAFETY: `format` is our NUL-terminated string.
        let text = unsafe { std::ffi::CStr::from_ptr(c.format) };
        assert_eq!(text.to_str().unwrap(), format);
        // SAFETY: a live export.
        assert_eq!(unsafe { import_data_type(&c) }.unwrap(), t, "{format}");
        if !t.is_nested() && !matches!(t, DataType::Dictionary { .. }) {
            assert_eq!(parse_format(format).unwrap(), Format::Type(t));
        }
    }
}

#[test]
fn flags_carry_nullability_ordering_and_sorted_keys() {
    let dict = DataType::Dictionary {
        index: Box::new(DataType::Int32),
        value: Box::new(DataType::Utf8),
        ordered: true,
    };
    let c = export_field(&Field::new("d", dict, true)).unwrap();
    assert_eq!(c.flags, ARROW_FLAG_NULLABLE | ARROW_FLAG_DICTIONARY_ORDERED);
    assert!(!c.dictionary.is_null());
    let map = every_type()
        .into_iter()
        .find(|(t, _)| matches!(t, DataType::Map(_, true)))
        .unwrap()
        .0;
    let c = export_field(&Field::new("m", map, false)).unwrap();
    assert_eq!(c.flags, ARROW_FLAG_MAP_KEYS_SORTED);
}

#[test]
fn extension_metadata_uses_the_binary_layout() {
    let md = vec![
        ("ARROW:extension:name".to_string(), "arrow.uuid".to_string()),
        ("ARROW:extension:metadata".to_string(), String::new()),
    ];
    let field = Field::new("id", DataType::FixedSizeBinary(16), false).with_metadata(md);
    let c = export_field(&field).unwrap();
    let mut want = 2i32.to_ne_bytes().to_vec();
    for s in [
        "ARROW:extension:name",
        "arrow.uuid",
        "ARROW:extension:metadata",
        "",
    ] {
        want.extend_from_slice(&(s.len() as i32).to_ne_bytes());
        want.extend_from_slice(s.as_bytes());
    }
    // SAFETY: our export's metadata is exactly `want.len()` bytes long.
    let got = unsafe { std::slice::from_raw_parts(c.metadata.cast::<u8>(), want.len()) };
    assert_eq!(got, want.as_slice());
    // SAFETY: a live export.
    let back = unsafe { import_field(&c) }.unwrap();
    assert_eq!(back, field);
    assert_eq!(back.extension_name(), Some("arrow.uuid"));
}

fn round_trip(a: &Array) -> Array {
    let c = export_array(a).unwrap();
    let s = export_data_type(a.data_type()).unwrap();
    // SAFETY: live exports.
    unsafe { import_array(c, &s) }.unwrap()
}

#[test]
fn sliced_structs_and_sparse_unions_keep_their_rows() {
    let fields = vec![f("n", DataType::Int64), f("s", DataType::Utf8)];
    let strings: Array = Array::from(vec![Some("a"), None, Some("c"), Some("d")]);
    let s = quiver_array::ArrayData::new(DataType::Struct(fields.clone()), 4)
        .nulls(Some(quiver_buffer::Buffer::from_slice_ref(&[0b1011u8])))
        .children(vec![Array::from(vec![1i64, 2, 3, 4]), strings.clone()])
        .build()
        .unwrap();
    for (off, len) in [(1, 3), (2, 2), (3, 1), (0, 4), (4, 0)] {
        let sliced = s.slice(off, len);
        let back = round_trip(&sliced);
        assert!(back.equals(&sliced), "struct slice ({off}, {len})");
        if len > 0 {
            // Zero-copy: the child's data is shared.
            assert_eq!(
                back.children()[0].buffers()[0].as_ptr(),
                sliced.children()[0].buffers()[0].as_ptr()
            );
        }
    }
    // A struct whose children start before the parent's offset is rebased.
    let odd = quiver_array::ArrayData::new(DataType::Struct(fields), 2)
        .offset(3)
        .nulls(Some(quiver_buffer::Buffer::from_slice_ref(&[
            0b0001_0000u8,
        ])))
        .children(vec![
            Array::from(vec![10i64, 20]),
            Array::from(vec!["x", "y"]),
        ])
        .build()
        .unwrap();
    let back = round_trip(&odd);
    assert!(back.equals(&odd));
    assert_eq!((back.null_count(), back.is_valid(1)), (1, true));

    let mut u = UnionBuilder::new(UnionMode::Sparse);
    u.add_child("i", Box::new(PrimitiveBuilder::<i32>::new(DataType::Int32)))
        .unwrap();
    u.add_child("s", Box::new(StringBuilder::new())).unwrap();
    for k in 0..6 {
        if k % 2 == 0 {
            u.append::<PrimitiveBuilder<i32>>(0)
                .unwrap()
                .append_value(k);
        } else {
            u.append::<StringBuilder>(1)
                .unwrap()
                .append_value(k.to_string());
        }
    }
    let union = u.finish().unwrap();
    for (off, len) in [(1, 4), (5, 1), (0, 6)] {
        let sliced = union.slice(off, len);
        assert!(
            round_trip(&sliced).equals(&sliced),
            "union slice ({off}, {len})"
        );
    }
}

#[test]
fn views_export_their_variadic_buffers_and_sizes() {
    let mut b = StringViewBuilder::with_block_size(32);
    let long = |c: char| c.to_string().repeat(20);
    for c in ['a', 'b', 'c'] {
        b.append_value(long(c));
    }
    b.append_value("short");
    b.append_null();
    let a = b.finish().unwrap();
    let data_buffers = a.buffers().len() - 1;
    assert!(
        data_buffers >= 2,
        "the builder made {data_buffers} data buffers"
    );
    let c = export_array(&a).unwrap();
    // validity, views, the data buffers, the sizes
    assert_eq!(c.n_buffers as usize, 3 + data_buffers);
    // SAFETY: our export's last buffer holds one int64 per data buffer.
    let sizes = unsafe {
        std::slice::from_raw_parts(
            (*c.buffers.add(c.n_buffers as usize - 1)).cast::<i64>(),
            data_buffers,
        )
    };
    let want: Vec<i64> = a.buffers()[1..].iter().map(|b| b.len() as i64).collect();
    assert_eq!(sizes, want.as_slice());
    let s = export_data_type(a.data_type()).unwrap();
    // SAFETY: live exports.
    let back = unsafe { import_array(c, &s) }.unwrap();
    assert!(back.equals(&a));
    for (w, g) in a.buffers().iter().zip(back.buffers().iter()) {
        assert_eq!(w.as_ptr(), g.as_ptr());
    }
}

#[test]
fn sliced_nested_arrays_pass_arrow_rs_validation() {
    use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
    let fields = vec![f("n", DataType::Int64), f("s", DataType::Utf8)];
    let s = quiver_array::ArrayData::new(DataType::Struct(fields), 4)
        .nulls(Some(quiver_buffer::Buffer::from_slice_ref(&[0b1101u8])))
        .children(vec![
            Array::from(vec![1i64, 2, 3, 4]),
            Array::from(vec![Some("a"), None, Some("c"), Some("d")]),
        ])
        .build()
        .unwrap();
    for (off, len) in [(1, 3), (2, 2), (0, 4)] {
        let sliced = s.slice(off, len);
        // SAFETY: both pairs are the spec's `#[repr(C)]` structs with the same fields.
        let (c, schema) = unsafe {
            (
                std::mem::transmute::<quiver_ffi::ArrowArray, FFI_ArrowArray>(
                    export_array(&sliced).unwrap(),
                ),
                std::mem::transmute::<quiver_ffi::ArrowSchema, FFI_ArrowSchema>(
                    export_data_type(sliced.data_type()).unwrap(),
                ),
            )
        };
        // SAFETY: live exports.
        let data = unsafe { from_ffi(c, &schema) }.unwrap();
        data.validate_full().unwrap();
        let theirs = arrow_array::make_array(data);
        let theirs = theirs
            .as_any()
            .downcast_ref::<arrow_array::StructArray>()
            .unwrap();
        let n = theirs
            .column(0)
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap();
        let want: Vec<Option<i64>> = (off..off + len)
            .map(|i| (sliced.is_valid(i - off)).then_some(i as i64 + 1))
            .collect();
        let got: Vec<Option<i64>> = (0..len)
            .map(|i| theirs.is_valid(i).then(|| n.value(i)))
            .collect();
        assert_eq!(got, want, "slice ({off}, {len})");
    }
}
