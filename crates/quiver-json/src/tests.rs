use quiver_array::{DataType, Field, IntervalUnit, TimeUnit};

use super::*;

const SECTION_9: &str = r#"{
  "schema": {"fields": [
    {"name": "a", "nullable": false, "type": {"name": "int", "isSigned": true, "bitWidth": 64}, "children": []},
    {"name": "s", "nullable": true,  "type": {"name": "utf8"}, "children": []},
    {"name": "l", "nullable": true,  "type": {"name": "list"}, "children": [
      {"name": "item", "nullable": true, "type": {"name": "int", "isSigned": true, "bitWidth": 32}, "children": []}]}
  ]},
  "batches": [{"count": 3, "columns": [
    {"name": "a", "count": 3, "VALIDITY": [1, 1, 1], "DATA": ["1", "-2", "9007199254740993"]},
    {"name": "s", "count": 3, "VALIDITY": [1, 0, 1], "OFFSET": [0, 2, 2, 5], "DATA": ["hi", "", "€"]},
    {"name": "l", "count": 3, "VALIDITY": [1, 1, 0], "OFFSET": [0, 2, 2, 2],
     "children": [{"name": "item", "count": 2, "VALIDITY": [1, 0], "DATA": [7, 0]}]}
  ]}]
}"#;

fn one_column(field: &str, column: &str) -> String {
    format!(
        r#"{{"schema": {{"fields": [{field}]}}, "batches": [{{"count": 3, "columns": [{column}]}}]}}"#
    )
}

#[test]
fn section_9_example() {
    let f = read_json_file(SECTION_9).unwrap();
    assert_eq!(
        f.schema.to_string(),
        "a: int64 not null\ns: string\nl: list<item: int32>"
    );
    assert_eq!(f.batches.len(), 1);
    let b = &f.batches[0];
    assert_eq!(b.num_rows(), 3);
    let a = b.columns()[0].as_primitive::<i64>().unwrap();
    assert_eq!(a.values(), Some(&[1, -2, 9007199254740993][..]));
    assert_eq!(b.columns()[0].null_count(), 0);
    let s = b.columns()[1].as_string::<i32>().unwrap();
    assert_eq!(
        s.iter().collect::<Vec<_>>(),
        vec![Some("hi"), None, Some("€")]
    );
    assert_eq!(s.offsets(), &[0, 2, 2, 5]);
    let l = &b.columns()[2];
    assert_eq!(l.list_offsets::<i32>().unwrap(), &[0, 2, 2, 2]);
    assert!(l.is_valid(1) && l.is_null(2));
    let item = &l.children()[0];
    assert_eq!(
        item.as_primitive::<i32>()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(7), None]
    );
    // The same data built by hand compares equal.
    let expect_l = ArrayData::new(b.schema().field(2).unwrap().data_type().clone(), 3)
        .nulls(Some(quiver_buffer::Buffer::from_slice_ref(&[0b011u8])))
        .buffers(vec![quiver_buffer::Buffer::from_slice_ref(&[
            0i32, 2, 2, 2,
        ])])
        .children(vec![Array::from(vec![Some(7i32), None])])
        .build()
        .unwrap();
    assert!(l.equals(&expect_l));
    assert!(f.dictionaries.is_empty() && f.dictionary_ids.is_empty());
}

use quiver_array::ArrayData;

#[test]
fn wide_and_odd_values() {
    let doc = r#"{"schema": {"fields": [
        {"name": "u", "nullable": true, "type": {"name": "int", "isSigned": false, "bitWidth": 64}},
        {"name": "b", "nullable": true, "type": {"name": "bool"}},
        {"name": "i", "nullable": true, "type": {"name": "interval", "unit": "MONTH_DAY_NANO"}},
        {"name": "dt", "nullable": true, "type": {"name": "interval", "unit": "DAY_TIME"}},
        {"name": "d", "nullable": true, "type": {"name": "decimal", "precision": 76, "scale": 2, "bitWidth": 256}},
        {"name": "d128", "nullable": true, "type": {"name": "decimal", "precision": 38, "scale": 2}},
        {"name": "h", "nullable": true, "type": {"name": "fixedsizebinary", "byteWidth": 2}},
        {"name": "bin", "nullable": true, "type": {"name": "largebinary"}},
        {"name": "ts", "nullable": true, "type": {"name": "timestamp", "unit": "MICROSECOND", "timezone": "UTC"}},
        {"name": "f", "nullable": true, "type": {"name": "floatingpoint", "precision": "SINGLE"}}
      ], "metadata": [{"key": "z", "value": "1"}, {"key": "a", "value": "2"}]},
      "batches": [{"count": 2, "columns": [
        {"name": "u", "count": 2, "VALIDITY": [1, 1], "DATA": ["18446744073709551615", 0]},
        {"name": "b", "count": 2, "VALIDITY": [1, 1], "DATA": [true, 0]},
        {"name": "i", "count": 2, "VALIDITY": [1, 0], "DATA": [{"months": 1, "days": -2, "nanoseconds": 8901258854880139867}, {"months": 0, "days": 0, "nanoseconds": 0}]},
        {"name": "dt", "count": 2, "VALIDITY": [1, 1], "DATA": [{"days": 121236, "milliseconds": -47444576}, {"days": 0, "milliseconds": 1}]},
        {"name": "d", "count": 2, "VALIDITY": [1, 1], "DATA": ["-1", "170141183460469231731687303715884105728"]},
        {"name": "d128", "count": 2, "VALIDITY": [1, 0], "DATA": ["-946", "garbage under a null"]},
        {"name": "h", "count": 2, "VALIDITY": [1, 0], "DATA": ["9cC6", ""]},
        {"name": "bin", "count": 2, "VALIDITY": [1, 1], "OFFSET": ["0", "2", "2"], "DATA": ["ABCD", ""]},
        {"name": "ts", "count": 2, "VALIDITY": [1, 1], "DATA": ["-62135596800000", 5]},
        {"name": "f", "count": 2, "VALIDITY": [1, 1], "DATA": [-958.704, 1]}
      ]}]}"#;
    let f = read_json_file(doc).unwrap();
    assert_eq!(
        f.schema.metadata(),
        &vec![
            ("z".to_string(), "1".to_string()),
            ("a".to_string(), "2".to_string())
        ]
    );
    let b = &f.batches[0];
    assert_eq!(
        b.columns()[0].as_primitive::<u64>().unwrap().values(),
        Some(&[u64::MAX, 0][..])
    );
    assert_eq!(
        b.columns()[1]
            .as_boolean()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(true), Some(false)]
    );
    let i = &b.columns()[2];
    assert_eq!(
        i.data_type(),
        &DataType::Interval(IntervalUnit::MonthDayNano)
    );
    let raw = i.buffers()[0].as_slice();
    assert_eq!(i32::from_ne_bytes(raw[0..4].try_into().unwrap()), 1);
    assert_eq!(i32::from_ne_bytes(raw[4..8].try_into().unwrap()), -2);
    assert_eq!(
        i64::from_ne_bytes(raw[8..16].try_into().unwrap()),
        8901258854880139867
    );
    assert!(i.is_null(1));
    // Day-time packs two int32 fields per slot: no primitive view reinterprets them.
    assert!(b.columns()[3].as_primitive::<i32>().is_none());
    assert!(b.columns()[3].as_primitive::<i64>().is_none());
    let raw = b.columns()[3].buffers()[0].as_slice();
    assert_eq!(raw[..4], 121236i32.to_ne_bytes());
    let d = b.columns()[4].buffers()[0].as_slice();
    assert_eq!(&d[..32], &[0xFF; 32]);
    let mut two_127 = [0u8; 32];
    two_127[15] = 0x80;
    assert_eq!(&d[32..64], &two_127);
    let d = b.columns()[4]
        .as_primitive::<quiver_buffer::i256>()
        .unwrap();
    assert_eq!(d.value(0), quiver_buffer::i256::from_i128(-1));
    assert_eq!(d.value(1), quiver_buffer::i256::from_parts(0, 1 << 127));
    assert_eq!(b.columns()[5].data_type(), &DataType::Decimal128(38, 2));
    assert_eq!(
        b.columns()[5].as_primitive::<i128>().unwrap().value(0),
        -946
    );
    assert_eq!(
        b.columns()[6]
            .as_fixed_size_binary()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(&[0x9C, 0xC6][..]), None]
    );
    assert_eq!(
        b.columns()[7]
            .as_binary::<i64>()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(&[0xAB, 0xCD][..]), Some(&[][..])]
    );
    assert_eq!(
        b.columns()[8].data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    assert_eq!(
        b.columns()[8].as_primitive::<i64>().unwrap().values(),
        Some(&[-62135596800000, 5][..])
    );
    assert_eq!(
        b.columns()[9].as_primitive::<f32>().unwrap().values(),
        Some(&[-958.704f32, 1.0][..])
    );
}

#[test]
fn nested_dictionaries_resolve_by_id() {
    // Dictionary 1 holds list<dictionary 0>; dictionaries appear in reverse order.
    let doc = r#"{"schema": {"fields": [
        {"name": "x", "nullable": true, "type": {"name": "list"},
         "dictionary": {"id": 1, "indexType": {"name": "int", "isSigned": false, "bitWidth": 8}, "isOrdered": true},
         "children": [{"name": "item", "nullable": true, "type": {"name": "utf8"},
            "dictionary": {"id": 0, "indexType": {"name": "int", "isSigned": true, "bitWidth": 32}, "isOrdered": false}}]},
        {"name": "y", "nullable": true, "type": {"name": "utf8"},
         "dictionary": {"id": 0, "indexType": {"name": "int", "isSigned": true, "bitWidth": 32}, "isOrdered": false}}
      ]},
      "dictionaries": [
        {"id": 1, "data": {"count": 2, "columns": [{"name": "DICT1", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 2, 3],
            "children": [{"name": "item", "count": 3, "VALIDITY": [1, 1, 0], "DATA": [1, 0, 0]}]}]}},
        {"id": 0, "data": {"count": 2, "columns": [{"name": "DICT0", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 3, 6], "DATA": ["foo", "bar"]}]}}
      ],
      "batches": [{"count": 3, "columns": [
        {"name": "x", "count": 3, "VALIDITY": [1, 0, 1], "DATA": [1, 0, 0]},
        {"name": "y", "count": 3, "VALIDITY": [1, 1, 1], "DATA": [1, 1, 0]}
      ]}]}"#;
    let f = read_json_file(doc).unwrap();
    assert_eq!(
        f.dictionary_ids,
        vec![
            ("x".to_string(), 1),
            ("x.item".to_string(), 0),
            ("y".to_string(), 0)
        ]
    );
    let str_dict = DataType::Dictionary {
        index: Box::new(DataType::Int32),
        value: Box::new(DataType::Utf8),
        ordered: false,
    };
    assert_eq!(
        f.schema.field(0).unwrap().data_type(),
        &DataType::Dictionary {
            index: Box::new(DataType::UInt8),
            value: Box::new(DataType::List(
                Field::new("item", str_dict.clone(), true).into()
            )),
            ordered: true,
        }
    );
    assert_eq!(f.schema.field(1).unwrap().data_type(), &str_dict);
    assert_eq!(f.dictionaries.len(), 2);
    let d1 = &f.dictionaries[&1];
    let inner = &d1.children()[0];
    assert_eq!(inner.data_type(), &str_dict);
    assert!(inner.dictionary().unwrap().equals(&f.dictionaries[&0]));
    let y = &f.batches[0].columns()[1];
    assert_eq!(y.dictionary().unwrap().len(), 2);
    assert!(y.equals(y));
    assert_eq!(quiver_array::format_value(y, 0), "bar");
}

#[test]
fn errors_have_context_and_never_panic() {
    let int_field = r#"{"name": "f1", "nullable": true, "type": {"name": "int", "isSigned": true, "bitWidth": 8}}"#;
    let e = read_json_file(&one_column(
        int_field,
        r#"{"name": "f1", "count": 3, "VALIDITY": [1, 1, 1], "DATA": [1, 300, 2]}"#,
    ))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "batch 0, column 'f1' (field path f1), key DATA: slot 1: expected an int8, found 300"
    );
    let e = read_json_file(&one_column(
        int_field,
        r#"{"name": "f1", "count": 3, "VALIDITY": [1, 1], "DATA": [1, 3, 2]}"#,
    ))
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("key VALIDITY: 2 entries, expected 3"),
        "{e}"
    );
    let utf8 = r#"{"name": "s", "nullable": true, "type": {"name": "utf8"}}"#;
    let e = read_json_file(&one_column(
        utf8,
        r#"{"name": "s", "count": 3, "VALIDITY": [1, 1, 1], "OFFSET": [0, 1, 2, 9], "DATA": ["a", "b", "c"]}"#,
    ))
    .unwrap_err();
    assert!(e.to_string().contains("key OFFSET: slot 2"), "{e}");
    let list = r#"{"name": "l", "nullable": true, "type": {"name": "list"}, "children": [{"name": "item", "nullable": true, "type": {"name": "int", "isSigned": true, "bitWidth": 32}}]}"#;
    let e = read_json_file(&one_column(
        list,
        r#"{"name": "l", "count": 3, "VALIDITY": [1, 1, 1], "OFFSET": [0, 1, 2, 9], "children": [{"name": "item", "count": 2, "VALIDITY": [1, 1], "DATA": [1, 2]}]}"#,
    ))
    .unwrap_err();
    assert!(matches!(e, JsonError::Array { .. }), "{e}");
    let union = r#"{"name": "u", "nullable": true, "type": {"name": "union", "mode": "SPARSE", "typeIds": [5]}, "children": [{"name": "a", "nullable": true, "type": {"name": "null"}}]}"#;
    let e = read_json_file(&one_column(
        union,
        r#"{"name": "u", "count": 3, "TYPE_ID": [5, 6, 5], "children": [{"name": "a", "count": 3}]}"#,
    ))
    .unwrap_err();
    assert!(
        e.to_string().contains("expected one of [5], found 6"),
        "{e}"
    );
    for bad in [
        "",
        "[]",
        "{}",
        r#"{"schema": {"fields": [{"name": 1}]}, "batches": []}"#,
        r#"{"schema": {"fields": [{"name": "x", "nullable": true, "type": {"name": "decimal", "precision": 5, "scale": 1, "bitWidth": 7}}]}, "batches": []}"#,
        r#"{"schema": {"fields": []}, "batches": [{"count": -1, "columns": []}]}"#,
        r#"{"schema": {"fields": []}, "batches": [], "dictionaries": [{"id": 3}]}"#,
    ] {
        assert!(read_json_file(bad).is_err(), "{bad}");
    }
    // A dictionary that refers to itself is an error, not a stack overflow.
    let cyc = r#"{"schema": {"fields": [
        {"name": "x", "nullable": true, "type": {"name": "list"},
         "dictionary": {"id": 0, "indexType": {"name": "int", "isSigned": true, "bitWidth": 32}},
         "children": [{"name": "item", "nullable": true, "type": {"name": "int", "isSigned": true, "bitWidth": 32},
            "dictionary": {"id": 0, "indexType": {"name": "int", "isSigned": true, "bitWidth": 32}}}]}]},
      "dictionaries": [{"id": 0, "data": {"count": 0, "columns": [{"name": "d", "count": 0}]}}],
      "batches": []}"#;
    assert!(read_json_file(cyc).is_err());
}

#[test]
fn empty_and_null_columns() {
    let doc = r#"{"schema": {"fields": [
        {"name": "n", "nullable": true, "type": {"name": "null"}},
        {"name": "s", "nullable": true, "type": {"name": "struct"}, "children": [
            {"name": "", "nullable": true, "type": {"name": "largeutf8"}}]}
      ]},
      "batches": [{"count": 0, "columns": [
        {"name": "n", "count": 0},
        {"name": "s", "count": 0, "VALIDITY": [], "children": [{"name": "", "count": 0, "VALIDITY": [], "OFFSET": ["0"], "DATA": []}]}
      ]}, {"count": 2, "columns": [
        {"name": "n", "count": 2},
        {"name": "s", "count": 2, "VALIDITY": [0, 1], "children": [{"name": "", "count": 2, "VALIDITY": [0, 1], "OFFSET": ["0", "0", "2"], "DATA": ["", "ab"]}]}
      ]}]}"#;
    let f = read_json_file(doc).unwrap();
    assert_eq!(f.batches.len(), 2);
    assert_eq!(f.batches[0].num_rows(), 0);
    let n = &f.batches[1].columns()[0];
    assert_eq!((n.len(), n.null_count()), (2, 2));
    let s = &f.batches[1].columns()[1];
    assert_eq!(s.null_count(), 1);
    assert_eq!(
        s.children()[0]
            .as_string::<i64>()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![None, Some("ab")]
    );
}

/// Every gold JSON file parses (or reports an explicitly unsupported type).
#[test]
fn gold_json_files_parse() {
    use std::io::Read;
    let root = std::env::var_os("QUIVER_ARROW_TESTING")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/testdata/arrow-testing")
        })
        .join("arrow-ipc-stream/integration");
    let Ok(producers) = std::fs::read_dir(&root) else {
        eprintln!("SKIP gold JSON files: {} not found", root.display());
        return;
    };
    let mut failures = Vec::new();
    let (mut ok, mut unsupported) = (0, 0);
    for producer in producers.flatten() {
        let Ok(files) = std::fs::read_dir(producer.path()) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            if !path.to_string_lossy().ends_with(".json.gz") {
                continue;
            }
            let mut text = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
                .read_to_string(&mut text)
                .unwrap();
            match read_json_file(&text) {
                Ok(_) => ok += 1,
                Err(JsonError::Unsupported { .. }) => unsupported += 1,
                Err(e) => failures.push(format!("{}: {e}", path.display())),
            }
        }
    }
    eprintln!("gold JSON: {ok} parsed, {unsupported} unsupported");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
