//! Any bytes cut into (metadata, body) messages and handed to the public message layer,
//! as Arrow Flight or another transport would: a clean error or valid data, never a
//! crash. The cutting follows the stream framing (an optional continuation marker and a
//! length, then the metadata), and the body is as long as the metadata announces, or
//! whatever is left when fewer bytes remain, so a body of the wrong length is tried too.
//! Seeded with the golden `.stream` files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiver::Buffer;
use quiver::ipc::IpcReadOptions;
use quiver::ipc::message::{DecodedMessage, Message, MessageDecoder};

fn word(data: &Buffer, at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fuzz_target!(|data: &[u8]| {
    let data = Buffer::from_slice_ref(data);
    let options = IpcReadOptions::default();
    let mut decoder = MessageDecoder::new(options.clone());
    let mut at = 0usize;
    // At most 64 messages, so one input stays cheap.
    for _ in 0..64 {
        let Some(mut len) = word(&data, at) else { return };
        at += 4;
        if len == u32::MAX {
            let Some(l) = word(&data, at) else { return };
            len = l;
            at += 4;
        }
        let len = (len as usize).min(data.len() - at);
        if len == 0 {
            return;
        }
        let metadata = data.slice(at, len);
        at += len;
        let body_len = Message::try_new(metadata.clone(), &options)
            .map_or(0, |m| m.body_length())
            .min(data.len() - at);
        let body = data.slice(at, body_len);
        at += body_len;
        match decoder.decode(metadata, body) {
            Ok(DecodedMessage::RecordBatch(batch)) => {
                for col in batch.columns() {
                    // What the decoder returned must satisfy its type's invariants.
                    assert!(col.validate_full().is_ok());
                    let _ = col.to_string();
                }
            }
            Ok(_) => {}
            // A stream driver stops at the first error; keep going to reach states a
            // driver never would (messages after an error).
            Err(_) => {}
        }
    }
});
