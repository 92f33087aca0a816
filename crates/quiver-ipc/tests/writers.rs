//! How the writers finish and what they leave behind: a failed `finish` keeps failing,
//! and a writer dropped unfinished adds nothing to its sink (not even while a panic
//! unwinds), for the stream and the file writer alike.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use quiver_array::{Array, RecordBatch};
use quiver_buffer::{Buffer, BufferReader};
use quiver_ipc::{FileReader, FileWriter, StreamReader, StreamWriter};

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

/// What a file reader says about a file without its footer.
const NOT_A_FILE: &str = "invalid Arrow IPC data at input: not an Arrow file: the ARROW1 \
     magic is missing at the start or the end (an Arrow stream? open it with a stream reader)";

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
    let err = FileReader::try_new(Buffer::from_vec(bytes)).unwrap_err();
    assert_eq!(err.to_string(), NOT_A_FILE);
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
    let written = sink.bytes();
    drop(w);
    assert_eq!(sink.bytes(), written);
    let err = FileReader::try_new(Buffer::from_vec(sink.bytes())).unwrap_err();
    assert_eq!(err.to_string(), NOT_A_FILE);
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
        w
    });
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
