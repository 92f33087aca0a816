//! Arrays from plain Rust values: `Array::from(Vec<…>)`, [`Array::from_primitive`]
//! and [`Array::from_bytes`].

use quiver_buffer::{Buffer, NativeType};

use super::bytes::{BinaryBuilder, FixedSizeBinaryBuilder, LargeBinaryBuilder};
use super::primitive::{ArrowPrimitive, PrimitiveBuilder};
use super::{BooleanBuilder, GenericBytesBuilder, Utf8Kind};
use crate::data::{Array, ArrayData};
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};

fn built(r: Result<Array>) -> Array {
    match r {
        Ok(a) => a,
        // Builders fed with well-typed Rust values cannot produce invalid arrays except
        // for sizes beyond the offset type, which is a programming error here.
        Err(e) => panic!("building an array from Rust values failed: {e}"),
    }
}

/// Moves the vector into the array's value buffer without copying.
///
/// ```
/// use quiver_array::Array;
/// let v = vec![1i64, 2, 3];
/// let ptr = v.as_ptr() as *const u8;
/// let a = Array::from(v);
/// assert_eq!(a.buffers()[0].as_ptr(), ptr);
/// ```
impl<T: ArrowPrimitive> From<Vec<T>> for Array {
    fn from(v: Vec<T>) -> Self {
        let len = v.len();
        built(
            ArrayData::new(T::DATA_TYPE, len)
                .buffers(vec![Buffer::from_vec(v)])
                .build(),
        )
    }
}

impl<T: ArrowPrimitive> From<&[T]> for Array {
    fn from(v: &[T]) -> Self {
        let mut b = PrimitiveBuilder::<T>::with_capacity(T::DATA_TYPE, v.len());
        b.append_slice(v);
        built(b.finish())
    }
}

impl<T: ArrowPrimitive> From<Vec<Option<T>>> for Array {
    fn from(v: Vec<Option<T>>) -> Self {
        let mut b = PrimitiveBuilder::<T>::with_capacity(T::DATA_TYPE, v.len());
        for x in v {
            b.append_option(x);
        }
        built(b.finish())
    }
}

impl Array {
    /// A primitive array of `data_type` from Rust values (`None` = null); `T` must be
    /// the type's value type (see [`PrimitiveBuilder`]).
    ///
    /// ```
    /// use quiver_array::{Array, DataType, TimeUnit};
    /// let t = Array::from_primitive::<i64>(DataType::Timestamp(TimeUnit::Second, None), [Some(0), None]).unwrap();
    /// assert_eq!(t.to_string(), "[1970-01-01 00:00:00, null]");
    /// ```
    pub fn from_primitive<T: NativeType>(
        data_type: DataType,
        values: impl IntoIterator<Item = Option<T>>,
    ) -> Result<Array> {
        let mut b = PrimitiveBuilder::<T>::try_new(data_type)?;
        for v in values {
            b.append_option(v);
        }
        b.finish()
    }

    /// A utf8, large utf8, utf8 view, binary, large binary, binary view or fixed-size
    /// binary array from Rust values (text types check UTF-8).
    pub fn from_bytes<V: AsRef<[u8]>>(
        data_type: DataType,
        values: impl IntoIterator<Item = Option<V>>,
    ) -> Result<Array> {
        // Text is gathered as bytes and checked for UTF-8 when the array is built.
        let text = matches!(data_type, DataType::Utf8 | DataType::LargeUtf8);
        let mut arr = match data_type {
            DataType::Utf8 | DataType::Binary => {
                let mut b = BinaryBuilder::new();
                values.into_iter().for_each(|v| b.append_option(v));
                b.finish()?
            }
            DataType::LargeUtf8 | DataType::LargeBinary => {
                let mut b = LargeBinaryBuilder::new();
                values.into_iter().for_each(|v| b.append_option(v));
                b.finish()?
            }
            DataType::FixedSizeBinary(w) => {
                let mut b = FixedSizeBinaryBuilder::new(w);
                for v in values {
                    match v {
                        Some(v) => b.append_value(v)?,
                        None => b.append_null(),
                    }
                }
                return b.finish();
            }
            DataType::Utf8View | DataType::BinaryView => {
                return crate::nested::build_views(data_type, values);
            }
            other => {
                return Err(ArrayError::Unsupported {
                    operation: "building from byte strings",
                    data_type: other,
                });
            }
        };
        if text {
            arr = ArrayData {
                data_type,
                ..arr.to_data()
            }
            .build()?;
        }
        Ok(arr)
    }
}

macro_rules! from_strings {
    ($($t:ty),*) => {$(
        impl From<Vec<$t>> for Array {
            fn from(v: Vec<$t>) -> Self {
                let mut b = GenericBytesBuilder::<i32, Utf8Kind>::new();
                v.into_iter().for_each(|s| b.append_value(s));
                built(b.finish())
            }
        }
        impl From<Vec<Option<$t>>> for Array {
            fn from(v: Vec<Option<$t>>) -> Self {
                let mut b = GenericBytesBuilder::<i32, Utf8Kind>::new();
                v.into_iter().for_each(|s| b.append_option(s));
                built(b.finish())
            }
        }
    )*};
}
from_strings!(&str, String);

macro_rules! from_binaries {
    ($($t:ty),*) => {$(
        impl From<Vec<$t>> for Array {
            fn from(v: Vec<$t>) -> Self {
                let mut b = BinaryBuilder::new();
                v.into_iter().for_each(|s| b.append_value(s));
                built(b.finish())
            }
        }
        impl From<Vec<Option<$t>>> for Array {
            fn from(v: Vec<Option<$t>>) -> Self {
                let mut b = BinaryBuilder::new();
                v.into_iter().for_each(|s| b.append_option(s));
                built(b.finish())
            }
        }
    )*};
}
from_binaries!(&[u8], Vec<u8>);

impl From<Vec<bool>> for Array {
    fn from(v: Vec<bool>) -> Self {
        let mut b = BooleanBuilder::new();
        v.into_iter().for_each(|x| b.append_value(x));
        built(b.finish())
    }
}

impl From<Vec<Option<bool>>> for Array {
    fn from(v: Vec<Option<bool>>) -> Self {
        let mut b = BooleanBuilder::new();
        v.into_iter().for_each(|x| b.append_option(x));
        built(b.finish())
    }
}
