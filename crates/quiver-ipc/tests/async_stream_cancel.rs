//! Cancellation: a `next_batch` future dropped midway (a timeout) loses nothing and the
//! next call resumes; a dropped reader returns every byte to its pool; a cancelled
//! write closes the writer with a clear error.
#![cfg(feature = "tokio")]

mod async_support;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use async_support::ints;
use quiver_array::RecordBatch;
use quiver_buffer::{MemoryPool, MemoryPoolRef, ProxyMemoryPool};
use quiver_ipc::{AsyncStreamReader, AsyncStreamWriter, IpcReadOptions, StreamWriter};
use tokio::io::AsyncWriteExt;

/// A small batch, one whose body is over 64 KiB, a small one; and their stream.
fn stream() -> (Vec<RecordBatch>, Vec<u8>) {
    let batches = vec![ints(10, 0), ints(20_000, 1), ints(5, 2)];
    let mut w = StreamWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    (batches, w.close().unwrap())
}

fn counted() -> (Arc<ProxyMemoryPool>, IpcReadOptions) {
    let pool = Arc::new(ProxyMemoryPool::new(MemoryPoolRef::default()));
    let options = IpcReadOptions::default().with_memory_pool(Arc::clone(&pool));
    (pool, options)
}

/// Polls `future` once, without a runtime waking it, and drops it: a cancellation at
/// the first point where it waits.
fn poll_once_and_drop<F: Future>(future: F) -> Poll<F::Output> {
    let mut future = pin!(future);
    future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
}

fn assert_send<T: Send>(_: &T) {}

/// Byte offsets at which the input stalls: inside the first batch's prefix, its
/// metadata and body, and inside the large body.
fn stall_points(bytes: &[u8]) -> Vec<usize> {
    let schema_end = {
        let mut r = quiver_ipc::StreamDecoder::new(Default::default());
        let mut input = quiver_buffer::Buffer::from_slice_ref(bytes);
        r.decode(&mut input).unwrap();
        r.bytes_consumed() as usize
    };
    vec![
        schema_end + 3,
        schema_end + 20,
        schema_end + 200,
        bytes.len() / 2,
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn a_dropped_next_batch_resumes_where_it_stopped() {
    let (batches, bytes) = stream();
    let mut resumed = 0;
    for stall in stall_points(&bytes) {
        let (pool, options) = counted();
        let (mut producer, consumer) = tokio::io::duplex(1 << 22);
        producer.write_all(&bytes[..stall]).await.unwrap();
        let mut reader = AsyncStreamReader::try_new_with_options(consumer, options)
            .await
            .unwrap();
        let mut got = Vec::new();
        // Read until the input stalls; the future waiting there is dropped.
        loop {
            let next = reader.next_batch();
            assert_send(&next);
            match poll_once_and_drop(next) {
                Poll::Ready(b) => got.push(b.unwrap().unwrap()),
                Poll::Pending => break,
            }
        }
        // Dropped again, by a timeout this time.
        let timed_out = tokio::time::timeout(Duration::from_millis(20), reader.next_batch()).await;
        assert!(
            timed_out.is_err(),
            "stall at {stall}: the input has no more bytes yet"
        );
        producer.write_all(&bytes[stall..]).await.unwrap();
        drop(producer);
        while let Some(b) = reader.next_batch().await.unwrap() {
            got.push(b);
        }
        assert_eq!(got.len(), batches.len(), "stall at {stall}");
        for (g, b) in got.iter().zip(&batches) {
            assert!(g.equals(b), "stall at {stall}");
        }
        assert_eq!(reader.decoder().bytes_consumed(), bytes.len() as u64);
        drop(reader);
        drop(got);
        assert_eq!(
            pool.bytes_allocated(),
            0,
            "stall at {stall}: pool memory leaked"
        );
        resumed += 1;
    }
    assert_eq!(resumed, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_on_a_stalled_socket_then_the_rest_arrives() {
    let (batches, bytes) = stream();
    let half = bytes.len() / 2;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let go_on = Arc::new(tokio::sync::Notify::new());
    let producer = tokio::spawn({
        let bytes = bytes.clone();
        let go_on = Arc::clone(&go_on);
        async move {
            let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
            socket.write_all(&bytes[..half]).await.unwrap();
            go_on.notified().await;
            socket.write_all(&bytes[half..]).await.unwrap();
        }
    });
    let (socket, _) = listener.accept().await.unwrap();
    let (pool, options) = counted();
    let mut reader = AsyncStreamReader::try_new_with_options(socket, options)
        .await
        .unwrap();
    assert!(
        reader
            .next_batch()
            .await
            .unwrap()
            .unwrap()
            .equals(&batches[0])
    );
    // The large batch is cut in half: the read times out inside its body.
    let timed_out = tokio::time::timeout(Duration::from_millis(50), reader.next_batch()).await;
    assert!(timed_out.is_err());
    assert!(pool.bytes_allocated() > 0, "the half body is kept");
    go_on.notify_one();
    assert!(
        reader
            .next_batch()
            .await
            .unwrap()
            .unwrap()
            .equals(&batches[1])
    );
    assert!(
        reader
            .next_batch()
            .await
            .unwrap()
            .unwrap()
            .equals(&batches[2])
    );
    assert!(reader.next_batch().await.unwrap().is_none());
    producer.await.unwrap();
    drop(reader);
    assert_eq!(pool.bytes_allocated(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_a_reader_midway_returns_every_byte_to_the_pool() {
    let (_, bytes) = stream();
    let (pool, options) = counted();
    let (mut producer, consumer) = tokio::io::duplex(1 << 22);
    producer.write_all(&bytes[..bytes.len() / 2]).await.unwrap();
    let mut reader = AsyncStreamReader::try_new_with_options(consumer, options)
        .await
        .unwrap();
    let first = reader.next_batch().await.unwrap().unwrap();
    assert!(poll_once_and_drop(reader.next_batch()).is_pending());
    assert!(pool.bytes_allocated() > 0);
    drop(reader);
    drop(first);
    assert_eq!(pool.bytes_allocated(), 0);
}

/// A body over 64 KiB is read into one buffer of its size: the pool never holds it
/// twice (as it would if it were gathered piece by piece and copied).
#[tokio::test(flavor = "current_thread")]
async fn a_large_body_is_read_into_one_buffer() {
    let batch = ints(200_000, 0);
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let bytes = w.close().unwrap();
    let (pool, options) = counted();
    let source = async_support::Trickle::new(&bytes, 5_000);
    let mut reader = AsyncStreamReader::try_new_with_options(source, options)
        .await
        .unwrap();
    let read = reader.next_batch().await.unwrap().unwrap();
    assert!(read.equals(&batch));
    let body = bytes.len() - 8 - 256;
    let held = pool.bytes_allocated();
    assert!(held >= body, "{held} bytes held for a body of about {body}");
    assert!(
        pool.max_memory() < body + 200 * 1024,
        "peak {} for a body of about {body}",
        pool.max_memory()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_cancelled_write_closes_the_writer() {
    let batch = ints(100_000, 0);
    // Nobody reads: the pipe fills up and the write waits.
    let (sink, _unread) = tokio::io::duplex(4096);
    let mut writer = AsyncStreamWriter::try_new(sink, batch.schema())
        .await
        .unwrap();
    let write = writer.write(&batch);
    assert_send(&write);
    assert!(poll_once_and_drop(write).is_pending());
    let expected = "the writer's output is incomplete: an earlier write failed (a write or \
                    finish was cancelled before it completed); start again with a new writer \
                    and sink";
    assert_eq!(
        writer.write(&batch).await.unwrap_err().to_string(),
        expected
    );
    assert_eq!(writer.finish().await.unwrap_err().to_string(), expected);
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_batch_leaves_the_writer_usable_and_finish_is_idempotent() {
    let batch = ints(3, 0);
    let other = async_support::dictionary_batches().remove(0);
    let mut writer = AsyncStreamWriter::try_new(Vec::new(), batch.schema())
        .await
        .unwrap();
    let err = writer.write(&other).await.unwrap_err();
    assert!(
        matches!(err, quiver_ipc::IpcError::SchemaMismatch { .. }),
        "{err}"
    );
    writer.write(&batch).await.unwrap();
    writer.finish().await.unwrap();
    writer.finish().await.unwrap();
    assert_eq!(
        writer.write(&batch).await.unwrap_err().to_string(),
        "write after finish(): the writer is closed"
    );
    let mut sync = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    sync.write(&batch).unwrap();
    assert_eq!(writer.into_inner(), sync.close().unwrap());
}

/// Large column buffers reach the sink as they are: the sink sees their own memory.
#[tokio::test(flavor = "current_thread")]
async fn large_column_buffers_are_written_without_a_copy() {
    let batch = ints(100_000, 0);
    let values = batch.columns()[0].buffers()[0].clone();
    assert_eq!(values.len(), 800_000);
    let mut writer = AsyncStreamWriter::try_new(async_support::Recorder::default(), batch.schema())
        .await
        .unwrap();
    writer.write(&batch).await.unwrap();
    writer.finish().await.unwrap();
    let recorder = writer.into_inner();
    // Every byte of the values went to the sink from the column's own memory.
    let start = values.as_ptr() as usize;
    let direct: usize = recorder
        .writes
        .iter()
        .filter(|&&(at, _)| (start..start + values.len()).contains(&at))
        .map(|&(_, len)| len)
        .sum();
    assert_eq!(
        direct,
        values.len(),
        "the column's values were copied before the sink"
    );
    let mut sync = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    sync.write(&batch).unwrap();
    assert_eq!(recorder.bytes, sync.close().unwrap());
}
