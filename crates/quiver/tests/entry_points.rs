//! The facade's entry points: what `quiver::ipc::open_stream` and `open_file` say about
//! input that is not what they expect, the `_with_options` forms, and `open`, which
//! tells the formats apart by their bytes.

use quiver::ipc::{CompressionCodec, IpcError, IpcReadOptions, IpcWriteOptions, MetadataVersion};
use quiver::{Array, Buffer, BufferOutputStream, RecordBatch, record_batch};

fn batch() -> RecordBatch {
    record_batch(
        vec![
            Array::from(vec![1i64, 2, 3]),
            Array::from(vec![Some("a"), None, Some("c")]),
        ],
        &["n", "s"],
    )
    .unwrap()
}

fn file_bytes() -> Buffer {
    let mut sink = BufferOutputStream::new();
    let mut w = quiver::ipc::new_file(&mut sink, batch().schema()).unwrap();
    w.write_batch(&batch()).unwrap();
    w.close().unwrap();
    sink.getvalue()
}

fn stream_bytes() -> Buffer {
    let mut sink = BufferOutputStream::new();
    let mut w = quiver::ipc::new_stream(&mut sink, batch().schema()).unwrap();
    w.write_batch(&batch()).unwrap();
    w.close().unwrap();
    sink.getvalue()
}

fn stream_error(bytes: &[u8]) -> String {
    quiver::ipc::open_stream(Buffer::from_vec(bytes.to_vec()))
        .unwrap_err()
        .to_string()
}

fn file_error(bytes: &[u8]) -> String {
    quiver::ipc::open_file(Buffer::from_vec(bytes.to_vec()))
        .unwrap_err()
        .to_string()
}

#[test]
fn text_is_not_an_arrow_stream() {
    assert_eq!(
        stream_error(b"col_a,col_b\n1,2\n"),
        "invalid Arrow IPC data at message 0, byte 0: not an Arrow IPC stream: its first 4 \
         bytes (63 6f 6c 5f) are neither the continuation marker (ff ff ff ff) nor a \
         plausible metadata length"
    );
    // A negative first word cannot be a legacy length either.
    assert_eq!(
        stream_error(&[0x00, 0x00, 0x00, 0x80, 1, 2, 3, 4]),
        "invalid Arrow IPC data at message 0, byte 0: not an Arrow IPC stream: its first 4 \
         bytes (00 00 00 80) are neither the continuation marker (ff ff ff ff) nor a \
         plausible metadata length"
    );
}

#[test]
fn a_file_given_to_open_stream_is_named() {
    assert_eq!(
        stream_error(&file_bytes()),
        "invalid Arrow IPC data at message 0, byte 0: not an Arrow IPC stream: it starts \
         with the ARROW1 magic of the file format (open it as a file)"
    );
}

#[test]
fn a_truncated_file_says_truncated() {
    let file = file_bytes();
    let cut = &file[..file.len() - 30];
    assert_eq!(
        file_error(cut),
        format!(
            "unexpected end of input at byte {}: the file starts with the ARROW1 magic but \
             does not end with it: it is truncated (cut off, or its writer never finished it)",
            cut.len()
        )
    );
    // Even when too little is left for a footer.
    assert_eq!(
        file_error(&file[..8]),
        "unexpected end of input at byte 8: the file starts with the ARROW1 magic but does \
         not end with it: it is truncated (cut off, or its writer never finished it)"
    );
}

#[test]
fn a_stream_given_to_open_file_is_named() {
    assert_eq!(
        file_error(&stream_bytes()),
        "invalid Arrow IPC data at input: not an Arrow file: the ARROW1 magic is missing at \
         the start (it starts like an Arrow IPC stream: open it as a stream)"
    );
    let mut text = b"just some text, long enough to hold a footer".to_vec();
    text.extend_from_slice(b"ARROW1");
    assert_eq!(
        file_error(&text),
        "invalid Arrow IPC data at input: not an Arrow file: the ARROW1 magic is missing at \
         the start"
    );
}

/// A batch that compresses well: long runs.
fn long_batch() -> RecordBatch {
    record_batch(
        vec![
            Array::from((0..4096i64).map(|i| i / 512).collect::<Vec<_>>()),
            Array::from(vec!["same"; 4096]),
        ],
        &["n", "s"],
    )
    .unwrap()
}

#[test]
fn write_options_pick_compression_and_level() {
    let batch = long_batch();
    let write = |options: IpcWriteOptions| {
        let mut sink = BufferOutputStream::new();
        let mut w =
            quiver::ipc::new_stream_with_options(&mut sink, batch.schema(), options).unwrap();
        w.write_batch(&batch).unwrap();
        w.close().unwrap();
        sink.getvalue()
    };
    let plain = write(IpcWriteOptions::default());
    let zstd = write(IpcWriteOptions::default().with_compression(CompressionCodec::Zstd, Some(3)));
    assert_eq!(plain.len(), 65_936);
    assert_eq!(zstd.len(), 9472);
    let back = quiver::ipc::open_stream(zstd.clone()).unwrap();
    let batches: Vec<_> = back.collect::<Result<_, _>>().unwrap();
    assert!(batches[0].equals(&batch));
    // Compressed buffers cannot be read in place.
    let err = quiver::ipc::open_stream_with_options(
        zstd,
        IpcReadOptions::default().with_require_zero_copy(true),
    )
    .unwrap()
    .next_batch()
    .unwrap_err();
    assert!(matches!(err, IpcError::CopyRequired { .. }), "{err}");
}

#[test]
fn write_options_are_checked_when_a_writer_is_made() {
    let options = IpcWriteOptions::default()
        .with_alignment(64)
        .with_metadata_version(MetadataVersion::V4)
        .with_emit_dictionary_deltas(true)
        .with_compression(CompressionCodec::Lz4Frame, None);
    assert_eq!(options.alignment(), 64);
    assert_eq!(options.metadata_version(), MetadataVersion::V4);
    assert!(options.emit_dictionary_deltas());
    assert_eq!(options.compression(), Some(CompressionCodec::Lz4Frame));
    assert_eq!(options.compression_level(), None);
    let bad = IpcWriteOptions::default().with_alignment(16);
    let err = quiver::ipc::new_file_with_options(Vec::new(), batch().schema(), bad).unwrap_err();
    assert_eq!(err.to_string(), "alignment must be 8 or 64, not 16");
}

#[test]
fn read_options_project_and_require_zero_copy_from_a_memory_map() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.arrow");
    std::fs::write(&path, file_bytes().as_slice()).unwrap();
    let map = quiver::memory_map(&path).unwrap();
    let options = IpcReadOptions::default()
        .with_projection_names(["s"])
        .with_require_zero_copy(true);
    let reader = quiver::ipc::open_file_with_options(&map, options).unwrap();
    assert_eq!(reader.schema().to_string(), "s: string");
    let got = reader.get_batch(0).unwrap();
    assert_eq!(got.num_columns(), 1);
    assert!(
        map.buffer()
            .contains_ptr(got.columns()[0].buffers()[0].as_ptr())
    );
    // A plain file cannot be read without copies.
    let err = quiver::ipc::open_file_with_options(
        quiver::OsFile::open(&path).unwrap(),
        IpcReadOptions::default().with_require_zero_copy(true),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a copy would be needed at input: the source is not in memory (use a Buffer, \
         BufferReader or memory map) (the read options require zero-copy)"
    );
}

#[test]
fn open_tells_files_from_streams() {
    for (bytes, is_file) in [(file_bytes(), true), (stream_bytes(), false)] {
        let reader = quiver::ipc::open(bytes).unwrap();
        assert_eq!(reader.is_file(), is_file);
        assert_eq!(reader.schema().to_string(), "n: int64\ns: string");
        let batches: Vec<_> = reader.into_iter().collect::<Result<_, _>>().unwrap();
        assert_eq!(batches.len(), 1);
        assert!(batches[0].equals(&batch()));
    }
    let err = quiver::ipc::open(Buffer::from_vec(b"col_a,col_b\n".to_vec())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid Arrow IPC data at message 0, byte 0: not an Arrow IPC stream: its first 4 \
         bytes (63 6f 6c 5f) are neither the continuation marker (ff ff ff ff) nor a \
         plausible metadata length"
    );
}

#[test]
fn open_reads_paths_and_memory_maps_of_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, is_file) in [
        ("f.arrow", file_bytes(), true),
        ("s.arrows", stream_bytes(), false),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes.as_slice()).unwrap();
        let from_path = quiver::ipc::open_path(&path).unwrap();
        assert_eq!(from_path.is_file(), is_file);
        assert_eq!(from_path.read_all().unwrap().num_rows(), 3);
        let map = quiver::memory_map(&path).unwrap();
        let options = IpcReadOptions::default()
            .with_projection(vec![0])
            .with_require_zero_copy(true);
        let reader = quiver::ipc::open_with_options(&map, options).unwrap();
        assert_eq!(reader.is_file(), is_file);
        let got = reader.into_iter().next().unwrap().unwrap();
        assert_eq!(got.schema().to_string(), "n: int64");
        assert!(
            map.buffer()
                .contains_ptr(got.columns()[0].buffers()[0].as_ptr())
        );
    }
    let missing = dir.path().join("missing.arrow");
    let err = quiver::ipc::open_path(&missing).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "I/O error while memory-mapping {}: ",
            missing.display()
        )),
        "{err}"
    );
}
