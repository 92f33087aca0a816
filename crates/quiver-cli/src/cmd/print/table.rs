//! `--format table`: rows as an aligned table for people.
//!
//! ```text
//!  id  name   tags
//! ---  -----  ------
//!   1  ann    [1, 2]
//!   2  null   []
//! ```
//!
//! - Each cell is the library's text of the value ([`quiver::format_value`]); numbers
//!   are right-aligned, everything else left-aligned, two spaces between columns.
//! - A value wider than [`MAX_CELL_WIDTH`] terminal columns is cut and ends with `…`;
//!   control characters are shown escaped (`\n`), so a row is always one line.
//! - Widths are display widths (East Asian wide characters and emoji take two
//!   columns), so the columns line up in a terminal.
//! - With a width limit (on a terminal), columns are narrowed, down to
//!   [`MIN_CELL_WIDTH`], and the columns that still do not fit are left out: a `…`
//!   column marks them and a last line names them. Without a limit every column is
//!   printed.
//! - The widths are settled by the first [`SETTLE_ROWS`] rows, which are held until
//!   then; later rows are printed as they come, a value wider than its column cut.

use std::io::{self, IsTerminal as _, Write};

use quiver::{DataType, Field, RecordBatch, format_value};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::Printer;

/// The widest a cell may be, in terminal columns.
pub(super) const MAX_CELL_WIDTH: usize = 40;
/// Columns are narrowed no further than this to fit a terminal (or their own width).
pub(super) const MIN_CELL_WIDTH: usize = 8;
/// Rows read before the column widths are settled.
pub(super) const SETTLE_ROWS: usize = 1000;
/// Between two columns.
const GAP: &str = "  ";
/// The mark of a cut value and of left-out columns.
const ELLIPSIS: char = '…';

/// The width the table must fit: on a terminal, `COLUMNS` if it is set to a positive
/// number, else the terminal's width; `None` (no limit) when standard output is not a
/// terminal, so a pipe or a file gets every column.
pub(super) fn width_limit(stdout_is_terminal: bool) -> Option<usize> {
    if !stdout_is_terminal {
        return None;
    }
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0);
    from_env.or_else(terminal_columns)
}

/// The width of the terminal on standard output, if it says.
#[cfg(unix)]
fn terminal_columns() -> Option<usize> {
    if !io::stdout().is_terminal() {
        return None;
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` through its third argument, which points
    // at `size`, a live and writable `winsize`. The descriptor is only read by the call;
    // if it were not a terminal the call would fail and change nothing.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// No terminal size outside Unix: `COLUMNS` alone sets the limit.
#[cfg(not(unix))]
fn terminal_columns() -> Option<usize> {
    None
}

/// Prints rows as an aligned table.
#[derive(Debug)]
pub(super) struct TablePrinter {
    names: Vec<String>,
    /// Per column: right-aligned (numbers).
    right: Vec<bool>,
    limit: Option<usize>,
    /// Cells of the rows read before the layout is settled.
    held: Vec<Vec<String>>,
    layout: Option<Layout>,
}

/// Which columns are shown, and how wide.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    /// The width of each shown column; the first `widths.len()` columns are shown.
    widths: Vec<usize>,
    /// Whether columns after the shown ones are left out.
    elided: bool,
}

impl TablePrinter {
    /// A printer for columns `fields`, fitting `limit` terminal columns if given.
    pub(super) fn new(fields: &[Field], limit: Option<usize>) -> Self {
        Self {
            names: fields.iter().map(|f| cell_text(f.name())).collect(),
            right: fields.iter().map(|f| is_number(f.data_type())).collect(),
            limit,
            held: Vec::new(),
            layout: None,
        }
    }

    /// Settles the layout from the held rows, and prints the header and those rows.
    fn settle(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let natural: Vec<usize> = (0..self.names.len())
            .map(|c| {
                let cells = self
                    .held
                    .iter()
                    .map(|row| row.get(c).map_or(0, |s| s.width()));
                cells.chain([self.names[c].width()]).max().unwrap_or(0)
            })
            .collect();
        let layout = fit(&natural, self.limit);
        if self.names.is_empty() {
            self.layout = Some(layout);
            return Ok(());
        }
        let rule: Vec<String> = layout.widths.iter().map(|&w| "-".repeat(w)).collect();
        let ellipsis = ELLIPSIS.to_string();
        self.write_line(out, &layout, &self.names, &ellipsis)?;
        self.write_line(out, &layout, &rule, "-")?;
        for row in std::mem::take(&mut self.held) {
            self.write_line(out, &layout, &row, &ellipsis)?;
        }
        self.layout = Some(layout);
        Ok(())
    }

    /// Prints one line of cells in `layout`, with `more` in the column that marks
    /// left-out columns.
    fn write_line(
        &self,
        out: &mut dyn Write,
        layout: &Layout,
        cells: &[String],
        more: &str,
    ) -> io::Result<()> {
        let mut line = String::new();
        for (c, (&width, cell)) in layout.widths.iter().zip(cells).enumerate() {
            if c > 0 {
                line.push_str(GAP);
            }
            pad(&mut line, &cut(cell, width), width, self.right[c]);
        }
        if layout.elided {
            line.push_str(GAP);
            line.push_str(more);
        }
        // Left-aligned last cells leave trailing blanks.
        let end = line.trim_end_matches(' ').len();
        line.truncate(end);
        line.push('\n');
        out.write_all(line.as_bytes())
    }
}

impl Printer for TablePrinter {
    fn write_batch(&mut self, out: &mut dyn Write, batch: &RecordBatch) -> io::Result<()> {
        // Once settled, only the shown columns are formatted.
        let shown = self
            .layout
            .as_ref()
            .map_or(batch.num_columns(), |l| l.widths.len());
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = batch.columns()[..shown]
                .iter()
                .map(|column| cell_text(&format_value(column, row)))
                .collect();
            match &self.layout {
                Some(layout) => self.write_line(out, layout, &cells, "…")?,
                None => {
                    self.held.push(cells);
                    if self.held.len() >= SETTLE_ROWS {
                        self.settle(out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.layout.is_none() {
            self.settle(out)?;
        }
        let Some(layout) = &self.layout else {
            return Ok(());
        };
        if layout.elided {
            let left_out = &self.names[layout.widths.len()..];
            let noun = if left_out.len() == 1 {
                "column"
            } else {
                "columns"
            };
            writeln!(
                out,
                "({} more {noun} not shown: {}; pick columns with --columns, or use a wider \
                 terminal)",
                left_out.len(),
                left_out.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Which columns fit in `limit` terminal columns, and their widths, from their natural
/// widths (cells and name).
fn fit(natural: &[usize], limit: Option<usize>) -> Layout {
    let mut widths: Vec<usize> = natural
        .iter()
        .map(|&w| w.clamp(1, MAX_CELL_WIDTH))
        .collect();
    let Some(limit) = limit else {
        return Layout {
            widths,
            elided: false,
        };
    };
    let total = |ws: &[usize]| ws.iter().sum::<usize>() + GAP.len() * ws.len().saturating_sub(1);
    if total(&widths) > limit {
        // As many columns as fit at their narrowest, with room for the `…` column.
        let narrowest: Vec<usize> = widths.iter().map(|&w| w.min(MIN_CELL_WIDTH)).collect();
        let marker = GAP.len() + 1;
        let mut shown = (1..narrowest.len())
            .rev()
            .find(|&k| total(&narrowest[..k]) + marker <= limit)
            .unwrap_or(1);
        if total(&narrowest) <= limit {
            shown = narrowest.len();
        }
        let elided = shown < widths.len();
        widths.truncate(shown);
        let room = limit.saturating_sub(if elided { marker } else { 0 });
        // Narrow the widest column, one step at a time, until the row fits.
        while total(&widths) > room {
            let Some((widest, &w)) = widths.iter().enumerate().max_by_key(|&(i, &w)| (w, i)) else {
                break;
            };
            let floor = if widths.len() == 1 { 1 } else { MIN_CELL_WIDTH };
            if w <= floor {
                break;
            }
            widths[widest] = w - 1;
        }
        return Layout { widths, elided };
    }
    Layout {
        widths,
        elided: false,
    }
}

/// Whether a type's values are numbers (right-aligned).
fn is_number(data_type: &DataType) -> bool {
    use DataType::*;
    matches!(
        data_type,
        Int8 | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float16
            | Float32
            | Float64
            | Decimal32(..)
            | Decimal64(..)
            | Decimal128(..)
            | Decimal256(..)
    )
}

/// `text` on one line (control characters escaped), cut to [`MAX_CELL_WIDTH`].
fn cell_text(text: &str) -> String {
    let one_line = if text.chars().any(char::is_control) {
        text.chars()
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_control() {
                    c.escape_default().collect()
                } else {
                    vec![c]
                };
                escaped
            })
            .collect()
    } else {
        text.to_owned()
    };
    cut(&one_line, MAX_CELL_WIDTH)
}

/// `text` if it is at most `width` columns wide, else its longest prefix that fits in
/// `width - 1` columns followed by `…`.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push(ELLIPSIS);
    out
}

/// Appends `text` padded with spaces to `width` columns, on the left when `right`.
fn pad(line: &mut String, text: &str, width: usize, right: bool) {
    let fill = " ".repeat(width.saturating_sub(text.width()));
    if right {
        line.push_str(&fill);
        line.push_str(text);
    } else {
        line.push_str(text);
        line.push_str(&fill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cut_by_display_width() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abcde…");
        // Each CJK character takes two columns: two of them and `…` fill five.
        assert_eq!(cut("日本語です", 6), "日本…");
        assert_eq!(cut("日本語です", 6).width(), 5);
        assert_eq!(cell_text("two\nlines\t!"), "two\\nlines\\t!");
        let long = "x".repeat(100);
        assert_eq!(cell_text(&long).width(), MAX_CELL_WIDTH);
    }

    #[test]
    fn columns_fit_the_limit() {
        let natural = [3, 20, 20, 20];
        assert_eq!(fit(&natural, None).widths, vec![3, 20, 20, 20]);
        // 3 + 20 + 20 + 20 + 3 gaps of 2 = 69.
        assert_eq!(fit(&natural, Some(69)).widths, vec![3, 20, 20, 20]);
        // One short: the widest (last of equals) narrows by one.
        assert_eq!(fit(&natural, Some(68)).widths, vec![3, 20, 20, 19]);
        // All four at their narrowest: 3 + 8 * 3 + 6 = 33.
        assert_eq!(
            fit(&natural, Some(33)),
            Layout {
                widths: vec![3, 8, 8, 8],
                elided: false
            }
        );
        // One less: the last column goes, and `  …` takes 3.
        assert_eq!(
            fit(&natural, Some(32)),
            Layout {
                widths: vec![3, 11, 11],
                elided: true
            }
        );
        // A single column is cut to the limit.
        assert_eq!(
            fit(&[50], Some(10)),
            Layout {
                widths: vec![10],
                elided: false
            }
        );
    }
}
