//! Text rendering: single values, arrays, and aligned tables of batches.

use std::fmt::{self, Write as _};

use quiver_buffer::f16;

use crate::data::Array;
use crate::datatype::{DataType, IntervalUnit, TimeUnit};
use crate::values::{dict_index, i32_at, i64_at, slot as read};

/// Renders slot `i` of `array` as text (`null` for nulls, strings unquoted).
pub fn format_value(array: &Array, i: usize) -> String {
    let mut s = String::new();
    let _ = write_value(&mut s, array, i, false);
    s
}

fn write_value(out: &mut String, a: &Array, i: usize, quote: bool) -> fmt::Result {
    if a.is_null(i) {
        return out.write_str("null");
    }
    use DataType::*;
    macro_rules! num {
        ($t:ty) => {
            match read::<{ std::mem::size_of::<$t>() }>(a, i) {
                Some(b) => <$t>::from_ne_bytes(b),
                None => return out.write_str("<invalid>"),
            }
        };
    }
    match a.data_type() {
        Null => out.write_str("null"),
        Boolean => match a.as_boolean() {
            Some(v) => write!(out, "{}", v.value(i)),
            None => out.write_str("<invalid>"),
        },
        Int8 => write!(out, "{}", num!(i8)),
        Int16 => write!(out, "{}", num!(i16)),
        Int32 => write!(out, "{}", num!(i32)),
        Int64 => write!(out, "{}", num!(i64)),
        UInt8 => write!(out, "{}", num!(u8)),
        UInt16 => write!(out, "{}", num!(u16)),
        UInt32 => write!(out, "{}", num!(u32)),
        UInt64 => write!(out, "{}", num!(u64)),
        Float16 => write!(out, "{:?}", f16::from_bits(num!(u16)).to_f32()),
        Float32 => write!(out, "{:?}", num!(f32)),
        Float64 => write!(out, "{:?}", num!(f64)),
        Date32 => write_date(out, i64::from(num!(i32))),
        Date64 => {
            let ms = num!(i64);
            write_date(out, ms.div_euclid(86_400_000))
        }
        Timestamp(unit, tz) => {
            write_timestamp(out, num!(i64), *unit)?;
            // The value is an instant in UTC whatever the zone, so, like pyarrow, a
            // zoned timestamp is shown in UTC and marked with `Z`.
            if tz.is_some() {
                out.write_char('Z')?;
            }
            Ok(())
        }
        Time32(unit) => write_time_of_day(out, i64::from(num!(i32)), *unit),
        Time64(unit) => write_time_of_day(out, num!(i64), *unit),
        Duration(unit) => write!(out, "{}{}", num!(i64), unit.suffix()),
        Interval(IntervalUnit::YearMonth) => write!(out, "{}M", num!(i32)),
        Interval(IntervalUnit::DayTime) => {
            let b = read::<8>(a, i).unwrap_or_default();
            let (d, ms) = (i32_at(&b, 0).unwrap_or(0), i32_at(&b, 1).unwrap_or(0));
            write!(out, "{d}d{ms}ms")
        }
        Interval(IntervalUnit::MonthDayNano) => {
            let b = read::<16>(a, i).unwrap_or_default();
            let (m, d) = (i32_at(&b, 0).unwrap_or(0), i32_at(&b, 1).unwrap_or(0));
            let ns = i64_at(&b, 1).unwrap_or(0);
            write!(out, "{m}M{d}d{ns}ns")
        }
        Decimal32(_, s) => write_decimal(out, i128::from(num!(i32)).to_string(), *s),
        Decimal64(_, s) => write_decimal(out, i128::from(num!(i64)).to_string(), *s),
        Decimal128(_, s) => write_decimal(out, num!(i128).to_string(), *s),
        Utf8 => write_str_value(out, a.as_string::<i32>().map(|v| v.value(i)), quote),
        LargeUtf8 => write_str_value(out, a.as_string::<i64>().map(|v| v.value(i)), quote),
        Binary => write_hex(out, a.as_binary::<i32>().map(|v| v.value(i))),
        LargeBinary => write_hex(out, a.as_binary::<i64>().map(|v| v.value(i))),
        FixedSizeBinary(_) => write_hex(out, a.as_fixed_size_binary().map(|v| v.value(i))),
        List(_) | Map(..) | LargeList(_) | FixedSizeList(..) | ListView(_) | LargeListView(_) => {
            match a.list_range(i) {
                Some((s, n)) => write_items(out, &a.children()[0], s, n),
                None => out.write_str("<invalid>"),
            }
        }
        Utf8View => match a.as_binary_view() {
            Some(v) => write_str_value(out, std::str::from_utf8(v.value(i)).ok(), quote),
            None => out.write_str("<invalid>"),
        },
        BinaryView => write_hex(out, a.as_binary_view().map(|v| v.value(i))),
        Union { .. } => match a.union_slot(i) {
            Some((_, c, s)) => write_value(out, &a.children()[c], s, quote),
            None => out.write_str("<invalid>"),
        },
        RunEndEncoded(..) => match a.run_index(i) {
            Some(r) => write_value(out, &a.children()[1], r, quote),
            None => out.write_str("<invalid>"),
        },
        Decimal256(_, s) => match read::<32>(a, i) {
            Some(b) => write_decimal(out, quiver_buffer::i256::from_ne_bytes(b).to_string(), *s),
            None => out.write_str("<invalid>"),
        },
        Struct(fields) => {
            out.write_char('{')?;
            for (k, (f, c)) in fields.iter().zip(a.children()).enumerate() {
                if k > 0 {
                    out.write_str(", ")?;
                }
                write!(out, "{}: ", f.name())?;
                write_value(out, c, i, true)?;
            }
            out.write_char('}')
        }
        Dictionary { index, .. } => match (a.dictionary(), dict_index(a, i, index)) {
            (Some(d), Some(k)) if k < d.len() => write_value(out, d, k, quote),
            _ => out.write_str("<invalid index>"),
        },
    }
}

fn write_str_value(out: &mut String, s: Option<&str>, quote: bool) -> fmt::Result {
    match (s, quote) {
        (Some(s), true) => write!(out, "{s:?}"),
        (Some(s), false) => out.write_str(s),
        (None, _) => out.write_str("<invalid>"),
    }
}

fn write_hex(out: &mut String, b: Option<&[u8]>) -> fmt::Result {
    let Some(b) = b else {
        return out.write_str("<invalid>");
    };
    for byte in b {
        write!(out, "{byte:02x}")?;
    }
    Ok(())
}

fn write_items(out: &mut String, child: &Array, start: usize, n: usize) -> fmt::Result {
    out.write_char('[')?;
    for k in 0..n {
        if k > 0 {
            out.write_str(", ")?;
        }
        if start + k >= child.len() {
            return out.write_str("<invalid>]");
        }
        write_value(out, child, start + k, true)?;
    }
    out.write_char(']')
}

fn write_decimal(out: &mut String, digits: String, scale: i8) -> fmt::Result {
    let (neg, digits) = match digits.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, digits),
    };
    if neg {
        out.write_char('-')?;
    }
    if scale <= 0 {
        out.write_str(&digits)?;
        return (0..-i32::from(scale)).try_for_each(|_| out.write_char('0'));
    }
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    write!(out, "{int}.{frac}")
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn write_date(out: &mut String, days: i64) -> fmt::Result {
    let (y, m, d) = civil_from_days(days);
    write!(out, "{y:04}-{m:02}-{d:02}")
}

fn unit_per_second(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

fn write_fraction(out: &mut String, frac: i64, unit: TimeUnit) -> fmt::Result {
    match unit {
        TimeUnit::Second => Ok(()),
        TimeUnit::Millisecond => write!(out, ".{frac:03}"),
        TimeUnit::Microsecond => write!(out, ".{frac:06}"),
        TimeUnit::Nanosecond => write!(out, ".{frac:09}"),
    }
}

fn write_timestamp(out: &mut String, v: i64, unit: TimeUnit) -> fmt::Result {
    let per = unit_per_second(unit);
    let secs = v.div_euclid(per);
    let frac = v.rem_euclid(per);
    write_date(out, secs.div_euclid(86_400))?;
    let sod = secs.rem_euclid(86_400);
    write!(
        out,
        " {:02}:{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )?;
    // Always the unit's digits, so the values of a column line up.
    write_fraction(out, frac, unit)
}

fn write_time_of_day(out: &mut String, v: i64, unit: TimeUnit) -> fmt::Result {
    let per = unit_per_second(unit);
    let secs = v.div_euclid(per);
    let frac = v.rem_euclid(per);
    // Values past midnight are shown as they are (hours >= 24), never wrapped.
    write!(
        out,
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )?;
    write_fraction(out, frac, unit)
}

impl fmt::Display for Array {
    /// `[1, 2, null]`, with strings quoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::from("[");
        for i in 0..self.len() {
            if i > 0 {
                s.push_str(", ");
            }
            write_value(&mut s, self, i, true)?;
        }
        s.push(']');
        f.write_str(&s)
    }
}

/// Tables longer than this many rows show only their first and last
/// [`EDGE_ROWS`] rows, with a `...` row between them and a row count below.
pub(crate) const MAX_TABLE_ROWS: usize = 10;

/// Rows shown at each end of an elided table.
pub(crate) const EDGE_ROWS: usize = 5;

/// The widest a table cell may be, in characters; a longer value is cut and ends
/// with `...`.
pub(crate) const MAX_CELL_WIDTH: usize = 32;

/// A table cell: the value's text, cut to [`MAX_CELL_WIDTH`] characters.
fn table_cell(array: &Array, i: usize) -> String {
    let s = format_value(array, i);
    if s.chars().count() <= MAX_CELL_WIDTH {
        return s;
    }
    let mut cut: String = s.chars().take(MAX_CELL_WIDTH - 3).collect();
    cut.push_str("...");
    cut
}

/// The cell at logical `row` of a column stored as `chunks`.
fn chunked_cell(chunks: &[&Array], mut row: usize) -> String {
    for c in chunks {
        if row < c.len() {
            return table_cell(c, row);
        }
        row -= c.len();
    }
    "<invalid>".to_string()
}

/// Renders columns (each a list of chunks) as an aligned text table with a row
/// index, right-aligned like a pandas `DataFrame`. Long tables keep their first and
/// last rows around a `...` row and end with `[N rows x M columns]`.
pub(crate) fn write_table(
    f: &mut fmt::Formatter<'_>,
    names: &[&str],
    columns: &[Vec<&Array>],
    rows: usize,
) -> fmt::Result {
    let elided = rows > MAX_TABLE_ROWS;
    // `None` stands for the `...` row.
    let shown: Vec<Option<usize>> = if elided {
        (0..EDGE_ROWS)
            .map(Some)
            .chain([None])
            .chain((rows - EDGE_ROWS..rows).map(Some))
            .collect()
    } else {
        (0..rows).map(Some).collect()
    };
    let label = |r: &Option<usize>| r.map_or_else(|| "...".to_string(), |r| r.to_string());
    let index: Vec<String> = shown.iter().map(label).collect();
    let cells: Vec<Vec<String>> = columns
        .iter()
        .map(|chunks| {
            shown
                .iter()
                .map(|r| r.map_or_else(|| "...".to_string(), |r| chunked_cell(chunks, r)))
                .collect()
        })
        .collect();
    let width = |s: &String| s.chars().count();
    let index_w = index.iter().map(width).max().unwrap_or(0);
    let widths: Vec<usize> = names
        .iter()
        .zip(&cells)
        .map(|(n, c)| {
            c.iter()
                .map(width)
                .chain([n.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    write!(f, "{:index_w$}", "")?;
    for (n, w) in names.iter().zip(&widths) {
        write!(f, "  {n:>w$}")?;
    }
    for (r, label) in index.iter().enumerate() {
        writeln!(f)?;
        write!(f, "{label:<index_w$}")?;
        for (c, w) in cells.iter().zip(&widths) {
            let cell = c.get(r).map_or("", String::as_str);
            write!(f, "  {cell:>w$}")?;
        }
    }
    if elided {
        write!(f, "\n\n[{rows} rows x {} columns]", names.len())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_decimals() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(18_000), (2019, 4, 14));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        let ts = Array::from_primitive::<i64>(
            DataType::Timestamp(TimeUnit::Millisecond, None),
            [Some(1_500), Some(-1)],
        )
        .unwrap();
        assert_eq!(
            ts.to_string(),
            "[1970-01-01 00:00:01.500, 1969-12-31 23:59:59.999]"
        );
        let d =
            Array::from_primitive::<i32>(DataType::Decimal32(5, 2), [Some(-946), Some(5)]).unwrap();
        assert_eq!(d.to_string(), "[-9.46, 0.05]");
        let t =
            Array::from_primitive::<i32>(DataType::Time32(TimeUnit::Second), [Some(3661)]).unwrap();
        assert_eq!(t.to_string(), "[01:01:01]");
    }

    #[test]
    fn arrays_render_like_lists() {
        assert_eq!(
            Array::from(vec![Some("a"), None]).to_string(),
            "[\"a\", null]"
        );
        assert_eq!(Array::from(vec![1.5f64, 2.0]).to_string(), "[1.5, 2.0]");
        assert_eq!(
            Array::from(vec![Some(true), None]).to_string(),
            "[true, null]"
        );
    }
}
