//! Writing: an encoder makes (metadata, body buffers); the writers frame and emit.

#[cfg(feature = "tokio")]
pub(crate) mod async_stream;
pub(crate) mod core;
pub(crate) mod dictionary;
pub(crate) mod encoder;
pub(crate) mod file;
pub(crate) mod framer;
pub(crate) mod message_encoder;
pub(crate) mod stream;
