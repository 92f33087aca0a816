//! `quiver convert`, and what `file-to-stream` / `stream-to-file` share with it: the
//! output format and compression (kept by default, checked in the output's message
//! metadata), `--columns`, `--batch-size`, the same-file guard (the input left byte for
//! byte), and exact one-line errors with their exit codes. Terminal behaviour and
//! interrupts are in `cli_convert_terminal.rs`.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use quiver::ipc::{CompressionCodec, FileReader, IpcWriteOptions, StreamReader};
use quiver::{Array, Buffer, BufferReader, DataType, Field, RecordBatch, Schema};

fn quiver(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quiver"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running quiver")
}

fn ok(args: &[&str], dir: &Path) {
    let out = quiver(args, dir);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "quiver {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a command that must fail with `code` and exactly the one line `expected`.
fn fails(args: &[&str], dir: &Path, code: i32, expected: &str) {
    let out = quiver(args, dir);
    assert_eq!(out.status.code(), Some(code), "quiver {args:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{expected}\n"),
        "quiver {args:?}"
    );
    assert!(out.stdout.is_empty(), "quiver {args:?} wrote to stdout");
}

fn batches() -> Vec<RecordBatch> {
    let schema = Arc::new(
        Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("s", DataType::Utf8, true),
            Field::new("b", DataType::Boolean, true),
        ])
        .with_metadata(vec![("origin".into(), "cli_convert".into())]),
    );
    let batch = |range: std::ops::Range<i64>| {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Array::from(range.clone().collect::<Vec<_>>()),
                Array::from(
                    range
                        .clone()
                        .map(|i| (i % 3 != 0).then_some("x"))
                        .collect::<Vec<_>>(),
                ),
                Array::from(range.map(|i| Some(i % 2 == 0)).collect::<Vec<_>>()),
            ],
        )
        .expect("a batch")
    };
    vec![batch(0..1000), batch(1000..1003), batch(1003..1500)]
}

fn write(path: &Path, stream: bool, codec: Option<CompressionCodec>) {
    let options = IpcWriteOptions::default().with_compression(codec, None);
    let batches = batches();
    let bytes = if stream {
        let mut w = quiver::ipc::new_stream_with_options(Vec::new(), batches[0].schema(), options)
            .expect("a writer");
        batches.iter().for_each(|b| w.write(b).expect("a batch"));
        w.close().expect("closing")
    } else {
        let mut w = quiver::ipc::new_file_with_options(Vec::new(), batches[0].schema(), options)
            .expect("a writer");
        batches.iter().for_each(|b| w.write(b).expect("a batch"));
        w.close().expect("closing")
    };
    fs::write(path, bytes).expect("writing");
}

/// Format, batches and the compression of every batch of an IPC output.
fn read(path: &Path) -> (bool, Vec<RecordBatch>, Vec<Option<CompressionCodec>>) {
    let bytes = Buffer::from_vec(fs::read(path).expect("the output"));
    if bytes.starts_with(b"ARROW1") {
        let reader = FileReader::try_new(bytes).expect("a file");
        let codecs = (0..reader.num_record_batches())
            .map(|i| reader.batch_message(i).unwrap().body_compression().unwrap())
            .collect();
        let batches = reader.batches().collect::<Result<_, _>>().expect("batches");
        (true, batches, codecs)
    } else {
        let mut reader = StreamReader::try_new(BufferReader::new(bytes)).expect("a stream");
        let (mut batches, mut codecs) = (Vec::new(), Vec::new());
        while let Some(b) = reader.next_batch().expect("a batch") {
            let message = reader.decoder().last_batch_message().unwrap();
            codecs.push(message.body_compression().unwrap());
            batches.push(b);
        }
        (false, batches, codecs)
    }
}

fn assert_same_rows(actual: &[RecordBatch], expected: &[RecordBatch]) {
    let schema = expected[0].schema().clone();
    let a = quiver::Table::from_batches(schema.clone(), actual.to_vec()).unwrap();
    let e = quiver::Table::from_batches(schema, expected.to_vec()).unwrap();
    assert!(a.equals(&e), "rows differ");
}

#[test]
fn convert_keeps_the_format_and_compression_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("z.arrows"), true, Some(CompressionCodec::Zstd));
    write(&d.join("l.arrow"), false, Some(CompressionCodec::Lz4Frame));
    let zstd = vec![Some(CompressionCodec::Zstd); 3];
    let lz4 = vec![Some(CompressionCodec::Lz4Frame); 3];

    ok(&["convert", "z.arrows", "z1"], d);
    let (is_file, out, codecs) = read(&d.join("z1"));
    assert!(!is_file);
    assert_eq!(codecs, zstd);
    assert_eq!(out.len(), 3);
    for (a, e) in out.iter().zip(&batches()) {
        assert!(a.equals(e));
    }

    ok(&["convert", "z.arrows", "z2", "--to", "file"], d);
    assert!(read(&d.join("z2")).0);
    assert_eq!(read(&d.join("z2")).2, zstd);
    ok(
        &[
            "convert",
            "z.arrows",
            "z3",
            "--to",
            "file",
            "--compression",
            "none",
        ],
        d,
    );
    assert_eq!(read(&d.join("z3")).2, vec![None; 3]);
    ok(
        &[
            "convert",
            "l.arrow",
            "l1",
            "--compression",
            "zstd",
            "--zstd-level",
            "19",
        ],
        d,
    );
    assert_eq!(read(&d.join("l1")).2, zstd);
    ok(&["convert", "l.arrow", "l2"], d);
    assert_eq!(
        (read(&d.join("l2")).0, read(&d.join("l2")).2),
        (true, lz4.clone())
    );

    // The old commands keep compression too.
    ok(&["stream-to-file", "z.arrows", "z4"], d);
    assert_eq!(read(&d.join("z4")).2, zstd);
    ok(&["file-to-stream", "l.arrow", "l3"], d);
    assert_eq!((read(&d.join("l3")).0, read(&d.join("l3")).2), (false, lz4));
}

#[test]
fn columns_and_batch_size_reshape_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("in.arrow"), false, None);
    ok(
        &[
            "convert",
            "in.arrow",
            "out",
            "--columns",
            "s,n",
            "--batch-size",
            "400",
        ],
        d,
    );
    let (_, out, _) = read(&d.join("out"));
    let rows: Vec<usize> = out.iter().map(RecordBatch::num_rows).collect();
    assert_eq!(rows, [400, 400, 400, 300]);
    assert_eq!(
        out[0].schema().to_string(),
        "s: string\nn: int64 not null\n-- schema metadata --\norigin: cli_convert"
    );
    let expected: Vec<RecordBatch> = batches()
        .iter()
        .map(|b| b.project(&[1, 0]).unwrap())
        .collect();
    assert_same_rows(&out, &expected);
    // Batch 2 (rows 800..1200) spans three input batches.
    let n = out[2].column(1).unwrap().as_primitive::<i64>().unwrap();
    assert_eq!(n.iter().next(), Some(Some(800)));
}

#[test]
fn the_same_file_as_input_and_output_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("x"), false, None);
    write(&d.join("y"), true, None);
    fs::create_dir(d.join("sub")).unwrap();
    fs::hard_link(d.join("x"), d.join("x-link")).unwrap();
    let x = fs::read(d.join("x")).unwrap();
    let y = fs::read(d.join("y")).unwrap();
    let refusal = |out: &str| {
        format!(
            "quiver: refusing to write '{out}' over its own input: IN and OUT are the same \
             file; give another output path"
        )
    };
    for (args, out) in [
        (&["convert", "x", "x"][..], "x"),
        (
            &["convert", "x", "./sub/../x", "--to", "stream"],
            "./sub/../x",
        ),
        (&["convert", "x", "x-link"], "x-link"),
        (&["file-to-stream", "x", "x"], "x"),
        (&["stream-to-file", "y", "./y"], "./y"),
        (&["json", "y", "y"], "y"),
    ] {
        fails(args, d, 2, &refusal(out));
    }
    assert_eq!(fs::read(d.join("x")).unwrap(), x);
    assert_eq!(fs::read(d.join("y")).unwrap(), y);
    let names: Vec<_> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
}

#[test]
fn bad_inputs_and_arguments_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("in.arrow"), false, None);
    write(&d.join("in.arrows"), true, None);
    fs::write(d.join("text"), "hello world\n").unwrap();
    let file = fs::read(d.join("in.arrow")).unwrap();
    fs::write(d.join("cut.arrow"), &file[..1000]).unwrap();
    let stream = fs::read(d.join("in.arrows")).unwrap();
    fs::write(d.join("cut.arrows"), &stream[..stream.len() - 100]).unwrap();

    fails(
        &["convert", "missing.arrow", "out"],
        d,
        1,
        "quiver: cannot read 'missing.arrow': No such file or directory (os error 2)",
    );
    fails(
        &["convert", "text", "out"],
        d,
        1,
        "quiver: cannot read 'text': invalid Arrow IPC data at message 0, byte 0: not an Arrow \
         IPC stream: its first 4 bytes (68 65 6c 6c) are neither the continuation marker (ff ff \
         ff ff) nor a plausible metadata length",
    );
    fails(
        &["convert", "cut.arrow", "out"],
        d,
        1,
        "quiver: cannot read 'cut.arrow': unexpected end of input at byte 1000: the file starts \
         with the ARROW1 magic but does not end with it: it is truncated (cut off, or its writer \
         never finished it)",
    );
    let out = quiver(&["convert", "cut.arrows", "out"], d);
    assert_eq!(out.status.code(), Some(1));
    let line = String::from_utf8_lossy(&out.stderr);
    assert!(
        line.starts_with("quiver: cannot read stream 'cut.arrows': "),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1, "{line}");
    fails(
        &["convert", "in.arrow", "out", "--columns", "n,nope"],
        d,
        1,
        "quiver: no column named 'nope' in 'in.arrow'; columns are: n, s, b",
    );
    fails(
        &[
            "convert",
            "in.arrow",
            "out",
            "--compression",
            "lz4",
            "--zstd-level",
            "5",
        ],
        d,
        2,
        "quiver: --zstd-level applies to ZSTD only: use it with --compression zstd",
    );
    for args in [
        &["convert", "in.arrow", "out", "--zstd-level", "5"][..],
        &["convert", "in.arrow", "out", "--batch-size", "0"],
        &["convert", "in.arrow", "out", "--to", "csv"],
        &["convert", "in.arrow"],
    ] {
        assert_eq!(quiver(args, d).status.code(), Some(2), "{args:?}");
    }
    let names: Vec<_> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(!names.iter().any(|n| n == "out"), "{names:?}");
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn dash_reads_stdin_and_writes_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("in.arrows"), true, Some(CompressionCodec::Zstd));
    let out = Command::new(env!("CARGO_BIN_EXE_quiver"))
        .args(["convert", "-", "-", "--to", "file"])
        .stdin(fs::File::open(d.join("in.arrows")).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    fs::write(d.join("out.arrow"), &out.stdout).unwrap();
    let (is_file, got, codecs) = read(&d.join("out.arrow"));
    assert!(is_file);
    assert_eq!(codecs, vec![Some(CompressionCodec::Zstd); 3]);
    assert_same_rows(&got, &batches());
}

/// Binary output to a pipe whose reader leaves early (`quiver convert in - | head -c 100`)
/// ends quietly with exit 0, as `cat` and `head` do; the same for the other commands that
/// write to standard output.
#[test]
fn a_closed_pipe_ends_binary_output_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    // 64 batches of 1,500 rows: several MB, far more than a pipe buffer holds.
    let big = batches();
    let mut w = quiver::ipc::new_file(Vec::new(), big[0].schema()).unwrap();
    for _ in 0..64 {
        big.iter().for_each(|b| w.write(b).unwrap());
    }
    fs::write(dir.path().join("big.arrow"), w.close().unwrap()).unwrap();
    let commands: [&[&str]; 4] = [
        &["convert", "big.arrow", "-", "--to", "stream"],
        &["convert", "big.arrow", "-"],
        &["file-to-stream", "big.arrow", "-"],
        &["json", "big.arrow", "-"],
    ];
    for args in commands {
        let mut child = Command::new(env!("CARGO_BIN_EXE_quiver"))
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 100];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The pipe's read end is dropped here; quiver's next write fails with EPIPE.
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "quiver {args:?} printed an error"
        );
        assert_eq!(out.status.code(), Some(0), "quiver {args:?}");
    }
}
