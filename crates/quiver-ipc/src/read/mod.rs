//! Reading: decoders at the bottom (no I/O), readers on top.

pub(crate) mod array;
#[cfg(feature = "tokio")]
pub(crate) mod async_stream;
pub(crate) mod decoder;
pub(crate) mod field_path;
pub(crate) mod file;
pub(crate) mod file_decoder;
pub(crate) mod message_decoder;
pub(crate) mod stream;
pub(crate) mod stream_decoder;
pub(crate) mod verify;
// Tests may panic on bytes they built themselves.
#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod verify_tests;
