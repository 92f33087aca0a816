//! Builders of utf8 view and binary view arrays.

use std::any::Any;
use std::marker::PhantomData;

use quiver_buffer::{Buffer, MutableBuffer};

use super::bytes::{BinaryKind, BytesKind, Utf8Kind};
use super::{ArrayBuilder, NullsBuilder, ValueBuilder};
use crate::data::{Array, ArrayData};
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};

/// Default size of each data buffer of a view builder.
const DEFAULT_BLOCK: usize = 32 * 1024;

/// Builds utf8 view or binary view arrays: values of up to 12 bytes live inline in
/// their 16-byte view (zero padded), longer ones in data buffers of about `block_size`
/// bytes, the view holding their length, first four bytes, buffer index and offset.
/// Use the aliases [`StringViewBuilder`] and [`BinaryViewBuilder`].
///
/// ```
/// use quiver_array::{ArrayBuilder, StringViewBuilder};
/// let mut b = StringViewBuilder::new();
/// b.append_value("short");
/// b.append_value("a value longer than twelve bytes");
/// b.append_null();
/// let a = b.finish().unwrap();
/// assert_eq!(a.to_string(), "[\"short\", \"a value longer than twelve bytes\", null]");
/// assert_eq!(a.buffers().len(), 2); // the views and one data buffer
/// ```
#[derive(Debug)]
pub struct ByteViewBuilder<K: BytesKind> {
    views: MutableBuffer,
    block: MutableBuffer,
    done: Vec<Buffer>,
    block_size: usize,
    nulls: NullsBuilder,
    /// The first problem met while appending, reported by `finish`.
    error: Option<String>,
    _k: PhantomData<K>,
}

/// Builds utf8 view arrays.
pub type StringViewBuilder = ByteViewBuilder<Utf8Kind>;
/// Builds binary view arrays.
pub type BinaryViewBuilder = ByteViewBuilder<BinaryKind>;

impl<K: BytesKind> Default for ByteViewBuilder<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: BytesKind> ByteViewBuilder<K> {
    /// An empty builder with 32 KiB data buffers.
    pub fn new() -> Self {
        Self::with_block_size(DEFAULT_BLOCK)
    }

    /// An empty builder that starts a new data buffer when a long value would take the
    /// current one past `block_size` bytes.
    pub fn with_block_size(block_size: usize) -> Self {
        Self {
            views: MutableBuffer::new(),
            block: MutableBuffer::new(),
            done: Vec::new(),
            block_size,
            nulls: NullsBuilder::default(),
            error: None,
            _k: PhantomData,
        }
    }

    /// Appends a value.
    pub fn append_value(&mut self, v: impl AsRef<K::Native>) {
        self.append_bytes(v.as_ref().as_ref());
    }

    fn append_bytes(&mut self, bytes: &[u8]) {
        let mut view = [0u8; 16];
        let Ok(len) = i32::try_from(bytes.len()) else {
            self.fail(format!(
                "value of {} bytes at slot {}",
                bytes.len(),
                self.len()
            ));
            return;
        };
        view[..4].copy_from_slice(&len.to_ne_bytes());
        if bytes.len() <= 12 {
            view[4..4 + bytes.len()].copy_from_slice(bytes);
        } else {
            if !self.block.is_empty() && self.block.len() + bytes.len() > self.block_size {
                let full = std::mem::take(&mut self.block);
                self.done.push(full.freeze());
            }
            let (Ok(index), Ok(offset)) = (
                i32::try_from(self.done.len()),
                i32::try_from(self.block.len()),
            ) else {
                self.fail(format!("data buffer overflow at slot {}", self.len()));
                return;
            };
            view[4..8].copy_from_slice(&bytes[..4]);
            view[8..12].copy_from_slice(&index.to_ne_bytes());
            view[12..16].copy_from_slice(&offset.to_ne_bytes());
            self.block.extend_from_slice(bytes);
        }
        self.views.extend_from_slice(&view);
        self.nulls.append(true);
    }

    fn fail(&mut self, problem: String) {
        self.error.get_or_insert(problem);
        self.append_null();
    }

    /// Appends a null (an all-zero view).
    pub fn append_null(&mut self) {
        self.views.extend_repeat(0, 16);
        self.nulls.append(false);
    }

    /// Appends a value or a null.
    pub fn append_option(&mut self, v: Option<impl AsRef<K::Native>>) {
        match v {
            Some(v) => self.append_value(v),
            None => self.append_null(),
        }
    }

    /// Builds the array (checking UTF-8 for text) and resets the builder.
    pub fn finish(&mut self) -> Result<Array> {
        let mut done = std::mem::replace(self, Self::with_block_size(self.block_size));
        let data_type = K::data_type(16);
        if let Some(problem) = done.error {
            return Err(ArrayError::invalid_data(data_type, problem));
        }
        if !done.block.is_empty() {
            done.done.push(done.block.freeze());
        }
        let mut buffers = vec![done.views.freeze()];
        buffers.append(&mut done.done);
        ArrayData::new(data_type, done.nulls.len())
            .nulls(done.nulls.finish())
            .buffers(buffers)
            .build()
    }
}

impl<K: BytesKind> ArrayBuilder for ByteViewBuilder<K> {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        K::data_type(16)
    }
    fn append_null(&mut self) {
        ByteViewBuilder::append_null(self)
    }
    fn finish(&mut self) -> Result<Array> {
        ByteViewBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl<K: BytesKind> ValueBuilder for ByteViewBuilder<K> {
    type Value = K::Native;
    fn push(&mut self, v: &K::Native) -> Result<()> {
        self.append_bytes(v.as_ref());
        Ok(())
    }
    fn identity(v: &K::Native) -> &[u8] {
        v.as_ref()
    }
}
