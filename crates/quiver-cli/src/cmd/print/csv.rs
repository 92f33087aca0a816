//! `--format csv`: a header row of column names, then one line per row.
//!
//! Fields are quoted as RFC 4180 says: a field holding a comma, a double quote, a
//! carriage return or a line feed is put in double quotes, with each double quote
//! doubled. A null (also a union or dictionary slot whose value is null) is an empty
//! field; an empty string is `""`, so the two stay apart.
//! Values are the library's text ([`quiver::format_value`]): nested values read
//! `[1, 2]` and `{a: 1, b: "x"}`, binary is lowercase hex. Lines end with `\n`, as
//! Unix tools expect (RFC 4180's CRLF is accepted by every reader, and so is this).

use std::io::{self, Write};

use quiver::{Field, RecordBatch, format_value};

use super::Printer;

/// Prints rows as CSV.
#[derive(Debug)]
pub(super) struct CsvPrinter;

impl CsvPrinter {
    /// Writes the header row of `fields`.
    pub(super) fn start(out: &mut dyn Write, fields: &[Field]) -> io::Result<Self> {
        let mut line = String::new();
        for (k, field) in fields.iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            push_field(&mut line, field.name());
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        Ok(Self)
    }
}

impl Printer for CsvPrinter {
    fn write_batch(&mut self, out: &mut dyn Write, batch: &RecordBatch) -> io::Result<()> {
        let mut line = String::new();
        for row in 0..batch.num_rows() {
            line.clear();
            for (k, column) in batch.columns().iter().enumerate() {
                if k > 0 {
                    line.push(',');
                }
                if !column.is_logical_null(row) {
                    push_field(&mut line, &format_value(column, row));
                }
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// Appends `text` as one CSV field, in double quotes when it holds a comma, a double
/// quote or a line break, or is empty (so that it differs from a null, an empty field).
fn push_field(line: &mut String, text: &str) {
    let needs_quotes = text.is_empty() || text.contains([',', '"', '\r', '\n']);
    if !needs_quotes {
        line.push_str(text);
        return;
    }
    line.push('"');
    for c in text.chars() {
        if c == '"' {
            line.push('"');
        }
        line.push(c);
    }
    line.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let cases = [
            ("plain", "plain"),
            ("", "\"\""),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("cr\r", "\"cr\r\""),
            (" spaced ", " spaced "),
        ];
        for (text, want) in cases {
            let mut line = String::new();
            push_field(&mut line, text);
            assert_eq!(line, want, "{text:?}");
        }
    }
}
