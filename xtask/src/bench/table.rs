//! The workloads table: each row's criterion groups, pyarrow key, its issue's target
//! (issue 11 for W1–W8, issue 13 for the Flight rows W9), and how the measured numbers
//! are read and shown.

use std::path::Path;
use std::time::SystemTime;

/// One check of issue 11's target for a row.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// Quiver ≤ this × arrow-rs.
    VsArrow(f64),
    /// Quiver ≤ this × pyarrow.
    VsPyarrow(f64),
    /// Quiver ≤ this many ns per batch (or per call for W6).
    Ns(f64),
    /// Quiver ≤ this many allocations per batch.
    Allocations(f64),
    /// Quiver ≤ this × the group's `limit` function (a machine limit: one `write`, a
    /// page touch, a memcpy).
    VsLimit(f64, &'static str),
    /// Quiver's throughput ≥ this × arrow-rs's (time ≤ arrow-rs's / this).
    ThroughputVsArrow(f64),
    /// Quiver's throughput ≥ this × pyarrow's (time ≤ pyarrow's / this).
    ThroughputVsPyarrow(f64),
}

/// One line of the table.
struct Spec {
    label: &'static str,
    /// The criterion group (functions `quiver` and `arrow-rs`), and pyarrow's key.
    group: &'static str,
    /// Times are divided by this (per batch for W5, per call for W6).
    per: f64,
    checks: &'static [Check],
}

use Check::*;

const SPECS: &[Spec] = &[
    Spec {
        label: "W1 write 10M int32, 1000 batches, file",
        group: "W1_write_file",
        per: 1.0,
        checks: &[VsLimit(1.1, "one write()")],
    },
    Spec {
        label: "W2 read file, plain reads",
        group: "W2_read_file",
        per: 1.0,
        checks: &[VsArrow(0.6)],
    },
    Spec {
        label: "W3 read file, memory map",
        group: "W3_read_mmap",
        per: 1.0,
        checks: &[VsLimit(1.1, "mmap + page touch"), Allocations(2.0)],
    },
    Spec {
        label: "W4 stream write 4Mi rows",
        group: "W4_write",
        per: 1.0,
        checks: &[VsArrow(0.5), VsPyarrow(1.0)],
    },
    Spec {
        label: "W4 stream read, validated",
        group: "W4_read_validated",
        per: 1.0,
        checks: &[VsArrow(0.3)],
    },
    Spec {
        label: "W4 stream read, unchecked",
        group: "W4_read_unchecked",
        per: 1.0,
        checks: &[VsArrow(0.7)],
    },
    Spec {
        label: "W5 write, per batch of 4 rows",
        group: "W5_write",
        per: 100_000.0,
        checks: &[Ns(600.0)],
    },
    Spec {
        label: "W5 read, per batch of 4 rows",
        group: "W5_read",
        per: 100_000.0,
        checks: &[Ns(500.0), Allocations(5.0)],
    },
    Spec {
        label: "W6 random get_batch (mmap), per call",
        group: "W6_get_batch",
        per: 1000.0,
        checks: &[Ns(300.0)],
    },
    Spec {
        label: "W7 ZSTD(1) write",
        group: "W7_zstd_write",
        per: 1.0,
        checks: &[VsPyarrow(0.9)],
    },
    Spec {
        label: "W7 ZSTD(1) read",
        group: "W7_zstd_read",
        per: 1.0,
        checks: &[VsPyarrow(0.9)],
    },
    Spec {
        label: "W7 LZ4 frame write",
        group: "W7_lz4_write",
        per: 1.0,
        checks: &[VsPyarrow(0.9)],
    },
    Spec {
        label: "W7 LZ4 frame read",
        group: "W7_lz4_read",
        per: 1.0,
        checks: &[VsPyarrow(0.9)],
    },
    Spec {
        label: "W8 nested 1M rows write",
        group: "W8_write",
        per: 1.0,
        checks: &[VsPyarrow(0.9)],
    },
    Spec {
        label: "W8 nested 1M rows read, validated",
        group: "W8_read",
        per: 1.0,
        checks: &[VsArrow(0.25)],
    },
    Spec {
        label: "W9 Flight DoGet of W4 (4Mi rows), loopback",
        group: "W9_flight_doget",
        per: 1.0,
        checks: &[ThroughputVsPyarrow(1.0), ThroughputVsArrow(1.5)],
    },
    Spec {
        label: "W9 Flight DoPut of W4 (4Mi rows), loopback",
        group: "W9_flight_doput",
        per: 1.0,
        checks: &[ThroughputVsPyarrow(1.0), ThroughputVsArrow(1.5)],
    },
];

/// A row with what was measured (times in ns, already divided by `per`).
pub struct Row {
    spec: &'static Spec,
    quiver: Option<f64>,
    arrow: Option<f64>,
    pyarrow: Option<f64>,
    /// The machine limit of the group's `limit` function, where it has one.
    limit: Option<f64>,
    quiver_allocations: Option<f64>,
    arrow_allocations: Option<f64>,
}

impl Row {
    /// The row's label, group, and the times (ns, divided by `per`) of Quiver, arrow-rs
    /// and pyarrow.
    pub fn times(&self) -> (&'static str, &'static str, [Option<f64>; 3]) {
        (
            self.spec.label,
            self.spec.group,
            [self.quiver, self.arrow, self.pyarrow],
        )
    }
}

/// `allocations <group> <side> <n> per batch (...)` → `(group, side, n)`.
pub fn parse_allocation(line: &str) -> Option<(String, String, f64)> {
    let mut words = line.strip_prefix("allocations ")?.split_whitespace();
    let (group, side, n) = (words.next()?, words.next()?, words.next()?);
    (words.next()? == "per").then_some(())?;
    Some((group.to_owned(), side.to_owned(), n.parse().ok()?))
}

/// The number after `"key":` in a line of JSON (enough for the flat lines we read).
fn json_number(text: &str, key: &str) -> Option<f64> {
    let start = text.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = text[start..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// A line of `pyarrow_bench.py` → `(workload, median ns)`.
pub fn parse_pyarrow(line: &str) -> Option<(String, f64)> {
    let start = line.find("\"workload\": \"")? + "\"workload\": \"".len();
    let name = &line[start..start + line[start..].find('"')?];
    Some((name.to_owned(), json_number(line, "median_ns")?))
}

/// criterion's median point estimate (ns) of `group/function`, if written after `since`.
fn criterion_median(dir: &Path, group: &str, function: &str, since: SystemTime) -> Option<f64> {
    let path = dir.join(group).join(function).join("new/estimates.json");
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since);
    if !fresh {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    json_number(&text[text.find("\"median\"")?..], "point_estimate")
}

pub fn collect(
    criterion: &Path,
    since: SystemTime,
    allocations: &[(String, String, f64)],
    pyarrow: &[(String, f64)],
) -> Vec<Row> {
    let allocation = |group: &str, side: &str| {
        allocations
            .iter()
            .find(|(g, s, _)| g == group && s == side)
            .map(|e| e.2)
    };
    SPECS
        .iter()
        .map(|spec| Row {
            spec,
            quiver: criterion_median(criterion, spec.group, "quiver", since).map(|t| t / spec.per),
            arrow: criterion_median(criterion, spec.group, "arrow-rs", since).map(|t| t / spec.per),
            pyarrow: pyarrow
                .iter()
                .find(|(w, _)| w == spec.group)
                .map(|(_, t)| t / spec.per),
            limit: criterion_median(criterion, spec.group, "limit", since).map(|t| t / spec.per),
            quiver_allocations: allocation(spec.group, "quiver"),
            arrow_allocations: allocation(spec.group, "arrow-rs"),
        })
        .filter(|row| row.quiver.is_some() || row.arrow.is_some() || row.pyarrow.is_some())
        .collect()
}

/// `1234567.0` → `1.23 ms`: three significant digits.
fn time(ns: Option<f64>) -> String {
    let Some(ns) = ns else {
        return "—".into();
    };
    let (value, unit) = match ns {
        n if n >= 1e9 => (n / 1e9, "s"),
        n if n >= 1e6 => (n / 1e6, "ms"),
        n if n >= 1e3 => (n / 1e3, "µs"),
        n => (n, "ns"),
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?)
}

fn ratio_text(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{r:.2}"))
}

/// The target's text, and whether this run meets it: `yes`, `NO`, or `?` when a part of
/// it was not measured.
fn verdict(row: &Row) -> (String, String) {
    let (mut text, mut met, mut unknown) = (Vec::new(), true, false);
    let mut judge = |ok: Option<bool>| match ok {
        Some(ok) => met &= ok,
        None => unknown = true,
    };
    for check in row.spec.checks {
        match *check {
            VsArrow(x) => {
                text.push(format!("≤ {x}× arrow-rs"));
                judge(ratio(row.quiver, row.arrow).map(|r| r <= x));
            }
            VsPyarrow(x) => {
                text.push(if x == 1.0 {
                    "< pyarrow".into()
                } else {
                    format!("≤ {x}× pyarrow")
                });
                judge(
                    ratio(row.quiver, row.pyarrow).map(|r| if x == 1.0 { r < x } else { r <= x }),
                );
            }
            Ns(x) => {
                text.push(format!("≤ {x} ns"));
                judge(row.quiver.map(|t| t <= x));
            }
            Allocations(x) => {
                text.push(format!("≤ {x} allocations"));
                judge(row.quiver_allocations.map(|a| a <= x));
            }
            VsLimit(x, what) => {
                text.push(format!("≤ {x}× {what}"));
                judge(ratio(row.quiver, row.limit).map(|r| r <= x));
            }
            ThroughputVsArrow(x) => {
                text.push(format!("≥ {x}× arrow-rs throughput"));
                judge(ratio(row.arrow, row.quiver).map(|r| r >= x));
            }
            ThroughputVsPyarrow(x) => {
                text.push(if x == 1.0 {
                    "≥ pyarrow throughput".into()
                } else {
                    format!("≥ {x}× pyarrow throughput")
                });
                judge(ratio(row.pyarrow, row.quiver).map(|r| r >= x));
            }
        }
    }
    let status = match (met, unknown) {
        (false, _) => "NO",
        (true, true) => "?",
        (true, false) => "yes",
    };
    (text.join("; "), status.into())
}

fn allocations_text(n: Option<f64>) -> String {
    n.map_or_else(|| "—".into(), |n| format!("{n:.1}"))
}

/// The table in Markdown, ready to paste into `benches/README.md`.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| workload | Quiver | arrow-rs | pyarrow | Q / arrow-rs | Q / pyarrow | limit | target | met | allocations per batch: Q / arrow-rs |\n\
         |---|---:|---:|---:|---:|---:|---:|---|---|---:|\n",
    );
    for row in rows {
        let (target, met) = verdict(row);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} |\n",
            row.spec.label,
            time(row.quiver),
            time(row.arrow),
            time(row.pyarrow),
            ratio_text(ratio(row.quiver, row.arrow)),
            ratio_text(ratio(row.quiver, row.pyarrow)),
            time(row.limit),
            target,
            met,
            allocations_text(row.quiver_allocations),
            allocations_text(row.arrow_allocations),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_and_pyarrow_lines_parse() {
        assert_eq!(
            parse_allocation(
                "allocations W5_read quiver 21.03 per batch (2103000 calls, 9 bytes, 100000 batches)"
            ),
            Some(("W5_read".into(), "quiver".into(), 21.03))
        );
        assert_eq!(parse_allocation("W5_read/quiver time: [1 ms]"), None);
        assert_eq!(
            parse_pyarrow(r#"{"workload": "W6_get_batch", "median_ns": 2442000.5, "samples": 7}"#),
            Some(("W6_get_batch".into(), 2442000.5))
        );
        assert_eq!(parse_pyarrow(r#"{"workload": "W6_get_batch"}"#), None);
    }

    #[test]
    fn criterion_estimates_give_the_median() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        let file = dir.join("W2_read_file/quiver/new");
        std::fs::create_dir_all(&file).unwrap();
        std::fs::write(
            file.join("estimates.json"),
            r#"{"mean":{"confidence_interval":{"lower_bound":1.0},"point_estimate":7.0},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":2.0,"upper_bound":3.0},"point_estimate":12345.5,"standard_error":1.0}}"#,
        )
        .unwrap();
        let long_ago = SystemTime::UNIX_EPOCH;
        assert_eq!(
            criterion_median(&dir, "W2_read_file", "quiver", long_ago),
            Some(12345.5)
        );
        assert_eq!(
            criterion_median(&dir, "W2_read_file", "arrow-rs", long_ago),
            None
        );
        // A result older than this run is stale and not shown.
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert_eq!(
            criterion_median(&dir, "W2_read_file", "quiver", later),
            None
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rows_show_times_ratios_and_verdicts() {
        let spec = SPECS.iter().find(|s| s.group == "W5_read").unwrap();
        let row = Row {
            spec,
            quiver: Some(450.0),
            arrow: Some(1131.0),
            pyarrow: Some(2131.0),
            limit: None,
            quiver_allocations: Some(6.0),
            arrow_allocations: Some(12.0),
        };
        assert_eq!(
            render(std::slice::from_ref(&row)).lines().nth(2).unwrap(),
            "| W5 read, per batch of 4 rows | 450 ns | 1.13 µs | 2.13 µs | 0.40 | 0.21 | — | ≤ 500 ns; ≤ 5 allocations | NO | 6.0 / 12.0 |"
        );
        let row = Row {
            quiver_allocations: Some(5.0),
            ..row
        };
        assert_eq!(verdict(&row).1, "yes");
        let row = Row {
            quiver: None,
            ..row
        };
        assert_eq!(verdict(&row).1, "?");
        let spec = SPECS.iter().find(|s| s.group == "W4_write").unwrap();
        let row = Row {
            spec,
            quiver: Some(10.0),
            arrow: Some(30.0),
            pyarrow: Some(10.0),
            limit: None,
            quiver_allocations: None,
            arrow_allocations: None,
        };
        assert_eq!(
            verdict(&row),
            ("≤ 0.5× arrow-rs; < pyarrow".into(), "NO".into())
        );
        let spec = SPECS.iter().find(|s| s.group == "W3_read_mmap").unwrap();
        let row = Row {
            spec,
            quiver: Some(11.0),
            arrow: None,
            pyarrow: None,
            limit: Some(10.0),
            quiver_allocations: Some(2.0),
            arrow_allocations: None,
        };
        assert_eq!(
            verdict(&row),
            (
                "≤ 1.1× mmap + page touch; ≤ 2 allocations".into(),
                "yes".into()
            )
        );
        let row = Row {
            quiver: Some(11.5),
            ..row
        };
        assert_eq!(verdict(&row).1, "NO");

        // Throughput targets: 1.5× arrow-rs's throughput is two thirds of its time.
        let spec = SPECS.iter().find(|s| s.group == "W9_flight_doget").unwrap();
        let row = Row {
            spec,
            quiver: Some(20.0),
            arrow: Some(30.0),
            pyarrow: Some(20.0),
            limit: None,
            quiver_allocations: None,
            arrow_allocations: None,
        };
        assert_eq!(
            verdict(&row),
            (
                "≥ pyarrow throughput; ≥ 1.5× arrow-rs throughput".into(),
                "yes".into()
            )
        );
        let row = Row {
            quiver: Some(20.5),
            ..row
        };
        assert_eq!(verdict(&row).1, "NO");
        let row = Row {
            quiver: Some(19.0),
            arrow: Some(28.0),
            ..row
        };
        assert_eq!(verdict(&row).1, "NO");
        let row = Row {
            pyarrow: None,
            arrow: Some(30.0),
            ..row
        };
        assert_eq!(verdict(&row).1, "?");
    }
}
