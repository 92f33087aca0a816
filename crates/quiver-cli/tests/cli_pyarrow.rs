//! The `quiver` binary converts between the IPC file and stream formats without
//! changing anything pyarrow can see: for every interop case, pyarrow writes a file,
//! `quiver file-to-stream` and `quiver stream-to-file` convert it, and pyarrow checks
//! both outputs against the original data (values, schema and field metadata, batch
//! boundaries). The cases and their data live in
//! `crates/quiver/tests/python/interop.py`.
//!
//! pyarrow is found through `QUIVER_PYTHON` (set by `cargo xtask test`) by
//! `quiver_testkit`; without it the pyarrow test skips loudly, which under `CI=true` is
//! a failure. All 16 cases must pass. The error-path test needs no Python. `quiver convert
//! --compression zstd` is checked by pyarrow too: equal data, schema metadata kept,
//! compressed bodies.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn quiver_bin() -> &'static str {
    env!("CARGO_BIN_EXE_quiver")
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../quiver/tests/python/interop.py")
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what} exited with {}\n--- stderr ---\n{}--- stdout ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
}

/// Runs `interop.py args…`; Ok(stdout) on exit status 0.
fn run_python(python: &Path, args: &[&OsStr]) -> Result<String, String> {
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(python)
        .arg(script())
        .args(args)
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(describe(&format!("`interop.py {shown}`"), &out))
    }
}

/// Runs `quiver args…`; Ok(()) on exit status 0.
fn run_quiver(args: &[&OsStr]) -> Result<(), String> {
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(quiver_bin())
        .args(args)
        .output()
        .map_err(|e| format!("could not run {}: {e}", quiver_bin()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(describe(&format!("`quiver {shown}`"), &out))
    }
}

/// pyarrow file -> `quiver file-to-stream` -> `quiver stream-to-file` -> pyarrow checks
/// both the stream and the final file.
fn round_trip(python: &Path, dir: &Path, case: &str) -> Result<(), String> {
    let input = dir.join(format!("{case}.in.arrow"));
    let stream = dir.join(format!("{case}.out.stream"));
    let file = dir.join(format!("{case}.out2.arrow"));
    run_python(
        python,
        &[
            OsStr::new(&format!("write-{case}")),
            input.as_os_str(),
            OsStr::new("file"),
            OsStr::new("--compression"),
            OsStr::new("none"),
        ],
    )?;
    run_quiver(&[
        OsStr::new("file-to-stream"),
        input.as_os_str(),
        stream.as_os_str(),
    ])?;
    run_quiver(&[
        OsStr::new("stream-to-file"),
        stream.as_os_str(),
        file.as_os_str(),
    ])?;
    let check = format!("check-{case}");
    let mut problems = Vec::new();
    for (path, format) in [(&stream, "stream"), (&file, "file")] {
        if let Err(e) = run_python(
            python,
            &[OsStr::new(&check), path.as_os_str(), OsStr::new(format)],
        ) {
            problems.push(e);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn cli_converts_pyarrow_files_both_ways() {
    let Some(python) = quiver_testkit::require_python("cli pyarrow") else {
        return;
    };
    let cases = run_python(&python, &[OsStr::new("list-cases")]).unwrap_or_else(|e| panic!("{e}"));
    let cases: Vec<&str> = cases
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert!(
        cases.contains(&"multi_batch") && cases.contains(&"all_types"),
        "interop.py lists unexpected cases: {cases:?}"
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut failures = Vec::new();
    for case in &cases {
        match round_trip(&python, dir.path(), case) {
            Ok(()) => println!("ok   CLI round trip {case}"),
            Err(e) => {
                println!("FAIL CLI round trip {case}");
                failures.push(format!("{case}: {e}"));
            }
        }
    }
    println!(
        "pyarrow CLI interop: {} of {} cases passed file-to-stream + stream-to-file",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} CLI round trip failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    quiver_testkit::expect_cases("cli pyarrow", cases.len(), 16);
}

/// A missing input is a clean error: exit code 1, exactly one line on stderr, no panic.
#[test]
fn cli_missing_input_fails_with_one_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing = dir.path().join("missing.file");
    let out_path = dir.path().join("out");
    for command in ["stream-to-file", "file-to-stream"] {
        let out = Command::new(quiver_bin())
            .arg(command)
            .arg(&missing)
            .arg(&out_path)
            .output()
            .expect("running the quiver binary");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let what = describe(&format!("`quiver {command} missing.file out`"), &out);
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "expected exactly one line on stderr\n{what}"
        );
        assert!(!stderr.trim().is_empty(), "the error line is empty\n{what}");
        assert!(!stderr.contains("panicked"), "{what}");
    }
}

/// Writes the input (`write IN`) or checks the output (`check IN OUT`) of
/// [`convert_to_zstd_is_read_by_pyarrow`].
const ZSTD_CHECK: &str = r#"
import sys, pyarrow as pa
mode = sys.argv[1]
metadata = {b"origin": b"pyarrow", b"rows": b"100000"}
if mode == "write":
    schema = pa.schema([("n", pa.int64()), ("s", pa.string())], metadata=metadata)
    table = pa.table({"n": list(range(100000)), "s": ["abc"] * 100000}, schema=schema)
    with pa.ipc.new_file(sys.argv[2], schema) as w:
        w.write_table(table, max_chunksize=25000)
    sys.exit(0)

def bodies(path):
    buf = pa.memory_map(path).read_buffer()
    reader = pa.ipc.MessageReader.open_stream(pa.py_buffer(buf[8:]))
    sizes = []
    for message in reader:
        if message.type == "record batch":
            sizes.append(message.body.size)
    return sizes

original = pa.ipc.open_file(sys.argv[2]).read_all()
converted = pa.ipc.open_file(sys.argv[3]).read_all()
assert converted.equals(original), "the converted table differs"
assert converted.schema.metadata == metadata, converted.schema.metadata
before, after = bodies(sys.argv[2]), bodies(sys.argv[3])
assert len(before) == len(after) == 4, (before, after)
# 25,000 rows of int64 and "abc" take 375 KB raw; ZSTD makes them over 3x smaller.
assert all(a * 3 < b for a, b in zip(after, before)), (before, after)
print("ok", before, after)
"#;

/// `quiver convert x.arrow y.arrow --compression zstd`: pyarrow reads y as equal to x,
/// with the schema metadata kept and every batch body ZSTD-compressed (much smaller in
/// pyarrow's message reader, and ZSTD in Quiver's message layer).
#[test]
fn convert_to_zstd_is_read_by_pyarrow() {
    let Some(python) = quiver_testkit::require_python("cli convert zstd pyarrow") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (x, y) = (dir.path().join("x.arrow"), dir.path().join("y.arrow"));
    let py = |args: &[&OsStr]| {
        let out = Command::new(&python)
            .arg("-c")
            .arg(ZSTD_CHECK)
            .args(args)
            .output()
            .expect("running python");
        assert!(out.status.success(), "{}", describe("python", &out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    py(&[OsStr::new("write"), x.as_os_str()]);
    run_quiver(&[
        OsStr::new("convert"),
        x.as_os_str(),
        y.as_os_str(),
        OsStr::new("--compression"),
        OsStr::new("zstd"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "{}",
        py(&[OsStr::new("check"), x.as_os_str(), y.as_os_str()])
    );
    let bytes = quiver::Buffer::from_vec(std::fs::read(&y).expect("the output"));
    let reader = quiver::ipc::FileReader::try_new(bytes).expect("a file");
    for i in 0..reader.num_record_batches() {
        let codec = reader.batch_message(i).and_then(|m| m.body_compression());
        assert_eq!(
            codec.expect("metadata"),
            Some(quiver::ipc::CompressionCodec::Zstd)
        );
    }
}
