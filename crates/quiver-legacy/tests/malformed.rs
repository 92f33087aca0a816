//! Malformed blobs give clear errors, never panics.

use quiver_array::{Array, RecordBatch, UnionMode};
use quiver_buffer::Buffer;
use quiver_ipc::StreamWriter;
use quiver_legacy::{LegacyError, Value, deserialize, serialize};

fn err(bytes: Vec<u8>) -> String {
    deserialize(&Buffer::from_vec(bytes))
        .unwrap_err()
        .to_string()
}

fn blob(v: &Value) -> Vec<u8> {
    serialize(v).unwrap().to_buffer().as_slice().to_vec()
}

fn set_i32(b: &mut [u8], at: usize, v: i32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn nested(depth: usize) -> Value {
    let mut v = Value::None;
    for _ in 0..depth {
        v = Value::List(vec![v]);
    }
    v
}

const CUT: &str = "(the blob was cut off, or is not a pyarrow.serialize blob)";

#[test]
fn truncated_input() {
    let none = blob(&Value::None);
    assert_eq!(
        err(vec![]),
        format!(
            "legacy blob is truncated: the count header at byte 0 needs 4 bytes, but only 0 remain {CUT}"
        )
    );
    assert_eq!(
        err(none[..10].to_vec()),
        format!(
            "legacy blob is truncated: the count header at byte 8 needs 4 bytes, but only 2 remain {CUT}"
        )
    );
    assert_eq!(
        err(none[..200].to_vec()),
        "legacy blob: the record batch stream at byte 16: unexpected end of input at message 1, \
         byte 184: the stream ends after 0 record batches without its end-of-stream marker \
         (cut off, or its writer never finished it); \
         `IpcReadOptions::with_require_end_of_stream(false)` accepts such streams"
    );
    // Every prefix of a blob with all kinds of blocks fails cleanly.
    let full = blob(&Value::from(vec![
        Value::ndarray(&[1i32, 2], &[2]).unwrap(),
        Value::Buffer(Buffer::from_vec(vec![1u8, 2, 3])),
        Value::dict([("k", 1.5f64)]),
    ]));
    for n in 0..full.len() {
        assert!(
            deserialize(&Buffer::from_vec(full[..n].to_vec())).is_err(),
            "prefix {n}"
        );
    }
}

#[test]
fn bad_counts() {
    let none = blob(&Value::None);
    let mut b = none.clone();
    set_i32(&mut b, 8, -1);
    assert_eq!(
        err(b),
        "malformed legacy blob at byte 8: the ndarray count is negative (-1)"
    );
    let mut b = none.clone();
    set_i32(&mut b, 0, 1);
    assert_eq!(
        err(b),
        format!(
            "legacy blob is truncated: a tensor message at byte 384 needs 4 bytes, but only 0 remain {CUT}"
        )
    );
    let mut b = none.clone();
    set_i32(&mut b, 0, i32::MAX);
    assert!(matches!(
        deserialize(&Buffer::from_vec(b)),
        Err(LegacyError::Truncated { .. })
    ));
    let mut b = none;
    set_i32(&mut b, 4, 2);
    assert_eq!(
        err(b),
        "legacy blob at byte 4 uses 2 sparse tensors, which is not supported"
    );
}

#[test]
fn bad_union_type_id() {
    let mut b = blob(&Value::None);
    b[360] = 5; // the type id of the single slot
    assert_eq!(
        err(b),
        "legacy blob: the record batch stream at byte 16: invalid array at message 1, record \
         batch 0, field \"list\", byte 360: dense_union<0: null=0> array: slot 0 has type id 5, \
         which the union does not declare"
    );
}

#[test]
fn out_of_range_indices() {
    let mut b = blob(&Value::ndarray(&[1i32, 2], &[2]).unwrap());
    set_i32(&mut b, 8, 0);
    assert_eq!(
        err(b),
        "malformed legacy blob at $[0]: ndarray index 0 is out of range: the blob holds 0 ndarrays"
    );
    let mut b = blob(&Value::Buffer(Buffer::from_vec(vec![1u8, 2, 3])));
    set_i32(&mut b, 12, 0);
    assert_eq!(
        err(b),
        "malformed legacy blob at $[0]: buffer index 0 is out of range: the blob holds 0 buffers"
    );
    let mut b = blob(&Value::from(vec![Value::Tensor(
        quiver_ipc::Tensor::from_vec(vec![1u8], vec![1]).unwrap(),
    )]));
    set_i32(&mut b, 0, 0);
    assert_eq!(
        err(b),
        "malformed legacy blob at $[0][0]: tensor index 0 is out of range: the blob holds 0 tensors"
    );
}

#[test]
fn lying_buffer_length() {
    let mut b = blob(&Value::Buffer(Buffer::from_vec(vec![1u8, 2, 3])));
    let n = b.len();
    b[n - 11..n - 3].copy_from_slice(&(1i64 << 40).to_le_bytes());
    assert_eq!(
        err(b.clone()),
        format!(
            "legacy blob is truncated: a buffer at byte 520 needs 1099511627776 bytes, but only 3 remain {CUT}"
        )
    );
    b[n - 11..n - 3].copy_from_slice(&(-3i64).to_le_bytes());
    assert_eq!(
        err(b),
        "malformed legacy blob at byte 512: buffer length -3 is negative"
    );
}

#[test]
fn nesting_is_bounded() {
    // pyarrow's limit: 31 nested lists serialize, 32 do not (Arrow IPC's 64 levels).
    let ok = nested(31);
    assert_eq!(
        deserialize(&serialize(&ok).unwrap().to_buffer()).unwrap(),
        ok
    );
    assert_eq!(
        serialize(&nested(32)).unwrap_err().to_string(),
        "cannot serialize a value: Max recursion depth reached: it nests deeper than Arrow \
         IPC's 64 levels (at most 31 nested lists or 20 nested dicts)"
    );
    // A hand-made blob nesting 40 lists is refused by the IPC reader's depth limit.
    let mut union =
        Array::union_from(vec![("0", Array::new_null(1))], &[0], UnionMode::Dense).unwrap();
    for _ in 0..40 {
        let list = Array::list_from_lengths(union, [Some(1)]).unwrap();
        union = Array::union_from(
            vec![("0", Array::new_null(0)), ("10", list)],
            &[1],
            UnionMode::Dense,
        )
        .unwrap();
    }
    let batch = RecordBatch::try_from_columns(vec![union], &["list"]).unwrap();
    let mut w = StreamWriter::try_new(vec![0u8; 16], batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let bytes = w.close().unwrap();
    let e = deserialize(&Buffer::from_vec(bytes))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("legacy blob: the record batch stream at byte 16: ")
            && e.ends_with("fields nested more than 64 levels deep"),
        "{e}"
    );
}
