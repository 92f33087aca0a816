//! Every golden case of arrow-testing, re-written by Quiver, read by pyarrow.
//!
//! For every `arrow-ipc-stream/integration/*/generated_*.arrow_file`, Quiver reads the
//! file (a `FileReader` over a memory map) and re-writes all its batches as a stream
//! and as a file, each uncompressed, LZ4 and ZSTD: six outputs per case. Then ONE
//! invocation of `tests/python/golden_check.py` (given a manifest of every case) reads
//! the original and each output with pyarrow and checks that each output equals the
//! original: schema with schema and field metadata, batch boundaries, every column and
//! `Table.equals`. A case is skipped only when pyarrow itself cannot read the original
//! (the reason is pyarrow's error).
//!
//! The golden files (`QUIVER_ARROW_TESTING`) and pyarrow (`QUIVER_PYTHON`) are found
//! through `quiver_testkit`; without either the test skips loudly, which under
//! `CI=true` is a failure. At least 91 cases must pass.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use quiver::ipc::{
    CompressionCodec, FileReader, FileWriter, IpcReadOptions, IpcWriteOptions, StreamWriter,
};
use quiver::{RecordBatch, Schema, memory_map};
use serde_json::{Value, json};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/golden_check.py")
}

/// Every golden `.arrow_file`, as (`producer/case`, path), sorted.
fn golden_files(root: &Path) -> Option<Vec<(String, PathBuf)>> {
    let dir = root.join("arrow-ipc-stream/integration");
    let producers = std::fs::read_dir(&dir).ok()?;
    let mut files = Vec::new();
    for producer in producers.flatten() {
        let pdir = producer.path();
        if !pdir.is_dir() {
            continue;
        }
        let pname = producer.file_name().to_string_lossy().into_owned();
        for entry in std::fs::read_dir(&pdir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".arrow_file")
                && stem.starts_with("generated_")
            {
                files.push((format!("{pname}/{stem}"), entry.path()));
            }
        }
    }
    files.sort();
    Some(files)
}

const CODECS: [(&str, Option<CompressionCodec>); 3] = [
    ("none", None),
    ("lz4", Some(CompressionCodec::Lz4Frame)),
    ("zstd", Some(CompressionCodec::Zstd)),
];

fn options(codec: Option<CompressionCodec>) -> IpcWriteOptions {
    IpcWriteOptions::default().with_compression(codec, None)
}

fn write_stream(
    schema: &Schema,
    batches: &[RecordBatch],
    codec: Option<CompressionCodec>,
) -> Result<Vec<u8>, String> {
    let mut w = StreamWriter::try_new_with_options(Vec::new(), schema, options(codec))
        .map_err(|e| format!("StreamWriter::try_new: {e}"))?;
    for (i, b) in batches.iter().enumerate() {
        w.write(b).map_err(|e| format!("writing batch {i}: {e}"))?;
    }
    w.close().map_err(|e| format!("StreamWriter::close: {e}"))
}

fn write_file(
    schema: &Schema,
    batches: &[RecordBatch],
    codec: Option<CompressionCodec>,
) -> Result<Vec<u8>, String> {
    let mut w = FileWriter::try_new_with_options(Vec::new(), schema, options(codec))
        .map_err(|e| format!("FileWriter::try_new: {e}"))?;
    for (i, b) in batches.iter().enumerate() {
        w.write(b).map_err(|e| format!("writing batch {i}: {e}"))?;
    }
    w.close().map_err(|e| format!("FileWriter::close: {e}"))
}

/// Quiver reads `original` and writes the six outputs into `dir`; returns the manifest
/// entries of the outputs.
fn rewrite(name: &str, original: &Path, dir: &Path) -> Result<Vec<Value>, String> {
    let mm = memory_map(original).map_err(|e| format!("memory_map: {e}"))?;
    // The cases listed in GOLDEN_OUT_OF_RANGE hold values outside their types' ranges,
    // which a default read refuses (golden.rs checks that); carry them over here.
    let checks = !quiver_testkit::golden_out_of_range(original);
    let options = IpcReadOptions::default().with_value_range_checks(checks);
    let reader = FileReader::try_new_with_options(mm, options)
        .map_err(|e| format!("Quiver FileReader: {e}"))?;
    let schema = reader.schema().clone();
    let batches = (0..reader.num_record_batches())
        .map(|i| {
            reader
                .get_batch(i)
                .map_err(|e| format!("Quiver get_batch({i}): {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stem = name.replace('/', "__");
    let mut outputs = Vec::new();
    for (codec_name, codec) in CODECS {
        for format in ["stream", "file"] {
            let label = format!("{format}/{codec_name}");
            let bytes = if format == "stream" {
                write_stream(&schema, &batches, codec)
            } else {
                write_file(&schema, &batches, codec)
            }
            .map_err(|e| format!("Quiver {label}: {e}"))?;
            let path = dir.join(format!("{stem}.{codec_name}.{format}"));
            std::fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
            outputs.push(json!({ "label": label, "path": path, "format": format }));
        }
    }
    Ok(outputs)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string())
}

#[test]
fn golden_files_rewritten_by_quiver_read_by_pyarrow() {
    const SUITE: &str = "pyarrow golden";
    let Some(root) = quiver_testkit::require_arrow_testing(SUITE) else {
        return;
    };
    let Some(files) = golden_files(&root) else {
        quiver_testkit::skip(
            SUITE,
            &format!(
                "{} not found",
                root.join("arrow-ipc-stream/integration").display()
            ),
        );
        return;
    };
    let Some(python) = quiver_testkit::require_python(SUITE) else {
        return;
    };
    assert!(!files.is_empty(), "no golden .arrow_file found");

    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut failures = Vec::new();
    let mut cases = Vec::new();
    for (name, path) in &files {
        let r = catch_unwind(AssertUnwindSafe(|| rewrite(name, path, dir.path())))
            .unwrap_or_else(|p| Err(format!("panicked: {}", panic_message(&*p))));
        match r {
            Ok(outputs) => {
                cases.push(json!({ "name": name, "original": path, "outputs": outputs }));
            }
            Err(e) => failures.push(format!("{name}: Quiver could not re-write it: {e}")),
        }
    }

    let manifest = dir.path().join("manifest.json");
    let results_path = dir.path().join("results.json");
    std::fs::write(
        &manifest,
        serde_json::to_vec(&json!({ "cases": cases })).unwrap(),
    )
    .expect("writing the manifest");
    let out = Command::new(&python)
        .arg(script())
        .arg(&manifest)
        .arg(&results_path)
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "golden_check.py exited with {}\n--- stderr ---\n{}--- stdout ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let results: BTreeMap<String, Value> =
        serde_json::from_slice(&std::fs::read(&results_path).expect("golden_check.py results"))
            .expect("results are JSON");

    let (mut passed, mut outputs_passed, mut skips) = (0, 0, Vec::new());
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let Some(r) = results.get(name) else {
            failures.push(format!("{name}: golden_check.py reported nothing"));
            continue;
        };
        outputs_passed += r["passed"].as_u64().unwrap_or(0);
        match r["status"].as_str() {
            Some("pass") => passed += 1,
            Some("skip") => skips.push(format!("{name}: {}", r["reason"].as_str().unwrap_or(""))),
            _ => {
                for f in r["failures"].as_array().into_iter().flatten() {
                    failures.push(f.as_str().unwrap_or("?").to_string());
                }
            }
        }
    }
    for s in &skips {
        println!("skipped {s}");
    }
    let line = format!(
        "pyarrow golden: {passed} cases x 6 outputs passed ({outputs_passed} outputs), {} skipped{}, {} failure(s), of {} golden files",
        skips.len(),
        if skips.is_empty() {
            String::new()
        } else {
            format!(" ({})", skips.join("; "))
        },
        failures.len(),
        files.len()
    );
    println!("{line}");
    eprintln!("{line}");
    assert!(
        failures.is_empty(),
        "{} pyarrow golden failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    quiver_testkit::expect_cases(SUITE, passed, 91);
}
