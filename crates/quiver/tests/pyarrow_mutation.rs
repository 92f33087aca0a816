//! Mutation of pyarrow-written files of every type, judged by pyarrow's full validation.
//!
//! 1. `tests/python/mutation_inputs.py` writes small streams and files of every type
//!    (views, list views, nested, canonical and unknown extension types, dictionaries
//!    with deltas and replacement, unions, run-end encoded, decimals, temporal types;
//!    a selection LZ4- and ZSTD-compressed), with the role of every body buffer.
//! 2. Each input is taken apart (messages, field nodes, body buffers, variadic counts,
//!    the schema's extension strings and type parameters, in every schema copy) and
//!    corrupted deterministically (fixed-seed PRNG), mostly in the body values full
//!    validation must check: offsets, list-view offsets and sizes, view lengths, buffer
//!    indices, offsets, prefixes and inline padding, union type ids and dense offsets,
//!    run ends, dictionary indices, UTF-8 bytes, decimal values, validity bits; also
//!    node lengths and null counts, extension names and metadata, type parameters,
//!    compressed buffers, and a share of blind byte flips and truncations.
//! 3. Quiver reads every corrupted input (`StreamReader` or `FileReader`, default
//!    options: full validation); whatever it accepts it writes with `StreamWriter` and
//!    `FileWriter`, and ONE run of `tests/python/mutation_check.py` reads every output
//!    with pyarrow and runs `validate(full=True)` on every batch. Each output pyarrow
//!    rejects is a Quiver bug: an invalid input accepted. A valid input Quiver refuses,
//!    a panic, and an allocation request over 256 MiB are failures too.
//!
//! `QUIVER_MUTATION_SCALE` (default 1) multiplies the corruptions per input (5 each);
//! scale 10 makes over 10,000. Failures are printed grouped by class (pyarrow's
//! innermost message with the numbers taken out), each with its mutation kinds, input
//! types and first examples. With `QUIVER_MUTATION_SAVE=<dir>` the smallest corrupted
//! input of each class is saved there; a few are kept in `tests/data/mutation-regressions`
//! and checked by the second test, which needs no pyarrow.
//!
//! pyarrow is found through `quiver_testkit` (`QUIVER_PYTHON`): without it the test
//! fails under `CI=true` and is otherwise a loud, logged skip.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use quiver::ipc::{FileReader, FileWriter, StreamReader, StreamWriter};
use quiver::{Buffer, BufferReader, RecordBatch, SchemaRef, default_memory_pool};
use serde_json::{Value, json};

#[path = "pyarrow_mutation/body.rs"]
mod body;
#[path = "pyarrow_mutation/fb.rs"]
mod fb;

#[path = "pyarrow_mutation/layout.rs"]
mod layout;
#[path = "pyarrow_mutation/mutate.rs"]
mod mutate;
#[path = "pyarrow_mutation/report.rs"]
mod report;

use layout::{Input, parse};
use mutate::{Mutation, Rng, mutations};
use report::{Classes, class_of, numbers_out};

// ---------------------------------------------------------------------------------------
// Allocation accounting: the largest single request of the reading thread.

struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping
// touches only a const-initialized thread-local without a destructor, which never
// allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(layout.size())));
        // SAFETY: forwarded from the caller's contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(new_size)));
        // SAFETY: forwarded from the caller's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The largest single allocation a read or write of these (tiny) inputs may ask for.
const ALLOCATION_LIMIT: usize = 256 << 20;
/// The default pool's high-water mark over the whole run.
const POOL_LIMIT: usize = 1 << 30;
/// Corruptions per input at scale 1.
const PER_INPUT: usize = 5;

// ---------------------------------------------------------------------------------------
// Quiver's side.

type Read = (SchemaRef, Vec<RecordBatch>);

fn quiver_read(bytes: Vec<u8>, is_file: bool) -> Result<Read, String> {
    let buf = Buffer::from_vec(bytes);
    if is_file {
        let reader = FileReader::try_new(buf).map_err(|e| e.to_string())?;
        let batches = (0..reader.num_record_batches())
            .map(|i| reader.get_batch(i).map_err(|e| format!("batch {i}: {e}")))
            .collect::<Result<_, _>>()?;
        Ok((reader.schema().clone(), batches))
    } else {
        let reader = StreamReader::try_new(BufferReader::new(buf)).map_err(|e| e.to_string())?;
        let schema = reader.schema().clone();
        let batches = reader
            .map(|b| b.map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        Ok((schema, batches))
    }
}

/// Quiver's stream, and file unless `stream_only` (dictionary replacement, which the
/// file format cannot hold), of what it read.
fn quiver_write((schema, batches): &Read, stream_only: bool) -> Result<Written, String> {
    let mut s =
        StreamWriter::try_new(Vec::new(), schema).map_err(|e| format!("StreamWriter: {e}"))?;
    for (i, b) in batches.iter().enumerate() {
        s.write(b)
            .map_err(|e| format!("StreamWriter, batch {i}: {e}"))?;
    }
    let s = s.close().map_err(|e| format!("StreamWriter::close: {e}"))?;
    if stream_only {
        return Ok((s, None));
    }
    let mut f = FileWriter::try_new(Vec::new(), schema).map_err(|e| format!("FileWriter: {e}"))?;
    for (i, b) in batches.iter().enumerate() {
        f.write(b)
            .map_err(|e| format!("FileWriter, batch {i}: {e}"))?;
    }
    let f = f.close().map_err(|e| format!("FileWriter::close: {e}"))?;
    Ok((s, Some(f)))
}

/// The stream and (unless stream-only) the file Quiver wrote.
type Written = (Vec<u8>, Option<Vec<u8>>);

/// What Quiver did with one (corrupted or pristine) input.
enum Outcome {
    /// Read and written: the stream and file written.
    Accepted(Written),
    Refused(String),
    /// A panic, an oversized allocation, or a read that accepted what the writer refused.
    Failed(String),
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned())
}

fn quiver(bytes: Vec<u8>, input: &Input) -> Outcome {
    LARGEST.with(|l| l.set(0));
    let r = catch_unwind(AssertUnwindSafe(|| {
        quiver_read(bytes, input.is_file).map(|read| quiver_write(&read, input.replacement))
    }));
    let largest = LARGEST.with(Cell::get);
    if largest > ALLOCATION_LIMIT {
        return Outcome::Failed(format!("ALLOCATION: a request of {} MiB", largest >> 20));
    }
    match r {
        Err(p) => Outcome::Failed(format!("PANIC: {}", panic_text(&*p))),
        Ok(Err(e)) => Outcome::Refused(e),
        Ok(Ok(Err(e))) => Outcome::Failed(format!("WRITER: read, then refused by the writer: {e}")),
        Ok(Ok(Ok(written))) => Outcome::Accepted(written),
    }
}

// ---------------------------------------------------------------------------------------
// The run.

/// One corrupted input and what became of it.
struct Case {
    input: usize,
    /// None for the pristine input.
    mutation: Option<Mutation>,
    /// The size of the corrupted input.
    size: usize,
    /// Output ids (stream, file) when Quiver accepted it.
    outputs: Option<(String, Option<String>)>,
}

#[derive(Default)]
struct Run {
    cases: Vec<Case>,
    /// (output id, path, format) for mutation_check.py, each distinct output once.
    outputs: Vec<Value>,
    /// Output bytes' hash -> output id.
    seen: HashMap<u64, String>,
    /// Failures found on Quiver's side: (class, index in `cases`, example).
    failures: Vec<(String, usize, String)>,
    accepted: usize,
    refused: usize,
}

impl Run {
    fn output(&mut self, dir: &Path, bytes: Vec<u8>, format: &str) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut h);
        let key = h.finish();
        if let Some(id) = self.seen.get(&key) {
            return id.clone();
        }
        let id = format!("{}.{format}", self.outputs.len());
        let path = dir.join(&id);
        std::fs::write(&path, bytes).expect("writing Quiver's output");
        self.outputs
            .push(json!({ "id": id, "path": path, "format": format }));
        self.seen.insert(key, id.clone());
        id
    }
}

fn describe(inputs: &[Input], case: &Case) -> String {
    let m = case
        .mutation
        .as_ref()
        .map_or("unmutated".to_owned(), |m| m.desc.clone());
    format!("{} ({} bytes): {m}", inputs[case.input].name, case.size)
}

fn run_input(inputs: &[Input], index: usize, scale: usize, dir: &Path, run: &mut Run) {
    let input = &inputs[index];
    let bytes = std::fs::read(&input.path).expect("reading a pyarrow input");
    let structure = match parse(&bytes, input) {
        Ok(s) => s,
        Err(e) => panic!(
            "{}: the structure walk does not fit the manifest: {e}",
            input.name
        ),
    };
    let mut rng = Rng::for_name(&input.name);
    let muts = mutations(
        &bytes,
        &structure,
        input.compressed,
        &mut rng,
        PER_INPUT * scale,
    );
    let pristine = std::iter::once(None).chain(muts.into_iter().map(Some));
    for mutation in pristine {
        let corrupted = mutation
            .as_ref()
            .map_or_else(|| bytes.clone(), |m| m.apply(&bytes));
        let mut case = Case {
            input: index,
            mutation,
            size: corrupted.len(),
            outputs: None,
        };
        match quiver(corrupted, input) {
            Outcome::Accepted((s, f)) => {
                let ids = (
                    run.output(dir, s, "stream"),
                    f.map(|f| run.output(dir, f, "file")),
                );
                case.outputs = Some(ids);
                run.accepted += usize::from(case.mutation.is_some());
            }
            Outcome::Refused(e) if case.mutation.is_none() => run.failures.push((
                // Without the location ("invalid array at message 5, byte 1456: ").
                format!(
                    "valid pyarrow input refused by Quiver: {}",
                    numbers_out(e.split_once(": ").map_or(&*e, |(_, rest)| rest))
                ),
                run.cases.len(),
                format!("{}\n      Quiver: {e}", describe(inputs, &case)),
            )),
            Outcome::Refused(_) => run.refused += 1,
            Outcome::Failed(e) => {
                let class = e.split(':').next().unwrap_or("").to_owned();
                let example = format!("{}\n      {e}", describe(inputs, &case));
                run.failures.push((class, run.cases.len(), example));
            }
        }
        run.cases.push(case);
    }
}

// ---------------------------------------------------------------------------------------
// The test.

fn python_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name)
}

fn run_python(python: &Path, script: &str, args: &[&Path]) -> String {
    let out = Command::new(python)
        .arg(python_script(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} exited with {}\n--- stderr ---\n{}--- stdout ---\n{stdout}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn quiver_rewrites_of_corrupted_pyarrow_files_pass_pyarrow_full_validation() {
    let Some(python) = quiver_testkit::require_python("pyarrow mutation") else {
        return;
    };
    let scale: usize = std::env::var("QUIVER_MUTATION_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let (in_dir, out_dir) = (tmp.path().join("inputs"), tmp.path().join("outputs"));
    std::fs::create_dir_all(&out_dir).unwrap();
    print!("{}", run_python(&python, "mutation_inputs.py", &[&in_dir]));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(in_dir.join("manifest.json")).expect("the manifest"))
            .expect("JSON");
    let inputs: Vec<Input> = manifest["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(Input::from_json)
        .collect();
    assert!(
        inputs.len() >= 200,
        "mutation_inputs.py wrote only {} inputs",
        inputs.len()
    );

    // Quiver reads and re-writes everything on a named thread, whose panics (caught,
    // and reported as failures) stay quiet. No time limit: the work is bounded by the
    // inputs (tiny) and the allocation limit.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("pyarrow-mutation") {
            default_hook(info);
        }
    }));
    let run = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("pyarrow-mutation".into())
            .spawn_scoped(scope, || {
                let mut run = Run::default();
                for i in 0..inputs.len() {
                    run_input(&inputs, i, scale, &out_dir, &mut run);
                }
                run
            })
            .unwrap()
            .join()
            .expect("the worker died outside catch_unwind")
    });

    // pyarrow judges every distinct output in one process.
    let (outputs_json, results_json) = (
        tmp.path().join("outputs.json"),
        tmp.path().join("results.json"),
    );
    std::fs::write(
        &outputs_json,
        serde_json::to_vec(&json!({ "outputs": run.outputs })).unwrap(),
    )
    .unwrap();
    print!(
        "{}",
        run_python(
            &python,
            "mutation_check.py",
            &[&outputs_json, &results_json]
        )
    );
    let verdicts: HashMap<String, Option<String>> =
        serde_json::from_slice(&std::fs::read(&results_json).expect("results"))
            .expect("results are JSON");

    // Group the failures: Quiver's own, then every accepted input pyarrow rejects.
    let mut classes = Classes::new();
    for (class, index, example) in &run.failures {
        let case = &run.cases[*index];
        let entry = (case.size, example.clone(), case);
        classes.entry(class.clone()).or_default().push(entry);
    }
    let mut rejected = 0;
    for case in &run.cases {
        let Some((s, f)) = &case.outputs else {
            continue;
        };
        let verdict = |id: &String| {
            verdicts
                .get(id)
                .cloned()
                .unwrap_or(Some("mutation_check.py said nothing".into()))
        };
        let (vs, vf) = (verdict(s), f.as_ref().and_then(verdict));
        let Some(first) = vs.clone().or(vf.clone()) else {
            continue;
        };
        rejected += usize::from(case.mutation.is_some());
        let kind = case.mutation.as_ref().map_or("unmutated", |m| m.kind);
        let example = format!(
            "{}\n      Quiver accepted it and wrote it back out\n      pyarrow, Quiver's stream: {}\n      pyarrow, Quiver's file:   {}",
            describe(&inputs, case),
            vs.as_deref().unwrap_or("ok"),
            vf.as_deref().unwrap_or(if f.is_some() {
                "ok"
            } else {
                "(none: stream only)"
            }),
        );
        classes.entry(class_of(&first)).or_default().push((
            case.size,
            format!("[{kind}] {example}"),
            case,
        ));
    }

    let corruptions = run.cases.iter().filter(|c| c.mutation.is_some()).count();
    let line = format!(
        "pyarrow mutation: {} inputs, {corruptions} corruptions, {} accepted and re-written, {} refused, \
         {rejected} rejected by pyarrow (scale {scale}; {} distinct outputs checked; {} failure classes)",
        inputs.len(),
        run.accepted,
        run.refused,
        run.outputs.len(),
        classes.len(),
    );
    println!("{line}");
    eprintln!("{line}");
    // Per mutation kind: corruptions made, and how many of them Quiver accepted.
    let mut kinds: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for case in &run.cases {
        if let Some(m) = &case.mutation {
            let k = kinds.entry(m.kind).or_default();
            k.0 += 1;
            k.1 += usize::from(case.outputs.is_some());
        }
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(k, (n, a))| format!("{k} {n} ({a} accepted)"))
        .collect();
    println!("pyarrow mutation kinds: {}", kinds.join(", "));

    if let Some(save) = std::env::var_os("QUIVER_MUTATION_SAVE") {
        report::save(Path::new(&save), &classes, &inputs);
    }
    let report = report::render(&mut classes, &inputs);
    assert!(
        report.is_empty(),
        "{} failure classes ({line}):\n\n{}",
        classes.len(),
        report.join("\n")
    );
    assert!(
        corruptions >= 1000 * scale,
        "only {corruptions} corruptions at scale {scale}, expected at least {}",
        1000 * scale
    );
    let peak = default_memory_pool().max_memory();
    assert!(
        peak < POOL_LIMIT,
        "the default pool reached {} MiB",
        peak >> 20
    );
}

/// Minimized inputs from this test's failures, kept in `tests/data/mutation-regressions`
/// (no pyarrow needed): Quiver must refuse every `refuse-*` file (pyarrow rejects it, or
/// what Quiver wrote of it) and read every `accept-*` file (pyarrow reads it).
#[test]
fn mutation_regressions_are_refused_or_read_as_named() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mutation-regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/mutation-regressions")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "stream" || x == "arrow_file")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 15, "only {} regression files", files.len());
    let mut wrong = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let is_file = path.extension().is_some_and(|x| x == "arrow_file");
        let bytes = std::fs::read(path).expect("reading a regression file");
        let read = catch_unwind(AssertUnwindSafe(|| quiver_read(bytes, is_file).map(|_| ())));
        match (name.starts_with("refuse-"), read) {
            (_, Err(p)) => wrong.push(format!("{name}: PANIC: {}", panic_text(&*p))),
            (true, Ok(Ok(()))) => wrong.push(format!("{name}: read, but it is invalid")),
            (false, Ok(Err(e))) => wrong.push(format!("{name}: refused, but it is valid: {e}")),
            (true, Ok(Err(e))) => println!("{name}: refused: {e}"),
            (false, Ok(Ok(()))) => println!("{name}: read"),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} regression files:\n{}",
        wrong.len(),
        files.len(),
        wrong.join("\n")
    );
}
