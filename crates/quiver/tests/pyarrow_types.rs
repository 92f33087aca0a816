//! pyarrow writes every Arrow type it supports; Quiver reads it, re-writes it, and
//! pyarrow finds Quiver's output equal to its own.
//!
//! 1. `tests/python/types_check.py write <dir>` writes one case per type (null, bool,
//!    every integer, float16/32/64, decimal32/64/128/256, dates, times, timestamps
//!    with and without time zones, durations, month-day-nano intervals, every binary
//!    and string layout including views, every list layout including list views,
//!    struct, maps, sparse and dense unions, dictionaries with every index type and the
//!    ordered flag, dictionaries nested in lists and structs, run-end encoded, canonical
//!    and custom extension types): a column with field metadata, schema metadata, a
//!    batch of 24 rows with nulls, an offset slice of it and an empty slice; as a stream
//!    and as a file, each uncompressed, LZ4 and ZSTD. Plus dictionary deltas (stream
//!    and file, flat and nested in a list), dictionary replacement (stream), and edge
//!    cases: nested field metadata, 41 columns with duplicate names, no batches, zero
//!    columns with rows, views over several data buffers, all-null columns of many
//!    layouts, per-batch custom metadata. A type pyarrow lacks is skipped with
//!    pyarrow's error.
//! 2. Quiver reads every output from every source (streams: `BufferReader` and a memory
//!    map; files: `Buffer`, `BufferReader` and a memory map); every source must give the
//!    same schema and batches, the compressed variants must read equal to the
//!    uncompressed one, and the stream equal to the file.
//! 3. Quiver re-writes every output, uncompressed, in the same format (with
//!    `emit_dictionary_deltas` for the delta cases), and ONE invocation of
//!    `types_check.py check` reads each with pyarrow and compares it with pyarrow's
//!    read of the original: schema with metadata, batch boundaries, per-batch custom
//!    metadata, every column, `Table.equals`, and for the dictionary cases pyarrow's
//!    count of delta and replaced dictionaries. Quiver also writes what it read from
//!    the uncompressed stream as a file (checked against pyarrow's file; for the delta
//!    cases the file must carry deltas). A Quiver read bug thus shows up as an
//!    inequality in pyarrow.
//!
//! pyarrow is found through `QUIVER_PYTHON` by `quiver_testkit`; without it the test
//! skips loudly, which under `CI=true` is a failure. At least 87 cases must run.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use quiver::ipc::{FileReader, FileWriter, IpcWriteOptions, StreamReader, StreamWriter};
use quiver::{Buffer, BufferReader, RecordBatch, SchemaRef, memory_map};
use serde_json::{Value, json};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/types_check.py")
}

/// Runs `types_check.py args…`; Ok(stdout) on success, else status, stderr and stdout.
fn run_python(python: &Path, args: &[&Path]) -> Result<String, String> {
    let out = Command::new(python)
        .arg(script())
        .args(args)
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "`types_check.py {}` exited with {}\n--- stderr ---\n{}--- stdout ---\n{stdout}",
            args.iter()
                .map(|a| a.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

type Read = (SchemaRef, Vec<RecordBatch>);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    /// The bytes in a `Buffer`, through `BufferReader`.
    BufferReader,
    /// The bytes in a `Buffer`, given directly (files only).
    Buffer,
    /// `quiver::memory_map(path)`.
    MemoryMap,
}

fn sources(format: &str) -> &'static [Source] {
    if format == "stream" {
        &[Source::BufferReader, Source::MemoryMap]
    } else {
        &[Source::Buffer, Source::BufferReader, Source::MemoryMap]
    }
}

fn read_stream<S: quiver::InputStream>(source: S) -> Result<Read, String> {
    let reader = StreamReader::try_new(source).map_err(|e| format!("StreamReader: {e}"))?;
    let schema = reader.schema().clone();
    let batches = reader
        .enumerate()
        .map(|(i, b)| b.map_err(|e| format!("stream batch {i}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

fn read_file<F: quiver::RandomAccessFile>(source: F) -> Result<Read, String> {
    let reader = FileReader::try_new(source).map_err(|e| format!("FileReader: {e}"))?;
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

/// Quiver reads `path` (a `format` file) from `source`, turning panics into errors.
fn quiver_read(path: &Path, format: &str, source: Source) -> Result<Read, String> {
    let what = format!("Quiver {format} reader from {source:?}");
    let read = || -> Result<Read, String> {
        match (format, source) {
            ("stream", Source::MemoryMap) => {
                read_stream(memory_map(path).map_err(|e| format!("memory_map: {e}"))?)
            }
            ("file", Source::MemoryMap) => {
                read_file(memory_map(path).map_err(|e| format!("memory_map: {e}"))?)
            }
            _ => {
                let bytes = std::fs::read(path).map_err(|e| format!("reading: {e}"))?;
                let buf = Buffer::from_vec(bytes);
                match (format, source) {
                    ("stream", _) => read_stream(BufferReader::new(buf)),
                    (_, Source::BufferReader) => read_file(BufferReader::new(buf)),
                    _ => read_file(buf),
                }
            }
        }
    };
    match catch_unwind(AssertUnwindSafe(read)) {
        Ok(r) => r.map_err(|e| format!("{what}: {e}")),
        Err(p) => Err(format!("{what} PANICKED: {}", panic_message(&*p))),
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string())
}

/// Where two reads differ (None when equal: same schema, batch boundaries and values).
fn diff(expected: &Read, actual: &Read) -> Option<String> {
    let ((es, eb), (as_, ab)) = (expected, actual);
    if es != as_ {
        return Some(format!("schema differs:\n  {es:?}\n  {as_:?}"));
    }
    let erows: Vec<usize> = eb.iter().map(RecordBatch::num_rows).collect();
    let arows: Vec<usize> = ab.iter().map(RecordBatch::num_rows).collect();
    if erows != arows {
        return Some(format!("batch row counts {erows:?} vs {arows:?}"));
    }
    for (bi, (e, a)) in eb.iter().zip(ab).enumerate() {
        if e.equals(a) {
            continue;
        }
        for (ci, (ec, ac)) in e.columns().iter().zip(a.columns()).enumerate() {
            if !ec.equals(ac) {
                let slot = (0..ec.len().min(ac.len()))
                    .find(|&i| !quiver::slot_equal(ec, i, ac, i))
                    .map(|i| {
                        format!(
                            "; first difference at row {i}: {} vs {}",
                            quiver::format_value(ec, i),
                            quiver::format_value(ac, i)
                        )
                    })
                    .unwrap_or_default();
                return Some(format!(
                    "batch {bi} column {ci} differs{slot}\n  {ec:?}\n  {ac:?}"
                ));
            }
        }
        return Some(format!("batch {bi} differs (RecordBatch::equals)"));
    }
    None
}

fn quiver_write(format: &str, read: &Read, deltas: bool) -> Result<Vec<u8>, String> {
    let options = IpcWriteOptions::default().with_emit_dictionary_deltas(deltas);
    let (schema, batches) = read;
    let write = || -> Result<Vec<u8>, String> {
        if format == "stream" {
            let mut w = StreamWriter::try_new_with_options(Vec::new(), schema, options)
                .map_err(|e| format!("StreamWriter::try_new: {e}"))?;
            for (i, b) in batches.iter().enumerate() {
                w.write(b).map_err(|e| format!("writing batch {i}: {e}"))?;
            }
            w.close().map_err(|e| format!("StreamWriter::close: {e}"))
        } else {
            let mut w = FileWriter::try_new_with_options(Vec::new(), schema, options)
                .map_err(|e| format!("FileWriter::try_new: {e}"))?;
            for (i, b) in batches.iter().enumerate() {
                w.write(b).map_err(|e| format!("writing batch {i}: {e}"))?;
            }
            w.close().map_err(|e| format!("FileWriter::close: {e}"))
        }
    };
    match catch_unwind(AssertUnwindSafe(write)) {
        Ok(r) => r.map_err(|e| format!("Quiver {format} writer: {e}")),
        Err(p) => Err(format!(
            "Quiver {format} writer PANICKED: {}",
            panic_message(&*p)
        )),
    }
}

/// One pyarrow output of a case.
struct Output {
    path: PathBuf,
    format: String,
    codec: String,
}

impl Output {
    fn label(&self, case: &str) -> String {
        format!("{case} {}/{}", self.format, self.codec)
    }
}

/// Quiver's side of one case: reads every output from every source and checks they
/// agree, then writes the re-written outputs into `dir`. Returns the check items for
/// `types_check.py check`, the number of reads, and the failures.
fn quiver_case(case: &Value, dir: &Path) -> (Vec<Value>, usize, Vec<String>) {
    let name = case["name"].as_str().expect("case name");
    let deltas = case["emit_dictionary_deltas"].as_bool().unwrap_or(false);
    let outputs: Vec<Output> = case["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|o| Output {
            path: PathBuf::from(o["path"].as_str().unwrap()),
            format: o["format"].as_str().unwrap().to_string(),
            codec: o["codec"].as_str().unwrap().to_string(),
        })
        .collect();
    let (mut checks, mut reads, mut failures) = (Vec::new(), 0, Vec::new());
    // The uncompressed read of each format, which the others must equal.
    let mut reference: BTreeMap<String, Read> = BTreeMap::new();
    for out in &outputs {
        let label = out.label(name);
        let mut first: Option<Read> = None;
        for &source in sources(&out.format) {
            reads += 1;
            match quiver_read(&out.path, &out.format, source) {
                Err(e) => failures.push(format!("{label}: {e}")),
                Ok(read) => match &first {
                    None => first = Some(read),
                    Some(f) => {
                        if let Some(d) = diff(f, &read) {
                            failures.push(format!(
                                "{label}: read from {source:?} differs from the read from {:?}: {d}",
                                sources(&out.format)[0]
                            ));
                        }
                    }
                },
            }
        }
        let Some(read) = first else { continue };
        match reference.get(&out.format) {
            Some(r) => {
                if let Some(d) = diff(r, &read) {
                    failures.push(format!(
                        "{label}: reads differently from the uncompressed {}: {d}",
                        out.format
                    ));
                }
            }
            None if out.codec == "none" => {
                reference.insert(out.format.clone(), read.clone());
            }
            None => {}
        }
        match quiver_write(&out.format, &read, deltas) {
            Err(e) => failures.push(format!("{label}: {e}")),
            Ok(bytes) => {
                let path = dir.join(format!("quiver.{name}.{}.{}", out.codec, out.format));
                std::fs::write(&path, bytes).expect("writing Quiver's output");
                // Delta and replacement counts are checked on streams only: a file's
                // dictionaries are all read before its batches, so what Quiver reads
                // from one never grows (deltas in files are checked below, from the
                // stream).
                let counted = |key: &str| {
                    if out.format == "stream" {
                        case[key].clone()
                    } else {
                        json!(0)
                    }
                };
                checks.push(json!({
                    "label": label,
                    "path": path,
                    "format": out.format,
                    "reference": out.path,
                    "reference_format": out.format,
                    "min_deltas": counted("min_deltas"),
                    "min_replacements": counted("min_replacements"),
                }));
            }
        }
    }
    if let (Some(s), Some(f)) = (reference.get("stream"), reference.get("file")) {
        // Across formats: Quiver writes what it read from the stream as a file, which
        // pyarrow must read equal to pyarrow's own file (with the dictionaries that
        // grew in the stream written as deltas, when asked for).
        let label = format!("{name} stream->file");
        match quiver_write("file", s, deltas) {
            Err(e) => failures.push(format!("{label}: {e}")),
            Ok(bytes) => {
                let path = dir.join(format!("quiver.{name}.stream-to.file"));
                std::fs::write(&path, bytes).expect("writing Quiver's output");
                let pyarrow_file = outputs
                    .iter()
                    .find(|o| o.format == "file" && o.codec == "none")
                    .expect("an uncompressed file");
                checks.push(json!({
                    "label": label,
                    "path": path,
                    "format": "file",
                    "reference": pyarrow_file.path,
                    "reference_format": "file",
                    "min_deltas": case["min_deltas"],
                    "min_replacements": 0,
                }));
            }
        }
        // File dictionaries are all read before the batches, so compare values only
        // (RecordBatch::equals is logical, so a grown dictionary compares equal).
        if let Some(d) = diff(s, f) {
            failures.push(format!(
                "{name}: the uncompressed stream and file read differently: {d}"
            ));
        }
    }
    (checks, reads, failures)
}

#[test]
fn pyarrow_writes_every_type_quiver_reads_and_rewrites_it() {
    let Some(python) = quiver_testkit::require_python("pyarrow types") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let written = run_python(&python, &[Path::new("write"), dir.path()]).unwrap_or_else(|e| {
        panic!("{e}");
    });
    print!("{written}");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("manifest.json")).expect("types_check.py manifest"),
    )
    .expect("the manifest is JSON");
    let cases = manifest["cases"].as_array().expect("cases");
    let skipped = manifest["skipped"].as_array().expect("skipped");
    assert!(!cases.is_empty(), "types_check.py wrote no cases");

    let mut all_checks = Vec::new();
    let mut case_failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut reads = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap().to_string();
        let (checks, n, failures) = quiver_case(case, dir.path());
        reads += n;
        all_checks.extend(checks);
        case_failures.entry(name).or_default().extend(failures);
    }

    let checks_path = dir.path().join("checks.json");
    let results_path = dir.path().join("results.json");
    std::fs::write(
        &checks_path,
        serde_json::to_vec(&json!({ "checks": all_checks })).unwrap(),
    )
    .unwrap();
    let checked = run_python(&python, &[Path::new("check"), &checks_path, &results_path])
        .unwrap_or_else(|e| panic!("{e}"));
    print!("{checked}");
    let results: BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&std::fs::read(&results_path).expect("check results"))
            .expect("results are JSON");
    let mut pyarrow_ok = 0;
    for check in &all_checks {
        let label = check["label"].as_str().unwrap();
        let case = label.split(' ').next().unwrap().to_string();
        match results.get(label) {
            None => case_failures
                .entry(case)
                .or_default()
                .push(format!("{label}: types_check.py reported nothing")),
            Some(p) if p.is_empty() => pyarrow_ok += 1,
            Some(p) => case_failures.entry(case).or_default().push(format!(
                "{label}: pyarrow reads Quiver's re-written output differently from its own:\n- {}",
                p.join("\n- ")
            )),
        }
    }

    let failed: Vec<&String> = case_failures
        .iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(c, _)| c)
        .collect();
    let reasons: Vec<String> = skipped
        .iter()
        .map(|s| format!("{}: {}", s["name"], s["reason"].as_str().unwrap_or("")))
        .collect();
    let line = format!(
        "pyarrow types: {} of {} cases passed (pyarrow {}; {reads} Quiver reads, {pyarrow_ok} of {} Quiver re-writes equal in pyarrow), {} types skipped{}",
        cases.len() - failed.len(),
        cases.len(),
        manifest["pyarrow"].as_str().unwrap_or("?"),
        all_checks.len(),
        skipped.len(),
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join("; "))
        }
    );
    println!("{line}");
    eprintln!("{line}");
    let failures: Vec<&String> = case_failures.values().flatten().collect();
    assert!(
        failures.is_empty(),
        "{} failure(s) in {} case(s) ({}):\n\n{}",
        failures.len(),
        failed.len(),
        failed
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    quiver_testkit::expect_cases("pyarrow types", cases.len(), 87);
}
