//! Tests of `quiver head` and `quiver cat`: the exact table, CSV and JSON-lines output
//! of small files written here with the library (nulls, long values, nested types,
//! wide characters), `-n`, `--columns`, standard input, clean errors, the terminal
//! width under a pseudo-terminal, and a quiet exit when the reader of a pipe leaves.
//! The golden and pyarrow files are in `cli_print_corpus.rs`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use quiver::ipc::{FileWriter, StreamWriter};
use quiver::{Array, DataType, RecordBatch, UnionMode, record_batch};
use quiver_testkit::pty::Pty;

fn quiver_bin() -> &'static str {
    env!("CARGO_BIN_EXE_quiver")
}

/// `quiver args…` with `stdin` (if any) on standard input, and no `COLUMNS` (which only
/// matters on a terminal, but keep the environment out of it).
fn run(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut cmd = Command::new(quiver_bin());
    cmd.args(args).env_remove("COLUMNS");
    quiver_testkit::output_with_stdin(cmd, stdin).expect("running quiver")
}

/// The standard output of a successful `quiver args…`.
fn stdout_of(args: &[&str]) -> String {
    let out = run(args, None);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "`quiver {}` exited with {}: {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Exit code 1 and one `quiver: ` line on stderr, nothing on stdout; returns the line.
fn failure_of(args: &[&str], stdin: Option<Vec<u8>>) -> String {
    let out = run(args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr.trim_end().to_owned()
}

fn file_bytes(batches: &[RecordBatch]) -> Vec<u8> {
    let mut w = FileWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap()
}

fn stream_bytes(batches: &[RecordBatch]) -> Vec<u8> {
    let mut w = StreamWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap()
}

fn write(dir: &Path, name: &str, bytes: Vec<u8>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Three rows: a number, strings with a null, a long and a wide one, a list, a struct.
fn people() -> RecordBatch {
    let long = "a long value that goes on and on past forty columns";
    record_batch(
        vec![
            Array::from(vec![1i64, 22, -333]),
            Array::from(vec![Some("ann"), None, Some(long)]),
            Array::from(vec![Some("日本語"), Some("😀!"), Some("tab\there")]),
            Array::list_from_lengths(Array::from(vec![1i32, 2, 3]), [Some(2), Some(0), None])
                .unwrap(),
            Array::struct_from(
                vec![
                    ("x", Array::from(vec![Some(1.5f64), None, Some(-2.0)])),
                    ("s", Array::from(vec![Some("a"), Some("b,\"c\""), None])),
                ],
                Some(vec![true, true, false]),
            )
            .unwrap(),
        ],
        &["id", "name", "wide", "tags", "point"],
    )
    .unwrap()
}

/// Two rows of the types JSON has to think about: maps, unions, dictionaries, binary,
/// decimals, timestamps, NaN.
fn kinds() -> RecordBatch {
    record_batch(
        vec![
            Array::map_from_lengths(
                Array::from(vec!["k", "l", "m"]),
                Array::from(vec![Some(1i32), None, Some(3)]),
                [Some(2), Some(1)],
                false,
            )
            .unwrap(),
            Array::map_from_lengths(
                Array::from(vec![7i16, 8]),
                Array::from(vec![true, false]),
                [Some(1), Some(1)],
                false,
            )
            .unwrap(),
            Array::union_from(
                vec![
                    ("i", Array::from(vec![Some(7i32), None])),
                    ("s", Array::from(vec!["x"])),
                ],
                &[1, 0],
                UnionMode::Dense,
            )
            .unwrap(),
            Array::dictionary_from(
                Array::from(vec![Some(1i8), None]),
                Array::from(vec!["lo", "hi"]),
                false,
            )
            .unwrap(),
            Array::from_bytes(DataType::Binary, [Some(&b"\x00\xff"[..]), Some(b"")]).unwrap(),
            Array::from_primitive::<i128>(DataType::Decimal128(5, 2), [Some(-946), None]).unwrap(),
            Array::from_primitive::<i64>(
                DataType::Timestamp(quiver::TimeUnit::Millisecond, Some("UTC".into())),
                [Some(1_500), None],
            )
            .unwrap(),
            Array::from(vec![f64::NAN, f64::INFINITY]),
            Array::from(vec![Some(""), None]),
        ],
        &[
            "map", "imap", "union", "dict", "bin", "dec", "ts", "f", "empty",
        ],
    )
    .unwrap()
}

/// `n` batches of `rows` rows each: `i` counts up from 0, `s` is `row <i>`.
fn counting(n: usize, rows: usize) -> Vec<RecordBatch> {
    (0..n)
        .map(|b| {
            let ids: Vec<i64> = (0..rows).map(|r| (b * rows + r) as i64).collect();
            let names: Vec<String> = ids.iter().map(|i| format!("row {i}")).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            record_batch(vec![Array::from(ids), Array::from(names)], &["i", "s"]).unwrap()
        })
        .collect()
}

const PEOPLE_TABLE: &str =
    "  id  name                                      wide       tags    point
----  ----------------------------------------  ---------  ------  -----------------------
   1  ann                                       日本語     [1, 2]  {x: 1.5, s: \"a\"}
  22  null                                      😀!        []      {x: null, s: \"b,\\\"c\\\"\"}
-333  a long value that goes on and on past f…  tab\\there  null    null
";

#[test]
fn head_prints_an_aligned_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "people.arrow", file_bytes(&[people()]));
    let stream = write(dir.path(), "people.arrows", stream_bytes(&[people()]));
    for path in [&file, &stream] {
        let path = path.to_str().unwrap();
        assert_eq!(stdout_of(&["head", path]), PEOPLE_TABLE);
        assert_eq!(stdout_of(&["cat", "--format", "table", path]), PEOPLE_TABLE);
    }
}

#[test]
fn csv_quotes_and_leaves_nulls_empty() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "people.arrow", file_bytes(&[people()]));
    let got = stdout_of(&["head", "--format", "csv", file.to_str().unwrap()]);
    assert_eq!(
        got,
        "id,name,wide,tags,point\n\
         1,ann,日本語,\"[1, 2]\",\"{x: 1.5, s: \"\"a\"\"}\"\n\
         22,,😀!,[],\"{x: null, s: \"\"b,\\\"\"c\\\"\"\"\"}\"\n\
         -333,a long value that goes on and on past forty columns,tab\there,,\n"
    );
    let kinds = write(dir.path(), "kinds.arrows", stream_bytes(&[kinds()]));
    let got = stdout_of(&["cat", "--format", "csv", kinds.to_str().unwrap()]);
    assert_eq!(
        got,
        "map,imap,union,dict,bin,dec,ts,f,empty\n\
         \"[{key: \"\"k\"\", value: 1}, {key: \"\"l\"\", value: null}]\",\"[{key: 7, value: true}]\",\
         x,hi,00ff,-9.46,1970-01-01 00:00:01.500Z,NaN,\"\"\n\
         \"[{key: \"\"m\"\", value: 3}]\",\"[{key: 8, value: false}]\",7,,\"\",,,inf,\n"
    );
}

#[test]
fn json_lines_have_json_types() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "people.arrow", file_bytes(&[people()]));
    let got = stdout_of(&["head", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(
        got,
        r#"{"id":1,"name":"ann","wide":"日本語","tags":[1,2],"point":{"x":1.5,"s":"a"}}
{"id":22,"name":null,"wide":"😀!","tags":[],"point":{"x":null,"s":"b,\"c\""}}
{"id":-333,"name":"a long value that goes on and on past forty columns","wide":"tab\there","tags":null,"point":null}
"#
    );
    let kinds = write(dir.path(), "kinds.arrows", stream_bytes(&[kinds()]));
    let got = stdout_of(&["cat", "--format", "json", kinds.to_str().unwrap()]);
    assert_eq!(
        got,
        r#"{"map":{"k":1,"l":null},"imap":[[7,true]],"union":"x","dict":"hi","bin":"00ff","dec":"-9.46","ts":"1970-01-01 00:00:01.500Z","f":"NaN","empty":""}
{"map":{"m":3},"imap":[[8,false]],"union":7,"dict":null,"bin":"","dec":null,"ts":null,"f":"inf","empty":null}
"#
    );
    // Every line is JSON.
    for line in got.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

#[test]
fn head_takes_n_rows_across_batches_and_cat_takes_all() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "count.arrow", file_bytes(&counting(4, 3)));
    let file = file.to_str().unwrap();
    let csv = |rows: std::ops::Range<usize>| {
        let mut s = String::from("i,s\n");
        for i in rows {
            s.push_str(&format!("{i},row {i}\n"));
        }
        s
    };
    assert_eq!(stdout_of(&["head", "--format", "csv", file]), csv(0..10));
    assert_eq!(
        stdout_of(&["head", "-n", "4", "--format", "csv", file]),
        csv(0..4)
    );
    assert_eq!(
        stdout_of(&["head", "--rows", "0", "--format", "csv", file]),
        csv(0..0)
    );
    assert_eq!(
        stdout_of(&["head", "-n", "99", "--format", "csv", file]),
        csv(0..12)
    );
    assert_eq!(stdout_of(&["cat", "--format", "csv", file]), csv(0..12));
    assert_eq!(stdout_of(&["head", "-n", "0", file]), "i  s\n-  -\n");
}

#[test]
fn columns_are_picked_by_name_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "people.arrow", file_bytes(&[people()]));
    let stream = stream_bytes(&[people()]);
    let want = "tags,id\n\"[1, 2]\",1\n[],22\n,-333\n";
    let path = file.to_str().unwrap();
    let args = ["head", "--format", "csv", "--columns", "tags,id,tags", path];
    assert_eq!(stdout_of(&args), want);
    // From standard input the columns are picked from each batch.
    let args = ["cat", "--format", "csv", "--columns", "tags,id", "-"];
    let out = run(&args, Some(stream));
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    assert!(out.status.success());

    let err = failure_of(&["head", "--columns", "id,nope", path], None);
    assert_eq!(
        err,
        format!(
            "quiver: no column named 'nope' in '{path}'; columns are: id, name, wide, tags, point"
        )
    );
    let err = failure_of(
        &["cat", "--columns", "x", "-"],
        Some(stream_bytes(&[people()])),
    );
    assert_eq!(
        err,
        "quiver: no column named 'x' in standard input; columns are: id, name, wide, tags, point"
    );
}

#[test]
fn standard_input_takes_a_stream_or_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p.arrow", file_bytes(&[people()]));
    let want = stdout_of(&["head", "--format", "json", path.to_str().unwrap()]);
    for bytes in [stream_bytes(&[people()]), file_bytes(&[people()])] {
        let out = run(&["head", "--format", "json", "-"], Some(bytes));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    }
}

#[test]
fn bad_inputs_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.arrow");
    let missing = missing.to_str().unwrap();
    assert_eq!(
        failure_of(&["head", missing], None),
        format!("quiver: cannot read '{missing}': No such file or directory (os error 2)")
    );
    let text = write(
        dir.path(),
        "notes.txt",
        b"just some text, not Arrow\n".to_vec(),
    );
    let err = failure_of(&["cat", text.to_str().unwrap()], None);
    assert!(
        err.starts_with(&format!("quiver: cannot read '{}': ", text.display())),
        "{err}"
    );
    assert!(err.contains("not an Arrow IPC"), "{err}");
    let err = failure_of(&["head", "-"], Some(b"plain text".to_vec()));
    assert!(
        err.starts_with("quiver: cannot read standard input: "),
        "{err}"
    );
    // A usage error is clap's: exit code 2.
    let out = run(&["head", "--format", "xml", missing], None);
    assert_eq!(out.status.code(), Some(2));
}

/// `quiver args…` with standard output on a terminal `cols` wide; `columns` sets
/// `COLUMNS`.
fn on_terminal(cols: u16, columns: Option<&str>, args: &[&str]) -> String {
    let pty = Pty::open(cols, 24).unwrap();
    let mut cmd = Command::new(quiver_bin());
    cmd.args(args)
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .stdout(pty.stdio().unwrap())
        .stderr(Stdio::null());
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let run = pty.run(cmd, Duration::from_secs(20)).unwrap();
    assert!(run.status.success(), "{}", run.text());
    run.text()
}

#[test]
fn the_table_fits_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "people.arrow", file_bytes(&[people()]));
    let path = file.to_str().unwrap();
    // 120 columns: the whole table, as in a pipe.
    assert_eq!(on_terminal(120, None, &["head", path]), PEOPLE_TABLE);
    // 60: every column, the widest narrowed.
    let sixty = "  id  name               wide       tags    point
----  -----------------  ---------  ------  ----------------
   1  ann                日本語     [1, 2]  {x: 1.5, s: \"a\"}
  22  null               😀!        []      {x: null, s: \"b…
-333  a long value tha…  tab\\there  null    null
";
    assert_eq!(on_terminal(60, None, &["head", path]), sixty);
    // 40 (COLUMNS overrides the terminal's 120): the last column is left out.
    let forty = "  id  name          wide       tags    …
----  ------------  ---------  ------  -
   1  ann           日本語     [1, 2]  …
  22  null          😀!        []      …
-333  a long valu…  tab\\there  null    …
(1 more column not shown: point; pick columns with --columns, or use a wider terminal)
";
    assert_eq!(on_terminal(120, Some("40"), &["head", path]), forty);
    assert_eq!(on_terminal(40, None, &["head", path]), forty);
    let twenty = "  id  name         …
----  -----------  -
   1  ann          …
  22  null         …
-333  a long val…  …
(3 more columns not shown: wide, tags, point; pick columns with --columns, or use a \
                  wider terminal)
";
    assert_eq!(on_terminal(20, None, &["head", path]), twenty);
    // CSV and JSON are never cut.
    let csv = stdout_of(&["head", "--format", "csv", path]);
    assert_eq!(
        on_terminal(20, None, &["head", "--format", "csv", path]),
        csv
    );
}

#[test]
fn a_closed_pipe_ends_cat_quietly() {
    let dir = tempfile::tempdir().unwrap();
    // Far more than any pipe buffer holds.
    let file = write(dir.path(), "big.arrow", file_bytes(&counting(50, 20_000)));
    for format in ["table", "csv", "json"] {
        let mut child = Command::new(quiver_bin())
            .args(["cat", "--format", format, file.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.contains('i'), "{first}");
        // The reader is gone; quiver's next write fails with a broken pipe.
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{format}");
    }
}

#[test]
fn head_reads_only_the_batches_it_needs() {
    // A stream cut in its last batch: `head` never gets there, `cat` does and fails
    // after printing the rows before it.
    let bytes = stream_bytes(&counting(3, 2));
    let cut = bytes[..bytes.len() - 20].to_vec();
    let out = run(
        &["head", "-n", "4", "--format", "csv", "-"],
        Some(cut.clone()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "i,s\n0,row 0\n1,row 1\n2,row 2\n3,row 3\n"
    );
    let out = run(&["cat", "--format", "csv", "-"], Some(cut));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "i,s\n0,row 0\n1,row 1\n2,row 2\n3,row 3\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("quiver: cannot read standard input: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
