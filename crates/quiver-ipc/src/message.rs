//! The message layer: IPC messages one at a time, with no framing and no I/O.
//!
//! - [`MessageEncoder`] turns a schema and record batches into messages, each as
//!   (flatbuffer metadata bytes, body buffers), sending the dictionary messages a batch
//!   needs before it.
//! - [`MessageDecoder`] turns (metadata bytes, body [`Buffer`]) back into a schema, a
//!   dictionary update or a record batch, zero-copy.
//! - [`Message`] is one message's verified metadata, to learn its type and body length
//!   before the body is at hand.
//!
//! The stream and file writers frame what the encoder makes; [`StreamDecoder`],
//! [`FileDecoder`] and the readers on them hand each message to a decoder. Arrow Flight
//! carries exactly these messages as `FlightData { data_header, data_body }`.
//!
//! ```
//! use quiver_array::{Array, RecordBatch};
//! use quiver_ipc::message::{DecodedMessage, MessageDecoder, MessageEncoder};
//!
//! let batch = RecordBatch::try_from_columns(
//!     vec![Array::from(vec![Some("x"), None, Some("z")])],
//!     &["s"],
//! )
//! .unwrap();
//! let mut encoder = MessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
//! let mut decoder = MessageDecoder::new(Default::default());
//!
//! let schema = encoder.encode_schema();
//! decoder.decode(schema.metadata().clone(), schema.body()).unwrap();
//! for m in encoder.encode_batch(&batch).unwrap() {
//!     if let DecodedMessage::RecordBatch(back) = decoder.decode(m.metadata().clone(), m.body()).unwrap() {
//!         assert!(back.equals(&batch));
//!     }
//! }
//! assert_eq!(decoder.num_batches(), 1);
//! ```
//!
//! [`StreamDecoder`]: crate::StreamDecoder
//! [`FileDecoder`]: crate::FileDecoder

use quiver_buffer::Buffer;

use crate::error::{IpcError, Location, Result};
use crate::fb;
use crate::options::MetadataVersion;

pub use crate::read::message_decoder::{DecodedMessage, Message, MessageDecoder, MessageType};
pub use crate::write::message_encoder::{EncodedMessage, EncodedMessageRef, MessageEncoder};

/// Metadata that passed flatbuffers verification; its bytes are kept with it.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedMessage {
    bytes: Buffer,
    pub version: MetadataVersion,
    pub body_length: usize,
    pub header: fb::MessageHeader,
}

impl VerifiedMessage {
    /// Verifies `bytes` as a `Message` and checks the version and body length.
    pub(crate) fn parse(bytes: Buffer, max_body: usize, loc: &Location) -> Result<Self> {
        let msg = if crate::read::verify::accepts(&bytes) {
            // SAFETY: `accepts` says yes only to bytes that the flatbuffers verifier
            // (`root_as_message_with_opts` below) accepts (`read/verify.rs`; checked
            // against the verifier by `read/verify_tests.rs`).
            unsafe { fb::root_as_message_unchecked(&bytes) }
        } else {
            fb::root_as_message_with_opts(&fb::verifier_options(), &bytes).map_err(|source| {
                IpcError::InvalidFlatbuffer {
                    what: "message",
                    location: Box::new(loc.clone()),
                    source,
                }
            })?
        };
        let version = check_version(msg.version(), loc)?;
        let body = msg.bodyLength();
        let body_length = usize::try_from(body).map_err(|_| {
            IpcError::malformed_metadata(loc.clone(), format!("negative body length {body}"))
        })?;
        if body_length > max_body {
            return Err(IpcError::LimitExceeded {
                location: Box::new(loc.clone()),
                what: format!(
                    "message body of {body_length} bytes is over the limit of {max_body}"
                ),
            });
        }
        let header = msg.header_type();
        Ok(Self {
            bytes,
            version,
            body_length,
            header,
        })
    }

    /// The verified bytes.
    pub(crate) fn bytes(&self) -> &Buffer {
        &self.bytes
    }

    /// The message table.
    pub(crate) fn message(&self) -> fb::Message<'_> {
        // SAFETY: `self.bytes` passed `root_as_message_with_opts`, or the hand check
        // that accepts only what it accepts, in `parse`, and a `Buffer` never changes,
        // so the same bytes are still a valid `Message`.
        unsafe { fb::root_as_message_unchecked(&self.bytes) }
    }
}

/// Accepts V4 and V5; names anything else.
pub(crate) fn check_version(v: fb::MetadataVersion, loc: &Location) -> Result<MetadataVersion> {
    match v {
        fb::MetadataVersion::V4 => Ok(MetadataVersion::V4),
        fb::MetadataVersion::V5 => Ok(MetadataVersion::V5),
        fb::MetadataVersion::V1 | fb::MetadataVersion::V2 | fb::MetadataVersion::V3 => {
            Err(IpcError::unsupported(
                loc.clone(),
                format!(
                    "metadata version V{} is too old (Arrow before 0.8); V4 and V5 are read",
                    i32::from(v.0).saturating_add(1)
                ),
            ))
        }
        other => Err(IpcError::unsupported(
            loc.clone(),
            format!(
                "metadata version {} is newer than this reader knows (V5); upgrade Quiver",
                i32::from(other.0).saturating_add(1)
            ),
        )),
    }
}
