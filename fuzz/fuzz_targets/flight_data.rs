//! Any bytes cut into a few protobuf-encoded `FlightData` messages, each decoded by
//! Quiver's hand-written prost codec and handed to the sans-IO `FlightMessageDecoder`, as
//! a Flight server does with every message of an upload: a clean error or valid data,
//! never a crash.
//!
//! The first byte picks how many messages there are (1 to 4); each message but the last
//! takes its length from the next two bytes (little-endian), capped at what is left; the
//! last message is whatever remains. Seeded with valid streams (`seed_flight_data.py`).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use prost::Message;
use quiver_flight::FlightData;
use quiver_flight::decode::{DecodedPayload, FlightMessageDecoder};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let count = usize::from(first % 4) + 1;
    let Some(lengths) = rest.get(..2 * (count - 1)) else { return };
    let mut input = Bytes::copy_from_slice(&rest[lengths.len()..]);
    let mut messages = Vec::with_capacity(count);
    for pair in lengths.chunks_exact(2) {
        let len = usize::from(u16::from_le_bytes([pair[0], pair[1]])).min(input.len());
        messages.push(input.split_to(len));
    }
    messages.push(input);

    let mut decoder = FlightMessageDecoder::new(Default::default());
    for wire in messages {
        // Garbage that is not protobuf is refused by prost; only what decodes goes on.
        let Ok(message) = FlightData::decode(wire) else { continue };
        match decoder.decode(message) {
            Ok(decoded) => {
                if let DecodedPayload::RecordBatch(batch) = decoded.payload {
                    for column in batch.columns() {
                        // What the decoder returned must satisfy its type's invariants.
                        assert!(column.validate_full().is_ok());
                        let _ = column.to_string();
                    }
                }
            }
            // A server stops at the first error; keep going to reach states it never
            // would (messages after an error).
            Err(_) => {}
        }
    }
});
