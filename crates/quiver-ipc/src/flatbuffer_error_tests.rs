//! The text of every `InvalidFlatbuffer` variant, with traces written by hand (outermost
//! first here, reversed into the verifier's innermost-first order), and real verifier
//! errors from corrupted schema messages, which pin the trace order this module assumes.

use std::borrow::Cow;

use flatbuffers::{ErrorTraceDetail, InvalidFlatbuffer};
use quiver_array::{DataType, Field, Schema};
use quiver_buffer::Buffer;

use super::*;
use crate::message::{Message, MessageEncoder};
use crate::{IpcError, IpcReadOptions};

const ADVICE_TAIL: &str = "; the data is corrupt or not Arrow IPC";

fn field(name: &'static str) -> ErrorTraceDetail {
    ErrorTraceDetail::TableField {
        field_name: Cow::Borrowed(name),
        position: 0,
    }
}

fn element(index: usize) -> ErrorTraceDetail {
    ErrorTraceDetail::VectorElement { index, position: 0 }
}

fn variant(name: &'static str) -> ErrorTraceDetail {
    ErrorTraceDetail::UnionVariant {
        variant: Cow::Borrowed(name),
        position: 0,
    }
}

/// The text of `error` in the `what` metadata, with `path` (outermost first) as trace.
fn text(what: &'static str, error: InvalidFlatbuffer, path: &[ErrorTraceDetail]) -> String {
    let trace: Vec<ErrorTraceDetail> = path.iter().rev().cloned().collect();
    let described = Described {
        what,
        error: &error,
        trace: &trace,
    };
    let text = described.to_string();
    text.strip_suffix(ADVICE_TAIL)
        .unwrap_or_else(|| panic!("no advice at the end of {text:?}"))
        .to_owned()
}

#[test]
fn unaligned_names_the_field_its_table_and_the_type() {
    let error = InvalidFlatbuffer::Unaligned {
        position: 143,
        unaligned_type: Cow::Borrowed("i16"),
        error_trace: Default::default(),
    };
    let path = [
        field("header"),
        variant("MessageHeader::Schema"),
        field("endianness"),
    ];
    assert_eq!(
        text("message", error, &path),
        "the `endianness` field of table `Schema` (at `Message.header.endianness`) is \
         misaligned (an i16 at byte 143 of the message metadata)"
    );
}

#[test]
fn missing_required_field_names_the_table_that_lacks_it() {
    let error = || InvalidFlatbuffer::MissingRequiredField {
        required: Cow::Borrowed("shape"),
        error_trace: Default::default(),
    };
    assert_eq!(
        text(
            "message",
            error(),
            &[field("header"), variant("MessageHeader::Tensor")]
        ),
        "table `Tensor` (at `Message.header`) lacks its required `shape` field"
    );
    assert_eq!(
        text("message", error(), &[]),
        "the root table `Message` lacks its required `shape` field"
    );
}

#[test]
fn inconsistent_union_names_both_fields_as_the_fbs_spells_them() {
    let error = InvalidFlatbuffer::InconsistentUnion {
        field: Cow::Borrowed("type_type"),
        field_type: Cow::Borrowed("type_"),
        error_trace: Default::default(),
    };
    let path = [
        field("header"),
        variant("MessageHeader::Schema"),
        field("fields"),
        element(1),
    ];
    assert_eq!(
        text("message", error, &path),
        "table `Field` (at `Message.header.fields[1]`) has only one of the union fields \
         `type_type` and `type` (a union needs both its type and its value, or neither)"
    );
}

#[test]
fn utf8_error_names_the_string_field_through_nested_vectors() {
    let bad = std::hint::black_box([b'a', 0xff]);
    let Err(utf8) = std::str::from_utf8(&bad) else {
        panic!("0xff is not UTF-8")
    };
    let error = InvalidFlatbuffer::Utf8Error {
        error: utf8,
        range: 60..62,
        error_trace: Default::default(),
    };
    let path = [
        field("schema"),
        field("fields"),
        element(0),
        field("children"),
        element(2),
        field("name"),
    ];
    assert_eq!(
        text("footer", error, &path),
        "the `name` field of table `Field` (at `Footer.schema.fields[0].children[2].name`) \
         is not valid UTF-8 (invalid utf-8 sequence of 1 bytes from index 1, in the string \
         at bytes 60..62 of the footer metadata)"
    );
}

#[test]
fn missing_null_terminator_names_the_string_field() {
    let error = InvalidFlatbuffer::MissingNullTerminator {
        range: 100..103,
        error_trace: Default::default(),
    };
    let path = [field("custom_metadata"), element(3), field("key")];
    assert_eq!(
        text("message", error, &path),
        "the `key` field of table `KeyValue` (at `Message.custom_metadata[3].key`) lacks the \
         zero byte that ends a flatbuffers string (the string at bytes 100..103 of the \
         message metadata)"
    );
}

#[test]
fn range_out_of_bounds_names_the_root_or_the_vector_element() {
    let error = || InvalidFlatbuffer::RangeOutOfBounds {
        range: 16_776_960..16_776_964,
        error_trace: Default::default(),
    };
    assert_eq!(
        text("message", error(), &[]),
        "the root table `Message` reaches past the end of the message metadata (bytes \
         16776960..16776964)"
    );
    let path = [
        field("header"),
        variant("MessageHeader::RecordBatch"),
        field("nodes"),
        element(5),
    ];
    assert_eq!(
        text("message", error(), &path),
        "element 5 of the `nodes` field of table `RecordBatch` (at `Message.header.nodes[5]`) \
         reaches past the end of the message metadata (bytes 16776960..16776964)"
    );
}

#[test]
fn signed_offset_out_of_bounds_names_the_field_without_repeating_a_short_path() {
    let error = InvalidFlatbuffer::SignedOffsetOutOfBounds {
        soffset: -1000,
        position: 24,
        error_trace: Default::default(),
    };
    let path = [field("header"), variant("MessageHeader::RecordBatch")];
    assert_eq!(
        text("message", error, &path),
        "the `header` field of table `Message` points outside the message metadata (its \
         vtable offset -1000 at byte 24)"
    );
}

#[test]
fn the_denial_of_service_errors_name_the_verifier_limits() {
    assert_eq!(
        text("footer", InvalidFlatbuffer::TooManyTables, &[]),
        "the footer metadata holds more than 1000000 tables"
    );
    assert_eq!(
        text("message", InvalidFlatbuffer::ApparentSizeTooLarge, &[]),
        "the message metadata's tables, counted once for every reference to them, add up to \
         more than 2147483648 bytes"
    );
    assert_eq!(
        text("message", InvalidFlatbuffer::DepthLimitReached, &[]),
        "the message metadata nests tables more than 128 deep"
    );
}

#[test]
fn a_table_the_walk_does_not_know_is_left_unnamed() {
    let error = || InvalidFlatbuffer::RangeOutOfBounds {
        range: 8..12,
        error_trace: Default::default(),
    };
    let path = [field("header"), variant("MessageHeader::Future"), field("size")];
    assert_eq!(
        text("message", error(), &path),
        "the `size` field (at `Message.header.size`) reaches past the end of the message \
         metadata (bytes 8..12)"
    );
    assert_eq!(
        text("message", error(), &path[..2]),
        "the `header` field of table `Message` reaches past the end of the message metadata \
         (bytes 8..12)"
    );
    let missing = InvalidFlatbuffer::MissingRequiredField {
        required: Cow::Borrowed("data"),
        error_trace: Default::default(),
    };
    assert_eq!(
        text("message", missing, &path[..2]),
        "the table at `Message.header` lacks its required `data` field"
    );
}

#[test]
fn type_names_are_shortened_and_get_their_article() {
    assert_eq!(short_type_name("core::primitive::u32"), "u32");
    assert_eq!(short_type_name("i16"), "i16");
    assert_eq!(short_type_name("a::Vector<'_, b::Block>"), "Vector");
    assert_eq!(
        (article("i64"), article("f32"), article("u16")),
        ("an", "an", "a")
    );
}

// ---------------------------------------------------------------------------------------
// Real verifier errors: corrupted schema messages.

/// The metadata of a schema message with one int32 field named `zebra`.
fn schema_metadata() -> Vec<u8> {
    let schema = Schema::new(vec![Field::new("zebra", DataType::Int32, true)]);
    let mut encoder = MessageEncoder::try_new(&schema, Default::default()).unwrap();
    encoder.encode_schema().metadata().as_slice().to_vec()
}

fn message_error(bytes: Vec<u8>) -> IpcError {
    Message::try_new(Buffer::from_vec(bytes), &IpcReadOptions::default()).unwrap_err()
}

/// Where the string `zebra` starts in `bytes`.
fn zebra_at(bytes: &[u8]) -> usize {
    bytes.windows(5).position(|w| w == b"zebra").unwrap()
}

#[test]
fn a_corrupted_field_name_is_named_by_its_path() {
    let mut bytes = schema_metadata();
    let at = zebra_at(&bytes);
    bytes[at] = 0xff;
    let e = message_error(bytes);
    assert_eq!(
        e.to_string(),
        format!(
            "malformed message metadata at input: the `name` field of table `Field` (at \
             `Message.header.fields[0].name`) is not valid UTF-8 (invalid utf-8 sequence of 1 \
             bytes from index 0, in the string at bytes {at}..{} of the message metadata); \
             the data is corrupt or not Arrow IPC",
            at + 5
        )
    );
    // The verifier's own error stays available to programs.
    let source = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<InvalidFlatbuffer>())
        .unwrap();
    assert!(
        matches!(source, InvalidFlatbuffer::Utf8Error { range, .. } if range.start == at),
        "{source:?}"
    );
}

#[test]
fn a_field_name_without_its_terminator_is_named_by_its_path() {
    let mut bytes = schema_metadata();
    let at = zebra_at(&bytes);
    bytes[at + 5] = b'!';
    assert_eq!(
        message_error(bytes).to_string(),
        format!(
            "malformed message metadata at input: the `name` field of table `Field` (at \
             `Message.header.fields[0].name`) lacks the zero byte that ends a flatbuffers \
             string (the string at bytes {at}..{} of the message metadata); the data is \
             corrupt or not Arrow IPC",
            at + 5
        )
    );
}

#[test]
fn a_misaligned_vector_offset_is_named_by_its_field_and_type() {
    let mut bytes = schema_metadata();
    let schema_at = {
        let message = crate::fb::root_as_message(&bytes).unwrap();
        message.header_as_schema().unwrap()._tab.loc()
    };
    let word = |b: &[u8], at: usize| i32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let vtable = usize::try_from(schema_at as i64 - i64::from(word(&bytes, schema_at))).unwrap();
    // The vtable entry of `fields` (voffset 6): the field's offset inside the table.
    let entry = vtable + 6;
    let offset = u16::from_le_bytes([bytes[entry], bytes[entry + 1]]) + 1;
    bytes[entry..entry + 2].copy_from_slice(&offset.to_le_bytes());
    let e = message_error(bytes);
    assert_eq!(
        e.to_string(),
        format!(
            "malformed message metadata at input: the `fields` field of table `Schema` (at \
             `Message.header.fields`) is misaligned (a u32 at byte {} of the message \
             metadata); the data is corrupt or not Arrow IPC",
            schema_at + usize::from(offset)
        )
    );
}
