//! The read path refuses what Arrow C++'s full validation refuses: a valid stream is
//! written, one value in its body is patched, and reading must fail with a located
//! error, at any nesting depth. Canonical extension types with a bad storage type or
//! metadata are refused on read; unknown extensions pass through.
//!
//! When `QUIVER_PYTHON` names a Python with pyarrow, the same bytes are given to pyarrow
//! (`validate(full=True)`), which must agree on every verdict. Without it the pyarrow
//! half prints a SKIP line, or fails when `CI=true`.

use std::process::Command;
use std::sync::Arc;

use quiver_array::{Array, ArrayData, DataType, Field, RecordBatch, Schema};
use quiver_buffer::{Buffer, BufferReader, NativeType};
use quiver_ipc::{StreamReader, StreamWriter};

fn buf<T: NativeType>(v: &[T]) -> Buffer {
    Buffer::from_slice_ref(v)
}

/// A list view of 2 slots over 64 int32 values; slot 1 is null. Its offsets (0x31,
/// 0x2a) are the marker the tests patch.
fn list_view(large: bool) -> Array {
    let item = Arc::new(Field::new("item", DataType::Int32, true));
    let (t, offsets, sizes) = if large {
        (
            DataType::LargeListView(item),
            buf(&[0x31i64, 0x2a]),
            buf(&[5i64, 12]),
        )
    } else {
        (
            DataType::ListView(item),
            buf(&[0x31i32, 0x2a]),
            buf(&[5i32, 12]),
        )
    };
    ArrayData::new(t, 2)
        .nulls(Some(buf(&[0b01u8])))
        .buffers(vec![offsets, sizes])
        .children(vec![Array::from((0..64).collect::<Vec<i32>>())])
        .build()
        .unwrap()
}

fn stream(columns: Vec<(&str, Array)>) -> Vec<u8> {
    let fields = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    stream_with(
        Schema::new(fields),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
}

fn stream_with(schema: Schema, columns: Vec<Array>) -> Vec<u8> {
    let batch = RecordBatch::try_new(Arc::new(schema), columns).unwrap();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write_batch(&batch).unwrap();
    w.close().unwrap()
}

/// Replaces the only occurrence of `find` with `put`.
fn patch(mut bytes: Vec<u8>, find: &[u8], put: &[u8]) -> Vec<u8> {
    let hits: Vec<usize> = (0..bytes.len().saturating_sub(find.len() - 1))
        .filter(|&i| bytes[i..].starts_with(find))
        .collect();
    assert_eq!(hits.len(), 1, "marker {find:02x?} found at {hits:?}");
    bytes[hits[0]..hits[0] + put.len()].copy_from_slice(put);
    bytes
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Reads every batch; the first error as text.
fn read(bytes: &[u8]) -> Result<usize, String> {
    let mut r = StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes.to_vec())))
        .map_err(|e| e.to_string())?;
    let mut n = 0;
    while let Some(b) = r.next_batch().map_err(|e| e.to_string())? {
        n += b.num_rows();
    }
    Ok(n)
}

/// The error with its byte position blanked (`byte _`): where the writer puts a
/// message is not what these tests are about.
fn without_byte(e: &str) -> String {
    match e.find(", byte ") {
        Some(at) => {
            let rest = &e[at + 7..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            format!("{}, byte _{}", &e[..at], &rest[digits..])
        }
        None => e.to_string(),
    }
}

/// Offset 0x2a of null slot 1 becomes 2^31 - 1, far past the 64 child values.
fn patched_offset(bytes: Vec<u8>) -> Vec<u8> {
    let marker = cat(&[&0x31i32.to_ne_bytes(), &0x2ai32.to_ne_bytes()]);
    let put = cat(&[&0x31i32.to_ne_bytes(), &i32::MAX.to_ne_bytes()]);
    patch(bytes, &marker, &put)
}

const BAD_OFFSET: &str =
    "list_view<item: int32> array: slot 1 has offset 2147483647, outside the child of 64 values";

/// Every patched stream, with the error Quiver must give.
fn cases() -> Vec<(&'static str, Vec<u8>, String)> {
    let lv = list_view(false);
    let mut out = Vec::new();
    out.push((
        "top-level list view",
        patched_offset(stream(vec![("lv", lv.clone())])),
        format!("invalid array at message 1, record batch 0, field \"lv\", byte _: {BAD_OFFSET}"),
    ));
    let marker = cat(&[&5i64.to_ne_bytes(), &12i64.to_ne_bytes()]);
    let put = cat(&[&5i64.to_ne_bytes(), &i64::MIN.to_ne_bytes()]);
    out.push((
        "large list view, size i64::MIN",
        patch(stream(vec![("llv", list_view(true))]), &marker, &put),
        "invalid array at message 1, record batch 0, field \"llv\", byte _: large_list_view<item: int32> array: slot 1 has negative size -9223372036854775808".into(),
    ));
    let st = Array::struct_from(vec![("a", lv.clone())], None).unwrap();
    out.push((
        "list view in a struct",
        patched_offset(stream(vec![("s", st)])),
        format!("invalid array at message 1, record batch 0, field \"s.a\", byte _: {BAD_OFFSET}"),
    ));
    let list = Array::list_from_lengths(lv.clone(), [Some(2)]).unwrap();
    out.push((
        "list view in a list",
        patched_offset(stream(vec![("l", list)])),
        format!("invalid array at message 1, record batch 0, field \"l[]\", byte _: {BAD_OFFSET}"),
    ));
    let map =
        Array::map_from_lengths(Array::from(vec![1i32, 2]), lv.clone(), [Some(2)], false).unwrap();
    out.push((
        "list view as map values",
        patched_offset(stream(vec![("m", map)])),
        format!(
            "invalid array at message 1, record batch 0, field \"m[].value\", byte _: {BAD_OFFSET}"
        ),
    ));
    let union = Array::union_from(
        vec![("a", lv.clone())],
        &[0, 0],
        quiver_array::UnionMode::Sparse,
    )
    .unwrap();
    out.push((
        "list view in a union",
        patched_offset(stream(vec![("u", union)])),
        format!("invalid array at message 1, record batch 0, field \"u.a\", byte _: {BAD_OFFSET}"),
    ));
    let ree = Array::run_end_encoded(Array::from(vec![1i32, 2]), lv.clone()).unwrap();
    out.push((
        "list view as run-end encoded values",
        patched_offset(stream(vec![("r", ree)])),
        format!(
            "invalid array at message 1, record batch 0, field \"r.values\", byte _: {BAD_OFFSET}"
        ),
    ));
    let dict = Array::dictionary_from(Array::from(vec![0i8, 1]), lv, false).unwrap();
    out.push((
        "list view as dictionary values",
        patched_offset(stream(vec![("d", dict)])),
        format!("invalid array at message 1, field \"<dictionary 0>\", byte _: {BAD_OFFSET}"),
    ));
    // An inline "abc" whose padding byte 9 of the view is not zero.
    let sv = ArrayData::new(DataType::Utf8View, 1)
        .buffers(vec![Buffer::from({
            let mut v = vec![0u8; 16];
            v[..4].copy_from_slice(&3i32.to_ne_bytes());
            v[4..7].copy_from_slice(b"abc");
            v
        })])
        .build()
        .unwrap();
    let marker = cat(&[&3i32.to_ne_bytes(), b"abc", &[0u8; 9]]);
    let mut put = marker.clone();
    put[9] = 0xff;
    out.push((
        "dirty inline view",
        patch(stream(vec![("sv", sv)]), &marker, &put),
        "invalid array at message 1, record batch 0, field \"sv\", byte _: string_view array: slot 0 is an inline view of 3 bytes whose unused bytes are not zero: 0000ff000000000000".into(),
    ));
    out
}

#[test]
fn patched_values_are_refused_at_any_depth() {
    for (what, bytes, expected) in cases() {
        assert_eq!(
            read(&bytes).map_err(|e| without_byte(&e)),
            Err(expected),
            "{what}"
        );
    }
}

#[test]
fn unchecked_arrays_broken_in_null_slots_are_neither_nested_nor_written() {
    // The list view above with offset 2^31 - 1 in its null slot, built without checks:
    // building a parent over it at full level, or writing it, checks it, null slot too.
    let item = Arc::new(Field::new("item", DataType::Int32, true));
    let parts = ArrayData::new(DataType::ListView(item), 2)
        .nulls(Some(buf(&[0b01u8])))
        .buffers(vec![buf(&[0x31i32, i32::MAX]), buf(&[5i32, 12])])
        .children(vec![Array::from((0..64).collect::<Vec<i32>>())]);
    // SAFETY: the array is only handed to code that validates it.
    let lv = unsafe { parts.build_unchecked() }.unwrap();
    let st = Array::struct_from(vec![("a", lv.clone())], None).unwrap_err();
    assert_eq!(
        st.to_string(),
        format!("struct<a: list_view<item: int32>> array: child 0: {BAD_OFFSET}")
    );
    let schema = Schema::new(vec![Field::new("lv", lv.data_type().clone(), true)]);
    let batch = RecordBatch::try_new(Arc::new(schema), vec![lv]).unwrap();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    assert_eq!(
        w.write_batch(&batch).unwrap_err().to_string(),
        format!("refusing to write column 0 (\"lv\"): {BAD_OFFSET}")
    );
}

fn fsb(width: usize) -> Array {
    ArrayData::new(DataType::FixedSizeBinary(width as i32), 1)
        .buffers(vec![Buffer::from(vec![7u8; width])])
        .build()
        .unwrap()
}

fn ext_stream(name: &str, storage: Array, metadata: &str) -> Vec<u8> {
    let field = Field::new("x", storage.data_type().clone(), true).with_extension(name, metadata);
    stream_with(Schema::new(vec![field]), vec![storage])
}

/// Streams with extension fields, and whether Quiver (and pyarrow) must read them.
fn extension_cases() -> Vec<(&'static str, Vec<u8>, Result<usize, String>)> {
    let refused = |e: &str| Err(format!("invalid Arrow IPC data at message 0, byte _: {e}"));
    let tensor = Array::fixed_size_list(Array::from(vec![1i32, 2, 3, 4]), 4, None).unwrap();
    let vst = |values: Array| {
        let data = Array::list_from_lengths(values, [Some(2)]).unwrap();
        let shape = Array::fixed_size_list(Array::from(vec![1i32, 2]), 2, None).unwrap();
        Array::struct_from(vec![("data", data), ("shape", shape)], None).unwrap()
    };
    let opaque_md = r#"{"type_name":"t","vendor_name":"v"}"#;
    let bad_uuid =
        Field::new("u", DataType::FixedSizeBinary(8), true).with_extension("arrow.uuid", "");
    let nested_field = Field::new("x", DataType::List(Arc::new(bad_uuid)), true);
    let nested = Array::list_of(nested_field.data_type().clone(), fsb(8), [Some(1)]).unwrap();
    let dict_uuid = Array::dictionary_from(Array::from(vec![0i8]), fsb(16), false).unwrap();
    vec![
        ("uuid", ext_stream("arrow.uuid", fsb(16), ""), Ok(1)),
        (
            "uuid over 8 bytes",
            ext_stream("arrow.uuid", fsb(8), ""),
            refused(
                "field \"x\": extension arrow.uuid: storage must be fixed_size_binary[16], not fixed_size_binary[8]",
            ),
        ),
        (
            "uuid with metadata",
            ext_stream("arrow.uuid", fsb(16), "x"),
            refused("field \"x\": extension arrow.uuid: metadata must be empty, not \"x\""),
        ),
        (
            "dictionary-encoded uuid",
            ext_stream("arrow.uuid", dict_uuid, ""),
            refused(
                "field \"x\": extension arrow.uuid: storage must be fixed_size_binary[16], not dictionary<values=fixed_size_binary[16], indices=int8, ordered=0>",
            ),
        ),
        (
            "uuid nested in a list",
            stream_with(Schema::new(vec![nested_field]), vec![nested]),
            refused(
                "field \"u\": extension arrow.uuid: storage must be fixed_size_binary[16], not fixed_size_binary[8]",
            ),
        ),
        (
            "bool8",
            ext_stream("arrow.bool8", Array::from(vec![1i8]), ""),
            Ok(1),
        ),
        (
            "bool8 over uint8",
            ext_stream("arrow.bool8", Array::from(vec![1u8]), ""),
            refused("field \"x\": extension arrow.bool8: storage must be int8, not uint8"),
        ),
        (
            "json",
            ext_stream("arrow.json", Array::from(vec!["{}"]), "not interpreted"),
            Ok(1),
        ),
        (
            "json over int32",
            ext_stream("arrow.json", Array::from(vec![1i32]), ""),
            refused(
                "field \"x\": extension arrow.json: storage must be string, large_string or string_view, not int32",
            ),
        ),
        (
            "opaque",
            ext_stream("arrow.opaque", Array::from(vec![1i32]), opaque_md),
            Ok(1),
        ),
        (
            "opaque without vendor",
            ext_stream(
                "arrow.opaque",
                Array::from(vec![1i32]),
                r#"{"type_name":"t"}"#,
            ),
            refused("field \"x\": extension arrow.opaque: metadata has no vendor_name"),
        ),
        (
            "fixed-shape tensor",
            ext_stream(
                "arrow.fixed_shape_tensor",
                tensor.clone(),
                r#"{"shape":[2,2]}"#,
            ),
            Ok(1),
        ),
        (
            "fixed-shape tensor of the wrong shape",
            ext_stream("arrow.fixed_shape_tensor", tensor, r#"{"shape":[2,3]}"#),
            refused(
                "field \"x\": extension arrow.fixed_shape_tensor: shape [2, 3] holds 6 values but the storage lists hold 4",
            ),
        ),
        (
            "variable-shape tensor",
            ext_stream(
                "arrow.variable_shape_tensor",
                vst(Array::from(vec![1i32, 2])),
                "{}",
            ),
            Ok(1),
        ),
        (
            "variable-shape tensor of strings",
            ext_stream(
                "arrow.variable_shape_tensor",
                vst(Array::from(vec!["a", "b"])),
                "{}",
            ),
            refused(
                "field \"x\": extension arrow.variable_shape_tensor: tensor values must be of a fixed-width type, not string",
            ),
        ),
        (
            "unknown extension",
            ext_stream("example.unknown", Array::from(vec![1i32]), "anything"),
            Ok(1),
        ),
    ]
}

#[test]
fn canonical_extension_types_are_checked_on_read() {
    for (what, bytes, expected) in extension_cases() {
        assert_eq!(
            read(&bytes).map_err(|e| without_byte(&e)),
            expected,
            "{what}"
        );
    }
    // Unknown extensions keep their name and metadata.
    let bytes = ext_stream("example.unknown", Array::from(vec![1i32]), "anything");
    let r = StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes))).unwrap();
    let f = &r.schema().fields()[0];
    assert_eq!(
        (f.extension_name(), f.extension_metadata()),
        (Some("example.unknown"), Some("anything"))
    );
}

/// pyarrow's verdict on each stream: `OK` after reading and `validate(full=True)`, or
/// the error.
fn pyarrow_verdicts(python: &str, streams: &[(String, Vec<u8>)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (k, (_, bytes)) in streams.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{k:03}.arrows")), bytes).unwrap();
    }
    let script = r#"
import os, sys, pyarrow as pa, pyarrow.ipc as ipc
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    try:
        with open(os.path.join(d, name), "rb") as f:
            t = ipc.open_stream(f.read()).read_all()
        t.validate(full=True)
        print("OK")
    except Exception as e:
        print("ERR", type(e).__name__, str(e).replace("\n", " "))
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn pyarrow_agrees_on_every_verdict() {
    let Some(python) = quiver_testkit::require_python("pyarrow validation verdicts") else {
        return;
    };
    let python = python.to_string_lossy().into_owned();
    let mut streams: Vec<(String, Vec<u8>)> = Vec::new();
    for (what, bytes, _) in cases() {
        streams.push((format!("{what}, patched"), bytes));
    }
    // The unpatched streams must be accepted by both.
    let lv = list_view(false);
    streams.push(("list view, valid".into(), stream(vec![("lv", lv.clone())])));
    let st = Array::struct_from(vec![("a", lv)], None).unwrap();
    streams.push(("struct of list view, valid".into(), stream(vec![("s", st)])));
    for (what, bytes, _) in extension_cases() {
        streams.push((what.to_string(), bytes));
    }
    let verdicts = pyarrow_verdicts(&python, &streams);
    assert_eq!(verdicts.len(), streams.len());
    for ((what, bytes), pyarrow) in streams.iter().zip(&verdicts) {
        let quiver = read(bytes);
        assert_eq!(
            quiver.is_ok(),
            pyarrow == "OK",
            "{what}: Quiver says {quiver:?}, pyarrow says {pyarrow}"
        );
    }
    // 27 streams today: patched, unpatched and extension cases.
    quiver_testkit::expect_cases("pyarrow validation verdicts", streams.len(), 27);
}
