//! The stream decoder frames whole messages in one step when its input holds them; fed
//! the same bytes in any pieces it must produce the same events, the same byte counts
//! and the same errors.

use quiver_array::{Array, RecordBatch};
use quiver_buffer::Buffer;
use quiver_ipc::{Decoded, IpcReadOptions, StreamDecoder, StreamWriter};

/// A stream with a schema, a dictionary batch and two record batches.
fn stream() -> Vec<u8> {
    let dict = Array::dictionary_from(
        Array::from(vec![0i32, 1, 0]),
        Array::from(vec!["a", "b"]),
        false,
    )
    .unwrap();
    let batch = RecordBatch::try_from_columns(
        vec![Array::from(vec![Some("x"), None, Some("zz")]), dict],
        &["s", "d"],
    )
    .unwrap();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap()
}

/// What one event was, and the bytes consumed when it came.
#[derive(Debug)]
enum Seen {
    Schema(String, u64),
    Batch(RecordBatch, u64),
    End(u64),
}

/// Feeds `bytes` in pieces of at most `piece` bytes; the events, or the first error's
/// text with the bytes consumed before it.
fn decode(bytes: &[u8], piece: usize, options: IpcReadOptions) -> Result<Vec<Seen>, String> {
    let mut decoder = StreamDecoder::new(options);
    let mut seen = Vec::new();
    for chunk in bytes.chunks(piece) {
        let mut input = Buffer::from_slice_ref(chunk);
        loop {
            match decoder.decode(&mut input) {
                Err(e) => return Err(format!("{e} (after {} bytes)", decoder.bytes_consumed())),
                Ok(None) => break,
                Ok(Some(Decoded::Schema(s))) => {
                    seen.push(Seen::Schema(s.to_string(), decoder.bytes_consumed()))
                }
                Ok(Some(Decoded::RecordBatch(b))) => {
                    seen.push(Seen::Batch(b, decoder.bytes_consumed()))
                }
                Ok(Some(Decoded::EndOfStream)) => seen.push(Seen::End(decoder.bytes_consumed())),
                Ok(Some(other)) => panic!("unexpected {other:?}"),
            }
        }
        assert!(input.is_empty(), "the decoder leaves no input behind");
    }
    decoder.finish().map_err(|e| e.to_string())?;
    Ok(seen)
}

fn same(a: &[Seen], b: &[Seen]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (Seen::Schema(x, i), Seen::Schema(y, j)) => x == y && i == j,
            (Seen::Batch(x, i), Seen::Batch(y, j)) => x.equals(y) && i == j,
            (Seen::End(i), Seen::End(j)) => i == j,
            _ => false,
        })
}

#[test]
fn whole_input_and_any_pieces_give_the_same_events_and_offsets() {
    let bytes = stream();
    let whole = decode(&bytes, bytes.len(), IpcReadOptions::default()).unwrap();
    assert_eq!(whole.len(), 4);
    assert!(
        matches!(&whole[0], Seen::Schema(s, _) if s == "s: string\nd: dictionary<values=string, indices=int32, ordered=0>"),
        "{:?}",
        whole[0]
    );
    assert!(matches!(whole[3], Seen::End(n) if n == bytes.len() as u64));
    for piece in [1, 3, 4, 7, 8, 64, 200] {
        let pieces = decode(&bytes, piece, IpcReadOptions::default()).unwrap();
        assert!(
            same(&whole, &pieces),
            "pieces of {piece}: {pieces:?} vs {whole:?}"
        );
    }
}

/// The bytes of a stream's schema message (continuation, length, metadata; no body).
fn schema_message_len(bytes: &[u8]) -> usize {
    let len = i32::from_le_bytes(bytes[4..8].try_into().unwrap());
    8 + usize::try_from(len).unwrap()
}

#[test]
fn a_metadata_length_over_the_limit_is_the_same_error_whole_or_in_pieces() {
    let bytes = stream();
    let at = schema_message_len(&bytes);
    let mut bad = bytes[..at].to_vec();
    bad.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    bad.extend_from_slice(&1000i32.to_le_bytes());
    bad.extend_from_slice(&[0u8; 1000]);
    let options = IpcReadOptions::default().with_max_message_size(999);
    let whole = decode(&bad, bad.len(), options.clone()).unwrap_err();
    assert_eq!(
        whole,
        format!(
            "limit exceeded at message 1, byte {}: metadata of 1000 bytes is over the limit of 999 (after {} bytes)",
            at + 8,
            at + 8
        )
    );
    for piece in [1, 5, 9] {
        assert_eq!(
            decode(&bad, piece, options.clone()).unwrap_err(),
            whole,
            "pieces of {piece}"
        );
    }
}

#[test]
fn bad_metadata_is_the_same_error_whole_or_in_pieces() {
    let bytes = stream();
    let at = schema_message_len(&bytes);
    let mut bad = bytes[..at].to_vec();
    bad.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    bad.extend_from_slice(&16i32.to_le_bytes());
    bad.extend_from_slice(&[0x5a; 16]);
    bad.extend_from_slice(&[0u8; 64]);
    let whole = decode(&bad, bad.len(), IpcReadOptions::default()).unwrap_err();
    assert!(
        whole.starts_with(&format!(
            "malformed message metadata at message 1, byte {}",
            at + 24
        )),
        "{whole}"
    );
    assert!(
        whole.ends_with(&format!("(after {} bytes)", at + 24)),
        "{whole}"
    );
    for piece in [1, 6, 11] {
        assert_eq!(
            decode(&bad, piece, IpcReadOptions::default()).unwrap_err(),
            whole,
            "pieces of {piece}"
        );
    }
}

#[test]
fn a_body_cut_short_is_reported_as_truncated_whole_or_in_pieces() {
    let bytes = stream();
    let cut = &bytes[..bytes.len() - 20];
    let whole = decode(cut, cut.len(), IpcReadOptions::default()).unwrap_err();
    assert!(
        whole.contains("the stream ends inside a message body of"),
        "{whole}"
    );
    for piece in [1, 13] {
        assert_eq!(
            decode(cut, piece, IpcReadOptions::default()).unwrap_err(),
            whole
        );
    }
}
