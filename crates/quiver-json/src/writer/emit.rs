//! The document tree the writer builds, with keys in the order the gold files use, and
//! its rendering as compact or pretty text. Leaves are `serde_json` values, so strings
//! are escaped and numbers printed by `serde_json`.

use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

/// A JSON node whose objects keep their keys in insertion order.
#[derive(Debug, Clone)]
pub(super) enum J {
    /// A string, number, boolean or null.
    Leaf(Value),
    /// A list.
    Arr(Vec<J>),
    /// An object, keys in order.
    Obj(Vec<(&'static str, J)>),
}

impl J {
    pub fn str(s: impl Into<String>) -> J {
        J::Leaf(Value::String(s.into()))
    }

    pub fn bool(b: bool) -> J {
        J::Leaf(Value::Bool(b))
    }

    /// A number from any integer that fits in `i128` (written exactly).
    pub fn int(v: impl Into<i128>) -> J {
        let v: i128 = v.into();
        J::Leaf(Value::Number(match i64::try_from(v) {
            Ok(x) => Number::from(x),
            Err(_) => match u64::try_from(v) {
                Ok(x) => Number::from(x),
                // Wider than 64 bits: `arbitrary_precision` keeps the digits.
                Err(_) => v
                    .to_string()
                    .parse::<Number>()
                    .unwrap_or_else(|_| Number::from(0)),
            },
        }))
    }

    /// An integer written as a decimal string (the encoding of 64-bit kinds).
    pub fn int_str(v: impl Into<i128>) -> J {
        J::str(v.into().to_string())
    }

    /// A float as a JSON number in its shortest round-trip spelling; NaN and the
    /// infinities, which JSON numbers cannot express, become the strings `"NaN"`,
    /// `"inf"` and `"-inf"` (which the reader, and Rust's float parsing, accept).
    pub fn float(v: f64, shortest: String) -> J {
        if v.is_nan() {
            return J::str("NaN");
        }
        if v.is_infinite() {
            return J::str(if v > 0.0 { "inf" } else { "-inf" });
        }
        match shortest.parse::<Number>() {
            Ok(n) => J::Leaf(Value::Number(n)),
            Err(_) => Number::from_f64(v).map_or(J::str(shortest), |n| J::Leaf(Value::Number(n))),
        }
    }

    /// Converts to a `serde_json::Value` (objects then sort their keys).
    pub fn into_value(self) -> Value {
        match self {
            J::Leaf(v) => v,
            J::Arr(items) => Value::Array(items.into_iter().map(J::into_value).collect()),
            J::Obj(entries) => {
                let mut m = Map::new();
                for (k, v) in entries {
                    m.insert(k.to_string(), v.into_value());
                }
                Value::Object(m)
            }
        }
    }

    /// Compact text, no whitespace (as `serde_json::to_string` writes it).
    pub fn to_compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None);
        out
    }

    /// Indented text: containers holding only scalars (validity, data, type objects,
    /// views) stay on one line, others put each entry on its own line.
    pub fn to_pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(0));
        out.push('\n');
        out
    }

    fn is_flat(&self) -> bool {
        match self {
            J::Leaf(_) => true,
            J::Arr(items) => items.iter().all(|i| matches!(i, J::Leaf(_))),
            J::Obj(entries) => entries.iter().all(|(_, v)| matches!(v, J::Leaf(_))),
        }
    }

    /// `indent` is `None` for compact output, else the current depth.
    fn write(&self, out: &mut String, indent: Option<usize>) {
        let (open, close, len) = match self {
            J::Leaf(v) => {
                let _ = write!(out, "{v}");
                return;
            }
            J::Arr(items) => ('[', ']', items.len()),
            J::Obj(entries) => ('{', '}', entries.len()),
        };
        out.push(open);
        let multiline = match indent {
            Some(_) => len > 0 && !self.is_flat(),
            None => false,
        };
        let (sep, colon) = match indent {
            Some(_) => (", ", ": "),
            None => (",", ":"),
        };
        let inner = indent.map(|d| d.saturating_add(1));
        for k in 0..len {
            if multiline {
                if k > 0 {
                    out.push(',');
                }
                out.push('\n');
                push_indent(out, inner.unwrap_or(0));
            } else if k > 0 {
                out.push_str(sep);
            }
            match self {
                J::Arr(items) => {
                    if let Some(item) = items.get(k) {
                        item.write(out, inner);
                    }
                }
                J::Obj(entries) => {
                    if let Some((key, v)) = entries.get(k) {
                        let _ = write!(out, "{}", Value::String((*key).to_string()));
                        out.push_str(colon);
                        v.write(out, inner);
                    }
                }
                J::Leaf(_) => {}
            }
        }
        if multiline {
            out.push('\n');
            push_indent(out, indent.unwrap_or(0));
        }
        out.push(close);
    }
}

fn push_indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Uppercase hex of `bytes`.
pub(super) fn hex_upper(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for &b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}
