//! Tests of the `quiver` binary: `file-to-stream` / `stream-to-file` round trips of
//! Quiver-written data and of the arrow-testing golden files, and clean failures (exit
//! code 1, one `quiver: ` line on stderr, no panic, no output file) on bad input.
//!
//! The golden files are found through `quiver_testkit` (`QUIVER_ARROW_TESTING`, else
//! `../shared/testdata/arrow-testing` beside the workspace); without them that test
//! skips loudly, which under `CI=true` is a failure. It must round-trip all 91 golden
//! files; one that fails as "not supported" fails the test unless it is listed in
//! [`UNSUPPORTED`], and a listed one that works fails it too.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use quiver::ipc::{FileReader, IpcError, IpcReadOptions, StreamReader};
use quiver::{Array, Buffer, DataType, Field, RecordBatch, Schema};

fn quiver_bin() -> &'static str {
    env!("CARGO_BIN_EXE_quiver")
}

/// Runs `quiver args…`, feeding `stdin` (if any) to its standard input.
fn run(args: &[&Path], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(quiver_bin());
    cmd.args(args);
    quiver_testkit::output_with_stdin(cmd, stdin.map(<[u8]>::to_vec)).expect("running quiver")
}

fn describe(args: &[&Path], out: &Output) -> String {
    let shown: Vec<_> = args.iter().map(|a| a.display().to_string()).collect();
    format!(
        "`quiver {}` exited with {}\n--- stderr ---\n{}",
        shown.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `quiver command input output` and expects success.
fn convert(command: &str, input: &Path, output: &Path) {
    let args = [Path::new(command), input, output];
    let out = run(&args, None);
    assert!(out.status.success(), "{}", describe(&args, &out));
    assert!(out.stderr.is_empty(), "{}", describe(&args, &out));
}

/// The failure contract: exit code 1, exactly one stderr line starting with `quiver: `,
/// no panic. Returns the line.
fn assert_clean_failure(args: &[&Path], out: &Output) -> String {
    let what = describe(args, out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "expected one stderr line\n{what}"
    );
    assert!(stderr.starts_with("quiver: "), "{what}");
    assert!(!stderr.contains("panicked"), "{what}");
    stderr.trim_end().to_owned()
}

/// Runs a conversion that must fail cleanly and leave no output (nor temporary file).
fn assert_fails(command: &str, input: &Path, dir: &Path) -> String {
    let output = dir.join(format!("{command}.out"));
    let args = [Path::new(command), input, &output];
    let out = run(&args, None);
    let line = assert_clean_failure(&args, &out);
    assert!(
        !output.exists(),
        "OUT was created\n{}",
        describe(&args, &out)
    );
    assert_no_temp_files(dir);
    line
}

fn assert_no_temp_files(dir: &Path) {
    let leftovers: Vec<_> = fs::read_dir(dir)
        .expect("listing the test directory")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".quiver-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn metadata(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Four batches (one of them empty, one with custom metadata) under a schema with
/// schema-level and field-level metadata.
fn sample_batches() -> Vec<RecordBatch> {
    let schema = Arc::new(
        Schema::new(vec![
            Field::new("n", DataType::Int64, false).with_metadata(metadata(&[("unit", "seconds")])),
            Field::new("s", DataType::Utf8, true),
            Field::new("b", DataType::Boolean, true),
        ])
        .with_metadata(metadata(&[("origin", "quiver-cli test"), ("version", "1")])),
    );
    let batch = |n: Vec<i64>, s: Vec<Option<&str>>, b: Vec<Option<bool>>| {
        RecordBatch::try_new(
            schema.clone(),
            vec![Array::from(n), Array::from(s), Array::from(b)],
        )
        .expect("a valid batch")
    };
    vec![
        batch(
            vec![1, 2, 3, 4],
            vec![Some("foo"), Some("bar"), Some("baz"), None],
            vec![Some(true), None, Some(false), Some(true)],
        ),
        batch(vec![], vec![], vec![]),
        batch(vec![5], vec![None], vec![None])
            .with_metadata(metadata(&[("batch", "third"), ("rows", "1")])),
        batch(
            (0..1000).collect(),
            (0..1000).map(|i| (i % 7 != 0).then_some("x")).collect(),
            (0..1000).map(|i| Some(i % 3 == 0)).collect(),
        ),
    ]
}

fn write_file(path: &Path, batches: &[RecordBatch]) {
    let mut writer = quiver::ipc::new_file(Vec::new(), batches[0].schema()).expect("a writer");
    for b in batches {
        writer.write_batch(b).expect("writing a batch");
    }
    fs::write(path, writer.close().expect("finishing the file")).expect("writing the file");
}

fn write_stream(path: &Path, batches: &[RecordBatch]) {
    let mut writer = quiver::ipc::new_stream(Vec::new(), batches[0].schema()).expect("a writer");
    for b in batches {
        writer.write_batch(b).expect("writing a batch");
    }
    fs::write(path, writer.close().expect("finishing the stream")).expect("writing the stream");
}

fn read_file(bytes: Vec<u8>) -> Result<(Arc<Schema>, Vec<RecordBatch>), IpcError> {
    read_file_with(bytes, IpcReadOptions::default())
}

fn read_file_with(bytes: Vec<u8>, options: IpcReadOptions) -> Result<Read, IpcError> {
    let reader = FileReader::try_new_with_options(Buffer::from_vec(bytes), options)?;
    let batches = reader.batches().collect::<Result<Vec<_>, _>>()?;
    Ok((reader.schema().clone(), batches))
}

fn read_stream_with(bytes: Vec<u8>, options: IpcReadOptions) -> Result<Read, IpcError> {
    let source = quiver::BufferReader::new(Buffer::from_vec(bytes));
    let reader = StreamReader::try_new_with_options(source, options)?;
    let schema = reader.schema().clone();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

fn read_stream(bytes: Vec<u8>) -> Result<(Arc<Schema>, Vec<RecordBatch>), IpcError> {
    let reader = quiver::ipc::open_stream(Buffer::from_vec(bytes))?;
    let schema = reader.schema().clone();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

/// Schemas equal with metadata, same batch count, batches equal one by one (including
/// their custom metadata). `Err` describes the first difference.
fn compare(
    expected: &(Arc<Schema>, Vec<RecordBatch>),
    actual: &(Arc<Schema>, Vec<RecordBatch>),
) -> Result<(), String> {
    if !expected.0.equals(&actual.0, true) {
        return Err(format!("schemas differ:\n{}\nvs\n{}", expected.0, actual.0));
    }
    if expected.1.len() != actual.1.len() {
        return Err(format!(
            "{} batches expected, {} read",
            expected.1.len(),
            actual.1.len()
        ));
    }
    for (i, (e, a)) in expected.1.iter().zip(&actual.1).enumerate() {
        if !e.equals(a) {
            return Err(format!("batch {i} differs"));
        }
        if e.metadata() != a.metadata() {
            return Err(format!(
                "batch {i} custom metadata differs: {:?} vs {:?}",
                e.metadata(),
                a.metadata()
            ));
        }
    }
    Ok(())
}

#[test]
fn quiver_file_round_trips_through_a_stream() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let batches = sample_batches();
    let input = dir.path().join("in.arrow");
    let stream = dir.path().join("mid.arrows");
    let output = dir.path().join("out.arrow");
    write_file(&input, &batches);

    convert("file-to-stream", &input, &stream);
    convert("stream-to-file", &stream, &output);

    let expected = (batches[0].schema().clone(), batches.clone());
    let via_stream = read_stream(fs::read(&stream).expect("the stream")).expect("reading it");
    compare(&expected, &via_stream).unwrap_or_else(|e| panic!("stream output: {e}"));
    let via_file = read_file(fs::read(&output).expect("the file")).expect("reading it");
    compare(&expected, &via_file).unwrap_or_else(|e| panic!("file output: {e}"));
    assert_eq!(via_file.1[1].num_rows(), 0);
    assert_eq!(via_file.1[2].metadata(), batches[2].metadata());
    assert_no_temp_files(dir.path());
}

#[test]
fn dash_means_stdin_and_stdout() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let batches = sample_batches();
    let input = dir.path().join("in.arrow");
    write_file(&input, &batches);
    let dash = Path::new("-");

    let args = [Path::new("file-to-stream"), dash, dash];
    let stream = run(&args, Some(&fs::read(&input).expect("the input")));
    assert!(stream.status.success(), "{}", describe(&args, &stream));

    let args = [Path::new("stream-to-file"), dash, dash];
    let file = run(&args, Some(&stream.stdout));
    assert!(file.status.success(), "{}", describe(&args, &file));

    let expected = (batches[0].schema().clone(), batches);
    compare(
        &expected,
        &read_stream(stream.stdout).expect("stdout stream"),
    )
    .unwrap_or_else(|e| panic!("stream on stdout: {e}"));
    compare(&expected, &read_file(file.stdout).expect("stdout file"))
        .unwrap_or_else(|e| panic!("file on stdout: {e}"));
}

#[test]
fn bad_inputs_fail_cleanly_without_output() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    let batches = sample_batches();
    let file = d.join("good.arrow");
    let stream = d.join("good.arrows");
    write_file(&file, &batches);
    write_stream(&stream, &batches);

    let file_bytes = fs::read(&file).expect("the file");
    let stream_bytes = fs::read(&stream).expect("the stream");
    let truncated_file = d.join("truncated.arrow");
    let truncated_stream = d.join("truncated.arrows");
    fs::write(&truncated_file, &file_bytes[..file_bytes.len() / 2]).expect("writing");
    fs::write(&truncated_stream, &stream_bytes[..stream_bytes.len() / 2]).expect("writing");

    // Deterministic noise, plus noise that starts like each format.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let garbage = d.join("garbage.bin");
    fs::write(&garbage, &noise).expect("writing");
    let garbage_file = d.join("garbage-file.arrow");
    fs::write(
        &garbage_file,
        [b"ARROW1\0\0".as_slice(), &noise, b"ARROW1"].concat(),
    )
    .expect("writing");
    let garbage_stream = d.join("garbage-stream.arrows");
    fs::write(
        &garbage_stream,
        [[0xFF, 0xFF, 0xFF, 0xFF, 0x40, 0, 0, 0].as_slice(), &noise].concat(),
    )
    .expect("writing");
    let empty = d.join("empty");
    fs::write(&empty, b"").expect("writing");
    let missing = d.join("missing.arrow");

    let mut lines = Vec::new();
    for input in [
        &truncated_file,
        &garbage,
        &garbage_file,
        &empty,
        &missing,
        &stream,
    ] {
        lines.push(assert_fails("file-to-stream", input, d));
    }
    for input in [
        &truncated_stream,
        &garbage,
        &garbage_stream,
        &empty,
        &missing,
        &file,
    ] {
        lines.push(assert_fails("stream-to-file", input, d));
    }
    for line in &lines {
        println!("{line}");
    }
    assert!(lines[4].contains("cannot read file"), "{}", lines[4]);
    // The other format gets one hint, naming the command that converts it.
    assert_eq!(
        lines[11].matches("use file-to-stream").count(),
        1,
        "{}",
        lines[11]
    );
    assert!(!lines[11].contains("open it as"), "{}", lines[11]);
    assert_eq!(
        lines[5].matches("use stream-to-file").count(),
        1,
        "{}",
        lines[5]
    );
    assert!(!lines[5].contains("open it as"), "{}", lines[5]);
}

#[test]
fn a_failed_conversion_leaves_an_existing_output_untouched() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let garbage = dir.path().join("garbage");
    fs::write(&garbage, b"not arrow at all, not at all").expect("writing");
    let output = dir.path().join("existing");
    fs::write(&output, b"precious").expect("writing");
    for command in ["file-to-stream", "stream-to-file"] {
        let args = [Path::new(command), &garbage, &output];
        assert_clean_failure(&args, &run(&args, None));
        assert_eq!(fs::read(&output).expect("still there"), b"precious");
    }
    assert_no_temp_files(dir.path());
}

#[test]
fn an_unwritable_output_fails_cleanly() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("in.arrow");
    write_file(&input, &sample_batches());
    let output = dir.path().join("no-such-dir").join("out.arrows");
    let args = [Path::new("file-to-stream"), &input, &output];
    let line = assert_clean_failure(&args, &run(&args, None));
    assert!(line.contains("cannot write stream"), "{line}");
}

#[test]
fn usage_errors_keep_clap_exit_code() {
    for args in [
        &["bogus"][..],
        &["file-to-stream"],
        &["stream-to-file", "a"],
    ] {
        let out = Command::new(quiver_bin())
            .args(args)
            .output()
            .expect("running quiver");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

/// Golden files (`producer/case`, without `.arrow_file`) that the CLI cannot convert
/// because the library does not support something: each fails cleanly with "not
/// supported". Empty: every golden file round-trips. An unsupported file missing from
/// this list fails the test, and so does a listed file that round-trips.
const UNSUPPORTED: &[&str] = &[];

/// A golden file `name` that failed as not supported, with the CLI's `line`: accepted
/// only if `listed` names it.
fn judge_unsupported(name: &str, listed: &[&str], line: &str) -> Result<String, String> {
    if listed.contains(&name) {
        Ok(format!("{name}: {line}"))
    } else {
        Err(format!(
            "{name}: not supported, and not listed in UNSUPPORTED: {line}"
        ))
    }
}

#[test]
fn an_unsupported_golden_file_fails_unless_listed() {
    let line = "quiver: cannot read file 'x.arrow_file': type LargeListView not supported";
    assert_eq!(
        judge_unsupported("cpp-21.0.0/generated_list_view", &[], line),
        Err(
            "cpp-21.0.0/generated_list_view: not supported, and not listed in UNSUPPORTED: \
             quiver: cannot read file 'x.arrow_file': type LargeListView not supported"
                .to_string()
        )
    );
    assert_eq!(
        judge_unsupported(
            "cpp-21.0.0/generated_list_view",
            &["cpp-21.0.0/generated_list_view"],
            line
        ),
        Ok(format!("cpp-21.0.0/generated_list_view: {line}"))
    );
}

#[test]
fn golden_files_round_trip_through_the_cli() {
    const SUITE: &str = "CLI golden round trip";
    let Some(testing) = quiver_testkit::require_arrow_testing(SUITE) else {
        return;
    };
    let root = testing.join("arrow-ipc-stream/integration");
    if !root.is_dir() {
        quiver_testkit::skip(SUITE, &format!("{} not found", root.display()));
        return;
    }
    let mut inputs = Vec::new();
    let mut versions: Vec<_> = fs::read_dir(&root)
        .expect("listing the golden folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    versions.sort();
    for version in versions {
        let mut files: Vec<_> = fs::read_dir(&version)
            .expect("listing a golden folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "arrow_file"))
            .collect();
        files.sort();
        inputs.extend(files);
    }
    assert!(
        !inputs.is_empty(),
        "no .arrow_file under {}",
        root.display()
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut passed, mut unsupported, mut failures) = (0, Vec::new(), Vec::new());
    for (i, input) in inputs.iter().enumerate() {
        let name = input
            .strip_prefix(&root)
            .unwrap_or(input)
            .with_extension("")
            .display()
            .to_string();
        let stream = dir.path().join(format!("{i}.arrows"));
        let output = dir.path().join(format!("{i}.arrow"));
        let bytes = fs::read(input).expect("reading a golden file");
        // Cases whose values break their types' ranges are refused by default and
        // converted with --no-value-range-checks.
        let out_of_range = quiver_testkit::golden_out_of_range(input);
        if out_of_range {
            let args = [Path::new("file-to-stream"), input.as_path(), &stream];
            let out = run(&args, None);
            let line = assert_clean_failure(&args, &out);
            if !(line.contains("which has more than") || line.contains("which is not a whole day"))
            {
                failures.push(format!(
                    "{name}: listed in GOLDEN_OUT_OF_RANGE, but the default conversion did not \
                     refuse it for a value range: {line}"
                ));
                continue;
            }
        }
        let options = IpcReadOptions::default().with_value_range_checks(!out_of_range);
        match read_file_with(bytes, options.clone()) {
            Ok(expected) => {
                let result = round_trip(input, &stream, &output, &options).and_then(|(s, f)| {
                    compare(&expected, &s)
                        .map_err(|e| Stop::Failed(format!("stream output: {e}")))?;
                    compare(&expected, &f).map_err(|e| Stop::Failed(format!("file output: {e}")))
                });
                match result {
                    Ok(()) if UNSUPPORTED.contains(&name.as_str()) => failures.push(format!(
                        "{name}: listed in UNSUPPORTED, but round-trips: remove it from the list"
                    )),
                    Ok(()) => passed += 1,
                    Err(Stop::Unsupported(line)) => {
                        match judge_unsupported(&name, UNSUPPORTED, &line) {
                            Ok(u) => unsupported.push(u),
                            Err(f) => failures.push(f),
                        }
                    }
                    Err(Stop::Failed(e)) => failures.push(format!("{name}: {e}")),
                }
            }
            Err(e) => {
                let args = [Path::new("file-to-stream"), input.as_path(), &stream];
                let out = run(&args, None);
                let line = assert_clean_failure(&args, &out);
                assert!(!stream.exists(), "OUT created for {name}");
                if matches!(e, IpcError::Unsupported { .. }) {
                    match judge_unsupported(&name, UNSUPPORTED, &line) {
                        Ok(u) => unsupported.push(u),
                        Err(f) => failures.push(f),
                    }
                } else {
                    failures.push(format!("{name}: the library cannot read it: {e}"));
                }
            }
        }
    }
    for u in &unsupported {
        println!("unsupported (listed) {u}");
    }
    for f in &failures {
        println!("FAIL    {f}");
    }
    println!(
        "golden CLI round trip: {} files, {passed} passed, {} listed as unsupported, {} failed",
        inputs.len(),
        unsupported.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} failure(s)", failures.len());
    quiver_testkit::expect_cases(SUITE, passed, 91);
}

type Read = (Arc<Schema>, Vec<RecordBatch>);

/// Why a golden round trip did not produce two outputs.
enum Stop {
    /// The CLI failed cleanly because the library does not support something.
    Unsupported(String),
    /// Anything else.
    Failed(String),
}

/// `input` -> file-to-stream -> `stream` -> stream-to-file -> `output`; both outputs read
/// back.
fn round_trip(
    input: &Path,
    stream: &Path,
    output: &Path,
    options: &IpcReadOptions,
) -> Result<(Read, Read), Stop> {
    let relax = Path::new("--no-value-range-checks");
    for (command, from, to) in [
        ("file-to-stream", input, stream),
        ("stream-to-file", stream, output),
    ] {
        let all = [Path::new(command), from, to, relax];
        let args = if options.value_range_checks() {
            &all[..3]
        } else {
            &all[..]
        };
        let out = run(args, None);
        if !out.status.success() {
            // Whatever the reason, the failure itself must be clean.
            let line = assert_clean_failure(args, &out);
            assert!(!to.exists(), "OUT created\n{}", describe(args, &out));
            return Err(if line.contains("not supported") {
                Stop::Unsupported(line)
            } else {
                Stop::Failed(describe(args, &out))
            });
        }
    }
    let read = |path: &Path, read: fn(Vec<u8>, IpcReadOptions) -> Result<Read, IpcError>| {
        let bytes = fs::read(path).map_err(|e| Stop::Failed(e.to_string()))?;
        read(bytes, options.clone())
            .map_err(|e| Stop::Failed(format!("reading {}: {e}", path.display())))
    };
    Ok((
        read(stream, read_stream_with)?,
        read(output, read_file_with)?,
    ))
}
