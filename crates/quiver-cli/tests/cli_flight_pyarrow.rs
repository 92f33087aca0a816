//! pyarrow.flight on either side of Quiver's Flight code, over loopback:
//!
//! - pyarrow.flight's client against `quiver flight serve`, serving every golden file of
//!   arrow-testing (all 91 cases, as IPC file and as IPC stream: 182 flights):
//!   `list_flights`, `get_flight_info`, `get_schema`, and `do_get` of each, equal to
//!   pyarrow's own reading of the file (schema and field metadata included); `do_put`
//!   of a pyarrow table of many types, which pyarrow reads back from the served
//!   directory equal; and with `--token`, calls without it or with a wrong one refused
//!   as unauthenticated.
//! - Quiver's client (`quiver flight list/get/put`) against a pyarrow.flight server
//!   (`tests/python/flight_check.py serve`): the listing, a download equal to the file
//!   served, and an upload that the server stores and Quiver reads back equal.
//!
//! pyarrow comes from `QUIVER_PYTHON` and the golden files from `QUIVER_ARROW_TESTING`
//! (both set by `cargo xtask test`); without them the tests skip loudly, which under
//! `CI=true` is a failure. Every child process is killed when its guard drops, and every
//! wait is bounded.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use quiver::ipc::{FileReader, FileWriter};
use quiver::{Array, RecordBatch, memory_map};

const SUITE: &str = "pyarrow.flight interop";

/// Golden cases served as IPC file and as IPC stream.
const GOLDEN_CASES: usize = 91;

fn quiver_bin() -> &'static str {
    env!("CARGO_BIN_EXE_quiver")
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/flight_check.py")
}

/// A child process, killed and reaped when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads the child's first stdout line (`listening on grpc://HOST:PORT`) within 60 s
/// and returns the URL; the rest of stdout is drained in the background.
fn first_line_url(stdout: ChildStdout, what: &str) -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what} printed no first line within 60 s"));
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{what}'s first line is {line:?}"));
    url.to_string()
}

fn serve(dir: &Path, extra: &[&str]) -> (Guard, String) {
    let mut child = Command::new(quiver_bin())
        .arg("--no-value-range-checks")
        .args(["flight", "serve"])
        .arg(dir)
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start quiver flight serve");
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let url = first_line_url(stdout, "quiver flight serve");
    assert!(url.starts_with("grpc://127.0.0.1:"), "{url}");
    (guard, url)
}

/// Runs `python flight_check.py args…` with a bound of 300 s; panics with its output
/// on failure.
fn run_python(python: &Path, args: &[&std::ffi::OsStr]) {
    let mut child = Command::new(python)
        .arg(script())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    let (tx, rx) = mpsc::channel();
    let mut stderr = child.stderr.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let (mut out, mut err) = (String::new(), String::new());
        let _ = stdout.read_to_string(&mut out);
        let _ = stderr.read_to_string(&mut err);
        let _ = tx.send((out, err));
    });
    let mut guard = Guard(child);
    let (out, err) = rx
        .recv_timeout(Duration::from_secs(300))
        .expect("flight_check.py ran for more than 300 s");
    let status = guard.0.wait().unwrap();
    assert!(
        status.success(),
        "flight_check.py {args:?} failed ({status})\n--- stderr ---\n{err}\n--- stdout ---\n{out}"
    );
}

/// Every golden file (IPC file and IPC stream) linked into `dir` under a flat name;
/// returns the manifest entries (name, original path).
fn golden_dir(root: &Path, dir: &Path) -> Vec<(String, PathBuf)> {
    let base = root.join("arrow-ipc-stream/integration");
    let mut out = Vec::new();
    for producer in std::fs::read_dir(&base).unwrap().flatten() {
        let pname = producer.file_name().to_string_lossy().into_owned();
        for entry in std::fs::read_dir(producer.path()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with("generated_")
                || !(name.ends_with(".arrow_file") || name.ends_with(".stream"))
            {
                continue;
            }
            let served = format!("{pname}__{name}");
            std::fs::copy(entry.path(), dir.join(&served)).unwrap();
            out.push((served, entry.path()));
        }
    }
    out.sort();
    out
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn pyarrow_flight_client_against_quiver_flight_serve() {
    let Some(python) = quiver_testkit::require_python(SUITE) else {
        return;
    };
    let Some(root) = quiver_testkit::require_arrow_testing(SUITE) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir(&served).unwrap();
    let manifest = golden_dir(&root, &served);
    assert_eq!(manifest.len(), 2 * GOLDEN_CASES);
    let manifest_path = tmp.path().join("manifest.json");
    let entries: Vec<serde_json::Value> = manifest
        .iter()
        .map(|(name, path)| serde_json::json!({"name": name, "path": path}))
        .collect();
    std::fs::write(&manifest_path, serde_json::to_string(&entries).unwrap()).unwrap();

    let (_server, url) = serve(&served, &[]);
    let out = tmp.path().join("summary.json");
    run_python(
        &python,
        &[
            "client".as_ref(),
            url.as_ref(),
            manifest_path.as_os_str(),
            out.as_os_str(),
            "--put-dir".as_ref(),
            served.as_os_str(),
        ],
    );
    let s = summary(&out);
    assert_eq!(
        s["skipped"],
        serde_json::json!([]),
        "pyarrow could not read some golden files"
    );
    let checked = s["checked"].as_u64().unwrap() as usize;
    quiver_testkit::expect_cases(SUITE, checked, 2 * GOLDEN_CASES);
    assert_eq!(s["put"], true);
    // The upload is an IPC file that Quiver reads too.
    let reader =
        FileReader::try_new(memory_map(served.join("from_pyarrow.arrow")).unwrap()).unwrap();
    assert_eq!(reader.read_all().unwrap().num_rows(), 1000);
}

#[test]
fn a_token_protected_server_refuses_pyarrow_without_the_token() {
    let Some(python) = quiver_testkit::require_python(SUITE) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir(&served).unwrap();
    let batch = sample();
    write_file(&served.join("one.arrow"), &batch);
    let manifest_path = tmp.path().join("manifest.json");
    let manifest = serde_json::json!([{"name": "one.arrow", "path": served.join("one.arrow")}]);
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();

    let (_server, url) = serve(&served, &["--token", "s3cret-token"]);
    let out = tmp.path().join("summary.json");
    run_python(
        &python,
        &[
            "client".as_ref(),
            url.as_ref(),
            manifest_path.as_os_str(),
            out.as_os_str(),
            "--token".as_ref(),
            "s3cret-token".as_ref(),
        ],
    );
    let s = summary(&out);
    assert_eq!(s["checked"], 1);
    // list_flights and do_get, each without a token and with a wrong one.
    assert_eq!(s["unauthenticated"], 4);
}

fn sample() -> RecordBatch {
    let dict = Array::dictionary_from(
        Array::from(vec![0i32, 1, 0, 2, 1]),
        Array::from(vec!["red", "green", "blue"]),
        false,
    )
    .unwrap();
    RecordBatch::try_from_columns(
        vec![
            Array::from(vec![Some(1i64), None, Some(3), Some(4), Some(5)]),
            Array::from(vec![Some("a"), Some("bb"), None, Some("dddd"), Some("")]),
            dict,
        ],
        &["n", "s", "d"],
    )
    .unwrap()
}

fn write_file(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = FileWriter::try_new(file, batch.schema()).unwrap();
    w.write(batch).unwrap();
    w.write(batch).unwrap();
    w.finish().unwrap();
}

fn read_file(path: &Path) -> Vec<RecordBatch> {
    FileReader::try_new(memory_map(path).unwrap())
        .unwrap()
        .read_all()
        .unwrap()
        .batches()
        .to_vec()
}

fn quiver(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(quiver_bin())
        .args(args)
        .output()
        .expect("run quiver");
    assert!(
        out.status.success(),
        "quiver {args:?} failed ({})\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn quiver_flight_client_against_a_pyarrow_flight_server() {
    let Some(python) = quiver_testkit::require_python(SUITE) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir(&served).unwrap();
    let batch = sample();
    write_file(&served.join("one.arrow"), &batch);

    let mut child = Command::new(&python)
        .arg(script())
        .arg("serve")
        .arg(&served)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the pyarrow.flight server");
    let stdout = child.stdout.take().unwrap();
    let _server = Guard(child);
    let url = first_line_url(stdout, "the pyarrow.flight server");

    let listing = quiver(&["flight".as_ref(), "list".as_ref(), url.as_ref()]);
    assert!(listing.contains("one.arrow"), "{listing}");
    assert!(
        listing.contains("10"),
        "the row count is missing: {listing}"
    );

    let got = tmp.path().join("got.arrow");
    quiver(&[
        "flight".as_ref(),
        "get".as_ref(),
        url.as_ref(),
        "one.arrow".as_ref(),
        got.as_os_str(),
    ]);
    let back = read_file(&got);
    let rows: usize = back.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, 10);
    // pyarrow's server sends the table it read from our file: the same two batches.
    let expected = read_file(&served.join("one.arrow"));
    assert_eq!(back.len(), expected.len());
    assert!(
        back.iter().zip(&expected).all(|(a, b)| a.equals(b)),
        "the download differs from the served file"
    );

    let up = tmp.path().join("up.arrow");
    write_file(&up, &batch);
    let answer = quiver(&[
        "flight".as_ref(),
        "put".as_ref(),
        url.as_ref(),
        up.as_os_str(),
        "uploaded.arrow".as_ref(),
    ]);
    assert!(
        answer.contains("pyarrow stored 10 rows in uploaded.arrow"),
        "{answer}"
    );
    let stored = read_file(&served.join("uploaded.arrow"));
    let rows: usize = stored.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, 10);
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|b| b.equals(&batch)));
}
