//! `--format json`: JSON lines, one object per row, keyed by column name in schema order.
//!
//! Values get JSON types where JSON has them:
//! - null is `null`; booleans are `true`/`false`;
//! - integers and finite floats are numbers, written exactly as the library's text
//!   (64-bit integers in full, even past 2^53, where JavaScript readers round);
//! - NaN and the infinities, which JSON lacks, are the strings `"NaN"`, `"inf"`, `"-inf"`;
//! - strings are strings; binary values are strings of lowercase hex (as in the table);
//! - decimals are strings (`"-9.46"`), so no reader turns them into rounded floats;
//!   dates, times, timestamps, durations and intervals are strings in the library's text
//!   (`"2019-04-14"`, `"1970-01-01 00:00:01.500Z"`, `"5s"`);
//! - lists (of every kind) are arrays; structs are objects;
//! - maps with string keys are objects; other maps are arrays of `[key, value]` pairs;
//! - a union is the value of its selected child, a dictionary the value its index
//!   points at, a run-end encoded array the value of its run.
//!
//! A slot whose data is broken (only possible without full validation) is `null`.

use std::fmt::Write as _;
use std::io::{self, Write};

use quiver::{Array, DataType, RecordBatch, format_value};

use super::Printer;

/// Prints rows as JSON lines.
#[derive(Debug)]
pub(super) struct JsonPrinter;

impl Printer for JsonPrinter {
    fn write_batch(&mut self, out: &mut dyn Write, batch: &RecordBatch) -> io::Result<()> {
        let fields = batch.schema().fields();
        let mut line = String::new();
        for row in 0..batch.num_rows() {
            line.clear();
            line.push('{');
            for (k, (field, column)) in fields.iter().zip(batch.columns()).enumerate() {
                if k > 0 {
                    line.push(',');
                }
                push_string(&mut line, field.name());
                line.push(':');
                push_value(&mut line, column, row);
            }
            line.push_str("}\n");
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// Appends slot `i` of `a` as a JSON value.
fn push_value(out: &mut String, a: &Array, i: usize) {
    if a.is_null(i) {
        out.push_str("null");
        return;
    }
    use DataType::*;
    match a.data_type() {
        Null => out.push_str("null"),
        Boolean => match format_value(a, i).as_str() {
            text @ ("true" | "false") => out.push_str(text),
            _ => out.push_str("null"),
        },
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => {
            let text = format_value(a, i);
            if text.parse::<i128>().is_ok() {
                out.push_str(&text);
            } else {
                out.push_str("null");
            }
        }
        Float16 | Float32 | Float64 => {
            let text = format_value(a, i);
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => out.push_str(&text),
                Ok(_) => push_string(out, &text),
                Err(_) => out.push_str("null"),
            }
        }
        List(_) | LargeList(_) | FixedSizeList(..) | ListView(_) | LargeListView(_) => {
            match (a.list_range(i), a.children().first()) {
                (Some((start, n)), Some(items)) => {
                    out.push('[');
                    for k in 0..n {
                        if k > 0 {
                            out.push(',');
                        }
                        push_value(out, items, start + k);
                    }
                    out.push(']');
                }
                _ => out.push_str("null"),
            }
        }
        Map(..) => push_map(out, a, i),
        Struct(fields) => {
            out.push('{');
            for (k, (field, child)) in fields.iter().zip(a.children()).enumerate() {
                if k > 0 {
                    out.push(',');
                }
                push_string(out, field.name());
                out.push(':');
                push_value(out, child, i);
            }
            out.push('}');
        }
        Union { .. } => match a.union_slot(i) {
            Some((_, child, slot)) => push_value(out, &a.children()[child], slot),
            None => out.push_str("null"),
        },
        RunEndEncoded(..) => match (a.run_index(i), a.children().get(1)) {
            (Some(run), Some(values)) => push_value(out, values, run),
            _ => out.push_str("null"),
        },
        Dictionary { .. } => match (a.dictionary_key(i), a.dictionary()) {
            (Some(key), Some(values)) => push_value(out, values, key),
            _ => out.push_str("null"),
        },
        // Strings, binary (hex), decimals and temporal values: the library's text.
        _ => push_string(out, &format_value(a, i)),
    }
}

/// Appends map slot `i`: an object when the keys are strings, else `[key, value]` pairs.
fn push_map(out: &mut String, a: &Array, i: usize) {
    let entries = a.children().first();
    let (Some((start, n)), Some(keys), Some(values)) = (
        a.list_range(i),
        entries.and_then(|e| e.children().first()),
        entries.and_then(|e| e.children().get(1)),
    ) else {
        out.push_str("null");
        return;
    };
    let text_keys = is_text(keys.data_type());
    out.push(if text_keys { '{' } else { '[' });
    for k in start..start + n {
        if k > start {
            out.push(',');
        }
        if text_keys {
            push_string(out, &format_value(keys, k));
            out.push(':');
            push_value(out, values, k);
        } else {
            out.push('[');
            push_value(out, keys, k);
            out.push(',');
            push_value(out, values, k);
            out.push(']');
        }
    }
    out.push(if text_keys { '}' } else { ']' });
}

/// Whether values of this type print as plain strings (so can be object keys).
fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary { value, .. } => is_text(value),
        _ => false,
    }
}

/// Appends `s` as a JSON string.
fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut out = String::new();
        push_string(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(out, r#""a\"b\\c\nd\u0001é""#);
    }

    #[test]
    fn floats_that_json_lacks_are_strings() {
        let a = Array::from(vec![1.5f64, f64::NAN, f64::NEG_INFINITY, 1e300]);
        let got: Vec<String> = (0..a.len())
            .map(|i| {
                let mut s = String::new();
                push_value(&mut s, &a, i);
                s
            })
            .collect();
        assert_eq!(got, ["1.5", "\"NaN\"", "\"-inf\"", "1e300"]);
    }
}
