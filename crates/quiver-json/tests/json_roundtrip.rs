//! The JSON integration-format writer: gold documents and gold IPC files written to JSON
//! and read back, plus exact expectations for small batches.
//!
//! The gold files are found through `quiver_testkit` (`QUIVER_ARROW_TESTING`); without
//! them the gold tests skip loudly, which under `CI=true` is a failure. Each must cover
//! all 91 gold cases.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use quiver_array::{Array, ArrayData, DataType, Field, RecordBatch, Schema, UnionMode};
use quiver_buffer::Buffer;
use quiver_ipc::{FileReader, IpcReadOptions};
use quiver_json::{
    JsonFile, read_json_file, write_json_file, write_json_file_pretty, write_json_value,
};
use serde_json::Value;

/// Gold cases each test must cover today.
const MIN_CASES: usize = 91;

/// Every `generated_*.json.gz` under the integration folder, or `None` after
/// `quiver_testkit` recorded the skip of `suite` (a failure under `CI=true`).
fn gold_files(suite: &str) -> Option<Vec<PathBuf>> {
    let root = quiver_testkit::require_arrow_testing(suite)?.join("arrow-ipc-stream/integration");
    let Ok(producers) = std::fs::read_dir(&root) else {
        quiver_testkit::skip(suite, &format!("{} not found", root.display()));
        return None;
    };
    let mut out = Vec::new();
    for producer in producers.flatten() {
        let Ok(files) = std::fs::read_dir(producer.path()) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with("generated_") && n.ends_with(".json.gz")) {
                out.push(path);
            }
        }
    }
    out.sort();
    Some(out)
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The ids of `file`'s dictionary-encoded fields in pre-order.
fn ids(file: &JsonFile) -> Vec<i64> {
    file.dictionary_ids.iter().map(|(_, id)| *id).collect()
}

/// Whether `b` has `a`'s schema and equal batches; a description of the first
/// difference otherwise.
fn same(a_schema: &Schema, a: &[RecordBatch], b: &JsonFile) -> Result<(), String> {
    if a_schema != &b.schema {
        return Err(format!("schemas differ:\n{a_schema}\n---\n{}", b.schema));
    }
    if a.len() != b.batches.len() {
        return Err(format!("{} batches became {}", a.len(), b.batches.len()));
    }
    for (i, (x, y)) in a.iter().zip(&b.batches).enumerate() {
        if !x.equals(y) {
            for (c, (cx, cy)) in x.columns().iter().zip(y.columns()).enumerate() {
                if !cx.equals(cy) {
                    return Err(format!("batch {i}, column {c}: {cx:?}\n  became {cy:?}"));
                }
            }
            return Err(format!("batch {i} differs"));
        }
    }
    Ok(())
}

#[test]
fn gold_json_documents_round_trip() {
    let Some(files) = gold_files("json round trip (gold JSON)") else {
        return;
    };
    let mut failures = Vec::new();
    let (mut docs, mut batches, mut dicts, mut slices) = (0, 0, 0, 0);
    for path in &files {
        let original = read_json_file(&gunzip(path)).unwrap();
        let check = |text: Result<String, _>, what: &str| -> Result<(), String> {
            let text = text.map_err(|e| format!("{what}: write failed: {e}"))?;
            let back = read_json_file(&text).map_err(|e| format!("{what}: read back: {e}"))?;
            same(&original.schema, &original.batches, &back).map_err(|e| format!("{what}: {e}"))
        };
        let results = [
            // The document's own dictionary ids, compact and pretty…
            check(
                write_json_file(&original.schema, &original.batches, Some(&ids(&original))),
                "own ids",
            ),
            check(
                write_json_file_pretty(&original.schema, &original.batches, Some(&ids(&original))),
                "pretty",
            ),
            // …and the ids the IPC writer would assign.
            check(
                write_json_file(&original.schema, &original.batches, None),
                "IPC ids",
            ),
        ];
        for r in results {
            if let Err(e) = r {
                failures.push(format!("{}: {e}", path.display()));
            }
        }
        // With its own ids, the dictionaries come back as they were.
        if let Ok(text) =
            write_json_file(&original.schema, &original.batches, Some(&ids(&original)))
            && let Ok(back) = read_json_file(&text)
        {
            if back.dictionary_ids != original.dictionary_ids {
                failures.push(format!("{}: dictionary ids changed", path.display()));
            }
            for (id, d) in &original.dictionaries {
                if !original.batches.is_empty()
                    && !back.dictionaries.get(id).is_some_and(|b| b.equals(d))
                {
                    failures.push(format!("{}: dictionary {id} changed", path.display()));
                }
            }
        }
        // Slices of every batch (every layout at a non-zero offset) write as what they
        // show.
        let mut sliced = Vec::new();
        for batch in &original.batches {
            let n = batch.num_rows();
            for (offset, len) in [(1, n.saturating_sub(2)), (n / 2, n - n / 2), (n, 0)] {
                if offset + len <= n {
                    sliced.push(batch.slice(offset, len).unwrap());
                }
            }
        }
        let ids = ids(&original);
        for (i, s) in sliced.iter().enumerate() {
            let result = write_json_file(&original.schema, std::slice::from_ref(s), Some(&ids))
                .map_err(|e| format!("slice {i}: write failed: {e}"))
                .and_then(|text| read_json_file(&text).map_err(|e| format!("slice {i}: {e}")))
                .and_then(|back| {
                    same(&original.schema, std::slice::from_ref(s), &back)
                        .map_err(|e| format!("slice {i}: {e}"))
                });
            if let Err(e) = result {
                failures.push(format!("{}: {e}", path.display()));
            }
        }
        slices += sliced.len();
        docs += 1;
        batches += original.batches.len();
        dicts += original.dictionaries.len();
    }
    eprintln!(
        "gold JSON round trip: {docs} documents, {batches} batches ({slices} slices), {dicts} dictionaries, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    quiver_testkit::expect_cases("json round trip (gold JSON)", docs, MIN_CASES);
}

#[test]
fn gold_ipc_files_to_json() {
    let Some(files) = gold_files("json round trip (gold IPC files)") else {
        return;
    };
    let mut failures = Vec::new();
    let (mut compared, mut batches, mut missing) = (0, 0, 0);
    for json_path in &files {
        let name = json_path.to_string_lossy();
        let arrow_path = PathBuf::from(name.replace(".json.gz", ".arrow_file"));
        let Ok(bytes) = std::fs::read(&arrow_path) else {
            missing += 1;
            continue;
        };
        // The golden cases whose values break their types' ranges are read with the
        // range checks off (golden.rs pins that a default read refuses them).
        let checks = !quiver_testkit::golden_out_of_range(&arrow_path);
        let options = IpcReadOptions::default().with_value_range_checks(checks);
        let reader = match FileReader::try_new_with_options(Buffer::from_vec(bytes), options) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: IPC open: {e}", arrow_path.display()));
                continue;
            }
        };
        let ipc: Result<Vec<RecordBatch>, _> = reader.batches().collect();
        let ipc = match ipc {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{}: IPC read: {e}", arrow_path.display()));
                continue;
            }
        };
        let schema = reader.schema().as_ref().clone();
        let result = write_json_file(&schema, &ipc, None)
            .map_err(|e| format!("write: {e}"))
            .and_then(|text| read_json_file(&text).map_err(|e| format!("read back: {e}")))
            .and_then(|back| {
                same(&schema, &ipc, &back)?;
                // The JSON written from IPC also matches the gold JSON document.
                let gold = read_json_file(&gunzip(json_path)).map_err(|e| e.to_string())?;
                same(&gold.schema, &gold.batches, &back).map_err(|e| format!("vs gold JSON: {e}"))
            });
        match result {
            Ok(()) => {
                compared += 1;
                batches += ipc.len();
            }
            Err(e) => failures.push(format!("{}: {e}", arrow_path.display())),
        }
    }
    eprintln!(
        "gold IPC files to JSON: {compared} files ({batches} batches) round-tripped, {missing} without .arrow_file, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    quiver_testkit::expect_cases("json round trip (gold IPC files)", compared, MIN_CASES);
}

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

#[test]
fn section_9_example_is_reproduced_exactly() {
    let f = read_json_file(SECTION_9).unwrap();
    let written = write_json_value(&f.schema, &f.batches, None).unwrap();
    let expected: Value = serde_json::from_str(SECTION_9).unwrap();
    assert_eq!(written, expected);
    // The compact text, keys in the order of the format description.
    let text = write_json_file(&f.schema, &f.batches, None).unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"schema":{"fields":["#,
            r#"{"name":"a","nullable":false,"type":{"name":"int","isSigned":true,"bitWidth":64},"children":[]},"#,
            r#"{"name":"s","nullable":true,"type":{"name":"utf8"},"children":[]},"#,
            r#"{"name":"l","nullable":true,"type":{"name":"list"},"children":["#,
            r#"{"name":"item","nullable":true,"type":{"name":"int","isSigned":true,"bitWidth":32},"children":[]}]}]},"#,
            r#""batches":[{"count":3,"columns":["#,
            r#"{"name":"a","count":3,"VALIDITY":[1,1,1],"DATA":["1","-2","9007199254740993"]},"#,
            r#"{"name":"s","count":3,"VALIDITY":[1,0,1],"OFFSET":[0,2,2,5],"DATA":["hi","","€"]},"#,
            r#"{"name":"l","count":3,"VALIDITY":[1,1,0],"OFFSET":[0,2,2,2],"children":["#,
            r#"{"name":"item","count":2,"VALIDITY":[1,0],"DATA":[7,0]}]}]}]}"#
        )
    );
    // Pretty text is the same document.
    let pretty = write_json_file_pretty(&f.schema, &f.batches, None).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&pretty).unwrap(), expected);
    assert!(
        pretty.contains("\n          \"VALIDITY\": [1, 0, 1],\n"),
        "{pretty}"
    );
}

/// The one column of a one-column document, compact.
fn column_json(col: &Array) -> String {
    let batch = RecordBatch::try_from_columns(vec![col.clone()], &["c"]).unwrap();
    let value = write_json_value(batch.schema(), std::slice::from_ref(&batch), None).unwrap();
    // And the document reads back as the batch.
    let text = write_json_file(batch.schema(), std::slice::from_ref(&batch), None).unwrap();
    let back = read_json_file(&text).unwrap();
    assert!(back.batches[0].equals(&batch), "{text}");
    value["batches"][0]["columns"][0].to_string()
}

#[test]
fn sliced_utf8_offsets_start_at_zero() {
    let s = Array::from(vec![Some("ab"), None, Some("cde"), Some("f"), Some("gh")]);
    assert_eq!(
        column_json(&s.slice(1, 3)),
        r#"{"DATA":["","cde","f"],"OFFSET":[0,0,3,4],"VALIDITY":[0,1,1],"count":3,"name":"c"}"#
    );
    assert_eq!(
        column_json(&s.slice(5, 0)),
        r#"{"DATA":[],"OFFSET":[0],"VALIDITY":[],"count":0,"name":"c"}"#
    );
    let large =
        Array::from_bytes(DataType::LargeUtf8, [Some("xy"), Some("z"), None, Some("")]).unwrap();
    assert_eq!(
        column_json(&large.slice(1, 3)),
        r#"{"DATA":["z","",""],"OFFSET":["0","1","1","1"],"VALIDITY":[1,0,1],"count":3,"name":"c"}"#
    );
}

fn list_of_int32(offsets: &[i32], values: Vec<Option<i32>>, nulls: Option<u8>) -> Array {
    let item = Field::new("item", DataType::Int32, true);
    ArrayData::new(DataType::List(Arc::new(item)), offsets.len() - 1)
        .nulls(nulls.map(|b| Buffer::from_slice_ref(&[b])))
        .buffers(vec![Buffer::from_slice_ref(offsets)])
        .children(vec![Array::from(values)])
        .build()
        .unwrap()
}

#[test]
fn sliced_list_offsets_start_at_zero() {
    // [[1, 2], [3], null, [5, null]], sliced to rows 1..4.
    let l = list_of_int32(
        &[0, 2, 3, 3, 5],
        vec![Some(1), Some(2), Some(3), Some(5), None],
        Some(0b1011),
    );
    assert_eq!(
        column_json(&l.slice(1, 3)),
        concat!(
            r#"{"OFFSET":[0,1,1,3],"VALIDITY":[1,0,1],"children":["#,
            r#"{"DATA":[3,5,0],"VALIDITY":[1,1,0],"count":3,"name":"item"}],"count":3,"name":"c"}"#
        )
    );
}

/// The one column of a one-column document, as a value.
fn column_value(col: &Array) -> Value {
    serde_json::from_str(&column_json(col)).unwrap()
}

fn dict_of(dict: &Array, indices: &[i8], nulls: Option<u8>) -> Array {
    let dt = DataType::Dictionary {
        index: Box::new(DataType::Int8),
        value: Box::new(dict.data_type().clone()),
        ordered: false,
    };
    ArrayData::new(dt, indices.len())
        .nulls(nulls.map(|b| Buffer::from_slice_ref(&[b])))
        .buffers(vec![Buffer::from_slice_ref(indices)])
        .dictionary(Some(dict.clone()))
        .build()
        .unwrap()
}

fn one_column_batches(cols: &[Array]) -> (Schema, Vec<RecordBatch>) {
    let schema = Schema::new(vec![Field::new("d", cols[0].data_type().clone(), true)]);
    let batches = cols
        .iter()
        .map(|c| RecordBatch::try_new(schema.clone(), vec![c.clone()]).unwrap())
        .collect();
    (schema, batches)
}

#[test]
fn dictionaries_that_grow_or_change_between_batches() {
    let ab = Array::from(vec!["a", "b"]);
    let abc = Array::from(vec!["a", "b", "c"]);
    let xy = Array::from(vec!["x", "y"]);
    // A delta: the longer dictionary is written once; indices stay.
    let (schema, batches) =
        one_column_batches(&[dict_of(&ab, &[1, 0], None), dict_of(&abc, &[2, 0], None)]);
    let v = write_json_value(&schema, &batches, None).unwrap();
    assert_eq!(v["schema"]["fields"][0]["dictionary"]["id"], 0);
    assert_eq!(v["schema"]["fields"][0]["type"]["name"], "utf8");
    assert_eq!(v["dictionaries"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["dictionaries"][0]["data"]["columns"][0]["DATA"].to_string(),
        r#"["a","b","c"]"#
    );
    assert_eq!(v["batches"][1]["columns"][0]["DATA"].to_string(), "[2,0]");
    let back = read_json_file(&v.to_string()).unwrap();
    same(&schema, &batches, &back).unwrap();

    // A replacement: both dictionaries are kept and the second batch's indices shift.
    let (schema, batches) = one_column_batches(&[
        dict_of(&ab, &[1, 0], None),
        dict_of(&xy, &[0, 1, 1], Some(0b101)),
        dict_of(&ab, &[0], None),
    ]);
    let v = write_json_value(&schema, &batches, None).unwrap();
    assert_eq!(
        v["dictionaries"][0]["data"]["columns"][0]["DATA"].to_string(),
        r#"["a","b","x","y"]"#
    );
    assert_eq!(v["batches"][1]["columns"][0]["DATA"].to_string(), "[2,0,3]");
    assert_eq!(v["batches"][2]["columns"][0]["DATA"].to_string(), "[0]");
    let back = read_json_file(&v.to_string()).unwrap();
    same(&schema, &batches, &back).unwrap();

    // Explicit ids: two fields sharing id 7.
    let schema = Schema::new(vec![
        Field::new("p", batches[0].columns()[0].data_type().clone(), true),
        Field::new("q", batches[0].columns()[0].data_type().clone(), true),
    ]);
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![dict_of(&ab, &[0, 1], None), dict_of(&ab, &[1, 1], None)],
    )
    .unwrap();
    let text = write_json_file(&schema, std::slice::from_ref(&batch), Some(&[7, 7])).unwrap();
    let back = read_json_file(&text).unwrap();
    assert_eq!(back.dictionary_ids, vec![("p".into(), 7), ("q".into(), 7)]);
    same(&schema, std::slice::from_ref(&batch), &back).unwrap();
    // Wrong number of ids, and a batch that does not match the schema.
    assert!(write_json_file(&schema, std::slice::from_ref(&batch), Some(&[7])).is_err());
    let other = RecordBatch::try_from_columns(vec![Array::from(vec![1i32])], &["x"]).unwrap();
    assert!(write_json_file(&schema, &[other], None).is_err());
}

#[test]
fn scalars_are_encoded_as_the_gold_files_do() {
    use quiver_array::IntervalUnit;
    let v = column_value(&Array::from(vec![Some(true), None, Some(false)]));
    assert_eq!(v["DATA"].to_string(), "[true,false,false]");
    let v = column_value(&Array::from(vec![Some(u64::MAX), None]));
    assert_eq!(v["DATA"].to_string(), r#"["18446744073709551615","0"]"#);
    let v = column_value(&Array::from(vec![-958.704f32, 0.1, 1e-7]));
    assert_eq!(v["DATA"].to_string(), "[-958.704,0.1,1e-7]");
    let half = Array::from_primitive(
        DataType::Float16,
        [
            Some(quiver_buffer::f16::from_f32(-1.5)),
            None,
            Some(quiver_buffer::f16::MAX),
        ],
    )
    .unwrap();
    assert_eq!(
        column_value(&half)["DATA"].to_string(),
        "[-1.5,0.0,65504.0]"
    );
    let v = column_value(&Array::from(vec![f64::NAN, f64::INFINITY, -0.5]));
    assert_eq!(v["DATA"].to_string(), r#"["NaN","inf",-0.5]"#);

    // MONTH_DAY_NANO: nanoseconds as a bare number, full int64 range.
    let mut mdn = Vec::new();
    for (m, d, ns) in [(1i32, -2i32, 8901258854880139867i64), (0, 0, i64::MIN)] {
        mdn.extend_from_slice(&m.to_ne_bytes());
        mdn.extend_from_slice(&d.to_ne_bytes());
        mdn.extend_from_slice(&ns.to_ne_bytes());
    }
    let a = ArrayData::new(DataType::Interval(IntervalUnit::MonthDayNano), 2)
        .buffers(vec![Buffer::from_vec(mdn)])
        .build()
        .unwrap();
    assert_eq!(
        column_value(&a)["DATA"].to_string(),
        r#"[{"days":-2,"months":1,"nanoseconds":8901258854880139867},{"days":0,"months":0,"nanoseconds":-9223372036854775808}]"#
    );

    // Decimal256 extremes and fixed-size binary as uppercase hex.
    let mut d = vec![0u8; 64];
    d[31] = 0x80; // -2^255
    d[32..63].fill(0xFF); // 2^255 - 1
    d[63] = 0x7F;
    let a = ArrayData::new(DataType::Decimal256(76, 0), 2)
        .buffers(vec![Buffer::from_vec(d)])
        .build()
        .unwrap();
    assert_eq!(
        column_value(&a)["DATA"].to_string(),
        concat!(
            r#"["-57896044618658097711785492504343953926634992332820282019728792003956564819968","#,
            r#""57896044618658097711785492504343953926634992332820282019728792003956564819967"]"#
        )
    );
    let a = ArrayData::new(DataType::FixedSizeBinary(2), 3)
        .nulls(Some(Buffer::from_slice_ref(&[0b101u8])))
        .buffers(vec![Buffer::from_slice_ref(&[
            0xABu8, 0x0C, 0xFF, 0xFF, 0x00, 0x9C,
        ])])
        .build()
        .unwrap();
    assert_eq!(
        column_value(&a.slice(1, 2))["DATA"].to_string(),
        r#"["0000","009C"]"#
    );
    let v = column_value(&Array::new_null(2));
    assert_eq!(v.to_string(), r#"{"count":2,"name":"c"}"#);
}

fn view(bytes: &[u8], buffer: i32, offset: i32) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..4].copy_from_slice(&(bytes.len() as i32).to_ne_bytes());
    if bytes.len() <= 12 {
        v[4..4 + bytes.len()].copy_from_slice(bytes);
    } else {
        v[4..8].copy_from_slice(&bytes[..4]);
        v[8..12].copy_from_slice(&buffer.to_ne_bytes());
        v[12..].copy_from_slice(&offset.to_ne_bytes());
    }
    v
}

#[test]
fn views_unions_run_ends_and_nested_slices() {
    // Views: inline up to 12 bytes, else prefix + buffer index + offset.
    let long = b"a value longer than twelve";
    let mut views = Vec::new();
    views.extend_from_slice(&view(b"zz", 0, 0));
    views.extend_from_slice(&view(b"twelve bytes", 0, 0));
    views.extend_from_slice(&view(long, 0, 3));
    views.extend_from_slice(&view(b"", 0, 0));
    let mut data = b"---".to_vec();
    data.extend_from_slice(long);
    for dt in [DataType::Utf8View, DataType::BinaryView] {
        let a = ArrayData::new(dt.clone(), 4)
            .nulls(Some(Buffer::from_slice_ref(&[0b0110u8])))
            .buffers(vec![
                Buffer::from_vec(views.clone()),
                Buffer::from_vec(data.clone()),
            ])
            .build()
            .unwrap();
        let v = column_value(&a.slice(1, 3));
        let inlined = if dt == DataType::Utf8View {
            r#""twelve bytes""#.to_string()
        } else {
            format!("{:?}", "7477656C7665206279746573")
        };
        assert_eq!(
            v["VIEWS"].to_string(),
            format!(
                r#"[{{"INLINED":{inlined},"SIZE":12}},{{"BUFFER_INDEX":0,"OFFSET":3,"PREFIX_HEX":"61207661","SIZE":26}},{{"INLINED":"","SIZE":0}}]"#
            )
        );
        assert_eq!(v["VARIADIC_DATA_BUFFERS"].as_array().unwrap().len(), 1);
    }

    // Sparse union, sliced; dense union.
    let fields = vec![
        Field::new("i", DataType::Int32, true),
        Field::new("s", DataType::Utf8, true),
    ];
    let sparse = ArrayData::new(
        DataType::Union {
            fields: fields.clone(),
            type_ids: vec![5, 7],
            mode: UnionMode::Sparse,
        },
        4,
    )
    .buffers(vec![Buffer::from_slice_ref(&[5i8, 7, 5, 7])])
    .children(vec![
        Array::from(vec![1i32, 2, 3, 4]),
        Array::from(vec!["p", "q", "r", "s"]),
    ])
    .build()
    .unwrap();
    let v = column_value(&sparse.slice(1, 2));
    assert_eq!(v["TYPE_ID"].to_string(), "[7,5]");
    assert!(v.get("VALIDITY").is_none() && v.get("OFFSET").is_none());
    assert_eq!(v["children"][1]["DATA"].to_string(), r#"["q","r"]"#);
    let dense = ArrayData::new(
        DataType::Union {
            fields,
            type_ids: vec![5, 7],
            mode: UnionMode::Dense,
        },
        3,
    )
    .buffers(vec![
        Buffer::from_slice_ref(&[5i8, 7, 5]),
        Buffer::from_slice_ref(&[0i32, 0, 1]),
    ])
    .children(vec![Array::from(vec![10i32, 20]), Array::from(vec!["x"])])
    .build()
    .unwrap();
    let v = column_value(&dense.slice(1, 2));
    assert_eq!(v["TYPE_ID"].to_string(), "[7,5]");
    assert_eq!(v["OFFSET"].to_string(), "[0,1]");

    // Run-end encoded a a b b b c, sliced: only the runs shown, ends rebased.
    let ree_type = DataType::RunEndEncoded(
        Arc::new(Field::new("run_ends", DataType::Int64, false)),
        Arc::new(Field::new("values", DataType::Utf8, true)),
    );
    let ree = ArrayData::new(ree_type, 6)
        .children(vec![
            Array::from(vec![2i64, 5, 6]),
            Array::from(vec![Some("a"), None, Some("c")]),
        ])
        .build()
        .unwrap();
    let v = column_value(&ree);
    assert_eq!(v["children"][0]["DATA"].to_string(), r#"["2","5","6"]"#);
    let v = column_value(&ree.slice(1, 3));
    assert!(v.get("VALIDITY").is_none());
    assert_eq!(v["children"][0]["DATA"].to_string(), r#"["1","3"]"#);
    assert_eq!(v["children"][0]["VALIDITY"].to_string(), "[1,1]");
    assert_eq!(v["children"][1]["VALIDITY"].to_string(), "[1,0]");
    let v = column_value(&ree.slice(3, 0));
    assert_eq!(v["children"][0]["count"], 0);

    // A struct of a list, sliced: the struct's children go with it, the list's offsets
    // are rebased.
    let l = list_of_int32(&[0, 1, 3, 3], vec![Some(1), Some(2), Some(3)], None);
    let st = ArrayData::new(
        DataType::Struct(vec![
            Field::new("l", l.data_type().clone(), true),
            Field::new("n", DataType::Int8, true),
        ]),
        3,
    )
    .nulls(Some(Buffer::from_slice_ref(&[0b110u8])))
    .children(vec![l, Array::from(vec![7i8, 8, 9])])
    .build()
    .unwrap();
    let v = column_value(&st.slice(1, 2));
    assert_eq!(v["VALIDITY"].to_string(), "[1,1]");
    assert_eq!(v["children"][0]["OFFSET"].to_string(), "[0,2,2]");
    assert_eq!(v["children"][0]["children"][0]["DATA"].to_string(), "[2,3]");
    assert_eq!(v["children"][1]["DATA"].to_string(), "[8,9]");

    // Fixed-size lists, sliced.
    let fsl = ArrayData::new(
        DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Int16, true)), 2),
        3,
    )
    .children(vec![Array::from(vec![1i16, 2, 3, 4, 5, 6])])
    .build()
    .unwrap();
    let v = column_value(&fsl.slice(2, 1));
    assert_eq!(v["children"][0]["DATA"].to_string(), "[5,6]");
}
