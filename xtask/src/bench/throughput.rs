//! Throughput for the rows whose bench says how much data one iteration moves (the
//! Flight rows W9): the bench prints `throughput <group> <bytes> bytes <rows> rows`, and
//! the table's times become MB/s and rows/s.

use super::table::Row;

/// `throughput <group> <bytes> bytes <rows> rows` → `(group, bytes, rows)`.
pub fn parse(line: &str) -> Option<(String, f64, f64)> {
    let mut words = line.strip_prefix("throughput ")?.split_whitespace();
    let group = words.next()?;
    let bytes = words.next()?.parse().ok()?;
    (words.next()? == "bytes").then_some(())?;
    let rows = words.next()?.parse().ok()?;
    (words.next()? == "rows").then_some(())?;
    Some((group.to_owned(), bytes, rows))
}

/// `bytes` in `ns` as MB/s (10^6 bytes) and rows in millions per second.
fn rate(bytes: f64, rows: f64, ns: Option<f64>) -> String {
    match ns {
        Some(ns) if ns > 0.0 => {
            let seconds = ns / 1e9;
            format!(
                "{:.0} MB/s, {:.1} Mrows/s",
                bytes / 1e6 / seconds,
                rows / 1e6 / seconds
            )
        }
        _ => "—".into(),
    }
}

/// The Markdown table of the rows that have a throughput line; empty when none has.
pub fn render(rows: &[Row], throughputs: &[(String, f64, f64)]) -> String {
    let mut out = String::new();
    for row in rows {
        let (label, group, [quiver, arrow, pyarrow]) = row.times();
        let Some((_, bytes, n)) = throughputs.iter().find(|(g, _, _)| g == group) else {
            continue;
        };
        if out.is_empty() {
            out.push_str(
                "| workload | IPC body bytes, rows | Quiver | arrow-rs | pyarrow |\n\
                 |---|---:|---:|---:|---:|\n",
            );
        }
        out.push_str(&format!(
            "| {label} | {:.1} MB, {n} | {} | {} | {} |\n",
            bytes / 1e6,
            rate(*bytes, *n, quiver),
            rate(*bytes, *n, arrow),
            rate(*bytes, *n, pyarrow),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throughput_lines_parse() {
        assert_eq!(
            parse("throughput W9_flight_doget 61341696 bytes 4194304 rows"),
            Some(("W9_flight_doget".into(), 61_341_696.0, 4_194_304.0))
        );
        assert_eq!(parse("throughput W9_flight_doget 61341696 bytes"), None);
        assert_eq!(parse("throughput W9 x bytes 1 rows"), None);
        assert_eq!(parse("allocations W9 quiver 1.0 per batch"), None);
    }

    #[test]
    fn rates_are_megabytes_and_million_rows_per_second() {
        assert_eq!(
            rate(61_341_696.0, 4_194_304.0, Some(50e6)),
            "1227 MB/s, 83.9 Mrows/s"
        );
        assert_eq!(rate(1.0, 1.0, None), "—");
    }
}
