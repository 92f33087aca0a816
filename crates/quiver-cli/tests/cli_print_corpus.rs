//! `quiver head` runs without error, in all three formats, on every golden file of
//! arrow-testing (`arrow-ipc-stream/integration/*/*.{arrow_file,stream}`, 182 of them)
//! and on files pyarrow writes: the 16 cases of `crates/quiver/tests/python/interop.py`
//! (file and stream, uncompressed and ZSTD) and a file of nested and encoded types
//! written by the script below.
//!
//! The golden files whose values fail the default value-range checks
//! (`quiver_testkit::golden_out_of_range`) are printed with `--no-value-range-checks`.
//! The inputs are found through `quiver_testkit` (`QUIVER_ARROW_TESTING`,
//! `QUIVER_PYTHON`); without them a test skips loudly, which under `CI=true` fails.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn quiver_bin() -> &'static str {
    env!("CARGO_BIN_EXE_quiver")
}

/// Runs `schema`, `info`, `info --json` and `validate` at both levels on `path`: each
/// must succeed with nothing on standard error, and `validate` must say `OK`.
fn inspect_and_validate(path: &Path) -> Vec<String> {
    let runs: [&[&str]; 5] = [
        &["schema"],
        &["info"],
        &["info", "--json"],
        &["validate"],
        &["validate", "--full"],
    ];
    let mut problems = Vec::new();
    for args in runs {
        let out = Command::new(quiver_bin())
            .args(args)
            .arg(path)
            .output()
            .expect("running the quiver binary");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let ok = out.status.success()
            && stderr.is_empty()
            && (args[0] != "validate" || stdout.starts_with("OK: "));
        if !ok {
            problems.push(format!(
                "`quiver {} {}`: {}: {stderr}{stdout}",
                args.join(" "),
                path.display(),
                out.status
            ));
        }
    }
    problems
}

/// Runs `quiver head [extra…] --format F PATH` for each format; the problems found.
fn head_all_formats(path: &Path, extra: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    for format in ["table", "csv", "json"] {
        let out = Command::new(quiver_bin())
            .arg("head")
            .args(extra)
            .args(["--format", format])
            .arg(path)
            .env_remove("COLUMNS")
            .output()
            .expect("running the quiver binary");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || !stderr.is_empty() {
            problems.push(format!(
                "`quiver head {} --format {format} {}`: {}: {stderr}",
                extra.join(" "),
                path.display(),
                out.status
            ));
            continue;
        }
        if format == "json" {
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(line) {
                    problems.push(format!("{}: bad JSON line {line:?}: {e}", path.display()));
                }
            }
        }
    }
    problems
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn head_prints_every_golden_file() {
    let Some(root) = quiver_testkit::require_arrow_testing("cli print golden") else {
        return;
    };
    let mut golden = Vec::new();
    for producer in sorted_entries(&root.join("arrow-ipc-stream/integration")) {
        golden.extend(sorted_entries(&producer).into_iter().filter(|p| {
            p.extension()
                .is_some_and(|x| x == "stream" || x == "arrow_file")
        }));
    }
    let mut problems = Vec::new();
    let mut relaxed = 0;
    for path in &golden {
        let extra: &[&str] = if quiver_testkit::golden_out_of_range(path) {
            relaxed += 1;
            &["--no-value-range-checks"]
        } else {
            &[]
        };
        problems.extend(head_all_formats(path, extra));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    quiver_testkit::expect_cases("cli print golden", golden.len(), 182);
    quiver_testkit::expect_cases("cli print golden (relaxed)", relaxed, 16);
}

/// Writes nested and encoded types (pyarrow's own choices of layout) to `argv[1]` as a
/// file and `argv[2]` as a stream.
const NESTED_SCRIPT: &str = r#"
import sys
import pyarrow as pa

n = 12
names = ["ann", None, "日本語", "a" * 60]
table = pa.table({
    "list": pa.array([[i, None, i * 2] if i % 3 else None for i in range(n)], pa.list_(pa.int64())),
    "large_list": pa.array([[str(i)] * (i % 3) for i in range(n)], pa.large_list(pa.string())),
    "fixed_list": pa.array([[i, i + 1] for i in range(n)], pa.list_(pa.int16(), 2)),
    "list_view": pa.array([[i] for i in range(n)], pa.list_view(pa.int32())),
    "struct": pa.array([{"a": i, "b": names[i % 4]} for i in range(n)],
                       pa.struct([("a", pa.int8()), ("b", pa.string())])),
    "map": pa.array([[("k%d" % i, i), ("z", None)] for i in range(n)], pa.map_(pa.string(), pa.int32())),
    "int_map": pa.array([[(i, True)] for i in range(n)], pa.map_(pa.int64(), pa.bool_())),
    "dense_union": pa.UnionArray.from_dense(
        pa.array([i % 2 for i in range(n)], pa.int8()),
        pa.array([i // 2 for i in range(n)], pa.int32()),
        [pa.array(range(n)), pa.array([names[i % 4] for i in range(n)])], ["i", "s"]),
    "sparse_union": pa.UnionArray.from_sparse(
        pa.array([i % 2 for i in range(n)], pa.int8()),
        [pa.array([float(i) for i in range(n)]), pa.array([i % 3 == 0 for i in range(n)])]),
    "dictionary": pa.array([names[i % 4] for i in range(n)]).dictionary_encode(),
    "run_end": pa.RunEndEncodedArray.from_arrays(
        pa.array([4, 8, 12], pa.int32()), pa.array([0, 1, None], pa.int64())),
    "string_view": pa.array([names[i % 4] for i in range(n)], pa.string_view()),
    "binary_view": pa.array([bytes([i]) * i for i in range(n)], pa.binary_view()),
    "large_binary": pa.array([bytes([255 - i]) for i in range(n)], pa.large_binary()),
    "decimal256": pa.array([i * 10 ** 30 for i in range(n)], pa.decimal256(40, 2)),
    "interval": pa.array([(i, i, i * 1000) for i in range(n)], pa.month_day_nano_interval()),
    "timestamp_ns": pa.array(range(n), pa.timestamp("ns", tz="Europe/Paris")),
    "null": pa.nulls(n),
})
with pa.OSFile(sys.argv[1], "wb") as f:
    with pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table, max_chunksize=5)
with pa.OSFile(sys.argv[2], "wb") as f:
    with pa.ipc.new_stream(f, table.schema) as w:
        w.write_table(table, max_chunksize=5)
"#;

fn interop_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../quiver/tests/python/interop.py")
}

/// Runs `python args…`; its standard output, or the failure.
fn python_run(python: &Path, args: &[&OsStr]) -> Result<String, String> {
    let out = Command::new(python)
        .args(args)
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "python {args:?}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `head`, and also `schema`, `info` and `validate` (both levels), on every pyarrow-written
/// file of the interop cases: issue 10 asks for all three on every pyarrow-written file.
#[test]
fn head_info_and_validate_read_pyarrow_files() {
    let Some(python) = quiver_testkit::require_python("cli print pyarrow") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = interop_script();
    let cases = python_run(&python, &[script.as_os_str(), OsStr::new("list-cases")])
        .unwrap_or_else(|e| panic!("{e}"));
    let mut files = Vec::new();
    for case in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
        for (format, compression) in [("file", "none"), ("stream", "none"), ("file", "zstd")] {
            let path = dir.path().join(format!("{case}.{compression}.{format}"));
            python_run(
                &python,
                &[
                    script.as_os_str(),
                    OsStr::new(&format!("write-{case}")),
                    path.as_os_str(),
                    OsStr::new(format),
                    OsStr::new("--compression"),
                    OsStr::new(compression),
                ],
            )
            .unwrap_or_else(|e| panic!("{e}"));
            files.push(path);
        }
    }
    let nested_file = dir.path().join("nested.arrow");
    let nested_stream = dir.path().join("nested.arrows");
    python_run(
        &python,
        &[
            OsStr::new("-c"),
            OsStr::new(NESTED_SCRIPT),
            nested_file.as_os_str(),
            nested_stream.as_os_str(),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    files.extend([nested_file, nested_stream]);

    let mut problems = Vec::new();
    for path in &files {
        problems.extend(head_all_formats(path, &[]));
        problems.extend(head_all_formats(path, &["-n", "1000"]));
        problems.extend(inspect_and_validate(path));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    quiver_testkit::expect_cases("cli print pyarrow", files.len(), 16 * 3 + 2);
}
