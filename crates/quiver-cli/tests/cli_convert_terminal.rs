//! Terminal behaviour and interrupts of the converting commands, under a pseudo-terminal
//! (`quiver_testkit::pty::Pty`): binary output to a terminal is refused (exit code 2);
//! the progress bar appears on a terminal's standard error for a large input and never on
//! a standard error that is not a terminal; SIGINT / SIGTERM during a conversion leave no
//! output and no temporary file, and exit with 128 + the signal.

#![cfg(unix)]

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use quiver::{Array, DataType, Field, RecordBatch, Schema};
use quiver_testkit::pty::Pty;

fn quiver() -> Command {
    Command::new(env!("CARGO_BIN_EXE_quiver"))
}

fn batch(rows: i64) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
    RecordBatch::try_new(schema, vec![Array::from((0..rows).collect::<Vec<_>>())]).unwrap()
}

fn write_file(path: &Path, batches: usize, rows: i64) {
    let b = batch(rows);
    let mut w = quiver::ipc::new_file(Vec::new(), b.schema()).unwrap();
    for _ in 0..batches {
        w.write(&b).unwrap();
    }
    fs::write(path, w.close().unwrap()).unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn binary_output_to_a_terminal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(&d.join("in.arrow"), 1, 10);
    let json = quiver_json_text(&batch(3));
    fs::write(d.join("in.json"), json).unwrap();
    for (args, what) in [
        (&["convert", "in.arrow", "-"][..], "Arrow IPC data"),
        (
            &["convert", "in.arrow", "-", "--to", "stream"],
            "Arrow IPC data",
        ),
        (&["file-to-stream", "in.arrow", "-"], "an Arrow IPC stream"),
        (&["stream-to-file", "in.arrow", "-"], "an Arrow IPC file"),
        (&["from-json", "in.json", "-"], "an Arrow IPC file"),
        (
            &["from-json", "in.json", "-", "--to", "stream"],
            "an Arrow IPC stream",
        ),
    ] {
        let pty = Pty::open(80, 24).unwrap();
        let stderr = d.join("stderr");
        let mut cmd = quiver();
        cmd.args(args)
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(pty.stdio().unwrap())
            .stderr(File::create(&stderr).unwrap());
        let run = pty.run(cmd, Duration::from_secs(60)).unwrap();
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert_eq!(run.output, b"", "{args:?} wrote to the terminal");
        assert_eq!(
            fs::read_to_string(&stderr).unwrap(),
            format!(
                "quiver: refusing to write {what} (binary) to a terminal: redirect standard \
                 output to a file or a pipe, or give an output path instead of '-'\n"
            ),
            "{args:?}"
        );
    }
    // JSON is text: it may go to a terminal.
    let pty = Pty::open(80, 24).unwrap();
    let mut cmd = quiver();
    cmd.args(["json", "in.arrow", "-"])
        .current_dir(d)
        .stdout(pty.stdio().unwrap())
        .stderr(Stdio::null());
    let run = pty.run(cmd, Duration::from_secs(60)).unwrap();
    assert!(run.status.success());
    assert!(
        run.text().starts_with("{\n  \"schema\": {"),
        "{}",
        run.text()
    );
}

fn quiver_json_text(b: &RecordBatch) -> String {
    quiver::json::write_json_file(b.schema(), std::slice::from_ref(b), None).unwrap()
}

#[test]
fn the_progress_bar_shows_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 50 batches of 128 Ki int64 rows: 50 MiB of column data.
    write_file(&d.join("big.arrow"), 50, 128 * 1024);
    let size = fs::metadata(d.join("big.arrow")).unwrap().len();
    assert!(size > 50 << 20, "{size}");

    let pty = Pty::open(100, 24).unwrap();
    let mut cmd = quiver();
    cmd.args(["convert", "big.arrow", "out.arrows", "--to", "stream"])
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(pty.stdio().unwrap());
    let run = pty.run(cmd, Duration::from_secs(120)).unwrap();
    assert!(run.status.success(), "{}", run.text());
    let text = run.text();
    assert!(
        text.contains("converting ["),
        "no progress bar on the terminal: {text:?}"
    );
    assert!(text.contains("MiB"), "{text:?}");
    assert!(!text.contains("quiver:"), "{text:?}");

    // Standard error not a terminal: nothing but the (empty) result.
    let out = quiver()
        .args(["convert", "big.arrow", "-", "--to", "stream"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stderr, b"");
    assert_eq!(
        out.stdout,
        fs::read(d.join("out.arrows")).unwrap(),
        "stdout holds only the stream"
    );
}

/// Starts `quiver convert - out.arrow` on a pipe that delivers a schema and one batch
/// and then stays open, waits for the temporary output to appear, sends `signal`, and
/// checks what is left.
fn interrupt(signal: libc::c_int, expected_code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let b = batch(1000);
    let mut w = quiver::ipc::new_stream(Vec::new(), b.schema()).unwrap();
    w.write(&b).unwrap();
    let stream = w.close().unwrap();
    fs::write(d.join("in.arrows"), &stream).unwrap();
    // Everything but the end-of-stream marker: the reader waits for more.
    let partial = &stream[..stream.len() - 8];

    let mut child = quiver()
        .args(["convert", "-", "out.arrow", "--to", "file"])
        .current_dir(d)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(partial).unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !names(d).iter().any(|n| n.starts_with(".out.arrow.quiver-")) {
        assert!(
            Instant::now() < deadline,
            "no temporary file appeared: {:?}",
            names(d)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill has no memory-safety preconditions; `pid` is our live child.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(out.status.code(), Some(expected_code));
    assert_eq!(out.stderr, b"");
    assert_eq!(names(d), ["in.arrows"]);
    assert_eq!(fs::read(d.join("in.arrows")).unwrap(), stream);
}

#[test]
fn sigint_leaves_no_output_and_no_temporary_file() {
    interrupt(libc::SIGINT, 130);
}

#[test]
fn sigterm_leaves_no_output_and_no_temporary_file() {
    interrupt(libc::SIGTERM, 143);
}
