//! Writing: an encoder makes (metadata, body buffers); the writers frame and emit.

pub(crate) mod core;
pub(crate) mod dictionary;
pub(crate) mod encoder;
pub(crate) mod file;
pub(crate) mod framer;
pub(crate) mod message_encoder;
pub(crate) mod stream;
