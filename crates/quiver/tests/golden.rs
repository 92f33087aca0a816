//! Golden files from other Arrow implementations (`arrow-testing`): every
//! `generated_*.json.gz` case is parsed with the JSON integration reader and compared
//! with what our IPC readers decode from the matching `.arrow_file` and `.stream`.
//!
//! The folder is found through `quiver_testkit` (`$QUIVER_ARROW_TESTING`, else
//! `../shared/testdata/arrow-testing` next to the workspace); without it the tests skip
//! loudly, which under `CI=true` is a failure. Each test asserts how many cases it ran.
//! No case is ever skipped: a case whose error says "unsupported"/"not supported" fails
//! unless it is listed in [`UNSUPPORTED`], and a listed case that works fails too. Any
//! other error, mismatch or panic fails the test after everything is printed.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use quiver::ipc::{FileReader, FileWriter, IpcReadOptions, StreamReader, StreamWriter};
use quiver_json::{JsonError, JsonFile, read_json_file};

use quiver::{Buffer, BufferReader};

#[path = "common/golden.rs"]
mod support;
use support::*;

/// Golden cases (`producer/case`) that Quiver cannot read or re-write yet: each fails
/// with an error saying "unsupported" or "not supported". Empty: every case runs. An
/// unsupported case missing from this list fails the tests, and so does a listed case
/// that reads and re-writes without such an error, so the list stays true.
const UNSUPPORTED: &[&str] = &[];

/// Cases each test must run today: every case of every producer folder.
const MIN_CASES: usize = 91;

enum Outcome {
    Pass(Box<JsonFile>, Option<String>),
    /// An error saying the case is not supported: a failure unless listed.
    Unsupported(String),
    Fail(String),
}

fn is_unsupported(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("unsupported") || m.contains("not supported")
}

/// An IPC error: `Unsupported` if it says the feature is unsupported, else a failure.
fn ipc_outcome(what: &str, e: impl std::fmt::Display) -> Outcome {
    let m = e.to_string();
    if is_unsupported(&m) {
        Outcome::Unsupported(format!("{what}: {m}"))
    } else {
        Outcome::Fail(format!("{what}: {m}"))
    }
}

/// An "unsupported" error of case `name` (`producer/case`): accepted only if `listed`
/// names the case.
fn judge_unsupported(name: &str, listed: &[&str], error: &str) -> Result<(), String> {
    if listed.contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "{name}: not supported, and not listed in UNSUPPORTED: {}",
            first_line(error)
        ))
    }
}

/// A case of `listed` that read and re-wrote without an "unsupported" error.
fn listed_but_supported(name: &str) -> String {
    format!(
        "{name}: listed in UNSUPPORTED, but reads and re-writes without an unsupported \
         error: remove it from the list"
    )
}

/// For a case listed in `GOLDEN_OUT_OF_RANGE`: a default read of its file must refuse
/// it for a value outside its type's range (else the list is wrong).
fn refused_for_value_ranges(file: Buffer, json: &JsonFile) -> Result<(), Outcome> {
    match read_file_format(file, json, IpcReadOptions::default()) {
        Err(Outcome::Fail(m))
            if m.contains("which has more than") || m.contains("which is not a whole day") =>
        {
            Ok(())
        }
        Err(Outcome::Fail(m)) => Err(Outcome::Fail(format!(
            "listed in GOLDEN_OUT_OF_RANGE, but a default read fails otherwise: {m}"
        ))),
        _ => Err(Outcome::Fail(
            "listed in GOLDEN_OUT_OF_RANGE, but a default read accepts it: remove it from the list"
                .into(),
        )),
    }
}

fn read_file_format(buf: Buffer, json: &JsonFile, options: IpcReadOptions) -> Result<(), Outcome> {
    let reader =
        FileReader::try_new_with_options(buf, options).map_err(|e| ipc_outcome("arrow_file", e))?;
    if reader.schema().as_ref() != &json.schema {
        return Err(Outcome::Fail(format!(
            "arrow_file: {}",
            describe_schema_diff(&json.schema, reader.schema())
        )));
    }
    let mut got = Vec::new();
    for i in 0..reader.num_record_batches() {
        got.push(
            reader
                .get_batch(i)
                .map_err(|e| ipc_outcome(&format!("arrow_file batch {i}"), e))?,
        );
    }
    match compare_batches("arrow_file", &json.batches, &got) {
        Some(m) => Err(Outcome::Fail(m)),
        None => Ok(()),
    }
}

/// Reads the `.stream`; returns a note when it matched only with canonical map names.
fn read_stream_format(
    buf: Buffer,
    json: &JsonFile,
    options: IpcReadOptions,
) -> Result<Option<String>, Outcome> {
    let mut reader = StreamReader::try_new_with_options(BufferReader::new(buf), options)
        .map_err(|e| ipc_outcome("stream", e))?;
    let canonical;
    let mut note = None;
    let mut json = json;
    if reader.schema().as_ref() != &json.schema
        && reader.schema().as_ref() == &canonical_schema(&json.schema)
    {
        canonical = canonical_json(json);
        json = &canonical;
        note = Some(
            "stream has canonical map field names; compared with names normalised".to_string(),
        );
    }
    if reader.schema().as_ref() != &json.schema {
        return Err(Outcome::Fail(format!(
            "stream: {}",
            describe_schema_diff(&json.schema, reader.schema())
        )));
    }
    let mut got = Vec::new();
    loop {
        match reader.next_batch() {
            Ok(Some(b)) => got.push(b),
            Ok(None) => break,
            Err(e) => return Err(ipc_outcome(&format!("stream batch {}", got.len()), e)),
        }
    }
    match compare_batches("stream", &json.batches, &got) {
        Some(m) => Err(Outcome::Fail(m)),
        None => Ok(note),
    }
}

fn run_case(dir: &Path, case: &str) -> Outcome {
    let mut text = String::new();
    let gz = dir.join(format!("{case}.json.gz"));
    let opened = std::fs::File::open(&gz)
        .and_then(|f| flate2::read::GzDecoder::new(f).read_to_string(&mut text));
    if let Err(e) = opened {
        return Outcome::Fail(format!("{}: {e}", gz.display()));
    }
    let json = match read_json_file(&text) {
        Ok(j) => j,
        Err(JsonError::Unsupported { data_type, .. }) => {
            return Outcome::Unsupported(format!("{data_type} not supported yet (JSON reader)"));
        }
        Err(e) => return Outcome::Fail(format!("json: {e}")),
    };
    let read = |ext: &str| -> Result<Buffer, Outcome> {
        let p = dir.join(format!("{case}.{ext}"));
        std::fs::read(&p)
            .map(Buffer::from)
            .map_err(|e| Outcome::Fail(format!("{}: {e}", p.display())))
    };
    let file = match read("arrow_file") {
        Ok(b) => b,
        Err(o) => return o,
    };
    let stream = match read("stream") {
        Ok(b) => b,
        Err(o) => return o,
    };
    let options = options_for(dir, case);
    if !options.value_range_checks()
        && let Err(o) = refused_for_value_ranges(file.clone(), &json)
    {
        return o;
    }
    if let Err(o) = read_file_format(file, &json, options.clone()) {
        return o;
    }
    match read_stream_format(stream, &json, options) {
        Err(o) => o,
        Ok(note) => Outcome::Pass(Box::new(json), note),
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

/// Runs every case, printing per-folder summaries; returns the passed cases (folder,
/// case, parsed JSON) and the failure lines.
/// A passed case: producer folder, case name, the parsed JSON.
type Passed = (String, String, JsonFile);

fn run_all(suite: &str, verbose: bool) -> Option<(Vec<Passed>, Vec<String>)> {
    let dirs = producer_dirs(suite)?;
    let (mut passed, mut failures) = (Vec::new(), Vec::new());
    let (mut n_pass, mut n_unsupported) = (0, 0);
    for dir in dirs {
        let folder = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let (mut pass, mut unsupported, mut fails, mut notes) = (0, Vec::new(), 0, Vec::new());
        for case in cases(&dir) {
            let name = format!("{folder}/{case}");
            let outcome = catch_unwind(AssertUnwindSafe(|| run_case(&dir, &case)))
                .unwrap_or_else(|p| Outcome::Fail(format!("panicked: {}", panic_message(&*p))));
            match outcome {
                Outcome::Pass(json, note) => {
                    pass += 1;
                    if let Some(n) = note {
                        notes.push(format!("{case}: {n}"));
                    }
                    // A listed case must still hit "unsupported" somewhere: on re-writing.
                    if UNSUPPORTED.contains(&name.as_str())
                        && !round_trip(&json, options_for(&dir, &case))
                            .is_err_and(|m| is_unsupported(&m))
                    {
                        fails += 1;
                        failures.push(listed_but_supported(&name));
                    }
                    passed.push((folder.clone(), case, *json));
                }
                Outcome::Unsupported(reason) => {
                    match judge_unsupported(&name, UNSUPPORTED, &reason) {
                        Ok(()) => unsupported.push(format!("{case}: {}", first_line(&reason))),
                        Err(m) => {
                            fails += 1;
                            failures.push(m);
                        }
                    }
                }
                Outcome::Fail(m) => {
                    fails += 1;
                    failures.push(format!("{name}: {m}"));
                }
            }
        }
        n_pass += pass;
        n_unsupported += unsupported.len();
        if verbose {
            let mut line = format!(
                "golden {folder}: {pass} passed, {} listed as unsupported",
                unsupported.len()
            );
            if fails > 0 {
                line += &format!(", {fails} FAILED");
            }
            if !unsupported.is_empty() {
                line += &format!(" ({})", unsupported.join("; "));
            }
            if !notes.is_empty() {
                line += &format!(" [note: {}]", notes.join("; "));
            }
            eprintln!("{line}");
        }
    }
    if verbose {
        eprintln!(
            "golden total: {n_pass} passed, {n_unsupported} listed as unsupported, {} failed; \
             {} of the passed break their types' value ranges (GOLDEN_OUT_OF_RANGE): a default \
             read refuses them, and they pass with value range checks off",
            failures.len(),
            quiver_testkit::GOLDEN_OUT_OF_RANGE.len()
        );
    }
    Some((passed, failures))
}

#[test]
fn golden_files_match_their_json() {
    let Some((passed, failures)) = run_all("golden", true) else {
        return;
    };
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAIL {f}");
        }
        panic!("{} golden case(s) failed (listed above)", failures.len());
    }
    // Every passed case was read from both its `.arrow_file` and its `.stream`.
    quiver_testkit::expect_cases(
        "golden (.arrow_file and .stream)",
        2 * passed.len(),
        2 * MIN_CASES,
    );
}

fn round_trip(json: &JsonFile, options: IpcReadOptions) -> Result<(), String> {
    let mut w =
        FileWriter::try_new(Vec::new(), &json.schema).map_err(|e| format!("file writer: {e}"))?;
    for b in &json.batches {
        w.write(b).map_err(|e| format!("file write: {e}"))?;
    }
    let bytes = w.close().map_err(|e| format!("file close: {e}"))?;
    let r = FileReader::try_new_with_options(Buffer::from(bytes), options.clone())
        .map_err(|e| format!("file reread: {e}"))?;
    if r.schema().as_ref() != &json.schema {
        return Err(format!(
            "file: {}",
            describe_schema_diff(&json.schema, r.schema())
        ));
    }
    let got = (0..r.num_record_batches())
        .map(|i| r.get_batch(i))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("file reread batch: {e}"))?;
    if let Some(m) = compare_batches("file", &json.batches, &got) {
        return Err(m);
    }

    let mut w = StreamWriter::try_new(Vec::new(), &json.schema)
        .map_err(|e| format!("stream writer: {e}"))?;
    for b in &json.batches {
        w.write(b).map_err(|e| format!("stream write: {e}"))?;
    }
    let bytes = w.close().map_err(|e| format!("stream close: {e}"))?;
    let r = StreamReader::try_new_with_options(BufferReader::new(Buffer::from(bytes)), options)
        .map_err(|e| format!("stream reread: {e}"))?;
    if r.schema().as_ref() != &json.schema {
        return Err(format!(
            "stream: {}",
            describe_schema_diff(&json.schema, r.schema())
        ));
    }
    let got = r
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("stream reread batch: {e}"))?;
    match compare_batches("stream", &json.batches, &got) {
        Some(m) => Err(m),
        None => Ok(()),
    }
}

#[test]
fn golden_files_round_trip_through_our_writers() {
    let Some((passed, _)) = run_all("golden round trip", false) else {
        return;
    };
    let (mut failures, mut unsupported) = (Vec::new(), Vec::new());
    for (folder, case, json) in &passed {
        let name = format!("{folder}/{case}");
        let options = options_for(Path::new(folder), case);
        let r = catch_unwind(AssertUnwindSafe(|| round_trip(json, options)))
            .unwrap_or_else(|p| Err(format!("panicked: {}", panic_message(&*p))));
        match r {
            Ok(()) => {}
            Err(m) if is_unsupported(&m) => match judge_unsupported(&name, UNSUPPORTED, &m) {
                Ok(()) => unsupported.push(format!("{name}: {m}")),
                Err(f) => failures.push(f),
            },
            Err(m) => failures.push(format!("{name}: {m}")),
        }
    }
    let round_tripped = passed.len() - failures.len() - unsupported.len();
    eprintln!(
        "golden round trip: {round_tripped} of {} passed cases re-written and read back equal, \
         {} listed as unsupported{}",
        passed.len(),
        unsupported.len(),
        if unsupported.is_empty() {
            String::new()
        } else {
            format!(" ({})", unsupported.join("; "))
        }
    );
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAIL round trip {f}");
        }
        panic!("{} round trip(s) failed (listed above)", failures.len());
    }
    quiver_testkit::expect_cases("golden round trip", round_tripped, MIN_CASES);
}

#[test]
fn an_unsupported_case_fails_unless_listed() {
    let error = "arrow_file batch 0: unsupported type: LargeListView\nsecond line";
    assert_eq!(
        judge_unsupported("cpp-21.0.0/generated_list_view", &[], error),
        Err(
            "cpp-21.0.0/generated_list_view: not supported, and not listed in UNSUPPORTED: \
             arrow_file batch 0: unsupported type: LargeListView"
                .to_string()
        )
    );
    assert_eq!(
        judge_unsupported(
            "cpp-21.0.0/generated_list_view",
            &["cpp-21.0.0/generated_list_view"],
            error
        ),
        Ok(())
    );
    assert!(is_unsupported(
        "Stream batch 2: Not Supported: compression codec"
    ));
    assert_eq!(
        listed_but_supported("0.14.1/generated_decimal"),
        "0.14.1/generated_decimal: listed in UNSUPPORTED, but reads and re-writes without an \
         unsupported error: remove it from the list"
    );
}
