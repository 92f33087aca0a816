//! # Quiver: Apache Arrow IPC for Rust
//!
//! Arrays and record batches of Arrow types built from plain Rust values, the Arrow IPC
//! streaming and file formats, zero-copy reads from memory maps and in-memory buffers,
//! and allocation tracking that shows it — with names that follow pyarrow's
//! "Streaming, Serialization, and IPC" page.
//!
//! ```
//! use quiver::{Array, BufferOutputStream, record_batch};
//!
//! let batch = record_batch(
//!     vec![
//!         Array::from(vec![1i64, 2, 3, 4]),
//!         Array::from(vec![Some("foo"), Some("bar"), Some("baz"), None]),
//!         Array::from(vec![Some(true), None, Some(false), Some(true)]),
//!     ],
//!     &["f0", "f1", "f2"],
//! )?;
//!
//! let mut sink = BufferOutputStream::new();
//! let mut writer = quiver::ipc::new_stream(&mut sink, batch.schema())?;
//! for _ in 0..5 {
//!     writer.write_batch(&batch)?;
//! }
//! writer.close()?;
//! let buf = sink.getvalue();
//!
//! let reader = quiver::ipc::open_stream(buf)?;
//! let batches = reader.collect::<Result<Vec<_>, _>>()?;
//! assert_eq!(batches.len(), 5);
//! assert!(batches[0].equals(&batch));
//! # Ok::<(), quiver::Error>(())
//! ```
//!
//! ## Typed values
//!
//! Each layout has a typed view, returned only when the column's type matches:
//! [`Array::as_primitive`], [`as_string`](Array::as_string),
//! [`as_string_view`](Array::as_string_view), [`as_list`](Array::as_list),
//! [`as_struct`](Array::as_struct), [`as_map`](Array::as_map),
//! [`as_dictionary`](Array::as_dictionary), [`as_union`](Array::as_union),
//! [`as_run_end_encoded`](Array::as_run_end_encoded) and more. Iterators yield `None`
//! for null slots, and nested values are zero-copy slices of the child arrays.
//!
//! ```
//! use quiver::Array;
//!
//! let people = Array::struct_from(
//!     vec![
//!         ("name", Array::from(vec!["ann", "bo"])),
//!         ("tags", Array::list_from_lengths(Array::from(vec![7i32, 8, 9]), [Some(1), Some(2)])?),
//!     ],
//!     None,
//! )?;
//! let view = people.as_struct().unwrap();
//! let names = view.column_by_name("name")?.as_string::<i32>().unwrap();
//! let tags = view.column_by_name("tags")?.as_list::<i32>().unwrap();
//! assert_eq!(names.value(1), "bo");
//! assert_eq!(tags.value(1).as_primitive::<i32>().unwrap().to_vec(), vec![8, 9]);
//! assert!(people.as_list::<i32>().is_none()); // a struct is not a list
//! # Ok::<(), quiver::Error>(())
//! ```
//!
//! ## Building arrays row by row
//!
//! Every layout has a builder implementing [`ArrayBuilder`]; nested builders own their
//! children (`values()`, `field_builder`, `keys()`…), and `finish` validates the array
//! and resets the builder. `Array::from(Vec<i64>)` and friends take the vector without
//! copying.
//!
//! ```
//! use quiver::{ArrayBuilder, DataType, ListBuilder, PrimitiveBuilder, StringBuilder, StructBuilder, TimeUnit};
//!
//! // list<struct<at: timestamp[ms, tz=UTC], what: string>>
//! let mut events = ListBuilder::new(StructBuilder::from_builders(vec![
//!     ("at", Box::new(PrimitiveBuilder::<i64>::new(DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))))),
//!     ("what", Box::new(StringBuilder::new())),
//! ]));
//! for (at, what) in [(0, "start"), (1500, "stop")] {
//!     let event = events.values();
//!     event.field_builder::<PrimitiveBuilder<i64>>(0).unwrap().append_value(at);
//!     event.field_builder::<StringBuilder>(1).unwrap().append_value(what);
//!     event.append(true);
//! }
//! events.append(true); // the first list holds both events
//! events.append(false); // a null list
//! let array = events.finish()?;
//! assert_eq!(
//!     array.to_string(),
//!     "[[{at: 1970-01-01 00:00:00.000Z, what: \"start\"}, {at: 1970-01-01 00:00:01.500Z, what: \"stop\"}], null]"
//! );
//! # Ok::<(), quiver::Error>(())
//! ```
//!
//! ## Memory pools and extension registries per request
//!
//! Readers and writers allocate from the [`MemoryPool`] of their options (the
//! [`default_memory_pool`] unless set). A [`ProxyMemoryPool`] counts what one request
//! holds, and can cap it; its bytes still count in [`total_allocated_bytes`]. Likewise an
//! [`ExtensionRegistry`] in the read options replaces the process-wide one for that
//! reader.
//!
//! ```
//! use std::sync::Arc;
//! use quiver::ipc::IpcReadOptions;
//! use quiver::{Array, ExtensionRegistry, MemoryPool, ProxyMemoryPool, default_memory_pool, record_batch};
//!
//! let batch = record_batch(vec![Array::from(vec![1i64, 2, 3])], &["n"])?;
//! let mut bytes = Vec::new();
//! let mut writer = quiver::ipc::new_stream(&mut bytes, batch.schema())?;
//! writer.write_batch(&batch)?;
//! writer.close()?;
//!
//! let request = Arc::new(ProxyMemoryPool::new(default_memory_pool()));
//! let options = IpcReadOptions::default()
//!     .with_memory_pool(Arc::clone(&request))
//!     .with_extension_registry(Arc::new(ExtensionRegistry::new()));
//! // A `std::io` reader copies: the body of the batch (24 bytes) lands in the request's pool.
//! let mut source = quiver::ReadInputStream::new(&bytes[..]);
//! let batches = quiver::ipc::open_stream_with_options(&mut source, options)?
//!     .collect::<Result<Vec<_>, _>>()?;
//! assert_eq!(request.bytes_allocated(), 64);
//! drop(batches);
//! assert_eq!(request.bytes_allocated(), 0);
//! # Ok::<(), quiver::Error>(())
//! ```

//!
//! ## One message at a time
//!
//! Under the readers and writers sits a message layer with no framing and no I/O, for
//! transports that carry whole messages (Arrow Flight, a queue, a channel):
//! [`ipc::message::MessageEncoder`] turns batches into (flatbuffer metadata, body
//! buffers) pairs, dictionary messages first when a batch needs them, and
//! [`ipc::message::MessageDecoder`] turns each pair back into a schema, a dictionary
//! update or a batch, zero-copy and checked as the readers check. `cargo run --example
//! message_layer` sends batches across a channel this way.
//!
//! ```
//! use quiver::ipc::message::{DecodedMessage, MessageDecoder, MessageEncoder};
//! use quiver::{Array, record_batch};
//!
//! let batch = record_batch(vec![Array::from(vec![Some(1.5f64), None])], &["x"])?;
//! let mut encoder = MessageEncoder::try_new(batch.schema(), Default::default())?;
//! let mut decoder = MessageDecoder::new(Default::default());
//! let schema = encoder.encode_schema();
//! decoder.decode(schema.metadata().clone(), schema.body())?;
//! for message in encoder.encode_batch(&batch)? {
//!     if let DecodedMessage::RecordBatch(back) = decoder.decode(message.metadata().clone(), message.body())? {
//!         assert!(back.equals(&batch));
//!     }
//! }
//! # Ok::<(), quiver::Error>(())
//! ```

pub use quiver_array::*;
pub use quiver_buffer::{
    ALIGNMENT, Bitmap, BitmapBuilder, Buffer, BufferError, BufferOutputStream, BufferReader,
    InputStream, MemoryMappedFile, MemoryPool, MemoryPoolRef, MutableBuffer, NativeType, OsFile,
    ProxyMemoryPool, RandomAccessFile, ReadInputStream, ScalarBuffer, SystemMemoryPool,
    default_memory_pool, f16, i256, memory_map, total_allocated_bytes,
};

pub mod ipc;

pub use quiver_ipc::ErrorKind;

/// The README's Rust examples, compiled and run by `cargo test -p quiver --doc` so
/// they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// pyarrow's legacy object serialization (`pyarrow.serialize` / `deserialize`, pyarrow
/// 10 and earlier): the `quiver-legacy` crate. The main calls are also at the top
/// level under pyarrow's names. With the `json` feature, `quiver::legacy::canonical`
/// converts values to and from the canonical tagged JSON form.
///
/// ```
/// use quiver::legacy::Value;
///
/// let value = Value::dict([("x", Value::from(1i64)), ("y", Value::from(vec![1.5f64, 2.5]))]);
/// let blob = quiver::serialize(&value).unwrap().to_buffer();
/// assert_eq!(quiver::deserialize(&blob).unwrap(), value);
///
/// let components = quiver::serialize(&value).unwrap().to_components();
/// assert_eq!(quiver::deserialize_components(&components).unwrap(), value);
///
/// let context = quiver::SerializationContext::default();
/// assert_eq!(context.deserialize_value(&blob).unwrap(), value);
/// ```
pub mod legacy {
    pub use quiver_legacy::*;
}

pub use quiver_legacy::{SerializationContext, deserialize, deserialize_components, serialize};

/// The Arrow JSON integration-test format (the `quiver-json` crate), with the `json`
/// feature: [`read_json_file`](json::read_json_file) parses a document into a schema,
/// record batches and dictionaries, [`write_json_file`](json::write_json_file) writes
/// one.
///
/// ```
/// use quiver::{Array, record_batch};
///
/// let batch = record_batch(vec![Array::from(vec![Some(1i64), None])], &["n"])?;
/// let text = quiver::json::write_json_file(batch.schema(), &[batch.clone()], None)?;
/// assert!(text.contains(r#""DATA":["1","0"]"#));
/// let back = quiver::json::read_json_file(&text)?;
/// assert!(back.batches[0].equals(&batch));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "json")]
pub mod json {
    pub use quiver_json::*;
}

/// The Arrow C data and C stream interfaces (the `quiver-ffi` crate), with the default
/// `ffi` feature: share arrays, record batches and readers with pyarrow, polars, DuckDB
/// or arrow-rs in the same process, zero-copy.
///
/// ```
/// use quiver::{Array, record_batch};
///
/// let batch = record_batch(vec![Array::from(vec![1i32, 2])], &["n"])?;
/// let array = quiver::ffi::export_record_batch(&batch)?;
/// let schema = quiver::ffi::export_schema(batch.schema())?;
/// // SAFETY: both structs are live exports of this process.
/// let back = unsafe { quiver::ffi::import_record_batch(array, &schema) }?;
/// assert!(back.equals(&batch));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "ffi")]
pub mod ffi {
    pub use quiver_ffi::*;
}

/// Arrow Flight (the `quiver-flight` crate), with the `flight` feature: a gRPC client
/// ([`FlightClient`](quiver_flight::client::FlightClient)) and a server
/// ([`FlightServer`](quiver_flight::server::FlightServer) serving a
/// [`FlightHandler`](quiver_flight::server::FlightHandler)) that speak to pyarrow.flight
/// and every other Flight implementation, with zero-copy bodies.
///
/// ```
/// use quiver::flight::encode::FlightMessageEncoder;
/// use quiver::{Array, record_batch};
///
/// let batch = record_batch(vec![Array::from(vec![1i64, 2])], &["n"])?;
/// let mut encoder = FlightMessageEncoder::try_new(batch.schema(), Default::default())?;
/// let mut messages = vec![encoder.encode_schema()];
/// encoder.encode_batch(&batch, &mut messages)?;
/// assert_eq!(messages.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "flight")]
pub mod flight {
    pub use quiver_flight::*;
}

/// Any error Quiver reports. Match on [`kind`](Error::kind) to react to it; new
/// variants may be added, so matches on the variants need a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing Arrow IPC data failed.
    #[error(transparent)]
    Ipc(#[from] quiver_ipc::IpcError),
    /// Building or using an array, batch or table failed.
    #[error(transparent)]
    Array(#[from] quiver_array::ArrayError),
    /// A buffer could not be allocated or viewed.
    #[error(transparent)]
    Buffer(#[from] quiver_buffer::BufferError),
    /// An I/O operation outside the IPC readers and writers failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Reading or writing a legacy `pyarrow.serialize` blob failed.
    #[error(transparent)]
    Legacy(#[from] quiver_legacy::LegacyError),
    /// Exporting to or importing from the Arrow C data interface failed.
    #[cfg(feature = "ffi")]
    #[error(transparent)]
    Ffi(#[from] quiver_ffi::FfiError),
    /// A Flight call failed, on the client or the server side.
    #[cfg(feature = "flight")]
    #[error(transparent)]
    Flight(#[from] quiver_flight::FlightError),
}

impl Error {
    /// What kind of error this is, whichever layer reported it: what code that reacts
    /// to errors matches on.
    ///
    /// ```
    /// use quiver::{Buffer, ErrorKind};
    ///
    /// let text = Buffer::from_vec(b"id,name\n1,ann\n".to_vec());
    /// let err = quiver::Error::from(quiver::ipc::open(text).unwrap_err());
    /// assert_eq!(err.kind(), ErrorKind::NotArrowData);
    /// let err = quiver::Error::from(quiver::Array::from(vec![1i32]).try_slice(1, 5).unwrap_err());
    /// assert_eq!(err.kind(), ErrorKind::Usage);
    /// let err = quiver::Error::from(quiver::deserialize(&Buffer::from_vec(vec![1u8, 0])).unwrap_err());
    /// assert_eq!(err.kind(), ErrorKind::Truncated);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Ipc(e) => e.kind(),
            Error::Array(e) => ErrorKind::from(e),
            Error::Buffer(e) => ErrorKind::from(e),
            Error::Io(_) => ErrorKind::Io,
            Error::Legacy(e) => legacy_kind(e),
            #[cfg(feature = "ffi")]
            Error::Ffi(e) => ffi_kind(e),
            #[cfg(feature = "flight")]
            Error::Flight(e) => flight_kind(e),
        }
    }
}

#[cfg(feature = "flight")]
fn flight_kind(e: &quiver_flight::FlightError) -> ErrorKind {
    use quiver_flight::FlightError as F;
    match e {
        F::Ipc(e) => e.kind(),
        F::Limit(_) => ErrorKind::LimitExceeded,
        F::InvalidArgument(_) => ErrorKind::Usage,
        F::Protocol(_) => ErrorKind::MalformedData,
        _ => ErrorKind::Io,
    }
}

#[cfg(feature = "ffi")]
fn ffi_kind(e: &quiver_ffi::FfiError) -> ErrorKind {
    use quiver_ffi::FfiError as F;
    match e {
        F::Invalid { source, .. } => ErrorKind::from(source),
        F::Released { .. } => ErrorKind::Usage,
        F::Export { .. } => ErrorKind::Unsupported,
        F::Stream { .. } => ErrorKind::Io,
        _ => ErrorKind::MalformedData,
    }
}

fn legacy_kind(e: &quiver_legacy::LegacyError) -> ErrorKind {
    use quiver_legacy::LegacyError as L;
    match e {
        L::Truncated { .. } => ErrorKind::Truncated,
        L::Ipc { source, .. } => source.kind(),
        L::TooDeep { .. } => ErrorKind::LimitExceeded,
        L::Unsupported { .. } => ErrorKind::Unsupported,
        L::Serialize { .. } | L::UnregisteredType { .. } | L::Custom { .. } => ErrorKind::Usage,
        _ => ErrorKind::MalformedData,
    }
}

/// Result alias using [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A record batch from columns and their names, like `pyarrow.record_batch(data, names=…)`.
///
/// ```
/// let b = quiver::record_batch(vec![quiver::Array::from(vec![1i32, 2])], &["x"]).unwrap();
/// assert_eq!((b.num_rows(), b.num_columns()), (2, 1));
/// ```
pub fn record_batch(columns: Vec<Array>, names: &[&str]) -> Result<RecordBatch> {
    Ok(RecordBatch::try_from_columns(columns, names)?)
}

/// An array from plain Rust values, like `pyarrow.array([...])`: `Vec<i64>`,
/// `Vec<Option<&str>>`, `Vec<Option<bool>>`, … (`None` is null).
///
/// ```
/// let a = quiver::array(vec![Some(true), None, Some(false)]);
/// assert_eq!(a.to_string(), "[true, null, false]");
/// ```
pub fn array(values: impl Into<Array>) -> Array {
    values.into()
}
