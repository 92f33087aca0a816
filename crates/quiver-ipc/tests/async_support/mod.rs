//! What the async stream tests share: readers' outcomes, sources that deliver a few bytes
//! at a time or stall, and batches.
#![allow(dead_code)]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use quiver_array::{Array, RecordBatch, SchemaRef};
use quiver_ipc::{AsyncStreamReader, IpcReadOptions, StreamReader};
use tokio::io::{AsyncRead, ReadBuf};

/// What a reader made of a stream: the batches read before an error, and the error.
#[derive(Debug, Default)]
pub struct Outcome {
    pub schema: Option<SchemaRef>,
    pub batches: Vec<RecordBatch>,
    pub error: Option<String>,
    pub saw_eos: bool,
}

impl Outcome {
    /// Panics unless `other` read the same schema, batches and error.
    pub fn assert_same(&self, other: &Outcome, what: &str) {
        assert_eq!(self.error, other.error, "{what}: errors differ");
        assert_eq!(self.schema, other.schema, "{what}: schemas differ");
        assert_eq!(
            self.batches.len(),
            other.batches.len(),
            "{what}: batch counts differ"
        );
        for (i, (a, b)) in self.batches.iter().zip(&other.batches).enumerate() {
            assert!(a.equals(b), "{what}: batch {i} differs");
        }
        assert_eq!(
            self.saw_eos, other.saw_eos,
            "{what}: end-of-stream markers differ"
        );
    }
}

/// The sync reader's outcome.
pub fn read_sync(bytes: &[u8], options: IpcReadOptions) -> Outcome {
    let mut reader = match StreamReader::try_new_with_options(
        quiver_buffer::ReadInputStream::new(bytes),
        options,
    ) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                error: Some(e.to_string()),
                ..Outcome::default()
            };
        }
    };
    let mut out = Outcome {
        schema: Some(reader.schema().clone()),
        ..Outcome::default()
    };
    loop {
        match reader.next_batch() {
            Ok(Some(b)) => out.batches.push(b),
            Ok(None) => break,
            Err(e) => {
                out.error = Some(e.to_string());
                break;
            }
        }
    }
    out.saw_eos = reader.saw_end_of_stream_marker();
    out
}

/// The async reader's outcome.
pub async fn read_async<R: AsyncRead + Unpin>(source: R, options: IpcReadOptions) -> Outcome {
    let mut reader = match AsyncStreamReader::try_new_with_options(source, options).await {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                error: Some(e.to_string()),
                ..Outcome::default()
            };
        }
    };
    let mut out = Outcome {
        schema: Some(reader.schema().clone()),
        ..Outcome::default()
    };
    loop {
        match reader.next_batch().await {
            Ok(Some(b)) => out.batches.push(b),
            Ok(None) => break,
            Err(e) => {
                out.error = Some(e.to_string());
                break;
            }
        }
    }
    out.saw_eos = reader.saw_end_of_stream_marker();
    out
}

/// A source that returns at most `step` bytes per read and answers `Pending` (waking
/// itself) before every other read.
pub struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
    stall: bool,
}

impl<'a> Trickle<'a> {
    pub fn new(bytes: &'a [u8], step: usize) -> Self {
        Self {
            bytes,
            step,
            stall: true,
        }
    }
}

impl AsyncRead for Trickle<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.stall = !this.stall;
        if !this.stall {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = this.step.min(buf.remaining()).min(this.bytes.len());
        let (now, later) = this.bytes.split_at(n);
        buf.put_slice(now);
        this.bytes = later;
        Poll::Ready(Ok(()))
    }
}

/// `len` int64 values from `start`, with a null every 7th, in a column `n`.
pub fn ints(len: usize, start: i64) -> RecordBatch {
    let values: Vec<Option<i64>> = (0..len as i64)
        .map(|i| (i % 7 != 3).then_some(start + i))
        .collect();
    RecordBatch::try_from_columns(vec![Array::from(values)], &["n"]).unwrap()
}

/// Batches of a dictionary column and an int64 column: a first dictionary, one that
/// grows by appending (a delta when the options allow it), and one that replaces it;
/// the last batch's body is over 64 KiB.
pub fn dictionary_batches() -> Vec<RecordBatch> {
    let batch = |values: Vec<&str>, keys: Vec<i32>| {
        let len = keys.len();
        let d = Array::dictionary_from(Array::from(keys), Array::from(values), false).unwrap();
        let n = Array::from((0..len as i64).collect::<Vec<_>>());
        RecordBatch::try_from_columns(vec![d, n], &["d", "n"]).unwrap()
    };
    vec![
        batch(vec!["a", "b"], vec![0, 1, 1, 0]),
        batch(vec!["a", "b", "c"], vec![2, 0, 1]),
        batch(vec!["x", "y"], (0..20_000).map(|i| i % 2).collect()),
    ]
}

/// A sink that keeps what it is given and where each write's bytes came from.
#[derive(Debug, Default)]
pub struct Recorder {
    pub bytes: Vec<u8>,
    /// `(address, length)` of each `poll_write`'s bytes.
    pub writes: Vec<(usize, usize)>,
}

impl tokio::io::AsyncWrite for Recorder {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.writes.push((buf.as_ptr() as usize, buf.len()));
        this.bytes.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
