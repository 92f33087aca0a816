//! `kind()` of the errors, and the data their variants carry (location, slot, schema
//! difference), for each way reading or writing can fail.

use quiver::ipc::{IpcError, IpcFormat, IpcReadOptions, IpcWriteOptions, MetadataVersion};
use quiver::{Array, Buffer, BufferOutputStream, ErrorKind, RecordBatch, record_batch};

fn batch() -> RecordBatch {
    record_batch(
        vec![
            Array::from(vec![10i64, 20, 30, 40, 50]),
            Array::from(vec!["ab", "cd", "ef", "gh", "ij"]),
        ],
        &["n", "s"],
    )
    .unwrap()
}

fn stream_with(options: IpcWriteOptions) -> Vec<u8> {
    let mut sink = BufferOutputStream::new();
    let mut w = quiver::ipc::new_stream_with_options(&mut sink, batch().schema(), options).unwrap();
    w.write_batch(&batch()).unwrap();
    w.close().unwrap();
    sink.getvalue().as_slice().to_vec()
}

fn stream() -> Vec<u8> {
    stream_with(IpcWriteOptions::default())
}

fn file() -> Vec<u8> {
    let mut sink = BufferOutputStream::new();
    let mut w = quiver::ipc::new_file(&mut sink, batch().schema()).unwrap();
    w.write_batch(&batch()).unwrap();
    w.close().unwrap();
    sink.getvalue().as_slice().to_vec()
}

/// The first error reading every batch of the stream `bytes`.
fn stream_error(bytes: &[u8], options: IpcReadOptions) -> IpcError {
    let reader = quiver::ipc::open_stream_with_options(Buffer::from_vec(bytes.to_vec()), options);
    match reader {
        Err(e) => e,
        Ok(r) => match r.collect::<Result<Vec<_>, _>>() {
            Err(e) => e,
            Ok(b) => panic!("read {} batches without an error", b.len()),
        },
    }
}

fn file_error(bytes: &[u8]) -> IpcError {
    match quiver::ipc::open_file(Buffer::from_vec(bytes.to_vec())) {
        Err(e) => e,
        Ok(r) => match r.read_all() {
            Err(e) => e,
            Ok(t) => panic!("read {} rows without an error", t.num_rows()),
        },
    }
}

/// The one position where `needle` occurs in `haystack`.
fn find_once(haystack: &[u8], needle: &[u8]) -> usize {
    let hits: Vec<usize> = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "{needle:?} occurs at {hits:?}");
    hits[0]
}

const TEXT: &[u8] = b"id,name\n1,ann\n2,bo\n3,cy\n4,di\n";

#[test]
fn a_truncated_stream() {
    let bytes = stream();
    let e = stream_error(&bytes[..bytes.len() - 20], IpcReadOptions::default());
    assert_eq!(e.kind(), ErrorKind::Truncated, "{e}");
    let IpcError::Truncated { location, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(location.message, Some(1), "{e}");
}

#[test]
fn a_truncated_file() {
    let bytes = file();
    let cut = &bytes[..bytes.len() - 30];
    let e = file_error(cut);
    assert_eq!(e.kind(), ErrorKind::Truncated, "{e}");
    assert_eq!(
        e.location().and_then(|l| l.byte_offset),
        Some(cut.len() as u64)
    );
}

#[test]
fn text_is_not_arrow_data_for_every_entry_point() {
    let e = stream_error(TEXT, IpcReadOptions::default());
    assert_eq!(e.kind(), ErrorKind::NotArrowData, "{e}");
    assert!(
        matches!(
            e,
            IpcError::NotArrowData {
                looks_like: None,
                ..
            }
        ),
        "{e:?}"
    );

    let e = file_error(TEXT);
    assert_eq!(e.kind(), ErrorKind::NotArrowData, "{e}");
    assert_eq!(
        e.to_string(),
        "invalid Arrow IPC data at input: not an Arrow file: the ARROW1 magic is missing at \
         the start"
    );

    let e = quiver::ipc::open(Buffer::from_vec(TEXT.to_vec())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotArrowData, "{e}");
    // Through the facade's error too.
    assert_eq!(quiver::Error::from(e).kind(), ErrorKind::NotArrowData);
}

#[test]
fn the_other_format_is_named_once() {
    let e = stream_error(&file(), IpcReadOptions::default());
    let IpcError::NotArrowData {
        location,
        looks_like,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*looks_like, Some(IpcFormat::File));
    assert_eq!((location.message, location.byte_offset), (Some(0), Some(0)));
    assert_eq!(
        e.to_string(),
        "invalid Arrow IPC data at message 0, byte 0: not an Arrow IPC stream: it starts \
         with the ARROW1 magic of the file format (open it as a file)"
    );

    let e = file_error(&stream());
    assert!(
        matches!(
            e,
            IpcError::NotArrowData {
                looks_like: Some(IpcFormat::Stream),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string().matches("open it as a stream").count(),
        1,
        "{e}"
    );
}

#[test]
fn a_corrupted_flatbuffer_is_malformed_metadata() {
    let mut bytes = stream();
    // The schema message's root table offset (after the continuation marker and the
    // length) now points far outside its metadata.
    bytes[8..12].copy_from_slice(&0x00ff_ff00u32.to_le_bytes());
    let e = stream_error(&bytes, IpcReadOptions::default());
    assert_eq!(e.kind(), ErrorKind::MalformedMetadata, "{e}");
    let IpcError::InvalidFlatbuffer { what, location, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((*what, location.message), ("message", Some(0)));
    assert_eq!(
        e.to_string(),
        "malformed message metadata at message 0, byte 176: the root table `Message` reaches \
         past the end of the message metadata (bytes 16776960..16776964); the data is corrupt \
         or not Arrow IPC"
    );
}

#[test]
fn a_negative_row_count_is_malformed_metadata() {
    // Five and six false booleans have the same body: the streams differ only in the
    // batch's row count and its field node's length.
    let bools = |n: usize| {
        let b = record_batch(vec![Array::from(vec![false; n])], &["b"]).unwrap();
        let mut sink = BufferOutputStream::new();
        let mut w = quiver::ipc::new_stream(&mut sink, b.schema()).unwrap();
        w.write_batch(&b).unwrap();
        w.close().unwrap();
        sink.getvalue().as_slice().to_vec()
    };
    let (five, mut bytes) = (bools(5), bools(6));
    let differ: Vec<usize> = (0..five.len()).filter(|&i| five[i] != bytes[i]).collect();
    assert_eq!(differ.len(), 2, "{differ:?}");
    for at in differ {
        bytes[at..at + 8].copy_from_slice(&(-1i64).to_le_bytes());
    }
    let e = stream_error(&bytes, IpcReadOptions::default());
    assert_eq!(e.kind(), ErrorKind::MalformedMetadata, "{e}");
    assert!(matches!(e, IpcError::MalformedMetadata { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "invalid Arrow IPC data at message 1, record batch 0, byte 272: negative row count -1"
    );
}

#[test]
fn a_buffer_outside_the_body_is_malformed_data() {
    let mut bytes = stream();
    // The `n` column's values: offset 0, length 40 (after its empty validity buffer).
    let mut entry = [0u8; 32];
    entry[24] = 40;
    let at = find_once(&bytes, &entry);
    bytes[at + 24..at + 32].copy_from_slice(&4096i64.to_le_bytes());
    let e = stream_error(&bytes, IpcReadOptions::default());
    assert_eq!(e.kind(), ErrorKind::MalformedData, "{e}");
    let location = e.location().unwrap();
    assert_eq!(
        (
            location.message,
            location.batch,
            location.field.as_deref(),
            location.buffer
        ),
        (Some(1), Some(0), Some("n"), Some(1)),
        "{e}"
    );
}

#[test]
fn invalid_utf8_is_an_invalid_array_at_its_slot() {
    let mut bytes = stream();
    let at = find_once(&bytes, b"abcdefghij");
    bytes[at + 2] = 0xff; // the first byte of slot 1, "cd"
    let e = stream_error(&bytes, IpcReadOptions::default());
    assert_eq!(e.kind(), ErrorKind::InvalidArray, "{e}");
    let IpcError::InvalidArray { location, source } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(source.slot(), Some(1), "{e}");
    assert_eq!(location.field.as_deref(), Some("s"));
    assert_eq!(
        source.to_string(),
        "string array: slot 1 is not valid UTF-8"
    );
}

#[test]
fn metadata_version_v3_is_unsupported() {
    // V4 and V5 streams differ only in each message's version field: that locates it.
    let v5 = stream();
    let v4 = stream_with(IpcWriteOptions::default().with_metadata_version(MetadataVersion::V4));
    assert_eq!(v4.len(), v5.len());
    let first = (0..v5.len()).find(|&i| v4[i] != v5[i]).unwrap();
    assert_eq!((v4[first], v5[first]), (3, 4));
    let mut bytes = v5;
    bytes[first] = 2; // V3
    let e = stream_error(&bytes, IpcReadOptions::default());
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert_eq!(e.location().unwrap().message, Some(0));
    assert!(
        e.to_string().contains("metadata version V3 is too old"),
        "{e}"
    );
}

#[test]
fn a_batch_of_another_schema_is_a_schema_mismatch() {
    let mut sink = BufferOutputStream::new();
    let mut w = quiver::ipc::new_stream(&mut sink, batch().schema()).unwrap();
    let other = record_batch(vec![Array::from(vec![1i32])], &["n"]).unwrap();
    let e = w.write_batch(&other).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SchemaMismatch, "{e}");
    let IpcError::SchemaMismatch { difference } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        difference,
        "field 0 is `n: int32` but `n: int64` was expected"
    );
    assert_eq!(
        e.to_string(),
        format!("the batch does not match the writer's schema: {difference}")
    );
    // The writer is still usable.
    w.write_batch(&batch()).unwrap();
}

#[test]
fn write_after_finish_is_usage() {
    let mut sink = BufferOutputStream::new();
    let mut w = quiver::ipc::new_file(&mut sink, batch().schema()).unwrap();
    w.finish().unwrap();
    let e = w.write_batch(&batch()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    assert_eq!(e.to_string(), "write after finish(): the writer is closed");
}

#[test]
fn a_copy_under_require_zero_copy_is_copy_required() {
    let bytes = stream();
    let len = bytes.len();
    // Misalign the whole stream by one byte: every buffer would have to be copied.
    let shifted = Buffer::from_vec([&[0u8][..], &bytes].concat()).slice(1, len);
    let options = IpcReadOptions::default().with_require_zero_copy(true);
    let e = match quiver::ipc::open_stream_with_options(shifted, options) {
        Err(e) => e,
        Ok(r) => r.collect::<Result<Vec<_>, _>>().unwrap_err(),
    };
    assert_eq!(e.kind(), ErrorKind::CopyRequired, "{e}");
    assert!(matches!(e, IpcError::CopyRequired { .. }), "{e:?}");
}

#[test]
fn a_message_over_the_limit_is_limit_exceeded() {
    let e = stream_error(
        &stream(),
        IpcReadOptions::default().with_max_message_size(64),
    );
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    assert_eq!(e.location().unwrap().message, Some(0));
}

#[test]
fn array_errors_have_kinds_through_the_facade() {
    let e = quiver::Error::from(Array::from(vec![1i32]).try_slice(1, 5).unwrap_err());
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    let bad = quiver::ArrayError::invalid_slot(quiver::DataType::Utf8, 4, "slot 4 is bad");
    assert_eq!(quiver::Error::from(bad).kind(), ErrorKind::InvalidArray);
}
