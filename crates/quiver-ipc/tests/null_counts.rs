//! Declared null counts: the safe read path counts each validity bitmap and refuses a
//! field node whose declared count differs; the `unsafe` unchecked path takes the
//! declared count as it is (the caller vouches for it), but never one past the length.

use std::sync::Arc;

use quiver_array::{Array, ArrayError, DataType, Field, RecordBatch, Schema};
use quiver_buffer::{Buffer, BufferReader};
use quiver_ipc::{IpcError, IpcReadOptions, StreamReader, StreamWriter};

/// A stream of one batch: 3 int32 slots, slot 1 null, with the field node's declared
/// null count replaced by `declared`.
fn stream_declaring(declared: i64) -> Vec<u8> {
    let col = Array::from(vec![Some(7i32), None, Some(9)]);
    let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, true)]));
    let batch = RecordBatch::try_new(schema, vec![col]).unwrap();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write_batch(&batch).unwrap();
    let mut bytes = w.close().unwrap();
    // The field node is the struct {length: i64, null_count: i64} = {3, 1}.
    let node: Vec<u8> = [3i64, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    let hits: Vec<usize> = (0..bytes.len() - node.len())
        .filter(|&i| bytes[i..].starts_with(&node))
        .collect();
    assert_eq!(hits.len(), 1, "field node found at {hits:?}");
    bytes[hits[0] + 8..hits[0] + 16].copy_from_slice(&declared.to_le_bytes());
    bytes
}

fn read(bytes: Vec<u8>, options: IpcReadOptions) -> Result<RecordBatch, IpcError> {
    let mut reader =
        StreamReader::try_new_with_options(BufferReader::new(Buffer::from_vec(bytes)), options)?;
    reader.next().expect("one batch")
}

fn unchecked() -> IpcReadOptions {
    // SAFETY: these tests only look at the null count they declared.
    unsafe { IpcReadOptions::default().with_unchecked_values() }
}

#[test]
fn the_safe_path_counts_the_bitmap_and_refuses_a_wrong_declared_count() {
    let err = read(stream_declaring(2), IpcReadOptions::default()).unwrap_err();
    match err {
        IpcError::InvalidArray { source, .. } => assert!(
            matches!(
                source,
                ArrayError::NullCount {
                    declared: 2,
                    actual: 1,
                    ..
                }
            ),
            "{source:?}"
        ),
        other => panic!("{other:?}"),
    }
    let ok = read(stream_declaring(1), IpcReadOptions::default()).unwrap();
    assert_eq!(ok.column(0).unwrap().null_count(), 1);
}

#[test]
fn the_unchecked_path_takes_the_declared_count_as_it_is() {
    let batch = read(stream_declaring(2), unchecked()).unwrap();
    assert_eq!(batch.column(0).unwrap().null_count(), 2);
    let batch = read(stream_declaring(1), unchecked()).unwrap();
    assert_eq!(batch.column(0).unwrap().null_count(), 1);
    assert_eq!(
        batch
            .column(0)
            .unwrap()
            .as_primitive::<i32>()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(7), None, Some(9)]
    );
}

#[test]
fn the_unchecked_path_still_refuses_a_count_past_the_length() {
    let err = read(stream_declaring(4), unchecked())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("null count 4 is larger than the length 3"),
        "{err}"
    );
}
