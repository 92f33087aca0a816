//! [`FlightData`], the message every Flight data stream carries, written by hand instead
//! of generated, so that:
//! - a decoded body is a `Bytes` slice of the received gRPC frame (no copy), which the
//!   decoder turns into a [`Buffer`] without a copy either;
//! - an encoded body is the list of column buffers the IPC encoder produced, written
//!   straight into the outgoing gRPC frame: each column buffer is copied once, into the
//!   frame, and never gathered into an intermediate body first.
//!
//! The wire format is protobuf's, with the field numbers of Arrow's `Flight.proto`:
//! `flight_descriptor = 1`, `data_header = 2`, `app_metadata = 3`, `data_body = 1000`.

use std::fmt;
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes};
use prost::DecodeError;
use prost::encoding::{self, DecodeContext, WireType};
use quiver_buffer::Buffer;

use crate::proto::FlightDescriptor;

const TAG_DESCRIPTOR: u32 = 1;
const TAG_HEADER: u32 = 2;
const TAG_APP_METADATA: u32 = 3;
const TAG_BODY: u32 = 1000;

/// One message of a Flight data stream (`DoGet`, `DoPut`, `DoExchange`): an Arrow IPC
/// message (its flatbuffer metadata in `data_header`, its body in `data_body`), with
/// optional application metadata, and on the first message of an upload the
/// descriptor it is for.
///
/// Most code never builds one: [`FlightDataEncoder`](crate::encode::FlightDataEncoder)
/// turns record batches into these and
/// [`FlightRecordBatchStream`](crate::decode::FlightRecordBatchStream) turns them back.
///
/// ```
/// use bytes::Bytes;
/// use prost::Message;
/// use quiver_flight::FlightData;
///
/// let data = FlightData::new()
///     .with_app_metadata(Bytes::from_static(b"progress: 10%"))
///     .with_data_body(Bytes::from_static(b"12345678"));
/// let wire = data.encode_to_vec();
/// let back = FlightData::decode(Bytes::from(wire)).unwrap();
/// assert_eq!(back.app_metadata, Bytes::from_static(b"progress: 10%"));
/// assert_eq!(back.data_body.to_bytes(), Bytes::from_static(b"12345678"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct FlightData {
    /// What an upload is for: set on the first message of a `DoPut` or `DoExchange`.
    pub flight_descriptor: Option<FlightDescriptor>,
    /// The IPC message's flatbuffer metadata (a `Message` table, without the stream
    /// format's length prefix); empty for a message that carries only `app_metadata`.
    pub data_header: Bytes,
    /// Application-defined bytes, passed through untouched.
    pub app_metadata: Bytes,
    /// The IPC message's body.
    pub data_body: FlightBody,
}

impl FlightData {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the descriptor.
    pub fn with_descriptor(mut self, descriptor: FlightDescriptor) -> Self {
        self.flight_descriptor = Some(descriptor);
        self
    }

    /// Sets the IPC metadata.
    pub fn with_data_header(mut self, header: impl Into<Bytes>) -> Self {
        self.data_header = header.into();
        self
    }

    /// Sets the application metadata.
    pub fn with_app_metadata(mut self, app_metadata: impl Into<Bytes>) -> Self {
        self.app_metadata = app_metadata.into();
        self
    }

    /// Sets the body.
    pub fn with_data_body(mut self, body: impl Into<FlightBody>) -> Self {
        self.data_body = body.into();
        self
    }
}

impl fmt::Debug for FlightData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlightData")
            .field("flight_descriptor", &self.flight_descriptor)
            .field("data_header", &format_args!("{} bytes", self.data_header.len()))
            .field("app_metadata", &self.app_metadata)
            .field("data_body", &format_args!("{} bytes", self.data_body.len()))
            .finish()
    }
}

/// The body of a [`FlightData`]: either bytes (as received, or as a user built them), or
/// the buffers of an encoded IPC message at their offsets, padded with zeros to the
/// body's length, which are written into the gRPC frame without being gathered first.
///
/// Two bodies are equal when their bytes are.
#[derive(Clone, Default)]
pub struct FlightBody(Repr);

#[derive(Clone)]
enum Repr {
    Bytes(Bytes),
    Parts {
        /// `(offset in the body, bytes)`, in increasing offset order, not overlapping.
        parts: Arc<[(usize, Buffer)]>,
        len: usize,
    },
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Bytes(Bytes::new())
    }
}

impl FlightBody {
    /// A body made of `parts` (each `(offset, bytes)`, in increasing offset order and
    /// not overlapping) in `len` bytes; the gaps are zeros.
    pub(crate) fn from_parts(parts: Arc<[(usize, Buffer)]>, len: usize) -> Self {
        debug_assert!(
            parts
                .iter()
                .all(|(offset, b)| offset.checked_add(b.len()).is_some_and(|end| end <= len))
        );
        FlightBody(Repr::Parts { parts, len })
    }

    /// The body's length in bytes.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Bytes(b) => b.len(),
            Repr::Parts { len, .. } => *len,
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The body as one `Bytes`: free for a received body; an encoded body is gathered
    /// into new memory (the gRPC path never does this).
    pub fn to_bytes(&self) -> Bytes {
        match &self.0 {
            Repr::Bytes(b) => b.clone(),
            Repr::Parts { parts, len } => {
                if let [(0, only)] = parts.as_ref()
                    && only.len() == *len
                {
                    return Bytes::from_owner(only.clone());
                }
                let mut out = Vec::with_capacity(*len);
                self.write_to(&mut out);
                Bytes::from(out)
            }
        }
    }

    /// The body as a [`Buffer`], without a copy for a received body.
    pub fn to_buffer(&self) -> Buffer {
        match &self.0 {
            Repr::Bytes(b) if b.is_empty() => Buffer::empty(),
            Repr::Bytes(b) => Buffer::from_owner(b.clone()),
            Repr::Parts { parts, len } => match parts.as_ref() {
                [(0, only)] if only.len() == *len => only.clone(),
                _ => Buffer::from_owner(self.to_bytes()),
            },
        }
    }

    /// Writes the body's bytes to `out`.
    fn write_to(&self, out: &mut impl BufMut) {
        match &self.0 {
            Repr::Bytes(b) => out.put_slice(b),
            Repr::Parts { parts, len } => {
                let mut at = 0usize;
                for (offset, part) in parts.iter() {
                    out.put_bytes(0, offset.saturating_sub(at));
                    out.put_slice(part.as_slice());
                    at = offset.saturating_add(part.len());
                }
                out.put_bytes(0, len.saturating_sub(at));
            }
        }
    }
}

impl From<Bytes> for FlightBody {
    fn from(bytes: Bytes) -> Self {
        FlightBody(Repr::Bytes(bytes))
    }
}

impl From<Vec<u8>> for FlightBody {
    fn from(bytes: Vec<u8>) -> Self {
        FlightBody(Repr::Bytes(Bytes::from(bytes)))
    }
}

impl From<&'static [u8]> for FlightBody {
    fn from(bytes: &'static [u8]) -> Self {
        FlightBody(Repr::Bytes(Bytes::from_static(bytes)))
    }
}

/// A body of one buffer, sent without a copy into a `Bytes`.
impl From<Buffer> for FlightBody {
    fn from(buffer: Buffer) -> Self {
        let len = buffer.len();
        FlightBody::from_parts(Arc::from(vec![(0, buffer)]), len)
    }
}

impl PartialEq for FlightBody {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Bytes(a), Repr::Bytes(b)) => a == b,
            _ => self.len() == other.len() && self.to_bytes() == other.to_bytes(),
        }
    }
}

impl fmt::Debug for FlightBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FlightBody({} bytes)", self.len())
    }
}

fn bytes_field_len(tag: u32, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    encoding::key_len(tag)
        .saturating_add(encoding::encoded_len_varint(len as u64))
        .saturating_add(len)
}

impl prost::Message for FlightData {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if let Some(descriptor) = &self.flight_descriptor {
            encoding::message::encode(TAG_DESCRIPTOR, descriptor, buf);
        }
        if !self.data_header.is_empty() {
            encoding::bytes::encode(TAG_HEADER, &self.data_header, buf);
        }
        if !self.app_metadata.is_empty() {
            encoding::bytes::encode(TAG_APP_METADATA, &self.app_metadata, buf);
        }
        let len = self.data_body.len();
        if len != 0 {
            encoding::encode_key(TAG_BODY, WireType::LengthDelimited, buf);
            encoding::encode_varint(len as u64, buf);
            self.data_body.write_to(buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            TAG_DESCRIPTOR => {
                let descriptor = self.flight_descriptor.get_or_insert_with(Default::default);
                encoding::message::merge(wire_type, descriptor, buf, ctx)
            }
            TAG_HEADER => encoding::bytes::merge(wire_type, &mut self.data_header, buf, ctx),
            TAG_APP_METADATA => encoding::bytes::merge(wire_type, &mut self.app_metadata, buf, ctx),
            TAG_BODY => {
                // `Bytes` merges by `copy_to_bytes`, which tonic's decode buffer answers
                // with a slice of the received frame: no copy.
                let mut body = Bytes::new();
                encoding::bytes::merge(wire_type, &mut body, buf, ctx)?;
                self.data_body = FlightBody::from(body);
                Ok(())
            }
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        self.flight_descriptor
            .as_ref()
            .map_or(0, |d| encoding::message::encoded_len(TAG_DESCRIPTOR, d))
            .saturating_add(bytes_field_len(TAG_HEADER, self.data_header.len()))
            .saturating_add(bytes_field_len(TAG_APP_METADATA, self.app_metadata.len()))
            .saturating_add(bytes_field_len(TAG_BODY, self.data_body.len()))
    }

    fn clear(&mut self) {
        *self = FlightData::default();
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use crate::proto::flight_descriptor::DescriptorType;
    use prost::Message;

    fn parts_body() -> FlightBody {
        let parts: Vec<(usize, Buffer)> = vec![
            (0, Buffer::from_vec(vec![1u8, 2, 3])),
            (8, Buffer::from_vec(vec![4u8; 10])),
        ];
        FlightBody::from_parts(Arc::from(parts), 24)
    }

    fn expected_parts_bytes() -> Vec<u8> {
        let mut v = vec![1u8, 2, 3, 0, 0, 0, 0, 0];
        v.extend([4u8; 10]);
        v.extend([0u8; 6]);
        v
    }

    #[test]
    fn parts_are_written_at_their_offsets_with_zero_padding() {
        let body = parts_body();
        assert_eq!(body.len(), 24);
        assert_eq!(body.to_bytes(), Bytes::from(expected_parts_bytes()));
        assert_eq!(body.to_buffer().as_slice(), &expected_parts_bytes()[..]);
    }

    #[test]
    fn encoding_matches_a_body_given_as_bytes_and_round_trips() {
        let descriptor = FlightDescriptor {
            r#type: DescriptorType::Path as i32,
            path: vec!["a.arrow".into()],
            ..Default::default()
        };
        let from_parts = FlightData::new()
            .with_descriptor(descriptor.clone())
            .with_data_header(Bytes::from_static(b"header"))
            .with_app_metadata(Bytes::from_static(b"meta"))
            .with_data_body(parts_body());
        let from_bytes = from_parts
            .clone()
            .with_data_body(Bytes::from(expected_parts_bytes()));
        let wire = from_parts.encode_to_vec();
        assert_eq!(wire.len(), from_parts.encoded_len());
        assert_eq!(wire, from_bytes.encode_to_vec());
        // Field 1000 (body) is a two-byte key, then a one-byte length of 24.
        let body_at = wire.len() - 24;
        assert_eq!(&wire[body_at - 3..body_at], &[0xc2, 0x3e, 24]);

        let back = FlightData::decode(Bytes::from(wire)).unwrap();
        assert_eq!(back, from_bytes);
        assert_eq!(back.flight_descriptor, Some(descriptor));
    }

    #[test]
    fn a_decoded_body_is_a_slice_of_the_received_bytes() {
        let wire = Bytes::from(
            FlightData::new()
                .with_data_body(Bytes::from(vec![7u8; 64]))
                .encode_to_vec(),
        );
        let back = FlightData::decode(wire.clone()).unwrap();
        let body = back.data_body.to_buffer();
        assert_eq!(body.len(), 64);
        let start = wire.as_ptr() as usize;
        let at = body.as_ptr() as usize;
        assert!(at >= start && at + 64 <= start + wire.len(), "the body was copied");
    }

    #[test]
    fn unknown_fields_are_skipped_and_garbage_is_an_error() {
        let mut wire = Vec::new();
        encoding::bytes::encode(7, &Bytes::from_static(b"future"), &mut wire);
        encoding::bytes::encode(TAG_APP_METADATA, &Bytes::from_static(b"m"), &mut wire);
        let back = FlightData::decode(&wire[..]).unwrap();
        assert_eq!(back.app_metadata, Bytes::from_static(b"m"));

        // A body that announces more bytes than there are.
        let mut bad = Vec::new();
        encoding::encode_key(TAG_BODY, WireType::LengthDelimited, &mut bad);
        encoding::encode_varint(1 << 40, &mut bad);
        bad.extend([0u8; 4]);
        assert!(FlightData::decode(&bad[..]).is_err());
    }
}
