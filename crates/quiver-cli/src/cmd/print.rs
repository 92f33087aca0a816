//! `quiver head` and `quiver cat`: print the rows of an Arrow IPC file or stream as an
//! aligned table, CSV or JSON lines.
//!
//! Both read batch by batch through [`Input`]: `head` stops reading once it has its
//! rows (a file's later batches are never decoded), and `cat` prints each batch before
//! it reads the next, so memory stays at about one batch whatever the input's size.
//! `--columns` reads only the named columns: from a regular file the reader decodes
//! only those (the read options' projection); from standard input or a pipe, which
//! cannot be read twice, the columns are picked from each decoded batch.
//!
//! Values are the library's text ([`quiver::format_value`]) in the table and in CSV; the
//! JSON lines give them JSON types ([`json`]). The layout of the table is in [`table`].
//!
//! A closed standard output (`quiver cat big.arrow | head -1`) ends the command quietly
//! with exit code 0 ([`CliError::stdout`]).

mod csv;
mod json;
mod table;

use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use quiver::ipc::{IpcError, IpcReadOptions};
use quiver::{Field, RecordBatch};

use super::CliError;
use super::convert::{describe, is_std};
use super::input::Input;

/// Examples for `quiver head --help`.
pub const HEAD_EXAMPLES: &str = "\
Examples:
  quiver head data.arrow                        the first 10 rows as a table
  quiver head -n 3 --columns id,name data.arrow  3 rows of two columns
  quiver head --format csv -n 100 data.arrow > sample.csv
  curl -s https://example.com/x.arrows | quiver head -

Tables: long values end with '…', nulls show as 'null', nested values as [1, 2] and \
{a: 1, b: \"x\"}. On a terminal the table fits its width (COLUMNS overrides it): columns \
that do not fit are left out and counted below the table. Elsewhere (a pipe, a file) \
every column is printed. CSV: a header row, RFC 4180 quoting, null as an empty field \
(an empty string is \"\"). JSON: one object per row; binary as lowercase hex, decimals \
and temporal values as strings, NaN and infinities as the strings \"NaN\", \"inf\", \"-inf\".";

/// Examples for `quiver cat --help`.
pub const CAT_EXAMPLES: &str = "\
Examples:
  quiver cat data.arrow                      every row as a table
  quiver cat --format json data.arrow | jq .name
  quiver cat --format csv --columns id,name data.arrows > out.csv
  quiver cat big.arrow | less

Rows are printed batch by batch, so memory stays at about one batch. A table's column \
widths are settled by its first 1000 rows; a later, wider value is cut with '…'. See \
'quiver head --help' for the formats.";

/// How rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table for people.
    Table,
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// JSON lines: one object per row.
    Json,
}

/// What `head` and `cat` share: the input, the columns and the format.
#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The Arrow IPC file or stream to read ('-' for standard input).
    pub input: PathBuf,
    /// Print only these columns, in this order (names separated by commas).
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    pub columns: Option<Vec<String>>,
    /// How to print the rows.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `quiver head FILE [-n N] [--columns a,b] [--format F]`.
#[derive(Debug, Args)]
pub struct HeadArgs {
    /// What to read and how to print it.
    #[command(flatten)]
    pub print: PrintArgs,
    /// How many rows to print.
    #[arg(short = 'n', long = "rows", value_name = "N", default_value_t = 10)]
    pub rows: usize,
}

/// `quiver cat FILE [--columns a,b] [--format F]`.
#[derive(Debug, Args)]
pub struct CatArgs {
    /// What to read and how to print it.
    #[command(flatten)]
    pub print: PrintArgs,
}

/// Prints the first `args.rows` rows.
pub fn head(args: &HeadArgs, options: IpcReadOptions) -> Result<(), CliError> {
    print(&args.print, Some(args.rows), options)
}

/// Prints every row.
pub fn cat(args: &CatArgs, options: IpcReadOptions) -> Result<(), CliError> {
    print(&args.print, None, options)
}

/// A way of printing rows, fed one batch at a time.
trait Printer {
    /// Prints the rows of `batch` (or holds them until it can lay them out).
    fn write_batch(&mut self, out: &mut dyn Write, batch: &RecordBatch) -> io::Result<()>;
    /// Prints whatever is held, and any closing lines.
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

/// Prints at most `limit` rows (all without one) of the input.
fn print(args: &PrintArgs, limit: Option<usize>, options: IpcReadOptions) -> Result<(), CliError> {
    let name = describe(&args.input, "standard input");
    let (mut input, pick) = open_columns(&args.input, args.columns.as_deref(), options)?;
    let all = input.schema().fields();
    let fields: Vec<Field> = match &pick {
        // `open_columns` found each index in this schema.
        Some(indices) => indices
            .iter()
            .filter_map(|&i| all.get(i).cloned())
            .collect(),
        None => all.to_vec(),
    };
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = BufWriter::new(stdout.lock());
    let mut printer: Box<dyn Printer> = match args.format {
        Format::Table => Box::new(table::TablePrinter::new(
            &fields,
            table::width_limit(terminal),
        )),
        Format::Csv => {
            Box::new(csv::CsvPrinter::start(&mut out, &fields).map_err(CliError::stdout)?)
        }
        Format::Json => Box::new(json::JsonPrinter),
    };
    let read_error = |e: IpcError| CliError::new(format!("cannot read {name}: {e}"));
    let mut left = limit;
    while left != Some(0) {
        let Some(mut batch) = input.next_batch().map_err(read_error)? else {
            break;
        };
        if let Some(indices) = &pick {
            batch = batch
                .project(indices)
                .map_err(|e| CliError::new(format!("cannot select the columns of {name}: {e}")))?;
        }
        if let Some(n) = left {
            if batch.num_rows() > n {
                batch = batch.slice(0, n).map_err(|e| {
                    CliError::new(format!("cannot take the first rows of {name}: {e}"))
                })?;
            }
            left = Some(n - batch.num_rows());
        }
        printer
            .write_batch(&mut out, &batch)
            .map_err(CliError::stdout)?;
        // Whole batches reach a pipe or terminal as soon as they are read.
        out.flush().map_err(CliError::stdout)?;
    }
    printer.finish(&mut out).map_err(CliError::stdout)?;
    out.flush().map_err(CliError::stdout)
}

/// Opens `path`, reading only the columns named (all without `names`). Returns the input
/// and, when its reader could not select the columns itself, the indices to pick from
/// each batch.
fn open_columns(
    path: &Path,
    names: Option<&[String]>,
    options: IpcReadOptions,
) -> Result<(Input, Option<Vec<usize>>), CliError> {
    let input = Input::open(path, options.clone())?;
    let Some(names) = names else {
        return Ok((input, None));
    };
    let name = describe(path, "standard input");
    let indices = super::input::column_indices(input.schema(), names, &name)?;
    if indices.iter().copied().eq(0..input.schema().len()) {
        return Ok((input, None));
    }
    // A regular file can be opened again, this time decoding only the columns asked
    // for; standard input and pipes cannot, so their batches are picked from.
    let regular = !is_std(path) && fs::metadata(path).is_ok_and(|m| m.is_file());
    if !regular {
        return Ok((input, Some(indices)));
    }
    drop(input);
    let input = Input::open(path, options.with_projection(indices))?;
    // The file could have been replaced in between.
    let got = input.schema().fields().iter().map(|f| f.name());
    if !got.eq(super::input::names_in_order(names)) {
        return Err(CliError::new(format!(
            "{name} changed while it was being read; run the command again"
        )));
    }
    Ok((input, None))
}
