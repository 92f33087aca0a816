//! The facade's entry points: what `quiver::ipc::open_stream` and `open_file` say about
//! input that is not what they expect.

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
