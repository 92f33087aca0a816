//! Zero-copy reads: batches read from a `BufferReader`, a `Buffer` or a memory map point
//! into the source's memory, and `with_require_zero_copy(true)` accepts exactly those
//! sources (refusing plain readers and files, and misaligned data, with `CopyRequired`).
//!
//! Allocation accounting (OsFile vs memory map) is in `allocations.rs`: it needs a test
//! binary of its own because the memory pool is global.

use std::path::Path;
use std::sync::Arc;

use quiver::ipc::{FileReader, FileWriter, IpcError, IpcReadOptions, StreamReader, StreamWriter};
use quiver::{
    Array, Buffer, BufferOutputStream, BufferReader, DataType, Field, OsFile, ReadInputStream,
    RecordBatch, Schema, memory_map,
};

fn batch(seed: i64) -> RecordBatch {
    let n = 1000;
    let schema = Arc::new(Schema::new(vec![
        Field::new("i32", DataType::Int32, false),
        Field::new("i64", DataType::Int64, true),
        Field::new("f64", DataType::Float64, false),
        Field::new("utf8", DataType::Utf8, true),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Array::from((0..n).map(|i| i * 3 + seed as i32).collect::<Vec<_>>()),
            Array::from(
                (0..n)
                    .map(|i| (i % 7 != 0).then_some(i as i64 * seed))
                    .collect::<Vec<_>>(),
            ),
            Array::from((0..n).map(|i| i as f64 / 8.0).collect::<Vec<_>>()),
            Array::from(
                (0..n)
                    .map(|i| (i % 5 != 0).then(|| format!("value {i} of {seed}")))
                    .collect::<Vec<_>>(),
            ),
        ],
    )
    .unwrap()
}

fn batches() -> Vec<RecordBatch> {
    (1..=3).map(batch).collect()
}

fn stream_bytes() -> Buffer {
    let batches = batches();
    let mut sink = BufferOutputStream::new();
    let mut w = StreamWriter::try_new(&mut sink, batches[0].schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.finish().unwrap();
    drop(w);
    sink.getvalue()
}

fn file_bytes() -> Buffer {
    let batches = batches();
    let mut sink = BufferOutputStream::new();
    let mut w = FileWriter::try_new(&mut sink, batches[0].schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.finish().unwrap();
    drop(w);
    sink.getvalue()
}

fn write_to(path: &Path, bytes: &Buffer) {
    std::fs::write(path, bytes.as_slice()).unwrap();
}

/// Every value buffer (and the validity bitmap, when present) of every column lies inside
/// `src`, and the batches equal what was written.
fn assert_inside(src: &Buffer, read: &[RecordBatch], what: &str) {
    let expected = batches();
    assert_eq!(read.len(), expected.len(), "{what}: batch count");
    for (bi, (b, e)) in read.iter().zip(&expected).enumerate() {
        assert!(b.equals(e), "{what}: batch {bi} differs");
        for (ci, col) in b.columns().iter().enumerate() {
            assert!(!col.buffers().is_empty());
            for (k, buf) in col.buffers().iter().enumerate() {
                assert!(
                    !buf.is_empty(),
                    "{what}: batch {bi} column {ci} buffer {k} is empty"
                );
                assert!(
                    src.contains_ptr(buf.as_ptr()),
                    "{what}: batch {bi} column {ci} ({}) buffer {k} is a copy",
                    col.data_type()
                );
                assert!(
                    src.contains_ptr(buf.as_ptr().wrapping_add(buf.len() - 1)),
                    "{what}: batch {bi} column {ci} buffer {k} ends outside the source"
                );
            }
            if let Some(v) = col.nulls_buffer() {
                assert!(src.contains_ptr(v.as_ptr()), "{what}: validity copied");
            }
        }
    }
}

fn zero_copy() -> IpcReadOptions {
    IpcReadOptions::default().with_require_zero_copy(true)
}

fn read_file_all<F: quiver::RandomAccessFile>(r: &FileReader<F>) -> Vec<RecordBatch> {
    (0..r.num_record_batches())
        .map(|i| r.get_batch(i).unwrap())
        .collect()
}

#[test]
fn stream_over_buffer_reader_is_zero_copy() {
    let src = stream_bytes();
    let read: Vec<_> = StreamReader::try_new(BufferReader::new(src.clone()))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_inside(&src, &read, "stream/BufferReader");

    let read: Vec<_> =
        StreamReader::try_new_with_options(BufferReader::new(src.clone()), zero_copy())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    assert_inside(&src, &read, "stream/BufferReader, zero-copy required");
}

#[test]
fn file_over_buffer_is_zero_copy() {
    let src = file_bytes();
    let r = FileReader::try_new(src.clone()).unwrap();
    assert_inside(&src, &read_file_all(&r), "file/Buffer");

    let r = FileReader::try_new_with_options(src.clone(), zero_copy()).unwrap();
    assert_inside(&src, &read_file_all(&r), "file/Buffer, zero-copy required");
    let table = r.read_all().unwrap();
    assert_eq!(table.num_rows(), 3000);
}

#[test]
fn memory_mapped_file_and_stream_are_zero_copy() {
    let dir = tempfile::tempdir().unwrap();
    let file_path = dir.path().join("data.arrow");
    let stream_path = dir.path().join("data.arrows");
    write_to(&file_path, &file_bytes());
    write_to(&stream_path, &stream_bytes());

    let map = memory_map(&file_path).unwrap();
    let src = map.buffer().clone();
    let r = FileReader::try_new(map).unwrap();
    assert_inside(&src, &read_file_all(&r), "file/memory map");

    let map = memory_map(&file_path).unwrap();
    let src = map.buffer().clone();
    let r = FileReader::try_new_with_options(map, zero_copy()).unwrap();
    let read = read_file_all(&r);
    // The batches keep the map alive after the reader is gone.
    drop(r);
    assert_inside(&src, &read, "file/memory map, zero-copy required");

    let map = memory_map(&stream_path).unwrap();
    let src = map.buffer().clone();
    let read: Vec<_> = StreamReader::try_new_with_options(map, zero_copy())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_inside(&src, &read, "stream/memory map, zero-copy required");
}

fn assert_copy_required<T: std::fmt::Debug>(r: Result<T, IpcError>, what: &str) {
    match r {
        Err(IpcError::CopyRequired { .. }) => {}
        other => panic!("{what}: expected CopyRequired, got {other:?}"),
    }
}

#[test]
fn require_zero_copy_refuses_sources_that_copy() {
    let stream = stream_bytes();
    let file = file_bytes();

    // A plain std::io::Read (what StreamReader::from_reader wraps).
    assert_copy_required(
        StreamReader::try_new_with_options(ReadInputStream::new(stream.as_slice()), zero_copy()),
        "stream over io::Read",
    );
    // Without the option, the same reader works (by copying).
    let copied: Vec<_> = StreamReader::from_reader(stream.as_slice())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(copied.len(), 3);
    assert!(
        !stream.contains_ptr(copied[0].columns()[0].buffers()[0].as_ptr()),
        "a reader over io::Read cannot point into the caller's bytes"
    );

    // An OsFile, as a stream and as a file.
    let dir = tempfile::tempdir().unwrap();
    let file_path = dir.path().join("data.arrow");
    let stream_path = dir.path().join("data.arrows");
    write_to(&file_path, &file);
    write_to(&stream_path, &stream);
    assert_copy_required(
        FileReader::try_new_with_options(OsFile::open(&file_path).unwrap(), zero_copy()),
        "file over OsFile",
    );
    assert_copy_required(
        StreamReader::try_new_with_options(OsFile::open(&stream_path).unwrap(), zero_copy()),
        "stream over OsFile",
    );
    // Without the option an OsFile reads fine, into fresh memory.
    let r = FileReader::try_new(OsFile::open(&file_path).unwrap()).unwrap();
    let read = read_file_all(&r);
    assert!(read[0].equals(&batches()[0]));
    assert!(read[0].columns()[0].buffers()[0].is_pool_memory());
}

#[test]
fn require_zero_copy_refuses_misaligned_data() {
    // The same stream, one byte into a larger buffer: every body buffer is misaligned.
    let stream = stream_bytes();
    let mut shifted = BufferOutputStream::new();
    std::io::Write::write_all(&mut shifted, &[0]).unwrap();
    std::io::Write::write_all(&mut shifted, stream.as_slice()).unwrap();
    let shifted = shifted.getvalue();
    let src = shifted.slice(1, stream.len());
    assert_eq!(src.as_ptr() as usize % 2, 1);

    let mut r =
        StreamReader::try_new_with_options(BufferReader::new(src.clone()), zero_copy()).unwrap();
    assert_copy_required(r.next_batch(), "misaligned stream");

    // Without the option the batches read, equal, with the misaligned buffers copied.
    let read: Vec<_> = StreamReader::try_new(BufferReader::new(src.clone()))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (b, e) in read.iter().zip(&batches()) {
        assert!(b.equals(e));
        let i32_values = &b.columns()[0].buffers()[0];
        assert_eq!(i32_values.as_ptr() as usize % 4, 0);
    }
}
