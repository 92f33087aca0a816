//! Every golden file through the public message layer alone, with no reader and no
//! writer:
//!
//! 1. the `.stream` is cut into messages here (the framing is a few lines), and a
//!    [`MessageDecoder`] decodes them: the batches must equal the JSON expectation;
//! 2. a [`MessageEncoder`] encodes those batches again and a fresh [`MessageDecoder`]
//!    decodes them: equal again;
//! 3. the encoded messages, framed here, are byte for byte what `StreamWriter` writes,
//!    which shows the writer is framing on top of the encoder and nothing more;
//! 4. the `.arrow_file` is decoded with a [`FileDecoder`] over one `Buffer` of the file.
//!
//! Cases come from `quiver_testkit` like `golden.rs`; without the folder the test skips
//! loudly (a failure under `CI=true`), and it asserts how many cases it ran.

use std::io::Read;
use std::path::Path;

use quiver::ipc::message::{DecodedMessage, EncodedMessage, MessageDecoder, MessageEncoder};
use quiver::ipc::{FileDecoder, IpcReadOptions, IpcWriteOptions, StreamWriter};
use quiver::{Buffer, RecordBatch, Schema};
use quiver_json::{JsonFile, read_json_file};

#[path = "common/golden.rs"]
mod support;
use support::*;

/// Every case of every producer folder (as in `golden.rs`).
const MIN_CASES: usize = 91;

/// The messages of an IPC stream as (metadata, body), cut by its framing: a
/// continuation marker (absent before Arrow 0.15) and a length, the metadata, then a
/// body whose length the metadata gives.
fn split_stream(
    stream: &Buffer,
    options: &IpcReadOptions,
) -> Result<Vec<(Buffer, Buffer)>, String> {
    let mut at = 0usize;
    let mut out = Vec::new();
    let word = |at: usize| -> Result<u32, String> {
        let b = stream
            .get(at..at + 4)
            .ok_or_else(|| format!("stream ends at byte {at} inside a length prefix"))?;
        Ok(u32::from_le_bytes(b.try_into().expect("4 bytes")))
    };
    loop {
        let mut len = word(at)?;
        at += 4;
        if len == 0xFFFF_FFFF {
            len = word(at)?;
            at += 4;
        }
        if len == 0 {
            return Ok(out);
        }
        let metadata = stream
            .try_slice(at, len as usize)
            .map_err(|e| format!("metadata at byte {at}: {e}"))?;
        at += len as usize;
        let message = quiver::ipc::message::Message::try_new(metadata.clone(), options)
            .map_err(|e| format!("message {}: {e}", out.len()))?;
        let body = stream
            .try_slice(at, message.body_length())
            .map_err(|e| format!("body at byte {at}: {e}"))?;
        at += message.body_length();
        out.push((metadata, body));
    }
}

/// Decodes `(metadata, body)` pairs; returns the schema and the batches.
fn decode_all(
    messages: impl IntoIterator<Item = (Buffer, Buffer)>,
    options: &IpcReadOptions,
) -> Result<(Schema, Vec<RecordBatch>), String> {
    let mut decoder = MessageDecoder::new(options.clone());
    let mut batches = Vec::new();
    for (i, (metadata, body)) in messages.into_iter().enumerate() {
        match decoder.decode(metadata, body) {
            Ok(DecodedMessage::RecordBatch(b)) => batches.push(b),
            Ok(_) => {}
            Err(e) => return Err(format!("message {i}: {e}")),
        }
    }
    let schema = decoder.schema().ok_or("no schema message")?;
    Ok((schema.as_ref().clone(), batches))
}

/// The stream bytes of `messages` framed as `StreamWriter` frames them (8-byte
/// alignment: continuation marker, padded metadata length, metadata, padding, body),
/// then the end-of-stream marker.
fn frame(messages: &[EncodedMessage]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        let padded = (8 + m.metadata().len()).next_multiple_of(8) - 8;
        out.extend_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        out.extend_from_slice(&(padded as i32).to_le_bytes());
        out.extend_from_slice(m.metadata());
        out.resize(out.len() + padded - m.metadata().len(), 0);
        m.write_body(&mut out).expect("writing to a Vec");
    }
    out.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    out
}

/// The JSON expectation, with canonical map names when the stream's schema has them.
fn expectation(json: &JsonFile, schema: &Schema) -> JsonFile {
    if schema != &json.schema && schema == &canonical_schema(&json.schema) {
        canonical_json(json)
    } else {
        JsonFile {
            schema: json.schema.clone(),
            batches: json.batches.clone(),
            dictionaries: json.dictionaries.clone(),
            dictionary_ids: json.dictionary_ids.clone(),
        }
    }
}

fn check(
    what: &str,
    json: &JsonFile,
    schema: &Schema,
    batches: &[RecordBatch],
) -> Result<(), String> {
    if schema != &json.schema {
        return Err(format!(
            "{what}: {}",
            describe_schema_diff(&json.schema, schema)
        ));
    }
    compare_batches(what, &json.batches, batches).map_or(Ok(()), Err)
}

fn run_case(dir: &Path, case: &str) -> Result<(), String> {
    let mut text = String::new();
    std::fs::File::open(dir.join(format!("{case}.json.gz")))
        .and_then(|f| flate2::read::GzDecoder::new(f).read_to_string(&mut text))
        .map_err(|e| format!("json: {e}"))?;
    let json = read_json_file(&text).map_err(|e| format!("json: {e}"))?;
    let read = |ext: &str| {
        std::fs::read(dir.join(format!("{case}.{ext}")))
            .map(Buffer::from)
            .map_err(|e| format!("{ext}: {e}"))
    };
    let options = options_for(dir, case);

    // 1. The golden stream, decoded message by message.
    let stream = read("stream")?;
    let (schema, batches) = decode_all(split_stream(&stream, &options)?, &options)?;
    let original = json;
    let json = expectation(&original, &schema);
    check("stream via MessageDecoder", &json, &schema, &batches)?;

    // 2. Encoded again, decoded again.
    let mut encoder = MessageEncoder::try_new(&schema, IpcWriteOptions::default())
        .map_err(|e| format!("encoder: {e}"))?;
    let mut encoded = vec![encoder.encode_schema()];
    for (i, b) in batches.iter().enumerate() {
        encoded.extend(
            encoder
                .encode_batch(b)
                .map_err(|e| format!("encoding batch {i}: {e}"))?,
        );
    }
    let pairs = encoded.iter().map(|m| (m.metadata().clone(), m.body()));
    let (schema2, batches2) = decode_all(pairs, &options)?;
    check("re-encoded via MessageEncoder", &json, &schema2, &batches2)?;

    // 3. The writer is framing on the encoder: the same bytes.
    let mut writer = StreamWriter::try_new(Vec::new(), &schema).map_err(|e| e.to_string())?;
    for b in &batches {
        writer.write(b).map_err(|e| format!("StreamWriter: {e}"))?;
    }
    let written = writer.close().map_err(|e| e.to_string())?;
    if written != frame(&encoded) {
        return Err(format!(
            "StreamWriter wrote {} bytes, the framed encoder messages are {} bytes, and they differ",
            written.len(),
            frame(&encoded).len()
        ));
    }

    // 4. The golden file through a FileDecoder over one Buffer.
    let file = read("arrow_file")?;
    let decoder = FileDecoder::from_file(&file, options).map_err(|e| format!("file: {e}"))?;
    let file_batches = decoder
        .record_batches()
        .iter()
        .enumerate()
        .map(|(i, block)| {
            block
                .slice_of(&file)
                .and_then(|bytes| decoder.read_record_batch(block, &bytes))
                .map_err(|e| format!("file block {i}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let file_json = expectation(&original, decoder.schema());
    check(
        "file via FileDecoder",
        &file_json,
        decoder.schema(),
        &file_batches,
    )
}

#[test]
fn golden_files_round_trip_through_the_message_layer_alone() {
    let suite = "golden-messages";
    let Some(dirs) = producer_dirs(suite) else {
        return;
    };
    let (mut ran, mut failures) = (0, Vec::new());
    for dir in dirs {
        let folder = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        for case in cases(&dir) {
            ran += 1;
            if let Err(e) = run_case(&dir, &case) {
                failures.push(format!("{folder}/{case}: {e}"));
            }
        }
    }
    eprintln!(
        "golden through the message layer: {ran} cases, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    quiver_testkit::expect_cases(suite, ran, MIN_CASES);
}

/// The test above catches a broken layer: a batch decoded from a mangled body differs.
#[test]
fn a_changed_body_byte_is_caught() {
    let batch =
        RecordBatch::try_from_columns(vec![quiver::Array::from(vec![1i64, 2, 3])], &["n"]).unwrap();
    let mut encoder = MessageEncoder::try_new(batch.schema(), IpcWriteOptions::default()).unwrap();
    let schema = encoder.encode_schema();
    let m = encoder.encode_batch(&batch).unwrap().remove(0);
    let mut body = m.body().as_slice().to_vec();
    body[8] = 9; // the second value, 2, becomes 9
    let (_, got) = decode_all(
        [
            (schema.metadata().clone(), schema.body()),
            (m.metadata().clone(), Buffer::from(body)),
        ],
        &IpcReadOptions::default(),
    )
    .unwrap();
    let expected = vec![batch];
    let diff = compare_batches("mangled", &expected, &got).expect("a difference");
    assert!(
        diff.contains("first difference at slot 1: expected 2, read 9"),
        "{diff}"
    );
}
