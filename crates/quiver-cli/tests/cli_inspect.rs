//! `quiver schema`, `quiver info [--json]` and `quiver validate [--full]`, run as a user
//! runs them: exact output on small inputs written here with the library, exact errors
//! (exit code 1, one `quiver: ` line) on a missing file, text, a truncated file, a
//! directory and damaged files, and all three commands on every golden file of
//! arrow-testing (found through `quiver_testkit`: `QUIVER_ARROW_TESTING`) and on files
//! pyarrow writes (`QUIVER_PYTHON`). Without those inputs the tests that need them skip
//! loudly, which under `CI=true` is a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use quiver::ipc::{CompressionCodec, IpcWriteOptions};
use quiver::{Array, DataType, Field, RecordBatch, Schema};

fn quiver_bin() -> &'static str {
    env!("CARGO_BIN_EXE_quiver")
}

/// Runs `quiver args…` with `stdin` (if any) on its standard input.
fn run(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut cmd = Command::new(quiver_bin());
    cmd.args(args);
    quiver_testkit::output_with_stdin(cmd, stdin).expect("running quiver")
}

fn shown(args: &[&str], out: &Output) -> String {
    format!(
        "`quiver {}` exited with {}\n--- stderr ---\n{}--- stdout ---\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
}

/// Success: exit 0, nothing on stderr; returns stdout.
fn ok(args: &[&str]) -> String {
    let out = run(args, None);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        shown(args, &out)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Failure: exit 1, nothing on stdout, one `quiver: ` line on stderr; returns it.
fn fails(args: &[&str], stdin: Option<Vec<u8>>) -> String {
    let out = run(args, stdin);
    let what = shown(args, &out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}");
    assert_eq!(stderr.lines().count(), 1, "{what}");
    assert!(
        stderr.starts_with("quiver: ") && stderr.ends_with('\n'),
        "{what}"
    );
    assert!(
        !stderr.contains("panicked") && out.stdout.is_empty(),
        "{what}"
    );
    stderr.trim_end().to_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

fn md(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A small schema with nesting, a dictionary, an extension type and metadata.
fn small_batch() -> RecordBatch {
    let tags = Array::list_from_lengths(
        Array::from(vec!["x", "y", "z"]),
        [Some(2), Some(0), Some(1)],
    )
    .expect("a list");
    let dict = Array::dictionary_from(
        Array::from(vec![0i8, 1, 0]),
        Array::from(vec!["lo", "hi"]),
        true,
    )
    .expect("a dictionary");
    let uuid = Array::from(vec![Some(7i64), None, Some(9)]);
    let schema = Schema::new(vec![
        Field::new("id", DataType::Int32, false).with_metadata(md(&[("unit", "none")])),
        Field::new("tags", tags.data_type().clone(), true),
        Field::new("level", dict.data_type().clone(), true),
        Field::new("my id", DataType::Int64, true).with_extension("example.id", "v1"),
    ])
    .with_metadata(md(&[("origin", "cli_inspect")]));
    RecordBatch::try_new(
        Arc::new(schema),
        vec![Array::from(vec![1i32, 2, 3]), tags, dict, uuid],
    )
    .expect("a batch")
}

fn write_file(path: &Path, batches: &[RecordBatch], options: IpcWriteOptions) {
    let mut w = quiver::ipc::new_file_with_options(Vec::new(), batches[0].schema(), options)
        .expect("a writer");
    for b in batches {
        w.write_batch(b).expect("writing");
    }
    fs::write(path, w.close().expect("closing")).expect("saving");
}

fn write_stream(path: &Path, batches: &[RecordBatch], options: IpcWriteOptions) {
    let mut w = quiver::ipc::new_stream_with_options(Vec::new(), batches[0].schema(), options)
        .expect("a writer");
    for b in batches {
        w.write_batch(b).expect("writing");
    }
    fs::write(path, w.close().expect("closing")).expect("saving");
}

#[test]
fn schema_prints_types_nesting_dictionaries_extensions_and_metadata() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("small.arrow");
    let stream = dir.path().join("small.arrows");
    write_file(&file, &[small_batch()], IpcWriteOptions::default());
    write_stream(&stream, &[small_batch()], IpcWriteOptions::default());
    let expected = "\
id: int32 not null
  metadata:
    \"unit\": \"none\"
tags: list<item: string>
  item: string
level: dictionary<values=string, indices=int8, ordered=1>
  dictionary: id 0, index type int8, ordered, values string
\"my id\": int64
  extension: \"example.id\", storage int64, metadata \"v1\"
schema metadata:
  \"origin\": \"cli_inspect\"
";
    assert_eq!(ok(&["schema", path_str(&file)]), expected);
    assert_eq!(ok(&["schema", path_str(&stream)]), expected);
    let out = run(&["schema", "-"], Some(fs::read(&stream).expect("reading")));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        expected,
        "{}",
        shown(&["schema", "-"], &out)
    );
    let out = run(&["schema", "-"], Some(fs::read(&file).expect("reading")));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        expected,
        "{}",
        shown(&["schema", "-"], &out)
    );
}

#[test]
fn info_prints_a_report_of_a_small_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("small.arrow");
    write_file(
        &file,
        &[small_batch(), small_batch()],
        IpcWriteOptions::default(),
    );
    let size = fs::metadata(&file).expect("stat").len();
    // Bytes per batch: id 3 x 4; tags offsets 4 x 4 + child offsets 4 x 4 + "xyz";
    // level indices 3 + dictionary offsets 3 x 4 + "lohi"; my id 3 x 8 + a bitmap byte.
    let expected = format!(
        "\
format: Arrow IPC file
metadata version: V5
endianness: little
file size: {size} bytes
batches: 2
rows: 6
compression: none
columns:
  name     type                                                nulls  bytes
  id       int32 not null                                          0     24
  tags     list<item: string>                                      0     70
  level    dictionary<values=string, indices=int8, ordered=1>      0     38
  \"my id\"  int64                                                   2     50
dictionaries:
  id 0 (level): 1 dictionary batch, 0 deltas, 0 replacements
footer metadata: none
"
    );
    assert_eq!(ok(&["info", path_str(&file)]), expected);
}

#[test]
fn info_json_reports_compression_and_dictionary_deltas() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let stream = dir.path().join("deltas.arrows");
    let dict = |keys: Vec<i32>, values: Vec<&str>| {
        let a =
            Array::dictionary_from(Array::from(keys), Array::from(values), false).expect("dict");
        RecordBatch::try_from_columns(vec![a, Array::from(vec![Some(1.5f64), None])], &["d", "x"])
            .expect("a batch")
    };
    // The second dictionary extends the first (a delta); the third does not (a
    // replacement, which only streams allow).
    let batches = [
        dict(vec![0, 1], vec!["a", "b"]),
        dict(vec![2, 0], vec!["a", "b", "c"]),
        dict(vec![0, 0], vec!["z"]),
    ];
    let options = IpcWriteOptions::default()
        .with_compression(CompressionCodec::Zstd, None)
        .with_emit_dictionary_deltas(true);
    write_stream(&stream, &batches, options);
    let text = ok(&["info", "--json", path_str(&stream)]);
    assert_eq!(text.lines().count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(v["format"], "stream");
    assert_eq!(v["metadata_version"], "V5");
    assert_eq!(v["endianness"], "little");
    assert_eq!(v["file_size"], fs::metadata(&stream).expect("stat").len());
    assert_eq!(
        (v["num_batches"].as_u64(), v["num_rows"].as_u64()),
        (Some(3), Some(6))
    );
    assert_eq!(v["compression"], "zstd");
    assert_eq!(v["message_compression"], serde_json::json!({"zstd": 6}));
    assert_eq!(
        v["dictionaries"],
        serde_json::json!([{"id": 0, "fields": ["d"], "batches": 3, "deltas": 1, "replacements": 1}])
    );
    assert_eq!(v["columns"][1]["name"], "x");
    assert_eq!(v["columns"][1]["type"], "double");
    assert_eq!(v["columns"][1]["null_count"], 3);
    assert_eq!(v["footer_metadata"], serde_json::Value::Null);

    // A file with LZ4 and footer metadata, read from standard input: no file size.
    let file = dir.path().join("lz4.arrow");
    let options = IpcWriteOptions::default().with_compression(CompressionCodec::Lz4Frame, None);
    write_file(
        &file,
        &batches[..2],
        options.with_emit_dictionary_deltas(true),
    );
    let out = run(
        &["info", "--json", "-"],
        Some(fs::read(&file).expect("reading")),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        (v["format"].as_str(), v["compression"].as_str()),
        (Some("file"), Some("lz4"))
    );
    assert_eq!(v["file_size"], serde_json::Value::Null);
    assert_eq!(v["dictionaries"][0]["deltas"], 1);
    assert_eq!(v["footer_metadata"], serde_json::json!([]));
}

#[test]
fn validate_says_ok_with_counts_and_level() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("small.arrow");
    let stream = dir.path().join("small.arrows");
    write_file(
        &file,
        &[small_batch(), small_batch()],
        IpcWriteOptions::default(),
    );
    write_stream(&stream, &[small_batch()], IpcWriteOptions::default());
    let f = path_str(&file);
    let s = path_str(&stream);
    assert_eq!(
        ok(&["validate", f]),
        "OK: 2 batches, 6 rows (default validation)\n"
    );
    assert_eq!(
        ok(&["validate", "--full", f]),
        "OK: 2 batches, 6 rows (full validation)\n"
    );
    assert_eq!(
        ok(&["validate", s]),
        "OK: 1 batch, 3 rows (default validation)\n"
    );
    assert_eq!(
        ok(&["--no-value-range-checks", "validate", "--full", s]),
        "OK: 1 batch, 3 rows (full validation, value range checks off)\n"
    );
}

#[test]
fn bad_inputs_fail_with_one_exact_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d: &'static str = Box::leak(path_str(dir.path()).to_owned().into_boxed_str());
    let missing: &'static str = Box::leak(format!("{d}/missing.arrow").into_boxed_str());
    let text: &'static str = Box::leak(format!("{d}/table.csv").into_boxed_str());
    fs::write(text, "id,name\n1,ann\n").expect("writing");
    let file = dir.path().join("small.arrow");
    write_file(&file, &[small_batch()], IpcWriteOptions::default());
    let bytes = fs::read(&file).expect("reading");
    let truncated: &'static str = Box::leak(format!("{d}/truncated.arrow").into_boxed_str());
    fs::write(truncated, &bytes[..bytes.len() / 2]).expect("writing");
    let n = bytes.len() / 2;
    let not_stream = "invalid Arrow IPC data at message 0, byte 0: not an Arrow IPC stream: its \
                      first 4 bytes (69 64 2c 6e) are neither the continuation marker (ff ff ff ff) \
                      nor a plausible metadata length";
    let cut = format!(
        "unexpected end of input at byte {n}: the file starts with the ARROW1 magic but does \
         not end with it: it is truncated (cut off, or its writer never finished it)"
    );
    for command in ["schema", "info"] {
        assert_eq!(
            fails(&[command, missing], None),
            format!("quiver: cannot read '{missing}': No such file or directory (os error 2)")
        );
        assert_eq!(
            fails(&[command, text], None),
            format!("quiver: cannot read '{text}': {not_stream}")
        );
        assert_eq!(
            fails(&[command, truncated], None),
            format!("quiver: cannot read '{truncated}': {cut}")
        );
        assert_eq!(
            fails(&[command, d], None),
            format!(
                "quiver: cannot read '{d}': it is a directory; give an Arrow IPC file or stream"
            )
        );
        assert_eq!(
            fails(&[command, "-"], Some(b"id,name\n".to_vec())),
            format!("quiver: cannot read standard input: {not_stream}")
        );
    }
    for level in ["default", "full"] {
        let mut args = vec!["validate"];
        if level == "full" {
            args.push("--full");
        }
        let with = |path: &'static str| [args.as_slice(), &[path]].concat();
        assert_eq!(
            fails(&with(missing), None),
            format!("quiver: cannot read '{missing}': No such file or directory (os error 2)")
        );
        assert_eq!(
            fails(&with(text), None),
            format!("quiver: '{text}' failed {level} validation: {not_stream}")
        );
        assert_eq!(
            fails(&with(truncated), None),
            format!("quiver: '{truncated}' failed {level} validation: {cut}")
        );
        assert_eq!(
            fails(&with(d), None),
            format!(
                "quiver: cannot read '{d}': it is a directory; give an Arrow IPC file or stream"
            )
        );
    }
}

#[test]
fn validate_refuses_damaged_files_on_one_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("small.arrow");
    write_file(&file, &[small_batch()], IpcWriteOptions::default());
    let good = fs::read(&file).expect("reading");
    // Flip each byte of the footer length in turn and a byte of the first batch's
    // metadata: every one is caught, each with one line.
    let flips = [
        good.len() - 10,
        good.len() - 9,
        good.len() - 8,
        good.len() - 7,
    ];
    for at in flips {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        let path = dir.path().join(format!("flip{at}.arrow"));
        fs::write(&path, &bad).expect("writing");
        let p = path_str(&path);
        let line = fails(&["validate", p], None);
        assert!(
            line.starts_with(&format!("quiver: '{p}' failed default validation: ")),
            "{line}"
        );
    }
    // Two streams one after the other read as the first; only --full sees the rest.
    let stream = dir.path().join("small.arrows");
    write_stream(&stream, &[small_batch()], IpcWriteOptions::default());
    let one = fs::read(&stream).expect("reading");
    let twice = [one.clone(), one.clone()].concat();
    assert_eq!(
        String::from_utf8_lossy(&run(&["validate", "-"], Some(twice.clone())).stdout),
        "OK: 1 batch, 3 rows (default validation)\n"
    );
    assert_eq!(
        fails(&["validate", "--full", "-"], Some(twice)),
        format!(
            "quiver: standard input failed full validation: {} bytes follow the end-of-stream \
             marker (a stream ends at its marker; is this two streams one after the other?)",
            one.len()
        )
    );
}

#[test]
fn help_says_what_the_sizes_fields_and_levels_mean() {
    let info = ok(&["info", "--help"]);
    for needle in [
        "The byte size is the sum, over all batches, of the sizes of the buffers",
        "message_compression  {codec: number of record and dictionary batch messages}",
        "dictionaries         [{id, fields, batches, deltas, replacements}]",
        "quiver info --json data.arrows",
    ] {
        assert!(info.contains(needle), "{needle:?} missing from:\n{info}");
    }
    let validate = ok(&["validate", "--help"]);
    for needle in [
        "default validation: the checks every read makes",
        "full validation (--full) adds",
    ] {
        assert!(
            validate.contains(needle),
            "{needle:?} missing from:\n{validate}"
        );
    }
    assert!(ok(&["schema", "--help"]).contains("quiver schema data.arrow"));
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &["info"][..],
        &["schema"],
        &["validate", "a", "b"],
        &["info", "--bogus", "x"],
    ] {
        let out = run(args, None);
        assert_eq!(out.status.code(), Some(2), "{}", shown(args, &out));
    }
}

/// Golden files, sorted: every `.arrow_file` and `.stream` under the integration folder.
fn golden_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for producer in fs::read_dir(root)
        .expect("listing the golden folder")
        .flatten()
    {
        for entry in fs::read_dir(producer.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = entry.path();
            if p.extension()
                .is_some_and(|e| e == "arrow_file" || e == "stream")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// Runs every command on `path`; `extra` goes before the subcommand.
fn inspect_all(path: &str, extra: &[&str]) -> Result<(), String> {
    let commands: [&[&str]; 5] = [
        &["schema"],
        &["info"],
        &["info", "--json"],
        &["validate"],
        &["validate", "--full"],
    ];
    for command in commands {
        let args = [extra, command, &[path]].concat();
        let out = run(&args, None);
        if !out.status.success() || !out.stderr.is_empty() || out.stdout.is_empty() {
            return Err(shown(&args, &out));
        }
        if command == ["info", "--json"] {
            serde_json::from_slice::<serde_json::Value>(&out.stdout)
                .map_err(|e| format!("{e}: {}", shown(&args, &out)))?;
        }
    }
    Ok(())
}

#[test]
fn every_golden_file_is_inspected_and_valid() {
    const SUITE: &str = "cli inspect golden";
    let Some(testing) = quiver_testkit::require_arrow_testing(SUITE) else {
        return;
    };
    let files = golden_files(&testing.join("arrow-ipc-stream/integration"));
    let mut failures = Vec::new();
    for file in &files {
        let p = path_str(file);
        let result = if quiver_testkit::golden_out_of_range(file) {
            // Refused by default for a value range, read with the checks off.
            let out = run(&["validate", p], None);
            let line = String::from_utf8_lossy(&out.stderr);
            if out.status.code() != Some(1)
                || !(line.contains("which has more than")
                    || line.contains("which is not a whole day"))
            {
                Err(format!(
                    "expected a value range refusal: {}",
                    shown(&["validate", p], &out)
                ))
            } else {
                inspect_all(p, &["--no-value-range-checks"])
            }
        } else {
            inspect_all(p, &[])
        };
        if let Err(e) = result {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    quiver_testkit::expect_cases(SUITE, files.len(), 182);
}

/// Writes the pyarrow cases into `dir`, one line per file: `name format codec`.
const PYARROW_WRITER: &str = r#"
import sys, pyarrow as pa, pyarrow.ipc as ipc
out = sys.argv[1]
n = 9
table = pa.table({
    "i": pa.array([i if i % 4 else None for i in range(n)], pa.int64()),
    "s": pa.array([f"s{i}" for i in range(n)]),
    "d": pa.array(["lo", "hi", "lo"] * 3).dictionary_encode(),
    "l": pa.array([[i, i + 1] for i in range(n)], pa.list_(pa.int32())),
    "st": pa.array([{"a": i, "b": str(i)} for i in range(n)]),
    "m": pa.array([[("k", i)] for i in range(n)], pa.map_(pa.string(), pa.int64())),
}, metadata={"origin": "pyarrow"})
for codec in [None, "lz4", "zstd"]:
    for fmt in ["file", "stream"]:
        name = f"{out}/py_{codec or 'none'}.{fmt}"
        opts = ipc.IpcWriteOptions(compression=codec, emit_dictionary_deltas=True)
        sink = pa.OSFile(name, "wb")
        w = (ipc.new_file if fmt == "file" else ipc.new_stream)(sink, table.schema, options=opts)
        for b in table.to_batches(max_chunksize=3):
            w.write_batch(b)
        w.close()
        sink.close()
        print(name, fmt, codec or "none")
"#;

#[test]
fn pyarrow_files_are_inspected_and_valid() {
    const SUITE: &str = "cli inspect pyarrow";
    let Some(python) = quiver_testkit::require_python(SUITE) else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(&python)
        .args(["-c", PYARROW_WRITER, path_str(dir.path())])
        .output()
        .expect("running python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8(out.stdout).expect("UTF-8");
    let mut cases = 0;
    for line in listing.lines() {
        let [path, format, codec] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("unexpected line {line:?}");
        };
        inspect_all(path, &[]).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value =
            serde_json::from_str(&ok(&["info", "--json", path])).expect("JSON");
        assert_eq!(
            (v["format"].as_str(), v["compression"].as_str()),
            (Some(format), Some(codec)),
            "{path}"
        );
        assert_eq!(
            (v["num_batches"].as_u64(), v["num_rows"].as_u64()),
            (Some(3), Some(9)),
            "{path}"
        );
        assert_eq!(v["columns"][0]["null_count"], 3, "{path}");
        assert_eq!(
            v["dictionaries"][0]["fields"],
            serde_json::json!(["d"]),
            "{path}"
        );
        assert_eq!(
            ok(&["validate", "--full", path]),
            "OK: 3 batches, 9 rows (full validation)\n"
        );
        assert!(
            ok(&["schema", path]).ends_with("schema metadata:\n  \"origin\": \"pyarrow\"\n"),
            "{path}"
        );
        cases += 1;
    }
    quiver_testkit::expect_cases(SUITE, cases, 6);
}
