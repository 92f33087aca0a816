//! The hand check of `verify.rs` against the flatbuffers verifier: over every
//! truncation, bit flip and a few byte values at every position of sample messages,
//! the hand check never accepts what the verifier refuses.

use std::sync::Arc;

use quiver_array::{Array, ArrayData, DataType, Field, RecordBatch, Schema, StringViewBuilder};
use quiver_buffer::Buffer;

use crate::fb;
use crate::message::MessageEncoder;
use crate::read::verify::accepts;
use crate::{CompressionCodec, IpcWriteOptions};

fn dict_type() -> DataType {
    DataType::Dictionary {
        index: Box::new(DataType::Int8),
        value: Box::new(DataType::Utf8),
        ordered: false,
    }
}

/// The metadata of every message a few batches make (schema messages included).
fn samples() -> Vec<Vec<u8>> {
    let mut views = StringViewBuilder::new();
    views.append_value("short");
    views.append_null();
    views.append_value("a value longer than twelve bytes");
    let views = views.finish().unwrap();
    let dict = ArrayData::new(dict_type(), 3)
        .buffers(vec![Buffer::from_slice_ref(&[0i8, 1, 0])])
        .dictionary(Some(Array::from(vec!["x", "y"])))
        .build()
        .unwrap();
    let columns = vec![
        Array::from(vec![Some(1i32), None, Some(3)]),
        Array::from(vec![Some("a"), Some("bc"), None]),
        views,
        dict,
    ];
    let fields = ["i", "s", "v", "d"]
        .iter()
        .zip(&columns)
        .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns).unwrap();
    let with_metadata = batch.clone().with_metadata(vec![("k".into(), "v".into())]);
    let mut out = Vec::new();
    let mut options = vec![IpcWriteOptions::default()];
    #[cfg(feature = "lz4")]
    options.push(IpcWriteOptions::default().with_compression(CompressionCodec::Lz4Frame, None));
    #[cfg(not(feature = "lz4"))]
    let _ = CompressionCodec::Zstd;
    for o in options {
        let mut enc = MessageEncoder::try_new(&schema, o).unwrap();
        out.push(enc.encode_schema().metadata().as_slice().to_vec());
        for b in [&batch, &with_metadata] {
            for m in enc.encode_batch(b).unwrap() {
                out.push(m.metadata().as_slice().to_vec());
            }
        }
    }
    out
}

fn verifier_accepts(bytes: &[u8]) -> bool {
    fb::root_as_message_with_opts(&fb::verifier_options(), bytes).is_ok()
}

fn assert_never_more_lenient(bytes: &[u8], what: &str) {
    if accepts(bytes) {
        assert!(
            verifier_accepts(bytes),
            "the hand check accepts what the verifier refuses ({what}): {bytes:02x?}"
        );
    }
}

#[test]
fn the_hand_check_takes_the_common_messages_and_leaves_the_rest_to_the_verifier() {
    let s = samples();
    let kinds: Vec<(fb::MessageHeader, bool, bool)> = s
        .iter()
        .map(|b| {
            let m = fb::root_as_message(b).unwrap();
            (m.header_type(), m.custom_metadata().is_some(), accepts(b))
        })
        .collect();
    let mut fast = 0;
    for (header, custom, accepted) in &kinds {
        let expected = !custom
            && matches!(
                *header,
                fb::MessageHeader::RecordBatch | fb::MessageHeader::DictionaryBatch
            );
        assert_eq!(*accepted, expected, "{kinds:?}");
        fast += usize::from(*accepted);
    }
    // Schema, dictionary, batch; then a batch with custom metadata (verifier).
    assert!(fast >= 2, "{kinds:?}");
    assert!(kinds.iter().any(|k| k.0 == fb::MessageHeader::DictionaryBatch && k.2));
}

#[test]
fn the_hand_check_never_accepts_a_truncation_or_flip_the_verifier_refuses() {
    let mut accepted_changed = 0usize;
    for original in samples() {
        for len in 0..original.len() {
            assert_never_more_lenient(&original[..len], &format!("cut to {len}"));
        }
        let mut bytes = original.clone();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                bytes[i] ^= 1 << bit;
                assert_never_more_lenient(&bytes, &format!("byte {i} bit {bit} flipped"));
                accepted_changed += usize::from(accepts(&bytes));
                bytes[i] ^= 1 << bit;
            }
            let keep = bytes[i];
            for v in [0u8, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff] {
                bytes[i] = v;
                assert_never_more_lenient(&bytes, &format!("byte {i} set to {v:#x}"));
                accepted_changed += usize::from(accepts(&bytes));
            }
            bytes[i] = keep;
        }
    }
    // Most flips land in values (lengths, offsets of the body), which stay valid
    // flatbuffers: the comparison above was made on accepted bytes, not only refusals.
    assert!(accepted_changed > 1000, "{accepted_changed}");
}
