//! Dictionary batches on the write side: sent once, replaced in streams, refused as
//! replacements in files, sent as deltas when asked (and in files when they grow).

use quiver_array::{Array, ArrayData, DataType, Field, RecordBatch, Schema};
use quiver_buffer::{Buffer, BufferReader};
use quiver_ipc::{FileReader, FileWriter, IpcWriteOptions, StreamReader, StreamWriter};

fn dict_type() -> DataType {
    DataType::Dictionary {
        index: Box::new(DataType::Int8),
        value: Box::new(DataType::Utf8),
        ordered: false,
    }
}

fn schema() -> Schema {
    Schema::new(vec![Field::new("d", dict_type(), true)])
}

fn batch(indices: &[i8], values: &[&str]) -> RecordBatch {
    let dict = Array::from(values.to_vec());
    let col = ArrayData::new(dict_type(), indices.len())
        .buffers(vec![Buffer::from_slice_ref(indices)])
        .dictionary(Some(dict))
        .build()
        .unwrap();
    RecordBatch::try_new(schema(), vec![col]).unwrap()
}

/// Every batch of a stream held in memory.
fn read_stream(bytes: Vec<u8>) -> Vec<RecordBatch> {
    StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[test]
fn same_dictionary_is_sent_once_and_replacements_go_through_streams() {
    let batches = [
        batch(&[0, 1], &["a", "b"]),
        batch(&[1, 1], &["a", "b"]),
        batch(&[0], &["z"]),
    ];
    let mut w = StreamWriter::try_new(Vec::new(), &schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    let bytes = w.close().unwrap();
    let back = read_stream(bytes.clone());
    assert_eq!(back.len(), 3);
    for (x, y) in back.iter().zip(&batches) {
        assert!(x.equals(y), "{x} != {y}");
    }
    assert_eq!(back[2].columns()[0].to_string(), "[\"z\"]");
}

#[test]
fn files_refuse_replacement_but_take_growth_as_deltas() {
    let mut w = FileWriter::try_new(Vec::new(), &schema()).unwrap();
    w.write(&batch(&[0], &["a"])).unwrap();
    let err = w.write(&batch(&[0], &["z"])).unwrap_err().to_string();
    assert!(
        err.contains("does not allow dictionary replacement"),
        "{err}"
    );

    let mut w = FileWriter::try_new(Vec::new(), &schema()).unwrap();
    let batches = [
        batch(&[0], &["a"]),
        batch(&[0, 1], &["a", "b"]),
        batch(&[2, 0], &["a", "b", "c"]),
    ];
    for b in &batches {
        w.write(b).unwrap();
    }
    let r = FileReader::try_new(Buffer::from_vec(w.close().unwrap())).unwrap();
    // A file reader applies every delta before any batch: all batches see a, b, c.
    let last = r.get_batch(2).unwrap();
    assert!(last.equals(&batches[2]), "{last}");
    assert_eq!(
        r.get_batch(0).unwrap().columns()[0]
            .dictionary()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(r.get_batch(0).unwrap().columns()[0].to_string(), "[\"a\"]");
}

#[test]
fn streams_send_deltas_when_asked() {
    let (a, b, c) = ("a".repeat(200), "b".repeat(200), "c".repeat(200));
    let batches = [
        batch(&[0], &[&a]),
        batch(&[0, 1], &[&a, &b]),
        batch(&[2], &[&a, &b, &c]),
    ];
    let write = |deltas: bool| {
        let opts = IpcWriteOptions::default().with_emit_dictionary_deltas(deltas);
        let mut w = StreamWriter::try_new_with_options(Vec::new(), &schema(), opts).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.close().unwrap()
    };
    let (with, without) = (write(true), write(false));
    // Deltas carry only the new strings; replacements resend the old ones (600 bytes).
    assert!(
        with.len() < without.len(),
        "{} >= {}",
        with.len(),
        without.len()
    );
    for bytes in [with, without] {
        let back = read_stream(bytes);
        for (x, y) in back.iter().zip(&batches) {
            assert!(x.equals(y), "{x} != {y}");
        }
    }
}

#[test]
fn writers_refuse_arrays_built_unchecked_with_bad_values() {
    let bad = ArrayData::new(DataType::Utf8, 1).buffers(vec![
        Buffer::from_slice_ref(&[0i32, 1]),
        Buffer::from_slice_ref(&[0xFFu8]),
    ]);
    // SAFETY: deliberately false, to see the writer refuse it; nothing reads its values.
    let col = unsafe { bad.build_unchecked() }.unwrap();
    assert!(!col.values_checked());
    let batch = RecordBatch::try_from_columns(vec![col], &["s"]).unwrap();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    let err = w.write(&batch).unwrap_err().to_string();
    assert_eq!(
        err,
        "refusing to write column 0 (\"s\"): string array: slot 0 is not valid UTF-8"
    );
}

#[test]
fn footer_metadata_round_trips() {
    let mut w = FileWriter::try_new(Vec::new(), &schema()).unwrap();
    w.set_footer_metadata(vec![("origin".into(), "quiver test".into())]);
    w.write(&batch(&[0], &["a"])).unwrap();
    let r = FileReader::try_new(Buffer::from_vec(w.close().unwrap())).unwrap();
    assert_eq!(
        r.custom_metadata(),
        &[("origin".to_string(), "quiver test".to_string())]
    );
}

#[test]
fn a_delta_without_a_dictionary_before_it_is_refused() {
    let opts = IpcWriteOptions::default().with_emit_dictionary_deltas(true);
    let mut w = StreamWriter::try_new_with_options(Vec::new(), &schema(), opts).unwrap();
    let after_schema = w.get_ref().len();
    w.write(&batch(&[0], &["a"])).unwrap();
    let after_first = w.get_ref().len();
    w.write(&batch(&[1], &["a", "b"])).unwrap();
    let whole = w.close().unwrap();
    // The schema, then the delta and the batch that uses it, without the first
    // dictionary: the delta has nothing to extend.
    let mut cut = whole[..after_schema].to_vec();
    cut.extend_from_slice(&whole[after_first..]);
    let mut r = StreamReader::try_new(BufferReader::new(Buffer::from_vec(cut))).unwrap();
    let err = r.next().unwrap().unwrap_err().to_string();
    assert!(
        err.contains("delta dictionary batch for id 0 comes before any dictionary for that id"),
        "{err}"
    );
    // The untouched stream reads.
    assert_eq!(read_stream(whole).len(), 2);
}
