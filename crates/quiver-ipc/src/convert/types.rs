//! `DataType` <-> flatbuffers `Type` union.

use flatbuffers::{FlatBufferBuilder, UnionWIPOffset, WIPOffset};
use quiver_array::{DataType, Field, IntervalUnit, TimeUnit, UnionMode};

use crate::error::{IpcError, Location, Result};
use crate::fb;

fn unit_from_fb(u: fb::TimeUnit, loc: &Location) -> Result<TimeUnit> {
    Ok(match u {
        fb::TimeUnit::SECOND => TimeUnit::Second,
        fb::TimeUnit::MILLISECOND => TimeUnit::Millisecond,
        fb::TimeUnit::MICROSECOND => TimeUnit::Microsecond,
        fb::TimeUnit::NANOSECOND => TimeUnit::Nanosecond,
        other => {
            return Err(IpcError::malformed_metadata(
                loc.clone(),
                format!("unknown time unit {}", other.0),
            ));
        }
    })
}

fn unit_to_fb(u: TimeUnit) -> fb::TimeUnit {
    match u {
        TimeUnit::Second => fb::TimeUnit::SECOND,
        TimeUnit::Millisecond => fb::TimeUnit::MILLISECOND,
        TimeUnit::Microsecond => fb::TimeUnit::MICROSECOND,
        TimeUnit::Nanosecond => fb::TimeUnit::NANOSECOND,
    }
}

/// The integer type of an `Int` table.
pub(crate) fn int_from_fb(bit_width: i32, signed: bool, loc: &Location) -> Result<DataType> {
    Ok(match (bit_width, signed) {
        (8, true) => DataType::Int8,
        (16, true) => DataType::Int16,
        (32, true) => DataType::Int32,
        (64, true) => DataType::Int64,
        (8, false) => DataType::UInt8,
        (16, false) => DataType::UInt16,
        (32, false) => DataType::UInt32,
        (64, false) => DataType::UInt64,
        (w, _) => {
            return Err(IpcError::malformed_metadata(
                loc.clone(),
                format!("integer bit width {w} (must be 8, 16, 32 or 64)"),
            ));
        }
    })
}

fn missing(loc: &Location, what: &str) -> IpcError {
    IpcError::malformed_metadata(
        loc.clone(),
        format!("the type union says {what} but holds no {what} table"),
    )
}

fn one_child(children: &[Field], what: &str, loc: &Location) -> Result<std::sync::Arc<Field>> {
    match children {
        [c] => Ok(std::sync::Arc::new(c.clone())),
        _ => Err(IpcError::malformed_metadata(
            loc.clone(),
            format!(
                "a {what} field needs exactly 1 child, found {}",
                children.len()
            ),
        )),
    }
}

/// The `DataType` a flatbuffers field declares, given its already converted children.
pub(crate) fn type_from_fb(
    field: &fb::Field,
    children: Vec<Field>,
    loc: &Location,
) -> Result<DataType> {
    use fb::Type as T;
    let t = field.type_type();
    Ok(match t {
        T::Null => DataType::Null,
        T::Int => {
            let i = field.type__as_int().ok_or_else(|| missing(loc, "Int"))?;
            int_from_fb(i.bitWidth(), i.is_signed(), loc)?
        }
        T::FloatingPoint => {
            let f = field
                .type__as_floating_point()
                .ok_or_else(|| missing(loc, "FloatingPoint"))?;
            match f.precision() {
                fb::Precision::HALF => DataType::Float16,
                fb::Precision::SINGLE => DataType::Float32,
                fb::Precision::DOUBLE => DataType::Float64,
                p => {
                    return Err(IpcError::malformed_metadata(
                        loc.clone(),
                        format!("unknown float precision {}", p.0),
                    ));
                }
            }
        }
        T::Binary => DataType::Binary,
        T::LargeBinary => DataType::LargeBinary,
        T::Utf8 => DataType::Utf8,
        T::LargeUtf8 => DataType::LargeUtf8,
        T::BinaryView => DataType::BinaryView,
        T::Utf8View => DataType::Utf8View,
        T::Bool => DataType::Boolean,
        T::Decimal => {
            let d = field
                .type__as_decimal()
                .ok_or_else(|| missing(loc, "Decimal"))?;
            let p = u8::try_from(d.precision()).map_err(|_| {
                IpcError::malformed_metadata(loc.clone(), format!("decimal precision {}", d.precision()))
            })?;
            let s = i8::try_from(d.scale()).map_err(|_| {
                IpcError::malformed_metadata(loc.clone(), format!("decimal scale {}", d.scale()))
            })?;
            let (data_type, max_precision) = match d.bitWidth() {
                32 => (DataType::Decimal32(p, s), 9),
                64 => (DataType::Decimal64(p, s), 18),
                128 => (DataType::Decimal128(p, s), 38),
                256 => (DataType::Decimal256(p, s), 76),
                w => {
                    return Err(IpcError::malformed_metadata(
                        loc.clone(),
                        format!("decimal bit width {w}"),
                    ));
                }
            };
            // As Arrow C++: a decimal's digits must fit its width.
            if !(1..=max_precision).contains(&p) {
                return Err(IpcError::malformed_metadata(
                    loc.clone(),
                    format!(
                        "{data_type} has precision {p}, outside 1 to {max_precision} for {} bits",
                        d.bitWidth()
                    ),
                ));
            }
            data_type
        }
        T::Date => {
            let d = field.type__as_date().ok_or_else(|| missing(loc, "Date"))?;
            match d.unit() {
                fb::DateUnit::DAY => DataType::Date32,
                fb::DateUnit::MILLISECOND => DataType::Date64,
                u => {
                    return Err(IpcError::malformed_metadata(
                        loc.clone(),
                        format!("unknown date unit {}", u.0),
                    ));
                }
            }
        }
        T::Time => {
            let tm = field.type__as_time().ok_or_else(|| missing(loc, "Time"))?;
            let unit = unit_from_fb(tm.unit(), loc)?;
            match (unit, tm.bitWidth()) {
                (TimeUnit::Second | TimeUnit::Millisecond, 32) => DataType::Time32(unit),
                (TimeUnit::Microsecond | TimeUnit::Nanosecond, 64) => DataType::Time64(unit),
                (u, w) => {
                    return Err(IpcError::malformed_metadata(
                        loc.clone(),
                        format!("time unit {u:?} with bit width {w}"),
                    ));
                }
            }
        }
        T::Timestamp => {
            let ts = field
                .type__as_timestamp()
                .ok_or_else(|| missing(loc, "Timestamp"))?;
            DataType::Timestamp(unit_from_fb(ts.unit(), loc)?, ts.timezone().map(Into::into))
        }
        T::Duration => {
            let d = field
                .type__as_duration()
                .ok_or_else(|| missing(loc, "Duration"))?;
            DataType::Duration(unit_from_fb(d.unit(), loc)?)
        }
        T::Interval => {
            let i = field
                .type__as_interval()
                .ok_or_else(|| missing(loc, "Interval"))?;
            DataType::Interval(match i.unit() {
                fb::IntervalUnit::YEAR_MONTH => IntervalUnit::YearMonth,
                fb::IntervalUnit::DAY_TIME => IntervalUnit::DayTime,
                fb::IntervalUnit::MONTH_DAY_NANO => IntervalUnit::MonthDayNano,
                u => {
                    return Err(IpcError::malformed_metadata(
                        loc.clone(),
                        format!("unknown interval unit {}", u.0),
                    ));
                }
            })
        }
        T::FixedSizeBinary => {
            let f = field
                .type__as_fixed_size_binary()
                .ok_or_else(|| missing(loc, "FixedSizeBinary"))?;
            if f.byteWidth() < 0 {
                return Err(IpcError::malformed_metadata(
                    loc.clone(),
                    format!("fixed-size binary width {}", f.byteWidth()),
                ));
            }
            DataType::FixedSizeBinary(f.byteWidth())
        }
        T::List => DataType::List(one_child(&children, "list", loc)?),
        T::LargeList => DataType::LargeList(one_child(&children, "large list", loc)?),
        T::ListView => DataType::ListView(one_child(&children, "list view", loc)?),
        T::LargeListView => DataType::LargeListView(one_child(&children, "large list view", loc)?),
        T::FixedSizeList => {
            let f = field
                .type__as_fixed_size_list()
                .ok_or_else(|| missing(loc, "FixedSizeList"))?;
            if f.listSize() < 0 {
                return Err(IpcError::malformed_metadata(
                    loc.clone(),
                    format!("fixed-size list size {}", f.listSize()),
                ));
            }
            DataType::FixedSizeList(one_child(&children, "fixed-size list", loc)?, f.listSize())
        }
        T::Struct_ => DataType::Struct(children),
        T::Map => {
            let m = field.type__as_map().ok_or_else(|| missing(loc, "Map"))?;
            let entries = one_child(&children, "map", loc)?;
            match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => {}
                other => {
                    return Err(IpcError::malformed_metadata(
                        loc.clone(),
                        format!("a map's child must be a struct of key and value, found {other}"),
                    ));
                }
            }
            DataType::Map(entries, m.keysSorted())
        }
        T::Union => {
            let u = field
                .type__as_union()
                .ok_or_else(|| missing(loc, "Union"))?;
            let mode = match u.mode() {
                fb::UnionMode::Sparse => UnionMode::Sparse,
                fb::UnionMode::Dense => UnionMode::Dense,
                m => {
                    return Err(IpcError::malformed_metadata(
                        loc.clone(),
                        format!("unknown union mode {}", m.0),
                    ));
                }
            };
            let type_ids: Vec<i8> = match u.typeIds() {
                Some(ids) => ids
                    .iter()
                    .map(|id| {
                        i8::try_from(id).map_err(|_| {
                            IpcError::malformed_metadata(
                                loc.clone(),
                                format!("union type id {id} does not fit in 8 bits"),
                            )
                        })
                    })
                    .collect::<Result<_>>()?,
                None => (0..children.len())
                    .map(|i| {
                        i8::try_from(i).map_err(|_| {
                            IpcError::malformed_metadata(loc.clone(), "too many union children")
                        })
                    })
                    .collect::<Result<_>>()?,
            };
            for (k, id) in type_ids.iter().enumerate() {
                if *id < 0 || type_ids.iter().take(k).any(|seen| seen == id) {
                    return Err(IpcError::malformed_metadata(
                        loc.clone(),
                        format!(
                            "union type ids must be distinct and not negative, but they are {type_ids:?}"
                        ),
                    ));
                }
            }
            if type_ids.len() != children.len() {
                return Err(IpcError::malformed_metadata(
                    loc.clone(),
                    format!(
                        "union has {} children but {} type ids",
                        children.len(),
                        type_ids.len()
                    ),
                ));
            }
            DataType::Union {
                fields: children,
                type_ids,
                mode,
            }
        }
        T::RunEndEncoded => match children.as_slice() {
            [r, v] => DataType::RunEndEncoded(r.clone().into(), v.clone().into()),
            _ => {
                return Err(IpcError::malformed_metadata(
                    loc.clone(),
                    format!("run-end encoded needs 2 children, found {}", children.len()),
                ));
            }
        },
        T::NONE => return Err(IpcError::malformed_metadata(loc.clone(), "field has no type")),
        other => {
            return Err(IpcError::unsupported(
                loc.clone(),
                format!("unknown type code {} (from a newer Arrow?)", other.0),
            ));
        }
    })
}

/// Writes the type table of `t` (the value type for dictionary fields) and returns
/// (union tag, table).
pub(crate) fn type_to_fb<'a>(
    fbb: &mut FlatBufferBuilder<'a>,
    t: &DataType,
) -> (fb::Type, WIPOffset<UnionWIPOffset>) {
    use fb::Type as T;
    macro_rules! empty {
        ($tag:expr, $table:ident, $args:ident) => {
            (
                $tag,
                fb::$table::create(fbb, &fb::$args {}).as_union_value(),
            )
        };
    }
    macro_rules! int {
        ($w:expr, $s:expr) => {
            (
                T::Int,
                fb::Int::create(
                    fbb,
                    &fb::IntArgs {
                        bitWidth: $w,
                        is_signed: $s,
                    },
                )
                .as_union_value(),
            )
        };
    }
    let decimal = |fbb: &mut FlatBufferBuilder<'a>, p: u8, s: i8, w: i32| {
        (
            T::Decimal,
            fb::Decimal::create(
                fbb,
                &fb::DecimalArgs {
                    precision: i32::from(p),
                    scale: i32::from(s),
                    bitWidth: w,
                },
            )
            .as_union_value(),
        )
    };
    match t {
        DataType::Null => empty!(T::Null, Null, NullArgs),
        DataType::Boolean => empty!(T::Bool, Bool, BoolArgs),
        DataType::Int8 => int!(8, true),
        DataType::Int16 => int!(16, true),
        DataType::Int32 => int!(32, true),
        DataType::Int64 => int!(64, true),
        DataType::UInt8 => int!(8, false),
        DataType::UInt16 => int!(16, false),
        DataType::UInt32 => int!(32, false),
        DataType::UInt64 => int!(64, false),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            let precision = match t {
                DataType::Float16 => fb::Precision::HALF,
                DataType::Float32 => fb::Precision::SINGLE,
                _ => fb::Precision::DOUBLE,
            };
            (
                T::FloatingPoint,
                fb::FloatingPoint::create(fbb, &fb::FloatingPointArgs { precision })
                    .as_union_value(),
            )
        }
        DataType::Binary => empty!(T::Binary, Binary, BinaryArgs),
        DataType::LargeBinary => empty!(T::LargeBinary, LargeBinary, LargeBinaryArgs),
        DataType::BinaryView => empty!(T::BinaryView, BinaryView, BinaryViewArgs),
        DataType::Utf8 => empty!(T::Utf8, Utf8, Utf8Args),
        DataType::LargeUtf8 => empty!(T::LargeUtf8, LargeUtf8, LargeUtf8Args),
        DataType::Utf8View => empty!(T::Utf8View, Utf8View, Utf8ViewArgs),
        DataType::FixedSizeBinary(w) => (
            T::FixedSizeBinary,
            fb::FixedSizeBinary::create(fbb, &fb::FixedSizeBinaryArgs { byteWidth: *w })
                .as_union_value(),
        ),
        DataType::Decimal32(p, s) => decimal(fbb, *p, *s, 32),
        DataType::Decimal64(p, s) => decimal(fbb, *p, *s, 64),
        DataType::Decimal128(p, s) => decimal(fbb, *p, *s, 128),
        DataType::Decimal256(p, s) => decimal(fbb, *p, *s, 256),
        DataType::Date32 | DataType::Date64 => {
            let unit = if matches!(t, DataType::Date32) {
                fb::DateUnit::DAY
            } else {
                fb::DateUnit::MILLISECOND
            };
            (
                T::Date,
                fb::Date::create(fbb, &fb::DateArgs { unit }).as_union_value(),
            )
        }
        DataType::Time32(u) | DataType::Time64(u) => {
            let width = if matches!(t, DataType::Time32(_)) {
                32
            } else {
                64
            };
            (
                T::Time,
                fb::Time::create(
                    fbb,
                    &fb::TimeArgs {
                        unit: unit_to_fb(*u),
                        bitWidth: width,
                    },
                )
                .as_union_value(),
            )
        }
        DataType::Timestamp(u, tz) => {
            let timezone = tz.as_deref().map(|s| fbb.create_string(s));
            (
                T::Timestamp,
                fb::Timestamp::create(
                    fbb,
                    &fb::TimestampArgs {
                        unit: unit_to_fb(*u),
                        timezone,
                    },
                )
                .as_union_value(),
            )
        }
        DataType::Duration(u) => (
            T::Duration,
            fb::Duration::create(
                fbb,
                &fb::DurationArgs {
                    unit: unit_to_fb(*u),
                },
            )
            .as_union_value(),
        ),
        DataType::Interval(u) => {
            let unit = match u {
                IntervalUnit::YearMonth => fb::IntervalUnit::YEAR_MONTH,
                IntervalUnit::DayTime => fb::IntervalUnit::DAY_TIME,
                IntervalUnit::MonthDayNano => fb::IntervalUnit::MONTH_DAY_NANO,
            };
            (
                T::Interval,
                fb::Interval::create(fbb, &fb::IntervalArgs { unit }).as_union_value(),
            )
        }
        DataType::List(_) => empty!(T::List, List, ListArgs),
        DataType::LargeList(_) => empty!(T::LargeList, LargeList, LargeListArgs),
        DataType::ListView(_) => empty!(T::ListView, ListView, ListViewArgs),
        DataType::LargeListView(_) => empty!(T::LargeListView, LargeListView, LargeListViewArgs),
        DataType::FixedSizeList(_, n) => (
            T::FixedSizeList,
            fb::FixedSizeList::create(fbb, &fb::FixedSizeListArgs { listSize: *n })
                .as_union_value(),
        ),
        DataType::Struct(_) => empty!(T::Struct_, Struct_, Struct_Args),
        DataType::Map(_, sorted) => (
            T::Map,
            fb::Map::create(
                fbb,
                &fb::MapArgs {
                    keysSorted: *sorted,
                },
            )
            .as_union_value(),
        ),
        DataType::Union { type_ids, mode, .. } => {
            let ids: Vec<i32> = type_ids.iter().map(|&i| i32::from(i)).collect();
            let ids = Some(fbb.create_vector(&ids));
            let mode = match mode {
                UnionMode::Sparse => fb::UnionMode::Sparse,
                UnionMode::Dense => fb::UnionMode::Dense,
            };
            (
                T::Union,
                fb::Union::create(fbb, &fb::UnionArgs { mode, typeIds: ids }).as_union_value(),
            )
        }
        DataType::RunEndEncoded(..) => empty!(T::RunEndEncoded, RunEndEncoded, RunEndEncodedArgs),
        DataType::Dictionary { value, .. } => type_to_fb(fbb, value),
        // `DataType` is `#[non_exhaustive]`: a type added to quiver-array before this
        // table knows it gets no type. `ensure_writable` refuses such a schema before
        // anything is written, so this never reaches a file.
        _ => empty!(T::NONE, Null, NullArgs),
    }
}

/// Refuses a field (or a field nested in it) whose type this writer has no IPC type
/// for: a `DataType` added to the array layer before the writer learnt it.
pub(crate) fn ensure_writable(field: &Field) -> Result<()> {
    let mut fbb = FlatBufferBuilder::new();
    let mut pending = vec![field];
    while let Some(f) = pending.pop() {
        if type_to_fb(&mut fbb, f.data_type()).0 == fb::Type::NONE {
            return Err(IpcError::unsupported(
                Location {
                    field: Some(f.name().to_string()),
                    ..Location::default()
                },
                format!(
                    "this version cannot write fields of type {}",
                    f.data_type()
                ),
            ));
        }
        pending.extend(f.children_through_dictionary());
    }
    Ok(())
}
