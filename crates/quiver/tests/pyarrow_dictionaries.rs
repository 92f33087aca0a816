//! pyarrow writes dictionaries of every value type that change between batches (delta
//! dictionaries in streams and files, replaced dictionaries in streams, unified
//! dictionaries in files); Quiver reads each and re-writes it, and pyarrow finds
//! Quiver's output equal to its own.
//!
//! 1. `tests/python/dictionaries_check.py write <dir>` writes, for every value type of
//!    `types_check.py` and for dictionaries of views, list views, dense unions and
//!    run-end encoded values nested in lists, structs and maps: `<case>.delta.stream`,
//!    `<case>.replace.stream`, `<case>.delta.file` and `<case>.unified.file` (see the
//!    script for what pyarrow cannot write).
//! 2. Quiver reads every output and re-writes it in the same format, with
//!    `emit_dictionary_deltas` for the delta cases; it also writes what it read from
//!    each delta stream as a file with deltas.
//! 3. ONE invocation of `dictionaries_check.py check` reads every Quiver output with
//!    pyarrow and compares it with pyarrow's read of the original (schema, batch
//!    boundaries, every column, `Table.equals`, `validate(full=True)`), and requires
//!    Quiver's streams to carry at least as many delta and replaced dictionaries as
//!    pyarrow's.
//!
//! pyarrow is found through `quiver_testkit` (`QUIVER_PYTHON`): without it the test
//! fails under `CI=true` and is otherwise a loud, logged skip.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use quiver::ipc::{FileReader, FileWriter, IpcWriteOptions, StreamReader, StreamWriter};
use quiver::{Buffer, BufferReader, RecordBatch, SchemaRef};
use serde_json::{Value, json};

/// pyarrow 26 writes 276 outputs; fewer means cases were lost.
const MIN_CASES: usize = 276;
/// Outputs in which pyarrow wrote delta dictionaries (streams and files).
const MIN_DELTA_CASES: usize = 148;
/// Streams in which pyarrow replaced dictionaries.
const MIN_REPLACEMENT_CASES: usize = 75;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/dictionaries_check.py")
}

fn run_python(python: &Path, args: &[&Path]) -> String {
    let out = Command::new(python)
        .arg(script())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "dictionaries_check.py {:?} exited with {}\n--- stderr ---\n{}--- stdout ---\n{stdout}",
        args,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

type Read = (SchemaRef, Vec<RecordBatch>);

fn read(path: &Path, format: &str) -> Result<Read, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let buf = Buffer::from_vec(bytes);
    let run = || -> Result<Read, String> {
        if format == "stream" {
            let reader = StreamReader::try_new(BufferReader::new(buf))
                .map_err(|e| format!("StreamReader: {e}"))?;
            let schema = reader.schema().clone();
            let batches = reader
                .enumerate()
                .map(|(i, b)| b.map_err(|e| format!("stream batch {i}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((schema, batches))
        } else {
            let reader = FileReader::try_new(buf).map_err(|e| format!("FileReader: {e}"))?;
            let schema = reader.schema().clone();
            let batches = (0..reader.num_record_batches())
                .map(|i| {
                    reader
                        .get_batch(i)
                        .map_err(|e| format!("file batch {i}: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((schema, batches))
        }
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| Err("the reader PANICKED".into()))
}

fn write(format: &str, (schema, batches): &Read, deltas: bool) -> Result<Vec<u8>, String> {
    let options = IpcWriteOptions::default().with_emit_dictionary_deltas(deltas);
    let run = || -> Result<Vec<u8>, String> {
        if format == "stream" {
            let mut w = StreamWriter::try_new_with_options(Vec::new(), schema, options)
                .map_err(|e| format!("StreamWriter: {e}"))?;
            for (i, b) in batches.iter().enumerate() {
                w.write(b).map_err(|e| format!("writing batch {i}: {e}"))?;
            }
            w.close().map_err(|e| format!("StreamWriter::close: {e}"))
        } else {
            let mut w = FileWriter::try_new_with_options(Vec::new(), schema, options)
                .map_err(|e| format!("FileWriter: {e}"))?;
            for (i, b) in batches.iter().enumerate() {
                w.write(b).map_err(|e| format!("writing batch {i}: {e}"))?;
            }
            w.close().map_err(|e| format!("FileWriter::close: {e}"))
        }
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| Err("the writer PANICKED".into()))
}

/// Quiver's side of one pyarrow output: the checks for `dictionaries_check.py check`,
/// or the failure.
fn quiver_case(case: &Value, dir: &Path) -> Result<Vec<Value>, String> {
    let name = case["name"].as_str().expect("name");
    let path = PathBuf::from(case["path"].as_str().expect("path"));
    let format = case["format"].as_str().expect("format");
    let mode = case["mode"].as_str().expect("mode");
    let deltas = mode == "delta";
    let got = read(&path, format).map_err(|e| format!("{name}: Quiver {format} reader: {e}"))?;
    let mut checks = Vec::new();
    let out = dir.join(format!("quiver.{name}"));
    let bytes = write(format, &got, deltas).map_err(|e| format!("{name}: Quiver writer: {e}"))?;
    std::fs::write(&out, bytes).expect("writing Quiver's output");
    let stream = format == "stream";
    checks.push(json!({
        "label": name,
        "path": out,
        "format": format,
        "reference": path,
        "reference_format": format,
        "min_deltas": if stream && deltas { case["deltas"].clone() } else { json!(0) },
        "min_replacements": if stream { case["replacements"].clone() } else { json!(0) },
    }));
    let pyarrow_file = path.with_file_name(name.replace(".delta.stream", ".delta.file"));
    if stream && deltas && pyarrow_file.exists() {
        // The delta stream as Quiver reads it, written as a file with deltas: pyarrow
        // must read it equal to its own file.
        let label = format!("{name}->file");
        let out = dir.join(format!("quiver.{label}"));
        let bytes = write("file", &got, true).map_err(|e| format!("{label}: {e}"))?;
        std::fs::write(&out, bytes).expect("writing Quiver's output");
        checks.push(json!({
            "label": label,
            "path": out,
            "format": "file",
            "reference": pyarrow_file,
            "reference_format": "file",
            "min_deltas": case["deltas"].clone(),
            "min_replacements": 0,
        }));
    }
    Ok(checks)
}

#[test]
fn pyarrow_dictionaries_of_every_value_type_read_and_rewrite() {
    let Some(python) = quiver_testkit::require_python("pyarrow dictionaries") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    print!("{}", run_python(&python, &[Path::new("write"), dir.path()]));
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("manifest.json")).expect("the manifest"),
    )
    .expect("the manifest is JSON");
    let cases = manifest["cases"].as_array().expect("cases");
    let count = |f: &dyn Fn(&Value) -> bool| cases.iter().filter(|c| f(c)).count();
    let delta_cases = count(&|c| c["deltas"].as_u64().unwrap_or(0) > 0);
    let replacement_cases = count(&|c| c["replacements"].as_u64().unwrap_or(0) > 0);
    assert!(
        cases.len() >= MIN_CASES
            && delta_cases >= MIN_DELTA_CASES
            && replacement_cases >= MIN_REPLACEMENT_CASES,
        "pyarrow wrote {} outputs ({delta_cases} with deltas, {replacement_cases} with replacements); at least {MIN_CASES} ({MIN_DELTA_CASES}, {MIN_REPLACEMENT_CASES}) are needed. Skipped: {}",
        cases.len(),
        manifest["skipped"]
    );

    let mut failures: Vec<String> = Vec::new();
    let mut checks = Vec::new();
    for case in cases {
        match quiver_case(case, dir.path()) {
            Ok(c) => checks.extend(c),
            Err(e) => failures.push(e),
        }
    }
    let checks_path = dir.path().join("checks.json");
    let results_path = dir.path().join("results.json");
    std::fs::write(
        &checks_path,
        serde_json::to_vec(&json!({ "checks": checks })).unwrap(),
    )
    .unwrap();
    print!(
        "{}",
        run_python(&python, &[Path::new("check"), &checks_path, &results_path])
    );
    let results: BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&std::fs::read(&results_path).expect("results")).expect("JSON");
    let mut passed = 0;
    for check in &checks {
        let label = check["label"].as_str().unwrap();
        match results.get(label) {
            Some(p) if p.is_empty() => passed += 1,
            Some(p) => failures.push(format!(
                "{label}: pyarrow reads Quiver's output differently from its own:\n- {}",
                p.join("\n- ")
            )),
            None => failures.push(format!("{label}: dictionaries_check.py reported nothing")),
        }
    }
    let line = format!(
        "pyarrow dictionaries: {} outputs from pyarrow {} ({delta_cases} with deltas, {replacement_cases} with replacements), {passed} of {} Quiver re-writes equal in pyarrow, {} failures, {} skipped by pyarrow",
        cases.len(),
        manifest["pyarrow"].as_str().unwrap_or("?"),
        checks.len(),
        failures.len(),
        manifest["skipped"].as_array().map_or(0, Vec::len),
    );
    println!("{line}");
    eprintln!("{line}");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        passed >= MIN_CASES,
        "only {passed} checks ran, {MIN_CASES} expected"
    );
}
