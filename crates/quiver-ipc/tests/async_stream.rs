//! `AsyncStreamReader` and `AsyncStreamWriter`: the same batches and the same errors as
//! the sync reader, on golden and corrupt streams fed whole or a few bytes at a time;
//! the same bytes as the sync writer; a round trip over loopback TCP.
#![cfg(feature = "tokio")]

mod async_support;

use std::path::{Path, PathBuf};

use async_support::{Outcome, Trickle, dictionary_batches, ints, read_async, read_sync};
use futures::StreamExt;
use quiver_array::RecordBatch;
use quiver_ipc::{
    AsyncStreamReader, AsyncStreamWriter, CompressionCodec, IpcReadOptions, IpcWriteOptions,
    StreamWriter,
};

/// Every `.stream` file under `dir`, sorted.
fn files_in(dir: &Path, recursive: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() && recursive {
            out.extend(files_in(&path, recursive));
        } else if path.is_file() && (!recursive || path.extension().is_some_and(|e| e == "stream"))
        {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn options_for(path: &Path) -> IpcReadOptions {
    IpcReadOptions::default().with_value_range_checks(!quiver_testkit::golden_out_of_range(path))
}

/// Reads `bytes` with the sync reader, and with the async reader whole, 7 bytes and 1
/// byte at a time (the last two also answering `Pending` on every other read), and
/// checks all four agree. Returns the sync outcome.
async fn check_alike(name: &str, bytes: &[u8], options: &IpcReadOptions) -> Outcome {
    let want = read_sync(bytes, options.clone());
    let whole = read_async(bytes, options.clone()).await;
    want.assert_same(&whole, &format!("{name}, whole"));
    for step in [7, 1] {
        let got = read_async(Trickle::new(bytes, step), options.clone()).await;
        want.assert_same(&got, &format!("{name}, {step} bytes at a time"));
    }
    want
}

#[tokio::test(flavor = "current_thread")]
async fn golden_streams_read_alike_whole_and_in_pieces() {
    let Some(root) = quiver_testkit::require_arrow_testing("async golden streams") else {
        return;
    };
    let files = files_in(&root.join("arrow-ipc-stream/integration"), true);
    let mut batches = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let outcome = check_alike(&path.display().to_string(), &bytes, &options_for(path)).await;
        assert_eq!(outcome.error, None, "{}", path.display());
        assert!(outcome.saw_eos, "{}", path.display());
        batches += outcome.batches.len();
    }
    println!("async golden streams: {batches} batches");
    assert!(batches >= files.len());
    quiver_testkit::expect_cases("async golden streams", files.len(), 91);
}

#[tokio::test(flavor = "current_thread")]
async fn corrupt_streams_fail_alike() {
    let Some(root) = quiver_testkit::require_arrow_testing("async corrupt streams") else {
        return;
    };
    let files = files_in(&root.join("arrow-ipc-stream"), false);
    let mut failed = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.display().to_string();
        let outcome = check_alike(&name, &bytes, &IpcReadOptions::default()).await;
        failed += usize::from(outcome.error.is_some());
    }
    println!(
        "async corrupt streams: {failed} of {} rejected",
        files.len()
    );
    assert!(failed * 2 > files.len(), "most fuzz cases are invalid");
    quiver_testkit::expect_cases("async corrupt streams", files.len(), 80);
}

/// A stream cut at every byte: the same truncation error (text, message, byte offset)
/// from both readers, however the bytes arrive.
#[tokio::test(flavor = "current_thread")]
async fn a_stream_cut_anywhere_fails_alike() {
    // The two small batches: a cut at each byte reads the stream once per byte.
    let batches = &dictionary_batches()[..2];
    let mut w = StreamWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    let bytes = w.close().unwrap();
    let mut errors = 0;
    for cut in 0..bytes.len() {
        let outcome = check_alike(
            &format!("cut at {cut}"),
            &bytes[..cut],
            &IpcReadOptions::default(),
        )
        .await;
        errors += usize::from(outcome.error.is_some());
    }
    // Every cut but the end-of-stream marker's last byte leaves something missing.
    assert_eq!(errors, bytes.len());
    let truncated = read_async(&bytes[..bytes.len() - 3], IpcReadOptions::default()).await;
    assert_eq!(
        truncated.error.as_deref(),
        Some(
            format!(
                "unexpected end of input at message 5, byte {}: the stream ends inside a \
                 message length prefix",
                bytes.len() - 3
            )
            .as_str()
        )
    );
    assert_eq!(truncated.batches.len(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn an_empty_or_text_input_is_refused_like_the_sync_reader() {
    for bytes in [&b""[..], b"ab", b"hello, world"] {
        let outcome = check_alike("short", bytes, &IpcReadOptions::default()).await;
        assert!(outcome.error.is_some());
    }
    let empty = read_async(&b""[..], IpcReadOptions::default()).await;
    assert_eq!(
        empty.error.as_deref(),
        Some("unexpected end of input at input: the input is empty: no schema message")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn zero_copy_cannot_be_required() {
    let options = IpcReadOptions::default().with_require_zero_copy(true);
    let err = AsyncStreamReader::try_new_with_options(&b""[..], options)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a copy would be needed at input: an async source is read into \
         pool memory, never zero-copy (use a BufferReader or a memory map) (the read \
         options require zero-copy)"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn after_an_error_every_call_says_the_stream_failed_earlier() {
    let batches = [ints(10, 0), ints(10, 1)];
    let mut w = StreamWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    let mut bytes = w.close().unwrap();
    // The end-of-stream marker becomes a negative metadata length.
    let cut = bytes.len() - 8;
    bytes.truncate(cut);
    bytes.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0x80]);

    let mut reader = AsyncStreamReader::try_new(&bytes[..]).await.unwrap();
    assert!(
        reader
            .next_batch()
            .await
            .unwrap()
            .unwrap()
            .equals(&batches[0])
    );
    assert!(
        reader
            .next_batch()
            .await
            .unwrap()
            .unwrap()
            .equals(&batches[1])
    );
    let first = reader.next_batch().await.unwrap_err().to_string();
    assert_eq!(
        first,
        format!(
            "invalid Arrow IPC data at message 3, byte {}: negative metadata length \
             -2147483648",
            cut + 8
        )
    );
    for _ in 0..2 {
        let later = reader.next_batch().await.unwrap_err().to_string();
        assert_eq!(
            later,
            format!(
                "the stream failed earlier ({first}); nothing more can be read from it: \
                 start again with a new reader on a new source"
            )
        );
    }

    // As a `Stream`: the batches, the error once, then the end.
    let mut stream = AsyncStreamReader::try_new(&bytes[..]).await.unwrap();
    assert!(stream.next().await.unwrap().unwrap().equals(&batches[0]));
    assert!(stream.next().await.unwrap().unwrap().equals(&batches[1]));
    assert_eq!(stream.next().await.unwrap().unwrap_err().to_string(), first);
    assert!(stream.next().await.is_none());
    assert!(futures::stream::FusedStream::is_terminated(&stream));
    assert!(
        stream
            .next_batch()
            .await
            .unwrap_err()
            .to_string()
            .starts_with("the stream failed earlier")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn after_the_end_next_batch_keeps_returning_none() {
    let batch = ints(3, 0);
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let bytes = w.close().unwrap();
    let mut reader = AsyncStreamReader::try_new(&bytes[..]).await.unwrap();
    assert!(reader.next_batch().await.unwrap().is_some());
    for _ in 0..3 {
        assert!(reader.next_batch().await.unwrap().is_none());
    }
    assert!(reader.saw_end_of_stream_marker());
    assert_eq!(reader.decoder().bytes_consumed(), bytes.len() as u64);
}

/// The writer option sets the byte-for-byte comparison runs under.
fn write_options() -> Vec<(&'static str, IpcWriteOptions)> {
    vec![
        ("default", IpcWriteOptions::default()),
        (
            "lz4",
            IpcWriteOptions::default().with_compression(CompressionCodec::Lz4Frame, None),
        ),
        (
            "lz4 with deltas",
            IpcWriteOptions::default()
                .with_compression(CompressionCodec::Lz4Frame, None)
                .with_emit_dictionary_deltas(true),
        ),
        (
            "deltas",
            IpcWriteOptions::default().with_emit_dictionary_deltas(true),
        ),
        (
            "64-byte alignment",
            IpcWriteOptions::default().with_alignment(64),
        ),
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn the_writer_writes_the_bytes_the_sync_writer_writes() {
    let inputs: Vec<(&str, Vec<RecordBatch>)> = vec![
        ("ints", vec![ints(5, 0), ints(100_000, 1), ints(0, 2)]),
        ("dictionaries", dictionary_batches()),
    ];
    let mut compared = 0;
    for (what, batches) in &inputs {
        for (how, options) in write_options() {
            let schema = batches[0].schema();
            let mut sync =
                StreamWriter::try_new_with_options(Vec::new(), schema, options.clone()).unwrap();
            let mut not_sync = AsyncStreamWriter::try_new_with_options(Vec::new(), schema, options)
                .await
                .unwrap();
            for b in batches {
                sync.write(b).unwrap();
                not_sync.write(b).await.unwrap();
            }
            not_sync.finish().await.unwrap();
            let want = sync.close().unwrap();
            let got = not_sync.into_inner();
            assert!(want.len() > 8, "{what}, {how}");
            assert!(
                got == want,
                "{what}, {how}: the async writer's bytes differ"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_round_trip_over_loopback_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let sent = dictionary_batches();
    let producer = tokio::spawn({
        let sent = sent.clone();
        async move {
            let socket = tokio::net::TcpStream::connect(address).await.unwrap();
            let options = IpcWriteOptions::default()
                .with_compression(CompressionCodec::Lz4Frame, None)
                .with_emit_dictionary_deltas(true);
            let mut w = AsyncStreamWriter::try_new_with_options(socket, sent[0].schema(), options)
                .await
                .unwrap();
            for b in &sent {
                w.write(b).await.unwrap();
            }
            w.finish().await.unwrap();
            w.into_inner()
        }
    });
    let (socket, _) = listener.accept().await.unwrap();
    let mut reader = AsyncStreamReader::try_new(socket).await.unwrap();
    assert_eq!(reader.schema(), sent[0].schema());
    let mut got = Vec::new();
    while let Some(b) = reader.next_batch().await.unwrap() {
        got.push(b);
    }
    producer.await.unwrap();
    assert_eq!(got.len(), 3);
    for (g, s) in got.iter().zip(&sent) {
        assert!(g.equals(s));
    }
    assert!(reader.saw_end_of_stream_marker());
}
