//! Bytes and memory for Quiver: immutable [`Buffer`]s, growable [`MutableBuffer`]s,
//! validity [`Bitmap`]s, [`MemoryPool`]s that count what they allocate, and the I/O
//! sources and sinks that hand out buffers without copying where they can.
//!
//! ```
//! use quiver_buffer::{Buffer, MutableBuffer};
//! let mut m = MutableBuffer::new();
//! m.extend_from_slice(&[1i32, 2, 3]);
//! let b: Buffer = m.freeze();
//! assert_eq!(b.typed_data::<i32>().unwrap(), &[1, 2, 3]);
//! ```

mod bitmap;
mod buffer;
mod error;
pub mod io;
mod mutable;
mod native;
mod pool;
mod proxy;
mod scalar;
mod wide;

pub use bitmap::{Bitmap, BitmapBuilder, bytes_for, get_bit, set_bit};
pub use buffer::Buffer;
pub use error::BufferError;
pub use io::{
    BufferOutputStream, BufferReader, InputStream, MemoryMappedFile, OsFile, RandomAccessFile,
    ReadInputStream, memory_map,
};
pub use mutable::MutableBuffer;
pub use native::{NativeType, as_bytes, f16};
pub use pool::{
    ALIGNMENT, MemoryPool, MemoryPoolRef, SystemMemoryPool, default_memory_pool,
    total_allocated_bytes,
};
pub use proxy::ProxyMemoryPool;
pub use scalar::ScalarBuffer;
pub use wide::i256;
