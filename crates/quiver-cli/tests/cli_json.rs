//! `quiver json` and `quiver from-json`: golden files round-trip IPC -> JSON -> IPC equal
//! to the original, the golden `*.json.gz` documents convert (gzip told by its bytes) to
//! IPC equal to the golden IPC files, and errors are one exact line with exit code 1.
//!
//! The golden files come from arrow-testing through `quiver_testkit`; without them the
//! golden test skips loudly (a failure under `CI=true`).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use quiver::ipc::IpcReadOptions;
use quiver::{Buffer, RecordBatch, SchemaRef};

fn quiver(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quiver"))
        .args(args)
        .output()
        .expect("running quiver")
}

fn ok(args: &[&Path]) {
    let out = quiver(args);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "quiver {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Schema and batches of an IPC file or stream (told by its bytes).
fn read_ipc(path: &Path, options: IpcReadOptions) -> (SchemaRef, Vec<RecordBatch>) {
    let bytes = Buffer::from_vec(fs::read(path).expect("reading"));
    if bytes.starts_with(b"ARROW1") {
        let reader = quiver::ipc::open_file_with_options(bytes, options).expect("a file");
        let batches = reader.batches().collect::<Result<_, _>>().expect("batches");
        (reader.schema().clone(), batches)
    } else {
        let reader = quiver::ipc::open_stream_with_options(bytes, options).expect("a stream");
        let schema = reader.schema().clone();
        (schema, reader.collect::<Result<_, _>>().expect("batches"))
    }
}

fn assert_equal(a: &(SchemaRef, Vec<RecordBatch>), b: &(SchemaRef, Vec<RecordBatch>), what: &str) {
    assert!(
        a.0.equals(&b.0, true),
        "{what}: schemas differ:\n{}\nvs\n{}",
        a.0,
        b.0
    );
    assert_eq!(a.1.len(), b.1.len(), "{what}: batch counts");
    for (i, (x, y)) in a.1.iter().zip(&b.1).enumerate() {
        assert!(x.equals(y), "{what}: batch {i} differs");
    }
}

const GOLDEN: &[&str] = &[
    "generated_primitive",
    "generated_nested",
    "generated_dictionary",
    "generated_datetime",
    "generated_custom_metadata",
    "generated_map",
];

#[test]
fn golden_files_round_trip_through_json() {
    let Some(testing) = quiver_testkit::require_arrow_testing("cli json") else {
        return;
    };
    let root = testing.join("arrow-ipc-stream/integration/1.0.0-littleendian");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let options = IpcReadOptions::default().with_value_range_checks(false);
    let mut ran = 0;
    for name in GOLDEN {
        let golden = root.join(format!("{name}.arrow_file"));
        let json = d.join(format!("{name}.json"));
        let back = d.join(format!("{name}.arrow"));
        let relax = Path::new("--no-value-range-checks");
        ok(&[Path::new("json"), &golden, &json, relax]);
        ok(&[Path::new("from-json"), &json, &back]);
        let expected = read_ipc(&golden, options.clone());
        assert_equal(&expected, &read_ipc(&back, options.clone()), name);

        // The golden JSON document (gzip-compressed), to a stream.
        let gz = root.join(format!("{name}.json.gz"));
        let from_gz = d.join(format!("{name}.gz.arrows"));
        ok(&[
            Path::new("from-json"),
            &gz,
            &from_gz,
            Path::new("--to"),
            Path::new("stream"),
        ]);
        let (schema, batches) = read_ipc(&from_gz, options.clone());
        assert!(!fs::read(&from_gz).unwrap().starts_with(b"ARROW1"));
        // The JSON format has no schema-level metadata for the IPC writer to compare
        // beyond what it carries; fields and batches must match.
        assert_eq!(schema.fields(), expected.0.fields(), "{name}: fields");
        assert_eq!(batches.len(), expected.1.len(), "{name}");
        for (i, (x, y)) in batches.iter().zip(&expected.1).enumerate() {
            assert!(
                x.columns()
                    .iter()
                    .zip(y.columns())
                    .all(|(a, b)| a.equals(b)),
                "{name}: batch {i} differs from the golden IPC file"
            );
        }
        ran += 1;
    }
    quiver_testkit::expect_cases("cli json", ran, GOLDEN.len());
}

#[test]
fn json_errors_are_one_exact_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("text"), "hello\n").unwrap();
    fs::write(
        d.join("bad.json"),
        r#"{"schema": {"fields": []}, "batches": 3}"#,
    )
    .unwrap();
    fs::write(d.join("binary"), [0xffu8, 0xfe, 0, 1]).unwrap();
    fs::write(d.join("bad.gz"), [0x1fu8, 0x8b, 1, 2, 3]).unwrap();
    let cases: &[(&[&str], String)] = &[
        (
            &["json", "missing", "out"],
            "quiver: cannot read 'missing': No such file or directory (os error 2)".into(),
        ),
        (
            &["from-json", "missing", "out"],
            "quiver: cannot read JSON 'missing': No such file or directory (os error 2)".into(),
        ),
        (
            &["from-json", "text", "out"],
            "quiver: cannot read JSON 'text': not valid JSON: expected value at line 1 column 1"
                .into(),
        ),
        (
            &["from-json", "binary", "out"],
            "quiver: cannot read JSON 'binary': not UTF-8 text (invalid byte at 0): a JSON \
             document is expected"
                .into(),
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&Path> = args.iter().map(Path::new).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_quiver"))
            .args(&args)
            .current_dir(d)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("{expected}\n"),
            "{args:?}"
        );
    }
    for input in ["bad.json", "bad.gz"] {
        let out = Command::new(env!("CARGO_BIN_EXE_quiver"))
            .args(["from-json", input, "out"])
            .current_dir(d)
            .output()
            .unwrap();
        let line = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{input}");
        assert!(
            line.starts_with(&format!("quiver: cannot read JSON '{input}': ")),
            "{line}"
        );
        assert_eq!(line.lines().count(), 1, "{line}");
    }
    assert!(!d.join("out").exists());
    let names = fs::read_dir(d).unwrap().count();
    assert_eq!(names, 4, "temporary files left");
}
