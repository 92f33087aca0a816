//! Format strings and metadata: Quiver's types and fields in the C data interface's
//! text and binary encodings, and back.

use quiver_array::{DataType, IntervalUnit, Metadata, TimeUnit, UnionMode};

use crate::error::{FfiError, Result};

/// What a format string says about a type, before its children are known.
///
/// Leaf types are complete; nested types need the schema's children (and their count is
/// checked by the importer).
///
/// ```
/// use quiver_ffi::format::{Format, parse_format};
/// use quiver_array::{DataType, TimeUnit};
/// assert_eq!(parse_format("tsu:UTC").unwrap(), Format::Type(DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))));
/// assert_eq!(parse_format("+w:3").unwrap(), Format::FixedSizeList(3));
/// assert!(parse_format("d:5").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// A type without children.
    Type(DataType),
    /// `+l`: list, `i32` offsets.
    List,
    /// `+L`: large list, `i64` offsets.
    LargeList,
    /// `+vl`: list view, `i32` offsets and sizes.
    ListView,
    /// `+vL`: large list view, `i64` offsets and sizes.
    LargeListView,
    /// `+w:N`: fixed-size list of `N` values.
    FixedSizeList(i32),
    /// `+s`: struct.
    Struct,
    /// `+m`: map.
    Map,
    /// `+ud:…` / `+us:…`: a union with the given type ids.
    Union(UnionMode, Vec<i8>),
    /// `+r`: run-end encoded.
    RunEndEncoded,
}

fn bad(format: &str, path: &str, problem: impl Into<String>) -> FfiError {
    FfiError::Format {
        format: format.to_string(),
        path: path.to_string(),
        problem: problem.into(),
    }
}

/// Parses a decimal number made of ASCII digits only (an optional `-` where `signed`).
fn number<T: std::str::FromStr>(text: &str, signed: bool) -> Option<T> {
    let digits = if signed {
        text.strip_prefix('-').unwrap_or(text)
    } else {
        text
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn unit(c: &str) -> Option<TimeUnit> {
    Some(match c {
        "s" => TimeUnit::Second,
        "m" => TimeUnit::Millisecond,
        "u" => TimeUnit::Microsecond,
        "n" => TimeUnit::Nanosecond,
        _ => return None,
    })
}

/// Parses a format string.
///
/// # Errors
/// [`FfiError::Format`] naming the problem for anything the spec does not define.
pub fn parse_format(format: &str) -> Result<Format> {
    parse_format_at(format, "format")
}

pub(crate) fn parse_format_at(format: &str, path: &str) -> Result<Format> {
    use DataType::*;
    let leaf = |t| Ok(Format::Type(t));
    match format {
        "n" => return leaf(Null),
        "b" => return leaf(Boolean),
        "c" => return leaf(Int8),
        "C" => return leaf(UInt8),
        "s" => return leaf(Int16),
        "S" => return leaf(UInt16),
        "i" => return leaf(Int32),
        "I" => return leaf(UInt32),
        "l" => return leaf(Int64),
        "L" => return leaf(UInt64),
        "e" => return leaf(Float16),
        "f" => return leaf(Float32),
        "g" => return leaf(Float64),
        "z" => return leaf(Binary),
        "Z" => return leaf(LargeBinary),
        "vz" => return leaf(BinaryView),
        "u" => return leaf(Utf8),
        "U" => return leaf(LargeUtf8),
        "vu" => return leaf(Utf8View),
        "tdD" => return leaf(Date32),
        "tdm" => return leaf(Date64),
        "tts" => return leaf(Time32(TimeUnit::Second)),
        "ttm" => return leaf(Time32(TimeUnit::Millisecond)),
        "ttu" => return leaf(Time64(TimeUnit::Microsecond)),
        "ttn" => return leaf(Time64(TimeUnit::Nanosecond)),
        "tiM" => return leaf(Interval(IntervalUnit::YearMonth)),
        "tiD" => return leaf(Interval(IntervalUnit::DayTime)),
        "tin" => return leaf(Interval(IntervalUnit::MonthDayNano)),
        "+l" => return Ok(Format::List),
        "+L" => return Ok(Format::LargeList),
        "+vl" => return Ok(Format::ListView),
        "+vL" => return Ok(Format::LargeListView),
        "+s" => return Ok(Format::Struct),
        "+m" => return Ok(Format::Map),
        "+r" => return Ok(Format::RunEndEncoded),
        _ => {}
    }
    if let Some(rest) = format.strip_prefix("tD") {
        let u =
            unit(rest).ok_or_else(|| bad(format, path, "duration unit must be s, m, u or n"))?;
        return leaf(Duration(u));
    }
    if let Some(rest) = format.strip_prefix("ts") {
        let (u, tz) = rest.split_once(':').ok_or_else(|| {
            bad(
                format,
                path,
                "timestamp needs ':' after the unit (then an optional time zone)",
            )
        })?;
        let u = unit(u).ok_or_else(|| bad(format, path, "timestamp unit must be s, m, u or n"))?;
        let tz = (!tz.is_empty()).then(|| tz.into());
        return leaf(Timestamp(u, tz));
    }
    if let Some(rest) = format.strip_prefix("w:") {
        let w = number::<i32>(rest, false).ok_or_else(|| {
            bad(
                format,
                path,
                "fixed-size binary width must be a non-negative int32",
            )
        })?;
        return leaf(FixedSizeBinary(w));
    }
    if let Some(rest) = format.strip_prefix("+w:") {
        let n = number::<i32>(rest, false).ok_or_else(|| {
            bad(
                format,
                path,
                "fixed-size list size must be a non-negative int32",
            )
        })?;
        return Ok(Format::FixedSizeList(n));
    }
    if let Some(rest) = format.strip_prefix("d:") {
        return parse_decimal(format, rest, path).map(Format::Type);
    }
    for (prefix, mode) in [("+ud:", UnionMode::Dense), ("+us:", UnionMode::Sparse)] {
        if let Some(rest) = format.strip_prefix(prefix) {
            let mut ids = Vec::new();
            if !rest.is_empty() {
                for id in rest.split(',') {
                    let id = number::<i8>(id, false).ok_or_else(|| {
                        bad(
                            format,
                            path,
                            format!("union type id {id:?} is not an integer in 0..=127"),
                        )
                    })?;
                    if ids.contains(&id) {
                        return Err(bad(
                            format,
                            path,
                            format!("union type id {id} appears twice"),
                        ));
                    }
                    ids.push(id);
                }
            }
            return Ok(Format::Union(mode, ids));
        }
    }
    Err(bad(format, path, "unknown format string"))
}

fn parse_decimal(format: &str, rest: &str, path: &str) -> Result<DataType> {
    let parts: Vec<&str> = rest.split(',').collect();
    let (p, s, w) = match parts.as_slice() {
        [p, s] => (*p, *s, "128"),
        [p, s, w] => (*p, *s, *w),
        _ => {
            return Err(bad(
                format,
                path,
                "decimal must be d:precision,scale[,bitwidth]",
            ));
        }
    };
    let p = number::<u8>(p, false).filter(|p| *p > 0).ok_or_else(|| {
        bad(
            format,
            path,
            "decimal precision must be an integer in 1..=255",
        )
    })?;
    let s = number::<i8>(s, true).ok_or_else(|| {
        bad(
            format,
            path,
            "decimal scale must be an integer in -128..=127",
        )
    })?;
    Ok(match w {
        "32" => DataType::Decimal32(p, s),
        "64" => DataType::Decimal64(p, s),
        "128" => DataType::Decimal128(p, s),
        "256" => DataType::Decimal256(p, s),
        _ => {
            return Err(bad(
                format,
                path,
                "decimal bit width must be 32, 64, 128 or 256",
            ));
        }
    })
}

/// The format string of `data_type`. For a dictionary it is the index type's (the value
/// type goes into the schema's `dictionary`).
///
/// ```
/// use quiver_ffi::format::format_of;
/// use quiver_array::{DataType, UnionMode};
/// assert_eq!(format_of(&DataType::Decimal256(40, 2)).unwrap(), "d:40,2,256");
/// let u = DataType::Union { fields: vec![], type_ids: vec![], mode: UnionMode::Dense };
/// assert_eq!(format_of(&u).unwrap(), "+ud:");
/// ```
///
/// # Errors
/// [`FfiError::Export`] for types the spec cannot express: a negative fixed width, a
/// time32 in micro- or nanoseconds (or time64 in seconds or milliseconds), a decimal
/// precision of 0, a negative union type id.
pub fn format_of(data_type: &DataType) -> Result<String> {
    use DataType::*;
    let u = |u: &TimeUnit| match u {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "m",
        TimeUnit::Microsecond => "u",
        TimeUnit::Nanosecond => "n",
    };
    let negative = |what: &str, n: i32| FfiError::Export {
        what: format!("type {data_type}"),
        problem: format!("{what} {n} is negative"),
    };
    let invalid = |problem: &str| FfiError::Export {
        what: format!("type {data_type}"),
        problem: problem.to_string(),
    };
    Ok(match data_type {
        Null => "n".into(),
        Boolean => "b".into(),
        Int8 => "c".into(),
        UInt8 => "C".into(),
        Int16 => "s".into(),
        UInt16 => "S".into(),
        Int32 => "i".into(),
        UInt32 => "I".into(),
        Int64 => "l".into(),
        UInt64 => "L".into(),
        Float16 => "e".into(),
        Float32 => "f".into(),
        Float64 => "g".into(),
        Binary => "z".into(),
        LargeBinary => "Z".into(),
        BinaryView => "vz".into(),
        Utf8 => "u".into(),
        LargeUtf8 => "U".into(),
        Utf8View => "vu".into(),
        Date32 => "tdD".into(),
        Date64 => "tdm".into(),
        Time32(t @ (TimeUnit::Second | TimeUnit::Millisecond))
        | Time64(t @ (TimeUnit::Microsecond | TimeUnit::Nanosecond)) => format!("tt{}", u(t)),
        Time32(_) | Time64(_) => {
            return Err(invalid(
                "time32 takes seconds or milliseconds, time64 microseconds or nanoseconds",
            ));
        }
        Timestamp(t, tz) => format!("ts{}:{}", u(t), tz.as_deref().unwrap_or("")),
        Duration(t) => format!("tD{}", u(t)),
        Interval(IntervalUnit::YearMonth) => "tiM".into(),
        Interval(IntervalUnit::DayTime) => "tiD".into(),
        Interval(IntervalUnit::MonthDayNano) => "tin".into(),
        FixedSizeBinary(w) if *w < 0 => return Err(negative("fixed-size binary width", *w)),
        FixedSizeBinary(w) => format!("w:{w}"),
        Decimal32(0, _) | Decimal64(0, _) | Decimal128(0, _) | Decimal256(0, _) => {
            return Err(invalid("a decimal's precision must be at least 1"));
        }
        Decimal32(p, s) => format!("d:{p},{s},32"),
        Decimal64(p, s) => format!("d:{p},{s},64"),
        Decimal128(p, s) => format!("d:{p},{s}"),
        Decimal256(p, s) => format!("d:{p},{s},256"),
        List(_) => "+l".into(),
        LargeList(_) => "+L".into(),
        ListView(_) => "+vl".into(),
        LargeListView(_) => "+vL".into(),
        FixedSizeList(_, n) if *n < 0 => return Err(negative("fixed-size list size", *n)),
        FixedSizeList(_, n) => format!("+w:{n}"),
        Struct(_) => "+s".into(),
        Map(..) => "+m".into(),
        RunEndEncoded(..) => "+r".into(),
        Union { type_ids, .. } if type_ids.iter().any(|id| *id < 0) => {
            return Err(invalid("union type ids must be in 0..=127"));
        }
        Union { type_ids, mode, .. } => {
            let ids: Vec<String> = type_ids.iter().map(i8::to_string).collect();
            let m = match mode {
                UnionMode::Dense => "d",
                UnionMode::Sparse => "s",
            };
            format!("+u{m}:{}", ids.join(","))
        }
        Dictionary { index, .. } => format_of(index)?,
        other => {
            return Err(FfiError::Export {
                what: format!("type {other}"),
                problem: "the C data interface has no format string for it".into(),
            });
        }
    })
}

/// Encodes metadata in the spec's binary layout: an `i32` count, then for each pair an
/// `i32` key length, the key bytes, an `i32` value length and the value bytes (native
/// byte order). Empty metadata encodes as `None` (a null pointer).
///
/// ```
/// use quiver_ffi::format::{decode_metadata, encode_metadata};
/// let m = vec![("k".to_string(), "v1".to_string())];
/// let bytes = encode_metadata(&m).unwrap().unwrap();
/// assert_eq!(bytes.len(), 4 + 4 + 1 + 4 + 2);
/// assert_eq!(decode_metadata(&bytes).unwrap(), (m, bytes.len()));
/// ```
///
/// # Errors
/// [`FfiError::Export`] when a count or length does not fit an `i32`.
pub fn encode_metadata(metadata: &Metadata) -> Result<Option<Vec<u8>>> {
    if metadata.is_empty() {
        return Ok(None);
    }
    let too_long = |what: &str| FfiError::Export {
        what: "metadata".into(),
        problem: format!("{what} does not fit an int32"),
    };
    let mut out = Vec::new();
    let n = i32::try_from(metadata.len()).map_err(|_| too_long("the number of pairs"))?;
    out.extend_from_slice(&n.to_ne_bytes());
    for (k, v) in metadata {
        for s in [k, v] {
            let len = i32::try_from(s.len()).map_err(|_| too_long("a key or value length"))?;
            out.extend_from_slice(&len.to_ne_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
    Ok(Some(out))
}

/// Decodes metadata in the spec's binary layout from the start of `bytes`, returning
/// the pairs and how many bytes they took (`bytes` may be longer).
///
/// # Errors
/// [`FfiError::Metadata`] for negative counts or lengths, truncated input and keys or
/// values that are not UTF-8.
pub fn decode_metadata(bytes: &[u8]) -> Result<(Metadata, usize)> {
    decode_metadata_at(bytes, "metadata")
}

pub(crate) fn decode_metadata_at(bytes: &[u8], path: &str) -> Result<(Metadata, usize)> {
    let bad = |problem: String| FfiError::Metadata {
        path: path.to_string(),
        problem,
    };
    let mut pos = 0usize;
    let read_i32 = |pos: &mut usize, what: &str| -> Result<usize> {
        let at = *pos;
        let end = at.checked_add(4).filter(|e| *e <= bytes.len());
        let raw = end
            .and_then(|e| bytes.get(at..e))
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .ok_or_else(|| bad(format!("{what} at byte {at} is cut off")))?;
        *pos = end.unwrap_or(at);
        let v = i32::from_ne_bytes(raw);
        usize::try_from(v).map_err(|_| bad(format!("{what} at byte {at} is negative ({v})")))
    };
    let n = read_i32(&mut pos, "the pair count")?;
    // Each pair takes at least 8 bytes, so a count larger than that is truncated input;
    // checking first keeps the allocation bounded by the input.
    if n > bytes.len() / 8 {
        return Err(bad(format!(
            "{n} pairs cannot fit in {} bytes",
            bytes.len()
        )));
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut pair = [String::new(), String::new()];
        for (slot, what) in pair.iter_mut().zip(["key", "value"]) {
            let len = read_i32(&mut pos, &format!("the length of {what} {i}"))?;
            let end = pos
                .checked_add(len)
                .filter(|e| *e <= bytes.len())
                .ok_or_else(|| bad(format!("{what} {i} ({len} bytes at byte {pos}) is cut off")))?;
            let text = bytes.get(pos..end).unwrap_or_default();
            *slot = std::str::from_utf8(text)
                .map_err(|e| bad(format!("{what} {i} is not UTF-8: {e}")))?
                .to_string();
            pos = end;
        }
        let [k, v] = pair;
        out.push((k, v));
    }
    Ok((out, pos))
}
