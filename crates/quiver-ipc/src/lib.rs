//! The Arrow IPC formats for Quiver: the streaming format ([`StreamWriter`],
//! [`StreamReader`], the sans-IO [`StreamDecoder`]) and the file format ([`FileWriter`],
//! [`FileReader`], [`FileDecoder`]), reading zero-copy from in-memory buffers and memory
//! maps. With the `tokio` feature, `AsyncStreamReader` and `AsyncStreamWriter` read
//! and write the streaming format over tokio's `AsyncRead` and `AsyncWrite` (sockets,
//! pipes).
//!
//! ```
//! use quiver_array::{Array, RecordBatch};
//! use quiver_buffer::{BufferOutputStream, BufferReader};
//! use quiver_ipc::{StreamReader, StreamWriter};
//!
//! let batch = RecordBatch::try_from_columns(
//!     vec![Array::from(vec![1i64, 2]), Array::from(vec![Some("a"), None])],
//!     &["n", "s"],
//! )
//! .unwrap();
//! let mut sink = BufferOutputStream::new();
//! let mut writer = StreamWriter::try_new(&mut sink, batch.schema()).unwrap();
//! writer.write(&batch).unwrap();
//! writer.finish().unwrap();
//! drop(writer);
//! let mut reader = StreamReader::try_new(BufferReader::new(sink.getvalue())).unwrap();
//! assert!(reader.next_batch().unwrap().unwrap().equals(&batch));
//! assert!(reader.next_batch().unwrap().is_none());
//! ```

/// Declares modules that read untrusted bytes, with the lints that keep panics out of
/// them: no `unwrap`/`expect`/`panic!`, no unchecked indexing or arithmetic.
macro_rules! reader_modules {
    ($($vis:vis $name:ident),* $(,)?) => {$(
        #[deny(
            clippy::unwrap_used,
            clippy::expect_used,
            clippy::panic,
            clippy::indexing_slicing,
            clippy::arithmetic_side_effects
        )]
        $vis mod $name;
    )*};
}

reader_modules!(compression, convert, flatbuffer_error, pub message, read, tensor);

mod error;
mod error_kind;
mod fb;
mod framing;
/// The flatc output for the Arrow `.fbs` schemas; an implementation detail, used through
/// [`fb`]. It is not public API, so this does not compile:
///
/// ```compile_fail,E0603
/// use quiver_ipc::r#gen::flatbuf::Schema;
/// ```
mod r#gen;
mod options;
mod write;

pub use compression::CompressionCodec;
pub use error::{ErrorKind, IpcError, IpcFormat, Location, Result};
pub use message::{
    DecodedMessage, EncodedMessage, EncodedMessageRef, Message, MessageDecoder, MessageEncoder,
    MessageType,
};
pub use options::{Endianness, IpcReadOptions, IpcWriteOptions, MetadataVersion};
#[cfg(feature = "tokio")]
pub use read::async_stream::AsyncStreamReader;
pub use read::file::FileReader;
pub use read::file_decoder::{Block, FileDecoder};
pub use read::stream::StreamReader;
pub use read::stream_decoder::{Decoded, StreamDecoder};
pub use tensor::{
    SparseIndex, SparseTensor, Tensor, TensorElement, decode_tensor, encode_tensor,
    read_sparse_tensor, read_sparse_tensor_from_stream, read_tensor, read_tensor_from_stream,
    row_major_strides, write_sparse_tensor, write_tensor,
};
#[cfg(feature = "tokio")]
pub use write::async_stream::AsyncStreamWriter;
pub use write::file::FileWriter;
pub use write::stream::StreamWriter;

/// Tests that need the crate's private parts (the generated flatbuffers bindings).
#[cfg(test)]
mod tests {
    mod big_endian;
}
