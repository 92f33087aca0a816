//! Row-by-row builders: exact values, nulls everywhere, nesting two levels deep, and
//! `finish` twice (the builder resets). Every output must be fully validated.

use quiver_array::{
    Array, ArrayBuilder, ArrayData, BinaryBuilder, BinaryViewBuilder, BooleanBuilder, DataType,
    DecimalBuilder, DictionaryBuilder, Field, FixedSizeBinaryBuilder, FixedSizeListBuilder,
    LargeBinaryBuilder, LargeListBuilder, LargeStringBuilder, ListBuilder, MapBuilder,
    PrimitiveBuilder, PrimitiveDictionaryBuilder, RunEndBuilder, StringBuilder,
    StringDictionaryBuilder, StringViewBuilder, StructBuilder, TimeUnit, UnionBuilder, UnionMode,
    validity_from_bools,
};
use quiver_buffer::i256;

/// Finishes `b`, checks the array was fully validated and that `b` is empty again:
/// finishing it a second time gives an empty array of the same type.
fn done(b: &mut dyn ArrayBuilder) -> Array {
    let a = b.finish().unwrap();
    assert!(
        a.values_checked(),
        "{} built without full checks",
        a.data_type()
    );
    a.validate_full().unwrap();
    assert_eq!(a.data_type(), &b.data_type());
    assert!(b.is_empty());
    let empty = b.finish().unwrap();
    assert_eq!((empty.len(), empty.data_type()), (0, a.data_type()));
    empty.validate_full().unwrap();
    a
}

#[test]
fn primitive_builders_carry_their_type_and_reset() {
    let tz = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let mut b = PrimitiveBuilder::<i64>::new(tz.clone());
    b.append_value(1_000_000);
    b.append_null();
    b.append_option(Some(-1));
    assert_eq!((b.len(), b.data_type()), (3, tz.clone()));
    let a = done(&mut b);
    assert_eq!(a.data_type(), &tz);
    assert_eq!(
        a.as_primitive::<i64>().unwrap().iter().collect::<Vec<_>>(),
        vec![Some(1_000_000), None, Some(-1)]
    );
    // The second array holds only what came after the first finish.
    b.append_slice(&[7, 8]);
    let again = done(&mut b);
    assert_eq!(
        again.to_string(),
        "[1970-01-01 00:00:00.000007Z, 1970-01-01 00:00:00.000008Z]"
    );
    assert_eq!(done(&mut b).len(), 0);
}

#[test]
fn primitive_builders_refuse_a_rust_type_that_is_not_the_value_type() {
    let err = PrimitiveBuilder::<f64>::try_new(DataType::Int64).unwrap_err();
    assert_eq!(
        err.to_string(),
        "int64 array: cannot be built from Rust f64 values (its values are i64)"
    );
    let err =
        PrimitiveBuilder::<u64>::try_new(DataType::Timestamp(TimeUnit::Second, None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "timestamp[s] array: cannot be built from Rust u64 values (its values are i64)"
    );
    let mut b = PrimitiveBuilder::<i64>::new(DataType::Decimal128(10, 2));
    b.append_value(1);
    assert_eq!(
        b.finish().unwrap_err().to_string(),
        "decimal128(10, 2) array: cannot be built from Rust i64 values (its values are i128)"
    );
    assert!(b.is_empty(), "a failed finish resets the builder too");
    let err = Array::from_primitive::<i32>(DataType::Utf8, [Some(1)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "string array: cannot be built from Rust i32 values (it has no primitive values)"
    );
    // Same width is not enough: int64 bits are not doubles.
    assert!(Array::from_primitive::<u32>(DataType::Int32, [Some(1)]).is_err());
}

#[test]
fn decimal_builders_check_the_precision() {
    let mut b = DecimalBuilder::<i128>::new(4, 1).unwrap();
    b.append_value(9999).unwrap();
    b.append_value(-9999).unwrap();
    assert_eq!(
        b.append_value(-10000).unwrap_err().to_string(),
        "decimal128(4, 1) array: value -10000 at slot 2 has 5 digits, more than the precision 4"
    );
    b.append_option(None).unwrap();
    assert_eq!(done(&mut b).to_string(), "[999.9, -999.9, null]");

    let mut b = DecimalBuilder::<i256>::new(40, 0).unwrap();
    let big = i256::from_parts(1, 0); // 2^128: 39 digits
    b.append_value(big).unwrap();
    let too_big = i256::from_parts(i128::MAX >> 60, 0);
    assert_eq!(
        b.append_value(too_big).unwrap_err().to_string(),
        format!(
            "decimal256(40, 0) array: value {too_big} at slot 1 has 59 digits, more than the precision 40"
        )
    );
    assert_eq!(
        done(&mut b).to_string(),
        "[340282366920938463463374607431768211456]"
    );

    assert_eq!(
        DecimalBuilder::<i32>::new(10, 0).unwrap_err().to_string(),
        "decimal32(10, 0) array: precision must be 1 to 9"
    );
}

#[test]
fn boolean_and_byte_builders() {
    let mut b = BooleanBuilder::new();
    b.append_value(true);
    b.append_option(None);
    b.append_value(false);
    assert_eq!(done(&mut b).to_string(), "[true, null, false]");
    b.append_null();
    assert_eq!(done(&mut b).to_string(), "[null]");

    let mut s = StringBuilder::new();
    s.append_value("héllo");
    s.append_null();
    s.append_value(String::from(""));
    let a = done(&mut s);
    assert_eq!(a.data_type(), &DataType::Utf8);
    assert_eq!(a.as_string::<i32>().unwrap().offsets(), &[0, 6, 6, 6]);
    assert_eq!(a.to_string(), "[\"héllo\", null, \"\"]");
    s.append_value("x");
    assert_eq!(done(&mut s).to_string(), "[\"x\"]");

    let mut l = LargeStringBuilder::new();
    l.append_option(Some("ab"));
    l.append_option(None::<&str>);
    let a = done(&mut l);
    assert_eq!(a.data_type(), &DataType::LargeUtf8);
    assert_eq!(a.as_string::<i64>().unwrap().offsets(), &[0, 2, 2]);

    let mut bin = BinaryBuilder::new();
    bin.append_value([0xffu8, 0]);
    bin.append_null();
    assert_eq!(done(&mut bin).to_string(), "[ff00, null]");
    let mut lb = LargeBinaryBuilder::new();
    lb.append_value(b"\x01");
    assert_eq!(done(&mut lb).data_type(), &DataType::LargeBinary);

    let mut f = FixedSizeBinaryBuilder::new(3);
    f.append_value(b"abc").unwrap();
    assert_eq!(
        f.append_value(b"ab").unwrap_err().to_string(),
        "fixed_size_binary[3] array: value of 2 bytes appended at slot 1"
    );
    f.append_null();
    let a = done(&mut f);
    assert_eq!(a.to_string(), "[616263, null]");
    assert_eq!(a.buffers()[0].as_slice(), b"abc\0\0\0");
}

/// The 16 bytes of view `i`.
fn view(a: &Array, i: usize) -> [u8; 16] {
    let mut v = [0u8; 16];
    v.copy_from_slice(&a.buffers()[0].as_slice()[i * 16..i * 16 + 16]);
    v
}

#[test]
fn view_builders_inline_short_values_and_spill_long_ones() {
    let mut b = StringViewBuilder::with_block_size(40);
    b.append_value("twelve bytes"); // exactly 12: inline
    b.append_value("thirteen byte"); // 13: buffer 0, offset 0
    b.append_null();
    b.append_value("another long value"); // 18: fits buffer 0 at offset 13 (31 <= 40)
    b.append_value("one more long value"); // 19: 31 + 19 > 40, buffer 1 at offset 0
    b.append_value("");
    let a = done(&mut b);
    assert_eq!(
        a.to_string(),
        "[\"twelve bytes\", \"thirteen byte\", null, \"another long value\", \"one more long value\", \"\"]"
    );
    assert_eq!(a.buffers().len(), 3);
    assert_eq!(
        a.buffers()[1].as_slice(),
        b"thirteen byteanother long value"
    );
    assert_eq!(a.buffers()[2].as_slice(), b"one more long value");

    let mut inline = [0u8; 16];
    inline[..4].copy_from_slice(&12i32.to_ne_bytes());
    inline[4..].copy_from_slice(b"twelve bytes");
    assert_eq!(view(&a, 0), inline);
    let long = |len: i32, prefix: &[u8], buffer: i32, offset: i32| {
        let mut v = [0u8; 16];
        v[..4].copy_from_slice(&len.to_ne_bytes());
        v[4..8].copy_from_slice(prefix);
        v[8..12].copy_from_slice(&buffer.to_ne_bytes());
        v[12..].copy_from_slice(&offset.to_ne_bytes());
        v
    };
    assert_eq!(view(&a, 1), long(13, b"thir", 0, 0));
    assert_eq!(view(&a, 2), [0u8; 16]);
    assert_eq!(view(&a, 3), long(18, b"anot", 0, 13));
    assert_eq!(view(&a, 4), long(19, b"one ", 1, 0));
    assert_eq!(view(&a, 5), [0u8; 16]);

    let mut bv = BinaryViewBuilder::new();
    bv.append_value([1u8, 2, 3]);
    bv.append_option(None::<&[u8]>);
    let a = done(&mut bv);
    assert_eq!(a.data_type(), &DataType::BinaryView);
    let mut short = [0u8; 16];
    short[..4].copy_from_slice(&3i32.to_ne_bytes());
    short[4..7].copy_from_slice(&[1, 2, 3]);
    assert_eq!(view(&a, 0), short);
    assert_eq!(a.buffers().len(), 1);
}

#[test]
fn lists_of_lists_with_nulls_at_every_level() {
    let mut b = ListBuilder::new(LargeListBuilder::new(StringBuilder::new()));
    // [[a, null], null, []]
    b.values().values().append_value("a");
    b.values().values().append_null();
    b.values().append(true);
    b.values().append_null();
    b.values().append(true);
    b.append(true);
    b.append_null();
    b.append(true);
    let a = done(&mut b);
    assert_eq!(a.to_string(), "[[[\"a\", null], null, []], null, []]");
    assert_eq!(
        a.data_type().to_string(),
        "list<item: large_list<item: string>>"
    );
    assert_eq!(a.list_offsets::<i32>().unwrap(), &[0, 3, 3, 3]);
    assert_eq!(
        a.children()[0].list_offsets::<i64>().unwrap(),
        &[0, 2, 2, 2]
    );

    // The child was reset too: the next array starts from scratch.
    b.values().values().append_value("z");
    b.values().append(true);
    b.append(true);
    assert_eq!(done(&mut b).to_string(), "[[[\"z\"]]]");
}

#[test]
fn fixed_size_lists_check_the_child_length() {
    let mut b = FixedSizeListBuilder::new(FixedSizeListBuilder::new(BooleanBuilder::new(), 1), 2);
    b.values().values().append_value(true);
    b.values().append(true);
    b.values().append_null();
    b.append(true);
    b.append_null();
    let a = done(&mut b);
    assert_eq!(a.to_string(), "[[[true], null], null]");
    assert_eq!(a.children()[0].len(), 4);

    b.values().values().append_value(true);
    b.values().append(true);
    b.append(true);
    assert_eq!(
        b.finish().unwrap_err().to_string(),
        "fixed_size_list<item: fixed_size_list<item: bool>[1]>[2] array: 1 lists of 2 need 2 values, the child has 1"
    );
    assert!(b.is_empty());
}

fn person_builder() -> StructBuilder {
    let tags = ListBuilder::new(StringBuilder::new());
    let inner = StructBuilder::from_builders(vec![
        ("x", Box::new(PrimitiveBuilder::<i32>::new(DataType::Int32))),
        ("tags", Box::new(tags)),
    ]);
    StructBuilder::new(
        vec![
            Field::new("id", DataType::Int64, false),
            Field::new("inner", inner.data_type(), true),
        ],
        vec![
            Box::new(PrimitiveBuilder::<i64>::new(DataType::Int64)),
            Box::new(inner),
        ],
    )
}

#[test]
fn structs_of_structs_and_lists() {
    let mut b = person_builder();
    assert_eq!(b.num_fields(), 2);
    assert!(b.field_builder::<StringBuilder>(0).is_none());
    assert!(b.field_builder::<StringBuilder>(7).is_none());

    b.field_builder::<PrimitiveBuilder<i64>>(0)
        .unwrap()
        .append_value(1);
    let inner = b.field_builder::<StructBuilder>(1).unwrap();
    inner
        .field_builder::<PrimitiveBuilder<i32>>(0)
        .unwrap()
        .append_value(10);
    let tags = inner
        .field_builder::<ListBuilder<StringBuilder>>(1)
        .unwrap();
    tags.values().append_value("t");
    tags.append(true);
    inner.append(true);
    b.append(true);

    b.field_builder::<PrimitiveBuilder<i64>>(0)
        .unwrap()
        .append_value(2);
    b.field_builder::<StructBuilder>(1).unwrap().append_null();
    b.append(true);

    b.append_null();

    let a = done(&mut b);
    assert_eq!(
        a.to_string(),
        "[{id: 1, inner: {x: 10, tags: [\"t\"]}}, {id: 2, inner: null}, null]"
    );
    let DataType::Struct(fields) = a.data_type() else {
        panic!("not a struct")
    };
    assert!(!fields[0].is_nullable());
    assert_eq!(a.children()[1].null_count(), 2);
    assert_eq!(a.children()[1].children()[1].null_count(), 2);
    assert_eq!(done(&mut b).len(), 0);
}

#[test]
fn maps_of_lists() {
    let mut b = MapBuilder::new(
        StringBuilder::new(),
        ListBuilder::new(BooleanBuilder::new()),
    )
    .with_keys_sorted(true);
    b.keys().append_value("a");
    b.values().values().append_value(true);
    b.values().append(true);
    b.keys().append_value("b");
    b.values().append_null();
    b.append(true).unwrap();
    b.append(false).unwrap();
    b.append_null();
    b.keys().append_value("c");
    assert_eq!(
        b.append(true).unwrap_err().to_string(),
        "map<string, list<item: bool>, keys_sorted> array: map at slot 3 has 3 keys in all but 2 values"
    );
    b.values().append_null();
    b.append(true).unwrap();
    let a = done(&mut b);
    assert_eq!(
        a.to_string(),
        "[[{key: \"a\", value: [true]}, {key: \"b\", value: null}], null, null, [{key: \"c\", value: null}]]"
    );
    assert_eq!(a.list_offsets::<i32>().unwrap(), &[0, 2, 2, 2, 3]);
}

#[test]
fn dictionaries_store_each_value_once() {
    let mut b = StringDictionaryBuilder::<i16>::new();
    for v in [Some("x"), Some("y"), None, Some("x"), Some("y"), Some("x")] {
        b.append_option(v).unwrap();
    }
    let a = done(&mut b);
    assert_eq!(a.to_string(), "[\"x\", \"y\", null, \"x\", \"y\", \"x\"]");
    assert_eq!(a.dictionary().unwrap().to_string(), "[\"x\", \"y\"]");
    let keys = ArrayData {
        data_type: DataType::Int16,
        dictionary: None,
        ..a.to_data()
    }
    .build()
    .unwrap();
    assert_eq!(keys.to_string(), "[0, 1, null, 0, 1, 0]");
    // A fresh dictionary after finish.
    b.append_value("y").unwrap();
    let a = done(&mut b);
    assert_eq!(a.dictionary().unwrap().to_string(), "[\"y\"]");

    let mut p = PrimitiveDictionaryBuilder::<u8, f64>::new();
    for v in [1.5, -0.0, 1.5, 0.0] {
        p.append_value(&v).unwrap();
    }
    p.append_null();
    let a = done(&mut p);
    // -0.0 and 0.0 differ in their bits, so both are kept.
    assert_eq!(a.dictionary().unwrap().to_string(), "[1.5, -0.0, 0.0]");
    assert_eq!(a.to_string(), "[1.5, -0.0, 1.5, 0.0, null]");

    let mut small = PrimitiveDictionaryBuilder::<i8, i32>::new();
    for v in 0..128 {
        small.append_value(&v).unwrap();
    }
    assert_eq!(
        small.append_value(&128).unwrap_err().to_string(),
        "dictionary<values=int32, indices=int8, ordered=0> array: 128 distinct values do not fit the int8 keys"
    );
    assert_eq!(done(&mut small).dictionary().unwrap().len(), 128);

    let mut bin = DictionaryBuilder::<i32, _>::new_binary();
    bin.append_value(b"ab").unwrap();
    bin.append_value(b"ab").unwrap();
    assert_eq!(done(&mut bin).dictionary().unwrap().len(), 1);
}

fn union_builder(mode: UnionMode) -> UnionBuilder {
    let mut b = UnionBuilder::new(mode);
    b.add_child("i", Box::new(PrimitiveBuilder::<i32>::new(DataType::Int32)))
        .unwrap();
    b.add_child("l", Box::new(ListBuilder::new(StringBuilder::new())))
        .unwrap();
    b
}

fn fill_union(b: &mut UnionBuilder) {
    b.append::<PrimitiveBuilder<i32>>(0)
        .unwrap()
        .append_value(5);
    let l = b.append::<ListBuilder<StringBuilder>>(1).unwrap();
    l.values().append_value("s");
    l.append(true);
    b.append_null();
    b.append::<ListBuilder<StringBuilder>>(1)
        .unwrap()
        .append_null();
}

#[test]
fn sparse_and_dense_unions() {
    let mut sparse = union_builder(UnionMode::Sparse);
    fill_union(&mut sparse);
    let a = done(&mut sparse);
    assert_eq!(a.to_string(), "[5, [\"s\"], null, null]");
    assert_eq!(a.buffers()[0].as_slice(), &[0, 1, 0, 1]);
    assert_eq!(a.children()[0].to_string(), "[5, null, null, null]");
    assert_eq!(a.children()[1].to_string(), "[null, [\"s\"], null, null]");

    let mut dense = union_builder(UnionMode::Dense);
    fill_union(&mut dense);
    let a = done(&mut dense);
    assert_eq!(a.to_string(), "[5, [\"s\"], null, null]");
    assert_eq!(a.buffers()[1].typed_data::<i32>().unwrap(), &[0, 0, 1, 1]);
    assert_eq!(a.children()[0].to_string(), "[5, null]");
    assert_eq!(a.children()[1].to_string(), "[[\"s\"], null]");

    assert_eq!(
        dense.append::<StringBuilder>(1).unwrap_err().to_string(),
        "dense_union<i: int32=0, l: list<item: string>=1> array: slot 0: child 1 is not built by the builder type asked for"
    );
    assert_eq!(
        dense.append::<StringBuilder>(2).unwrap_err().to_string(),
        "dense_union<i: int32=0, l: list<item: string>=1> array: slot 0: child 2 of 2"
    );
    assert_eq!(done(&mut dense).len(), 0);
}

#[test]
fn run_end_builders_merge_equal_neighbours() {
    let mut b = RunEndBuilder::<i16, _>::new(PrimitiveBuilder::<i64>::new(DataType::Int64));
    for v in [Some(1), Some(1), Some(1), None, None, Some(2), Some(1)] {
        b.append_option(v.as_ref()).unwrap();
    }
    b.append_null();
    assert_eq!(b.len(), 8);
    let a = done(&mut b);
    assert_eq!(a.to_string(), "[1, 1, 1, null, null, 2, 1, null]");
    assert_eq!(a.children()[0].to_string(), "[3, 5, 6, 7, 8]");
    assert_eq!(a.children()[1].to_string(), "[1, null, 2, 1, null]");

    let mut long = RunEndBuilder::<i16, _>::new(PrimitiveBuilder::<i64>::new(DataType::Int64));
    for _ in 0..32768 {
        long.append_value(&1).unwrap();
    }
    let overflow =
        "run_end_encoded<run_ends: int16, values: int64> array: run end 32768 does not fit int16";
    assert_eq!(long.append_value(&2).unwrap_err().to_string(), overflow);
    long.append_null();
    assert_eq!(long.len(), 32768, "failed appends add no slot");
    assert_eq!(long.finish().unwrap_err().to_string(), overflow);
    assert!(long.is_empty());

    // A refused value changes nothing: the runs stay aligned with their values.
    let mut fixed = RunEndBuilder::<i32, _>::new(FixedSizeBinaryBuilder::new(2));
    fixed.append_value(b"ab").unwrap();
    assert_eq!(
        fixed.append_value(b"abc").unwrap_err().to_string(),
        "fixed_size_binary[2] array: value of 3 bytes appended at slot 1"
    );
    fixed.append_value(b"cd").unwrap();
    let a = done(&mut fixed);
    assert_eq!(a.to_string(), "[6162, 6364]");
    assert_eq!(a.children()[0].to_string(), "[1, 2]");

    let mut lists = RunEndBuilder::<i32, _>::new(StringViewBuilder::new());
    lists.append_value("same but long enough to spill").unwrap();
    lists.append_value("same but long enough to spill").unwrap();
    let a = done(&mut lists);
    assert_eq!(a.children()[0].to_string(), "[2]");
    assert_eq!(done(&mut lists).len(), 0);
}

#[test]
fn boxed_builders_are_interchangeable() {
    let mut builders: Vec<Box<dyn ArrayBuilder>> = vec![
        Box::new(PrimitiveBuilder::<u8>::new(DataType::UInt8)),
        Box::new(StringViewBuilder::new()),
        Box::new(person_builder()),
        Box::new(union_builder(UnionMode::Sparse)),
        Box::new(MapBuilder::new(StringBuilder::new(), BooleanBuilder::new())),
        Box::new(StringDictionaryBuilder::<i32>::new()),
    ];
    for b in &mut builders {
        b.append_null();
        b.append_null();
    }
    let shown: Vec<String> = builders
        .iter_mut()
        .map(|b| done(b.as_mut()).to_string())
        .collect();
    assert_eq!(
        shown,
        vec![
            "[null, null]",
            "[null, null]",
            "[null, null]",
            "[null, null]",
            "[null, null]",
            "[null, null]",
        ]
    );
}

#[test]
fn from_vec_moves_the_vector() {
    let v: Vec<f64> = (0..1000).map(f64::from).collect();
    let ptr = v.as_ptr().cast::<u8>();
    let a = Array::from(v);
    assert_eq!(a.buffers()[0].as_ptr(), ptr);
    assert_eq!(a.as_primitive::<f64>().unwrap().value(999), 999.0);
    let small = vec![1u16, 2];
    let ptr = small.as_ptr().cast::<u8>();
    assert_eq!(Array::from(small).buffers()[0].as_ptr(), ptr);
}

#[test]
fn struct_from_takes_nullability_from_the_columns() {
    let s = Array::struct_from(
        vec![
            ("dense", Array::from(vec![1i8, 2])),
            ("sparse", Array::from(vec![Some(1i8), None])),
        ],
        None,
    )
    .unwrap();
    let DataType::Struct(fields) = s.data_type() else {
        panic!("not a struct")
    };
    assert_eq!(
        fields.iter().map(Field::is_nullable).collect::<Vec<_>>(),
        vec![false, true]
    );
    let explicit = Array::struct_from_fields(
        vec![Field::new("dense", DataType::Int8, true)],
        vec![Array::from(vec![1i8, 2])],
        Some(vec![false, true]),
    )
    .unwrap();
    assert_eq!(explicit.to_string(), "[null, {dense: 2}]");
}

#[test]
fn validity_from_bools_packs_bits_lsb_first() {
    let flags: Vec<bool> = (0..10).map(|i| i % 3 != 0).collect();
    let bits = validity_from_bools(&flags).unwrap();
    assert_eq!(bits.as_slice(), &[0b1011_0110, 0b0000_0001]);
    assert!(validity_from_bools(&[]).is_none());
}
