//! The file writer gathers whole messages into writes of about 1 MiB without changing a
//! byte, and the sink's errors still reach the caller with their words.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use quiver_array::{Array, RecordBatch};
use quiver_buffer::Buffer;
use quiver_ipc::{FileReader, FileWriter, StreamWriter};

const MIB: usize = 1024 * 1024;
/// Pieces this large go to the sink directly.
const DIRECT: usize = 64 * 1024;

/// A sink that records the length of every `write` call, and fails every call once
/// `fail` is set.
#[derive(Debug, Clone, Default)]
struct Recording {
    bytes: Arc<Mutex<Vec<u8>>>,
    writes: Arc<Mutex<Vec<usize>>>,
    fail: bool,
}

impl Recording {
    fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }
    fn writes(&self) -> Vec<usize> {
        self.writes.lock().unwrap().clone()
    }
}

impl Write for Recording {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.fail {
            return Err(io::Error::other("disk full"));
        }
        self.writes.lock().unwrap().push(buf.len());
        self.bytes.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One int32 column of `n` values (a body of `4 * n` bytes).
fn ints(n: i32, seed: i32) -> RecordBatch {
    let values: Vec<i32> = (0..n).map(|i| i.wrapping_mul(31) ^ seed).collect();
    RecordBatch::try_from_columns(vec![Array::from(values)], &["v"]).unwrap()
}

/// The stream format's bytes of `batches`: what a file holds after its 8-byte preamble.
fn stream_of(batches: &[RecordBatch]) -> (Vec<u8>, usize, Vec<usize>) {
    let mut w = StreamWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    let schema_len = w.get_ref().len();
    let mut ends = Vec::new();
    for b in batches {
        w.write(b).unwrap();
        ends.push(w.get_ref().len());
    }
    (w.close().unwrap(), schema_len, ends)
}

#[test]
fn gathered_writes_cross_the_mebibyte_boundary_byte_for_byte() {
    let batches: Vec<RecordBatch> = (0..60).map(|i| ints(10_000, i)).collect();
    let sink = Recording::default();
    let mut w = FileWriter::try_new(sink.clone(), batches[0].schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.finish().unwrap();
    let file = sink.bytes();

    // The messages are exactly the stream writer's (which hands over every message
    // as it is written), between the magic and the footer.
    let (stream, _, _) = stream_of(&batches);
    assert_eq!(&file[..8], b"ARROW1\0\0");
    assert_eq!(&file[8..8 + stream.len()], &stream[..]);
    assert_eq!(&file[file.len() - 6..], b"ARROW1");
    let reader = FileReader::try_new(Buffer::from_vec(file.clone())).unwrap();
    assert_eq!(reader.num_record_batches(), 60);
    for (i, b) in batches.iter().enumerate() {
        assert!(reader.get_batch(i).unwrap().equals(b), "batch {i}");
    }

    // About 2.4 MB in three writes: two of just over 1 MiB, then the rest at `finish`.
    let writes = sink.writes();
    assert_eq!(writes.len(), 3, "{writes:?}");
    for &n in &writes[..2] {
        assert!((MIB..MIB + DIRECT).contains(&n), "{writes:?}");
    }
    assert_eq!(writes.iter().sum::<usize>(), file.len());
}

#[test]
fn large_body_buffers_bypass_the_gathered_bytes() {
    let batch = ints(20_000, 7);
    let sink = Recording::default();
    let mut w = FileWriter::try_new(sink.clone(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    // What was gathered before the 80,000-byte body (magic, schema, the batch's
    // metadata) goes first, then the body itself.
    let writes = sink.writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert_eq!(writes[1], 80_000);
    let (stream, _, ends) = stream_of(std::slice::from_ref(&batch));
    assert_eq!(writes[0] + writes[1], 8 + ends[0]);
    w.finish().unwrap();
    assert_eq!(&sink.bytes()[8..8 + stream.len()], &stream[..]);
}

#[test]
fn a_sink_error_surfaces_on_the_write_that_hands_over_the_gathered_bytes() {
    let batches: Vec<RecordBatch> = (0..40).map(|i| ints(10_000, i)).collect();
    let (_, _, ends) = stream_of(&batches);
    // The first batch after which the file's gathered bytes reach 1 MiB.
    let crossing = ends.iter().position(|&end| 8 + end >= MIB).unwrap();
    assert!(crossing > 20, "{crossing}");

    let sink = Recording {
        fail: true,
        ..Recording::default()
    };
    let mut w = FileWriter::try_new(sink.clone(), batches[0].schema()).unwrap();
    for b in &batches[..crossing] {
        w.write(b).unwrap();
    }
    assert_eq!(
        w.write(&batches[crossing]).unwrap_err().to_string(),
        "I/O error while writing to the sink: disk full"
    );
    assert_eq!(
        w.finish().unwrap_err().to_string(),
        "the writer's output is incomplete: an earlier write failed (I/O error while \
         writing to the sink: disk full); start again with a new writer and sink"
    );
    assert_eq!(sink.writes(), Vec::<usize>::new());
}

#[test]
fn flush_hands_the_gathered_messages_to_the_sink() {
    let batch = ints(100, 1);
    let sink = Recording::default();
    let mut w = FileWriter::try_new(sink.clone(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    assert_eq!(sink.writes(), Vec::<usize>::new());
    w.flush().unwrap();
    let (stream, _, ends) = stream_of(std::slice::from_ref(&batch));
    assert_eq!(
        sink.bytes(),
        [&b"ARROW1\0\0"[..], &stream[..ends[0]]].concat()
    );
    w.finish().unwrap();
    assert_eq!(sink.writes().len(), 2);
}
