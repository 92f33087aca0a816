//! The message layer on its own, as a network transport uses it: the sender turns
//! batches into messages, each a (metadata, body) pair, with the dictionary messages a
//! batch needs sent first; the receiver decodes each pair as it arrives. No framing and
//! no I/O are involved: the "network" here is a channel between two threads, carrying
//! exactly what Arrow Flight puts in `FlightData { data_header, data_body }`.
//!
//! ```text
//! cargo run --example message_layer
//! ```

use std::sync::mpsc;

use quiver::ipc::IpcWriteOptions;
use quiver::ipc::message::{DecodedMessage, MessageDecoder, MessageEncoder, MessageType};
use quiver::{Array, Buffer, RecordBatch, record_batch};

/// Batch `i`: the dictionary of colours grows by one value per batch.
fn batch(i: usize) -> quiver::Result<RecordBatch> {
    let colours = ["red", "green", "blue", "cyan"];
    let values = Array::from(colours[..=i].to_vec());
    let keys = Array::from((0..4).map(|k| (k % (i + 1)) as i32).collect::<Vec<_>>());
    record_batch(
        vec![
            Array::from(vec![i as i64; 4]),
            Array::dictionary_from(keys, values, false)?,
        ],
        &["batch", "colour"],
    )
}

fn main() -> quiver::Result<()> {
    let batches = (0..4).map(batch).collect::<quiver::Result<Vec<_>>>()?;
    let (send, receive) = mpsc::channel::<(MessageType, Buffer, Buffer)>();

    let sent = batches.clone();
    let sender = std::thread::spawn(move || -> quiver::Result<()> {
        // Deltas: a grown dictionary travels as only its new values.
        let options = IpcWriteOptions::default().with_emit_dictionary_deltas(true);
        let mut encoder = MessageEncoder::try_new(sent[0].schema(), options)?;
        let schema = encoder.encode_schema();
        let _ = send.send((
            schema.message_type(),
            schema.metadata().clone(),
            schema.body(),
        ));
        for b in &sent {
            for m in encoder.encode_batch(b)? {
                let _ = send.send((m.message_type(), m.metadata().clone(), m.body()));
            }
        }
        Ok(())
    });

    let mut decoder = MessageDecoder::new(Default::default());
    let mut kinds = Vec::new();
    let mut received = Vec::new();
    for (kind, metadata, body) in receive {
        kinds.push(kind);
        match decoder.decode(metadata, body)? {
            DecodedMessage::RecordBatch(b) => received.push(b),
            DecodedMessage::DictionaryBatch { id, is_delta } => {
                let size = decoder.dictionary(id).map_or(0, |d| d.len());
                println!("dictionary {id}: delta={is_delta}, now {size} values");
            }
            DecodedMessage::Schema(s) => println!("schema:\n{s}"),
            other => println!("something newer: {other:?}"),
        }
    }
    sender
        .join()
        .map_err(|_| std::io::Error::other("the sender thread panicked"))??;

    // The schema, then per batch a dictionary message (whole, then deltas) and the batch.
    use MessageType::{DictionaryBatch as D, RecordBatch as B, Schema as S};
    assert_eq!(kinds, [S, D, B, D, B, D, B, D, B]);
    assert_eq!(received.len(), batches.len());
    for (got, want) in received.iter().zip(&batches) {
        assert!(got.equals(want));
    }
    println!("{} batches received, equal to those sent", received.len());
    Ok(())
}
