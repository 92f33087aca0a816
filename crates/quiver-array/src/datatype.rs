//! [`DataType`]: every logical type the Arrow columnar format defines.

use std::fmt;
use std::sync::Arc;

use crate::field::Field;

/// Unit of a timestamp, time, or duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeUnit {
    /// Seconds.
    Second,
    /// Milliseconds.
    Millisecond,
    /// Microseconds.
    Microsecond,
    /// Nanoseconds.
    Nanosecond,
}

impl TimeUnit {
    /// Short suffix as pyarrow prints it (`s`, `ms`, `us`, `ns`).
    pub fn suffix(self) -> &'static str {
        match self {
            TimeUnit::Second => "s",
            TimeUnit::Millisecond => "ms",
            TimeUnit::Microsecond => "us",
            TimeUnit::Nanosecond => "ns",
        }
    }
}

/// Unit of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntervalUnit {
    /// Months, as one `i32`.
    YearMonth,
    /// Days and milliseconds, as two `i32`s.
    DayTime,
    /// Months, days (`i32` each) and nanoseconds (`i64`).
    MonthDayNano,
}

/// Sparse or dense union layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnionMode {
    /// Every child has the union's length; one type-id buffer.
    Sparse,
    /// Children are compact; type ids plus `i32` offsets.
    Dense,
}

/// The logical type of an array.
///
/// All Arrow types are declared here; which of them each layer reads and writes is
/// listed in the README's feature table.
///
/// ```
/// use quiver_array::{DataType, Field};
/// let t = DataType::List(Field::new("item", DataType::Int32, true).into());
/// assert_eq!(t.to_string(), "list<item: int32>");
/// ```
///
/// Arrow adds types from time to time, so a `match` on a `DataType` outside this crate
/// needs a `_` arm.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataType {
    /// All values null; no buffers.
    Null,
    /// Bit-packed booleans.
    Boolean,
    /// Signed 8-bit integer.
    Int8,
    /// Signed 16-bit integer.
    Int16,
    /// Signed 32-bit integer.
    Int32,
    /// Signed 64-bit integer.
    Int64,
    /// Unsigned 8-bit integer.
    UInt8,
    /// Unsigned 16-bit integer.
    UInt16,
    /// Unsigned 32-bit integer.
    UInt32,
    /// Unsigned 64-bit integer.
    UInt64,
    /// IEEE half-precision float.
    Float16,
    /// IEEE single-precision float.
    Float32,
    /// IEEE double-precision float.
    Float64,
    /// `i64` since the epoch in `unit`, with an optional time zone name.
    Timestamp(TimeUnit, Option<Arc<str>>),
    /// `i32` days since the epoch.
    Date32,
    /// `i64` milliseconds since the epoch.
    Date64,
    /// `i32` time of day in seconds or milliseconds.
    Time32(TimeUnit),
    /// `i64` time of day in microseconds or nanoseconds.
    Time64(TimeUnit),
    /// `i64` elapsed time.
    Duration(TimeUnit),
    /// Calendar interval.
    Interval(IntervalUnit),
    /// Variable-length bytes, `i32` offsets.
    Binary,
    /// Bytes of a fixed width.
    FixedSizeBinary(i32),
    /// Variable-length bytes, `i64` offsets.
    LargeBinary,
    /// Variable-length bytes as 16-byte views into data buffers.
    BinaryView,
    /// UTF-8 text, `i32` offsets.
    Utf8,
    /// UTF-8 text, `i64` offsets.
    LargeUtf8,
    /// UTF-8 text as 16-byte views into data buffers.
    Utf8View,
    /// Variable-size lists, `i32` offsets.
    List(Arc<Field>),
    /// Variable-size lists as `i32` offset + size pairs.
    ListView(Arc<Field>),
    /// Lists of a fixed number of values.
    FixedSizeList(Arc<Field>, i32),
    /// Variable-size lists, `i64` offsets.
    LargeList(Arc<Field>),
    /// Variable-size lists as `i64` offset + size pairs.
    LargeListView(Arc<Field>),
    /// Named child fields of equal length.
    Struct(Vec<Field>),
    /// A value of one of several child types per slot; `type_ids[i]` selects child `i`.
    Union {
        /// The children.
        fields: Vec<Field>,
        /// The type code of each child.
        type_ids: Vec<i8>,
        /// Sparse or dense.
        mode: UnionMode,
    },
    /// Integer indices into a dictionary of values.
    Dictionary {
        /// The index type (a signed or unsigned integer type).
        index: Box<DataType>,
        /// The type of the dictionary values.
        value: Box<DataType>,
        /// Whether the dictionary order is meaningful.
        ordered: bool,
    },
    /// Decimal in 32 bits: precision, scale.
    Decimal32(u8, i8),
    /// Decimal in 64 bits: precision, scale.
    Decimal64(u8, i8),
    /// Decimal in 128 bits: precision, scale.
    Decimal128(u8, i8),
    /// Decimal in 256 bits: precision, scale.
    Decimal256(u8, i8),
    /// A list of key/value `struct`s; the flag says whether keys are sorted.
    Map(Arc<Field>, bool),
    /// Run ends (`int16/32/64`) and the values of each run.
    RunEndEncoded(Arc<Field>, Arc<Field>),
}

impl DataType {
    /// Width in bytes of one value of a fixed-width primitive type, or `None` for other
    /// layouts (booleans are bit-packed and return `None`).
    pub fn primitive_width(&self) -> Option<usize> {
        use DataType::*;
        Some(match self {
            Int8 | UInt8 => 1,
            Int16 | UInt16 | Float16 => 2,
            Int32 | UInt32 | Float32 | Date32 | Time32(_) | Decimal32(..) => 4,
            Int64 | UInt64 | Float64 | Date64 | Time64(_) | Timestamp(..) | Duration(_)
            | Decimal64(..) => 8,
            Interval(IntervalUnit::YearMonth) => 4,
            Interval(IntervalUnit::DayTime) => 8,
            Interval(IntervalUnit::MonthDayNano) | Decimal128(..) => 16,
            Decimal256(..) => 32,
            FixedSizeBinary(w) => usize::try_from(*w).ok()?,
            _ => return None,
        })
    }

    /// Whether the type is an integer type (a valid dictionary index or run-end type).
    pub fn is_integer(&self) -> bool {
        use DataType::*;
        matches!(
            self,
            Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
        )
    }

    /// Whether the type has child fields.
    pub fn is_nested(&self) -> bool {
        use DataType::*;
        matches!(
            self,
            List(_)
                | ListView(_)
                | FixedSizeList(..)
                | LargeList(_)
                | LargeListView(_)
                | Struct(_)
                | Union { .. }
                | Map(..)
                | RunEndEncoded(..)
        )
    }

    /// The child fields of a nested type (empty for others; a dictionary has none).
    pub fn children(&self) -> Vec<&Field> {
        use DataType::*;
        match self {
            List(f)
            | ListView(f)
            | FixedSizeList(f, _)
            | LargeList(f)
            | LargeListView(f)
            | Map(f, _) => vec![f.as_ref()],
            Struct(fs) | Union { fields: fs, .. } => fs.iter().collect(),
            RunEndEncoded(a, b) => vec![a.as_ref(), b.as_ref()],
            _ => vec![],
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DataType::*;
        match self {
            Null => write!(f, "null"),
            Boolean => write!(f, "bool"),
            Int8 => write!(f, "int8"),
            Int16 => write!(f, "int16"),
            Int32 => write!(f, "int32"),
            Int64 => write!(f, "int64"),
            UInt8 => write!(f, "uint8"),
            UInt16 => write!(f, "uint16"),
            UInt32 => write!(f, "uint32"),
            UInt64 => write!(f, "uint64"),
            Float16 => write!(f, "halffloat"),
            Float32 => write!(f, "float"),
            Float64 => write!(f, "double"),
            Timestamp(u, None) => write!(f, "timestamp[{}]", u.suffix()),
            Timestamp(u, Some(tz)) => write!(f, "timestamp[{}, tz={tz}]", u.suffix()),
            Date32 => write!(f, "date32[day]"),
            Date64 => write!(f, "date64[ms]"),
            Time32(u) => write!(f, "time32[{}]", u.suffix()),
            Time64(u) => write!(f, "time64[{}]", u.suffix()),
            Duration(u) => write!(f, "duration[{}]", u.suffix()),
            Interval(IntervalUnit::YearMonth) => write!(f, "month_interval"),
            Interval(IntervalUnit::DayTime) => write!(f, "day_time_interval"),
            Interval(IntervalUnit::MonthDayNano) => write!(f, "month_day_nano_interval"),
            Binary => write!(f, "binary"),
            FixedSizeBinary(w) => write!(f, "fixed_size_binary[{w}]"),
            LargeBinary => write!(f, "large_binary"),
            BinaryView => write!(f, "binary_view"),
            Utf8 => write!(f, "string"),
            LargeUtf8 => write!(f, "large_string"),
            Utf8View => write!(f, "string_view"),
            List(c) => write!(f, "list<{}: {}>", c.name(), c.data_type()),
            ListView(c) => write!(f, "list_view<{}: {}>", c.name(), c.data_type()),
            LargeList(c) => write!(f, "large_list<{}: {}>", c.name(), c.data_type()),
            LargeListView(c) => write!(f, "large_list_view<{}: {}>", c.name(), c.data_type()),
            FixedSizeList(c, n) => {
                write!(f, "fixed_size_list<{}: {}>[{n}]", c.name(), c.data_type())
            }
            Struct(fields) => {
                write!(f, "struct<")?;
                for (i, c) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}: {}", c.name(), c.data_type())?;
                }
                write!(f, ">")
            }
            Union {
                fields,
                type_ids,
                mode,
            } => {
                let m = match mode {
                    UnionMode::Sparse => "sparse",
                    UnionMode::Dense => "dense",
                };
                write!(f, "{m}_union<")?;
                for (i, (c, id)) in fields.iter().zip(type_ids).enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}: {}={id}", c.name(), c.data_type())?;
                }
                write!(f, ">")
            }
            Dictionary {
                index,
                value,
                ordered,
            } => write!(
                f,
                "dictionary<values={value}, indices={index}, ordered={}>",
                u8::from(*ordered)
            ),
            Decimal32(p, s) => write!(f, "decimal32({p}, {s})"),
            Decimal64(p, s) => write!(f, "decimal64({p}, {s})"),
            Decimal128(p, s) => write!(f, "decimal128({p}, {s})"),
            Decimal256(p, s) => write!(f, "decimal256({p}, {s})"),
            Map(entries, sorted) => {
                let kv = entries.data_type().children();
                match kv.as_slice() {
                    [k, v] => write!(f, "map<{}, {}", k.data_type(), v.data_type())?,
                    _ => write!(f, "map<{}", entries.data_type())?,
                }
                if *sorted {
                    write!(f, ", keys_sorted")?;
                }
                write!(f, ">")
            }
            RunEndEncoded(r, v) => write!(
                f,
                "run_end_encoded<run_ends: {}, values: {}>",
                r.data_type(),
                v.data_type()
            ),
        }
    }
}
