//! Tests of `quiver legacy decode` and `quiver legacy encode` on the golden vectors of
//! `shared/testdata/legacy` (`$QUIVER_LEGACY_TESTDATA`, else beside the workspace; a
//! loud skip without them, a failure under `CI=true`): every blob decodes to exactly its
//! expected value, every expected value encodes to a blob that decodes back to it, and
//! bad input fails cleanly (exit code 1, one `quiver: ` line; 2 for usage errors).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value as Json, json};

/// Number of golden cases.
const CASES: usize = 34;

fn quiver(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quiver"));
    cmd.args(args);
    quiver_testkit::output_with_stdin(cmd, stdin.map(<[u8]>::to_vec)).expect("running quiver")
}

fn describe(args: &[&str], out: &Output) -> String {
    format!(
        "`quiver {}` exited with {}\n--- stderr ---\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a command that must succeed with nothing on stderr; returns its stdout.
fn ok(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let out = quiver(args, stdin);
    assert!(out.status.success(), "{}", describe(args, &out));
    assert!(out.stderr.is_empty(), "{}", describe(args, &out));
    out.stdout
}

/// Runs a command that must fail with `code`, one `quiver: ` line on stderr and
/// nothing on stdout; returns the line.
fn fails(code: i32, args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = quiver(args, stdin);
    let what = describe(args, &out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}");
    assert_eq!(stderr.lines().count(), 1, "{what}");
    assert!(stderr.starts_with("quiver: "), "{what}");
    assert!(out.stdout.is_empty(), "{what}");
    stderr.trim_end().to_owned()
}

fn testdata(suite: &str) -> Option<PathBuf> {
    quiver_testkit::require_legacy_testdata(suite)
}

fn case_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("listing the golden folder")
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            n.strip_suffix(".expected.json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn expected(dir: &Path, name: &str) -> Json {
    let text = fs::read_to_string(dir.join(format!("{name}.expected.json"))).expect("reading");
    let doc: Json = serde_json::from_str(&text).expect("parsing expected.json");
    doc["value"].clone()
}

/// Canonical JSON in one spelling for comparison, as the library's golden tests compare
/// it: set items sorted, the strides of arrays without elements dropped (not
/// significant), integers in one number spelling. Float nodes keep `value` and `bits`.
fn normalize(j: &Json) -> Json {
    match j {
        Json::Object(m) => {
            let t = m.get("type").and_then(Json::as_str).unwrap_or("");
            let empty = matches!(t, "ndarray" | "arrow_tensor")
                && m["shape"]
                    .as_array()
                    .expect("a shape")
                    .iter()
                    .any(|d| d.as_u64() == Some(0));
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                if !(empty && k == "strides") {
                    out.insert(k.clone(), normalize(v));
                }
            }
            if t == "set" {
                let mut items = out["items"].as_array().expect("set items").clone();
                items.sort_by_key(|x| x.to_string());
                out.insert("items".into(), Json::Array(items));
            }
            Json::Object(out)
        }
        Json::Array(a) => Json::Array(a.iter().map(normalize).collect()),
        Json::Number(n) => n.as_i64().map_or_else(|| j.clone(), |i| json!(i)),
        other => other.clone(),
    }
}

/// Parses decode's output: exactly one line holding one JSON document.
fn parse_one_line(stdout: &[u8]) -> Json {
    let text = std::str::from_utf8(stdout).expect("UTF-8 output");
    assert!(text.ends_with('\n'), "no final newline");
    assert_eq!(text.lines().count(), 1, "not one line: {text}");
    serde_json::from_str(text).expect("one JSON document")
}

#[test]
fn decode_prints_every_golden_blob_as_its_expected_value() {
    let suite = "quiver legacy decode";
    let Some(dir) = testdata(suite) else { return };
    let mut ran = 0;
    for name in case_names(&dir) {
        ran += 1;
        let blob = dir.join(format!("{name}.bin"));
        let got = parse_one_line(&ok(&["legacy", "decode", path_str(&blob)], None));
        assert_eq!(normalize(&got), normalize(&expected(&dir, &name)), "{name}");
    }
    quiver_testkit::expect_cases(suite, ran, CASES);
}

#[test]
fn encode_writes_every_expected_value_as_a_blob_that_decodes_back() {
    let suite = "quiver legacy encode";
    let Some(dir) = testdata(suite) else { return };
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut ran = 0;
    for name in case_names(&dir) {
        ran += 1;
        let json = dir.join(format!("{name}.expected.json"));
        let out = tmp.path().join(format!("{name}.bin"));
        assert!(ok(&["legacy", "encode", path_str(&json), path_str(&out)], None).is_empty());
        let back = parse_one_line(&ok(&["legacy", "decode", path_str(&out)], None));
        assert_eq!(
            normalize(&back),
            normalize(&expected(&dir, &name)),
            "{name}"
        );
    }
    quiver_testkit::expect_cases(suite, ran, CASES);
}

#[test]
fn standard_input_and_output() {
    let Some(dir) = testdata("quiver legacy stdin") else {
        return;
    };
    let want = normalize(&expected(&dir, "mixed_everything"));
    let blob = fs::read(dir.join("mixed_everything.bin")).expect("reading");
    // decode -
    let got = parse_one_line(&ok(&["legacy", "decode", "-"], Some(&blob)));
    assert_eq!(normalize(&got), want);
    // decode --pretty: the same document, indented.
    let pretty = ok(&["legacy", "decode", "--pretty", "-"], Some(&blob));
    let text = String::from_utf8(pretty).expect("UTF-8");
    assert!(text.lines().count() > 10, "{text}");
    assert!(text.starts_with("{\n  \""), "{text}");
    let parsed: Json = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(normalize(&parsed), want);
    // encode - -: a bare node from stdin, the blob to a pipe.
    let node = serde_json::to_vec(&got).expect("JSON");
    let out = ok(&["legacy", "encode", "-", "-"], Some(&node));
    let value = quiver::deserialize(&quiver::Buffer::from_vec(out)).expect("a blob");
    let again = quiver::legacy::canonical::to_canonical(&value).expect("canonical");
    assert_eq!(normalize(&again), want);
}

#[test]
fn a_truncated_blob_fails_with_one_line() {
    let Some(dir) = testdata("quiver legacy truncated") else {
        return;
    };
    let blob = fs::read(dir.join("none.bin")).expect("reading");
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let cut = tmp.path().join("cut.bin");
    fs::write(&cut, &blob[..12]).expect("writing");
    let line = fails(1, &["legacy", "decode", path_str(&cut)], None);
    assert_eq!(
        line,
        format!(
            "quiver: cannot decode legacy blob '{}': legacy blob is truncated: the count \
             header at byte 12 needs 4 bytes, but only 0 remain (the blob was cut off, or is \
             not a pyarrow.serialize blob)",
            cut.display()
        )
    );
    let line = fails(1, &["legacy", "decode", "-"], Some(&blob[..100]));
    assert!(
        line.starts_with("quiver: cannot decode legacy blob from standard input: legacy blob"),
        "{line}"
    );
}

#[test]
fn missing_files_fail_with_one_line() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let missing = tmp.path().join("missing.bin");
    let out = tmp.path().join("out.bin");
    assert_eq!(
        fails(1, &["legacy", "decode", path_str(&missing)], None),
        format!(
            "quiver: cannot read legacy blob '{}': No such file or directory (os error 2)",
            missing.display()
        )
    );
    assert_eq!(
        fails(
            1,
            &["legacy", "encode", path_str(&missing), path_str(&out)],
            None
        ),
        format!(
            "quiver: cannot read canonical JSON '{}': No such file or directory (os error 2)",
            missing.display()
        )
    );
    assert!(!out.exists());
}

#[test]
fn bad_json_fails_with_one_line_naming_the_problem_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = tmp.path().join("out.bin");
    let cases: [(&[u8], &str); 4] = [
        (
            br#"{"type": "list", "items": [{"type": "none"}, {"type": "float", "value": "1.5"}]}"#,
            "quiver: cannot encode canonical JSON from standard input: canonical JSON at \
             $.items[1]: the \"float\" node needs \"bits\": 16 hex digits, got nothing",
        ),
        (
            br#"{"name": "x", "value": {"type": "dict", "items": [[{"type": "str", "value": "k"}]]}}"#,
            "quiver: cannot encode canonical JSON from standard input: canonical JSON at \
             $.value.items[0]: each \"dict\" item must be a [key, value] pair, got \
             [{\"type\":\"str\",\"value\":\"k\"}]",
        ),
        (
            br#"{"name": "no value here"}"#,
            "quiver: cannot encode canonical JSON from standard input: canonical JSON at $: \
             the node has no \"type\"",
        ),
        (
            b"{\"type\": \"none\"",
            "quiver: cannot read canonical JSON from standard input: EOF while parsing an \
             object at line 1 column 15",
        ),
    ];
    for (input, want) in cases {
        let line = fails(1, &["legacy", "encode", "-", path_str(&out)], Some(input));
        assert_eq!(line, want);
        assert!(!out.exists());
    }
    // No temporary file is left behind either.
    assert_eq!(fs::read_dir(tmp.path()).expect("listing").count(), 0);
}

#[test]
fn a_value_without_a_canonical_form_fails_to_decode_with_one_line() {
    let value = quiver::legacy::Value::from(vec![quiver::legacy::Value::Array(
        quiver::Array::from(vec![1i8, 2]),
    )]);
    let blob = quiver::serialize(&value).expect("serializing").to_buffer();
    assert_eq!(
        fails(1, &["legacy", "decode", "-"], Some(blob.as_slice())),
        "quiver: cannot print legacy blob from standard input as canonical JSON: canonical \
         JSON at $.items[0]: Arrow type int8 has no canonical form (the form covers int64, \
         double, string, bool, int32 or float)"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &["legacy"][..],
        &["legacy", "decode"],
        &["legacy", "encode", "value.json"],
        &["legacy", "decode", "a", "b"],
        &["legacy", "frobnicate"],
    ] {
        let out = quiver(args, None);
        assert_eq!(out.status.code(), Some(2), "{}", describe(args, &out));
    }
}

/// Binary output is never written to a terminal: standard output on a pseudo-terminal
/// is refused with exit code 2 before anything is read.
#[test]
fn encode_refuses_to_write_a_blob_to_a_terminal() {
    use std::os::fd::{FromRawFd, OwnedFd};

    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two file descriptors into the two integers; the name,
    // termios and window size pointers may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if rc != 0 {
        quiver_testkit::skip(
            "quiver legacy encode to a terminal",
            "no pseudo-terminal available (openpty failed)",
        );
        return;
    }
    // SAFETY: openpty succeeded, so both descriptors are open and owned by nobody else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let out = Command::new(env!("CARGO_BIN_EXE_quiver"))
        .args(["legacy", "encode", "-", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave))
        .stderr(Stdio::piped())
        .output()
        .expect("running quiver");
    drop(master);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "quiver: refusing to write a binary legacy blob to a terminal: redirect standard \
         output or give an output file name\n"
    );
}
