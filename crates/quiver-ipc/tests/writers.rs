//! How the writers finish and what they leave behind: a failed `finish` keeps failing,
//! and a writer dropped unfinished adds nothing to its sink (not even while a panic
//! unwinds), for the stream and the file writer alike.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use quiver_array::{Array, DataType, Field, RecordBatch, UnionMode};
use quiver_buffer::{Buffer, BufferReader};
use quiver_ipc::{FileDecoder, FileReader, FileWriter, IpcReadOptions, StreamReader, StreamWriter};

/// A sink whose bytes, and whether it fails or panics when written, are shared with the
/// test, so they can be inspected and switched while a writer owns a clone.
#[derive(Debug, Clone, Default)]
struct SharedSink {
    bytes: Arc<Mutex<Vec<u8>>>,
    fail: Arc<AtomicBool>,
    panic: Arc<AtomicBool>,
}

impl SharedSink {
    fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_fail(&self, yes: bool) {
        self.fail.store(yes, Ordering::SeqCst);
    }

    fn set_panic(&self, yes: bool) {
        self.panic.store(yes, Ordering::SeqCst);
    }

    fn check(&self) -> io::Result<()> {
        if self.panic.load(Ordering::SeqCst) {
            panic!("the sink was written to");
        }
        if self.fail.load(Ordering::SeqCst) {
            return Err(io::Error::other("disk full"));
        }
        Ok(())
    }
}

impl Write for SharedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        self.bytes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.check()
    }
}

fn batch() -> RecordBatch {
    RecordBatch::try_from_columns(
        vec![
            Array::from(vec![1i64, 2, 3]),
            Array::from(vec![Some("a"), None, Some("c")]),
        ],
        &["n", "s"],
    )
    .unwrap()
}

const SINK_FAILED: &str = "I/O error while writing to the sink: disk full";
const STILL_FAILED: &str = "the writer's output is incomplete: an earlier write failed \
     (I/O error while writing to the sink: disk full); start again with a new writer and sink";

/// What a file reader says about a file of `len` bytes without its footer.
fn unfinished(len: usize) -> String {
    format!(
        "unexpected end of input at byte {len}: the file starts with the ARROW1 magic but \
         does not end with it: it is truncated (cut off, or its writer never finished it)"
    )
}

#[test]
fn a_failed_stream_finish_keeps_failing() {
    let sink = SharedSink::default();
    let mut w = StreamWriter::try_new(sink.clone(), batch().schema()).unwrap();
    w.write(&batch()).unwrap();
    let before = sink.bytes();

    sink.set_fail(true);
    assert_eq!(w.finish().unwrap_err().to_string(), SINK_FAILED);
    // The sink works again, but the writer lost bytes: it must not claim success.
    sink.set_fail(false);
    assert_eq!(w.finish().unwrap_err().to_string(), STILL_FAILED);
    assert_eq!(w.write(&batch()).unwrap_err().to_string(), STILL_FAILED);

    // Nothing was added after the failure, so no end-of-stream marker follows the batch.
    let bytes = sink.bytes();
    assert_eq!(bytes, before);
    let mut reader = StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes))).unwrap();
    assert!(reader.next_batch().unwrap().unwrap().equals(&batch()));
    let err = reader.next_batch().unwrap_err().to_string();
    assert!(
        err.contains("ends after 1 record batches without its end-of-stream marker"),
        "{err}"
    );
    assert_eq!(w.close().unwrap_err().to_string(), STILL_FAILED);
}

#[test]
fn a_failed_file_finish_keeps_failing() {
    let sink = SharedSink::default();
    let mut w = FileWriter::try_new(sink.clone(), batch().schema()).unwrap();
    w.write(&batch()).unwrap();
    // The file writer gathers messages; `flush` hands them to the sink.
    w.flush().unwrap();
    let before = sink.bytes();

    sink.set_fail(true);
    assert_eq!(w.finish().unwrap_err().to_string(), SINK_FAILED);
    sink.set_fail(false);
    assert_eq!(w.finish().unwrap_err().to_string(), STILL_FAILED);
    assert_eq!(w.write(&batch()).unwrap_err().to_string(), STILL_FAILED);
    assert_eq!(w.close().unwrap_err().to_string(), STILL_FAILED);

    // No footer, no closing magic: no file reader takes it for a file.
    let bytes = sink.bytes();
    assert_eq!(bytes, before);
    let len = bytes.len();
    let err = FileReader::try_new(Buffer::from_vec(bytes)).unwrap_err();
    assert_eq!(err.to_string(), unfinished(len));
}

#[test]
fn a_failed_batch_write_closes_the_writer() {
    let sink = SharedSink::default();
    let mut w = StreamWriter::try_new(sink.clone(), batch().schema()).unwrap();
    sink.set_fail(true);
    assert_eq!(w.write(&batch()).unwrap_err().to_string(), SINK_FAILED);
    sink.set_fail(false);
    assert_eq!(w.write(&batch()).unwrap_err().to_string(), STILL_FAILED);
    assert_eq!(w.finish().unwrap_err().to_string(), STILL_FAILED);
}

#[test]
fn a_successful_finish_can_be_repeated() {
    let sink = SharedSink::default();
    let mut w = FileWriter::try_new(sink.clone(), batch().schema()).unwrap();
    w.write(&batch()).unwrap();
    w.finish().unwrap();
    let done = sink.bytes();
    // Even with a sink that now fails, nothing more is written.
    sink.set_fail(true);
    w.finish().unwrap();
    assert_eq!(
        w.write(&batch()).unwrap_err().to_string(),
        "write after finish(): the writer is closed"
    );
    assert_eq!(sink.bytes(), done);
    let r = FileReader::try_new(Buffer::from_vec(done)).unwrap();
    assert!(r.get_batch(0).unwrap().equals(&batch()));
}

/// What a stream reader says about a stream of `len` bytes whose writer was dropped
/// after one batch.
fn never_finished(len: usize) -> String {
    format!(
        "unexpected end of input at message 2, byte {len}: the stream ends after 1 record \
         batches without its end-of-stream marker (cut off, or its writer never finished \
         it); `IpcReadOptions::with_require_end_of_stream(false)` accepts such streams"
    )
}

#[test]
fn a_dropped_stream_writer_writes_nothing_more() {
    let sink = SharedSink::default();
    let mut w = StreamWriter::try_new(sink.clone(), batch().schema()).unwrap();
    w.write(&batch()).unwrap();
    let written = sink.bytes();
    drop(w);
    assert_eq!(sink.bytes(), written);

    let mut reader =
        StreamReader::try_new(BufferReader::new(Buffer::from_vec(sink.bytes()))).unwrap();
    assert!(reader.next_batch().unwrap().unwrap().equals(&batch()));
    assert_eq!(
        reader.next_batch().unwrap_err().to_string(),
        never_finished(written.len())
    );
}

#[test]
fn a_dropped_file_writer_writes_nothing_more() {
    let sink = SharedSink::default();
    let mut w = FileWriter::try_new(sink.clone(), batch().schema()).unwrap();
    w.write(&batch()).unwrap();
    w.flush().unwrap();
    let written = sink.bytes();
    drop(w);
    assert_eq!(sink.bytes(), written);
    let err = FileReader::try_new(Buffer::from_vec(sink.bytes())).unwrap_err();
    assert_eq!(err.to_string(), unfinished(written.len()));
}

/// Drops a writer built by `make` while a panic unwinds, on its own thread, with a sink
/// that panics if written. A write from the destructor would panic during unwinding and
/// abort the whole test process; instead the thread must end with the first panic.
fn drop_while_panicking<T: Send + 'static>(make: fn(SharedSink) -> T) {
    let sink = SharedSink::default();
    let thread_sink = sink.clone();
    let written = Arc::new(Mutex::new(Vec::new()));
    let thread_written = Arc::clone(&written);
    let outcome = std::thread::spawn(move || {
        let writer = make(thread_sink.clone());
        *thread_written.lock().unwrap() = thread_sink.bytes();
        thread_sink.set_panic(true);
        let _dropped_while_unwinding = writer;
        panic!("the producer failed");
    })
    .join();
    let payload = outcome.expect_err("the thread panics");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the producer failed"));
    // This process is still alive, and the sink holds what the writer had written.
    let written = written.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(!written.is_empty());
    assert_eq!(sink.bytes(), written);
}

#[test]
fn a_stream_writer_dropped_while_panicking_does_no_io() {
    drop_while_panicking(|sink| {
        let mut w = StreamWriter::try_new(sink, batch().schema()).unwrap();
        w.write(&batch()).unwrap();
        w
    });
}

#[test]
fn a_file_writer_dropped_while_panicking_does_no_io() {
    drop_while_panicking(|sink| {
        let mut w = FileWriter::try_new(sink, batch().schema()).unwrap();
        w.write(&batch()).unwrap();
        w.flush().unwrap();
        w.write(&batch()).unwrap();
        w
    });
}

/// The file writer gathers whole messages: until `flush`, `finish` or about 1 MiB, the
/// sink has nothing, and a writer dropped before then leaves it empty.
#[test]
fn a_dropped_file_writer_drops_its_gathered_messages() {
    let sink = SharedSink::default();
    let mut w = FileWriter::try_new(sink.clone(), batch().schema()).unwrap();
    w.write(&batch()).unwrap();
    assert_eq!(sink.bytes(), b"");
    drop(w);
    assert_eq!(sink.bytes(), b"");
}

/// A stream has one schema message; a second one is refused where it stands, like
/// pyarrow's "Header-type of flatbuffer-encoded Message is not RecordBatch".
#[test]
fn a_second_schema_message_is_refused() {
    let mut w = StreamWriter::try_new(Vec::new(), batch().schema()).unwrap();
    let schema_len = w.get_ref().len();
    w.write(&batch()).unwrap();
    let stream = w.close().unwrap();
    let schema_message = &stream[..schema_len];
    let batch_and_end = &stream[schema_len..];

    for (bytes, at) in [
        ([schema_message, schema_message, batch_and_end].concat(), 1),
        (
            [
                schema_message,
                &batch_and_end[..batch_and_end.len() - 8],
                schema_message,
            ]
            .concat(),
            2,
        ),
    ] {
        // Errors name the message and the byte where it ends.
        let offset = if at == 1 { 2 * schema_len } else { bytes.len() };
        let source = BufferReader::new(Buffer::from_vec(bytes));
        let mut reader = StreamReader::try_new(source).unwrap();
        if at == 2 {
            assert!(reader.next_batch().unwrap().unwrap().equals(&batch()));
        }
        assert_eq!(
            reader.next_batch().unwrap_err().to_string(),
            format!(
                "invalid Arrow IPC data at message {at}, byte {offset}: a second schema message"
            )
        );
        assert!(reader.next_batch().unwrap().is_none());
    }
}

// ---------------------------------------------------------------------------------------
// Slices are written re-based: the body holds the slice's bytes, not the whole array's.
// Every expected size below is worked out by hand from the layout, with each buffer
// starting on an 8-byte boundary. All slices are rows 333..343 of 1000 (bit offset 5).

/// Writes `column` as the only column of a one-batch file; checks the batch read back
/// equals it and returns the body lengths of the batch and of the dictionary messages.
fn written_body(column: &Array) -> (usize, Vec<usize>) {
    let batch = RecordBatch::try_from_columns(vec![column.clone()], &["c"]).unwrap();
    let mut w = FileWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let file = Buffer::from_vec(w.close().unwrap());
    let decoder = FileDecoder::from_file(&file, IpcReadOptions::default()).unwrap();
    let block = decoder.record_batches()[0];
    let back = decoder
        .read_record_batch(&block, &block.slice_of(&file).unwrap())
        .unwrap();
    assert!(
        back.columns()[0].equals(column),
        "{} != {column}",
        back.columns()[0]
    );
    assert_eq!(back.columns()[0].to_string(), column.to_string());
    let dictionaries = decoder.dictionaries().iter().map(|b| b.body_length);
    (block.body_length, dictionaries.collect())
}

fn sliced(a: Array) -> Array {
    assert_eq!(a.len(), 1000);
    a.slice(333, 10)
}

#[test]
fn flat_slices_are_written_rebased() {
    // int64, one null in the slice: bitmap 2 bytes (padded to 8) + 10 values of 8 bytes.
    let ints = (0..1000i64).map(|i| (i % 7 != 0).then_some(i));
    let ints = sliced(Array::from(ints.collect::<Vec<_>>()));
    assert_eq!(ints.null_count(), 1);
    assert_eq!(written_body(&ints), (8 + 80, vec![]));

    // Booleans at bit offset 5, re-packed: bitmap and values 2 bytes each.
    let bools = (0..1000).map(|i| (i % 5 != 0).then_some(i % 3 == 0));
    let bools = sliced(Array::from(bools.collect::<Vec<_>>()));
    assert_eq!(written_body(&bools), (8 + 8, vec![]));

    // utf8 "v333".."v342": 11 offsets (44, padded to 48) from 0, then their 40 bytes.
    let strings = sliced(Array::from(
        (0..1000).map(|i| format!("v{i}")).collect::<Vec<_>>(),
    ));
    assert_eq!(written_body(&strings), (48 + 40, vec![]));

    // A null column has no buffers at all.
    let nulls = sliced(Array::new_null(1000));
    assert_eq!(written_body(&nulls), (0, vec![]));
}

#[test]
fn nested_slices_are_written_rebased() {
    // list<int32>, list i holding i % 4 values: the slice holds 1+2+3+0+1+2+3+0+1+2 = 15.
    let lengths = (0..1000).map(|i| Some(i % 4));
    let values = Array::from((0..1500i32).collect::<Vec<_>>());
    let list = sliced(Array::list_from_lengths(values.clone(), lengths.clone()).unwrap());
    // Offsets 44 (padded to 48), the child's 15 values 60 (padded to 64).
    assert_eq!(written_body(&list), (48 + 64, vec![]));

    // struct {a: int64, b: utf8}: both children sliced with it.
    let a = Array::from((0..1000i64).collect::<Vec<_>>());
    let b = Array::from((0..1000).map(|i| format!("v{i}")).collect::<Vec<_>>());
    let st = sliced(Array::struct_from(vec![("a", a), ("b", b)], None).unwrap());
    assert_eq!(written_body(&st), (80 + 48 + 40, vec![]));

    // fixed_size_list<int16>[3]: 30 child values of 2 bytes (60, padded to 64).
    let child = Array::from((0..3000i16).collect::<Vec<_>>());
    let fsl = sliced(Array::fixed_size_list(child, 3, None).unwrap());
    assert_eq!(written_body(&fsl), (64, vec![]));

    // Sparse union {i: int32, s: utf8}: type ids 10 (padded to 16), both children
    // sliced: 40 bytes of int32, and 44 (48) offsets with 40 bytes of "v333".."v342".
    let i = Array::from((0..1000i32).collect::<Vec<_>>());
    let s = Array::from((0..1000).map(|i| format!("v{i}")).collect::<Vec<_>>());
    let slots: Vec<usize> = (0..1000).map(|k| k % 2).collect();
    let sparse = Array::union_from(vec![("i", i), ("s", s)], &slots, UnionMode::Sparse);
    assert_eq!(
        written_body(&sliced(sparse.unwrap())),
        (16 + 40 + 48 + 40, vec![])
    );

    // Run-end encoded, runs of 5: rows 333..343 touch runs 66, 67 and 68, written as
    // run ends [2, 7, 10] (12 bytes, padded to 16) and values "r66".."r68" (4 offsets,
    // 16 bytes, and 9 bytes padded to 16).
    let ends = Array::from((1..=200i32).map(|k| k * 5).collect::<Vec<_>>());
    let runs = Array::from((0..200).map(|k| format!("r{k}")).collect::<Vec<_>>());
    let ree = sliced(Array::run_end_encoded(ends, runs).unwrap());
    assert_eq!(written_body(&ree), (16 + 16 + 16, vec![]));
}

/// Layouts whose slices keep some buffers whole, as Arrow C++ writes them too: the
/// children of list views and dense unions are addressed through offsets, view data
/// buffers through the views, and a dictionary is shared by every batch.
#[test]
fn some_slices_carry_whole_buffers() {
    // utf8_view of 22-byte strings: 10 views (160 bytes) but all 22000 data bytes.
    let long = (0..1000).map(|i| Some(format!("long-string-value-{i:04}")));
    let views = sliced(Array::from_bytes(DataType::Utf8View, long).unwrap());
    assert_eq!(written_body(&views), (160 + 22000, vec![]));

    // list_view<int32>: 10 offsets and 10 sizes, but the whole child (1500 values).
    let item = std::sync::Arc::new(Field::new("item", DataType::Int32, true));
    let values = Array::from((0..1500i32).collect::<Vec<_>>());
    let lengths = (0..1000).map(|i| Some(i % 4));
    let lv = Array::list_of(DataType::ListView(item), values, lengths).unwrap();
    assert_eq!(written_body(&sliced(lv)), (40 + 40 + 6000, vec![]));

    // Dense union {i: int32, s: utf8}: 10 type ids (16) and offsets (40), but both whole
    // children: 500 int32 (2000) and 500 four-byte strings (offsets 2004 padded to 2008,
    // data 2000).
    let i = Array::from((0..500i32).collect::<Vec<_>>());
    let s = Array::from((0..500).map(|k| format!("{k:04}")).collect::<Vec<_>>());
    let slots: Vec<usize> = (0..1000).map(|k| k % 2).collect();
    let dense = Array::union_from(vec![("i", i), ("s", s)], &slots, UnionMode::Dense);
    assert_eq!(
        written_body(&sliced(dense.unwrap())),
        (16 + 40 + 2000 + 2008 + 2000, vec![])
    );

    // Dictionary: the batch holds 10 one-byte indices (padded to 16); the dictionary
    // message holds all 100 values "w00".."w99" (101 offsets, 404 padded to 408, and
    // 300 bytes padded to 304).
    let indices = Array::from((0..1000).map(|i| (i % 100) as i8).collect::<Vec<_>>());
    let words = Array::from((0..100).map(|k| format!("w{k:02}")).collect::<Vec<_>>());
    let dict = sliced(Array::dictionary_from(indices, words, false).unwrap());
    assert_eq!(written_body(&dict), (16, vec![408 + 304]));
}

/// A batch of another schema is refused with the first field that differs, not with
/// both schemas printed on one line, and the writer stays usable.
#[test]
fn a_batch_of_another_schema_names_the_first_differing_field() {
    let mut w = StreamWriter::try_new(Vec::new(), batch().schema()).unwrap();
    let other = RecordBatch::try_from_columns(
        vec![Array::from(vec![1i64]), Array::from(vec![2i64])],
        &["n", "s"],
    )
    .unwrap();
    let err = w.write(&other).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the batch does not match the writer's schema: field 1 is `s: int64` but `s: string` was expected"
    );
    let good = batch();
    w.write(&good).unwrap();
    // A batch sharing the last good batch's schema `Arc` skips the comparison; any other
    // schema is still compared, after a match as before one.
    let head = good.slice(0, 1).unwrap();
    w.write(&head).unwrap();
    assert!(Arc::ptr_eq(head.schema(), good.schema()));
    let err = w.write(&other).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("field 1 is `s: int64` but `s: string` was expected"),
        "{err}"
    );
    w.write(&batch()).unwrap();
    let bytes = w.close().unwrap();
    let back: Vec<RecordBatch> = StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        back.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(),
        [batch().num_rows(), 1, batch().num_rows()]
    );
}
