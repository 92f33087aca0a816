//! The `quiver` binary over hostile input: the crash corpora of arrow-testing (the
//! clusterfuzz files of `arrow-ipc-stream/` through `stream-to-file`, of `arrow-ipc-file/`
//! through `file-to-stream`, the tensor-stream and forward-compatibility files through
//! both) and a small deterministic set of mutated golden files (through both commands).
//! Stream inputs are also fed through standard input (`-`), the copying path.
//!
//! For every run: exit code 0 or 1 — never 101 (a panic), another code or a signal. Each
//! run's work is bounded by OS resource limits on the child instead of a clock: 60
//! CPU-seconds (`RLIMIT_CPU`, CPU time used, not time elapsed) and 1 GiB of writable
//! memory (`RLIMIT_DATA`); a run stopped by one is reported as `UNBOUNDED WORK` with the
//! input named. On 1: stderr is exactly one line starting with
//! `quiver: `, mentioning neither "panicked" nor "RUST_BACKTRACE", and no output file is
//! left. On 0: stderr is empty and the output reads back with the library, every batch
//! fully valid and equal to what the library reads from the input.
//!
//! The golden files are found through `quiver_testkit` (`QUIVER_ARROW_TESTING`, else
//! `../shared/testdata/arrow-testing` beside the workspace); without them the test skips
//! loudly, which under `CI=true` is a failure. All 138 corpus files and 182 golden files
//! must be found.
//!
//! The limits are set with `setrlimit` in the child between fork and exec, which needs
//! `libc` (a dev-dependency); so this suite runs on Unix only.

#![cfg(unix)]

use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quiver::ipc::{FileReader, StreamReader};
use quiver::{Buffer, BufferReader, RecordBatch};

/// The work one run of the binary may do.
const LIMITS: Limits = Limits {
    cpu_seconds: 60,
    memory: 1 << 30,
};
/// How many conversions run at once.
const PARALLELISM: usize = 2;
/// How many mutated golden files (`QUIVER_CLI_MUTATED` overrides).
fn mutated_count() -> usize {
    std::env::var("QUIVER_CLI_MUTATED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

/// The regular files directly inside `dir`, sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

// ---------------------------------------------------------------------------------------
// A fixed-seed PRNG (xorshift64*) and the mutation set.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A damaged copy of `bytes` and what was done to it. The kinds rotate: truncation,
/// a byte flip near the start (schema and first metadata), a byte flip anywhere, a byte
/// flip in the last eighth (a file's footer), an aligned 8-byte word set to a huge or
/// negative number, an aligned 4-byte word set to a huge or negative `i32`.
fn mutate(bytes: &[u8], kind: usize, rng: &mut Rng) -> (Vec<u8>, String) {
    let n = bytes.len();
    let mut out = bytes.to_vec();
    let mut flip = |out: &mut Vec<u8>, lo: usize, hi: usize| {
        let pos = lo + rng.below((hi - lo).max(1));
        let mask = 1 + rng.below(255) as u8;
        out[pos] ^= mask;
        format!("byte {pos} ^= {mask:#04x}")
    };
    let what = match kind % 6 {
        0 => {
            let cut = rng.below(n);
            out.truncate(cut);
            format!("truncated to {cut} of {n}")
        }
        1 => flip(&mut out, 0, (n / 4).max(1)),
        2 => flip(&mut out, 0, n),
        3 => flip(&mut out, n - (n / 8).max(1), n),
        4 => {
            let pos = rng.below(n / 8) * 8;
            let v = [i64::MAX, i64::MIN, -1, 0x7FFF_FFFF_FFFF][rng.below(4)];
            out[pos..pos + 8].copy_from_slice(&v.to_le_bytes());
            format!("i64 at {pos} = {v:#x}")
        }
        _ => {
            let pos = rng.below(n / 4) * 4;
            let v = [0x7FFF_FFF0, 0x4000_0000, -1, i32::MIN, -8][rng.below(5)];
            out[pos..pos + 4].copy_from_slice(&v.to_le_bytes());
            format!("i32 at {pos} = {v:#x}")
        }
    };
    (out, what)
}

// ---------------------------------------------------------------------------------------
// Running the binary.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    StreamToFile,
    FileToStream,
}

impl Cmd {
    fn name(self) -> &'static str {
        match self {
            Cmd::StreamToFile => "stream-to-file",
            Cmd::FileToStream => "file-to-stream",
        }
    }
}

#[derive(Debug, Clone)]
struct Job {
    cmd: Cmd,
    input: PathBuf,
    /// Feed the input through standard input (`-`) instead of naming it.
    stdin: bool,
    /// What the input is, for messages.
    label: String,
}

// ---------------------------------------------------------------------------------------
// Bounding a child's work with resource limits.

/// Resource limits for a child process: work, not elapsed time.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// CPU time (user and system), in seconds: the child gets `SIGXCPU` when it has used
    /// this much and `SIGKILL` one CPU-second later (in case it survives `SIGXCPU`).
    cpu_seconds: u64,
    /// Private writable memory (heap and anonymous maps), in bytes: past it allocations
    /// fail, which aborts a Rust program.
    memory: u64,
}

/// What one run used: CPU time and peak resident memory.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    cpu: Duration,
    max_rss: u64,
}

/// How a limited run ended.
#[derive(Debug)]
struct Ended {
    status: ExitStatus,
    stderr: String,
    usage: Usage,
}

/// Runs `command` under `limits`, with `stdin` (if any) fed through a pipe, stdout
/// discarded and stderr collected.
fn run_limited(mut command: Command, limits: Limits, stdin: Option<Vec<u8>>) -> Ended {
    let rlimit = |soft: u64, hard: u64| libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // Built here, so the child only reads them.
    let rlimits = [
        (
            libc::RLIMIT_CPU,
            rlimit(limits.cpu_seconds, limits.cpu_seconds + 1),
        ),
        (libc::RLIMIT_DATA, rlimit(limits.memory, limits.memory)),
        // No core file when SIGXCPU or an abort ends the child.
        (libc::RLIMIT_CORE, rlimit(0, 0)),
    ];
    // SAFETY: the closure runs in the forked child before exec, where only
    // async-signal-safe calls are allowed (another thread of this test may have held a
    // lock, e.g. the allocator's, at the fork). It allocates nothing and takes no lock:
    // it reads the array above, which was moved in by value, calls `setrlimit` — in
    // glibc and musl a bare system call (prlimit64/setrlimit) that touches only its
    // arguments and `errno` — and builds an `io::Error` from `errno`, which is a plain
    // integer and does not allocate.
    unsafe {
        command.pre_exec(move || {
            for (resource, limit) in &rlimits {
                if libc::setrlimit(*resource, limit) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by `wait4` in `wait_with_usage`, which also reports what it used"
    )]
    let mut child = command.spawn().expect("starting a child process");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("a stdin pipe");
        // A writer thread, so a child that stops reading early cannot block the test.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let mut stderr = Vec::new();
    let _ = child
        .stderr
        .take()
        .expect("a stderr pipe")
        .read_to_end(&mut stderr);
    let (status, usage) = wait_with_usage(&child).expect("waiting for a child process");
    Ended {
        status,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        usage,
    }
}

/// Waits for `child` (which must not have been waited for) and returns its exit status
/// and what it used, as the kernel accounted it.
fn wait_with_usage(child: &Child) -> io::Result<(ExitStatus, Usage)> {
    let pid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
    let mut status = 0;
    // SAFETY: `rusage` is a C struct of integers, for which all zero bytes are valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (`Child` only reaps in `wait`,
        // `try_wait` and `kill`, which are never called on it); `status` and `usage` are
        // live locals the call writes into.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let usage = Usage {
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        // Linux reports kilobytes.
        max_rss: (usage.ru_maxrss as u64) << 10,
    };
    Ok((ExitStatus::from_raw(status), usage))
}

/// `Some(why)` when a limit stopped the run: `SIGXCPU` at the CPU limit, `SIGKILL` past
/// the hard CPU limit (or from the kernel, out of memory), or an abort after a failed
/// allocation at the memory limit.
fn unbounded(ended: &Ended, limits: Limits) -> Option<String> {
    match ended.status.signal()? {
        libc::SIGXCPU => Some(format!(
            "UNBOUNDED WORK: killed by SIGXCPU at the limit of {} CPU-seconds",
            limits.cpu_seconds
        )),
        libc::SIGKILL => Some(format!(
            "UNBOUNDED WORK: killed by SIGKILL past the hard limit of {} CPU-seconds (or out \
             of memory)",
            limits.cpu_seconds + 1
        )),
        libc::SIGABRT if ended.stderr.contains("memory allocation of") => Some(format!(
            "UNBOUNDED WORK: out of memory at the limit of {} MiB",
            limits.memory >> 20
        )),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Reading back.

fn read_stream(bytes: Buffer) -> Result<Vec<RecordBatch>, quiver::Error> {
    let reader = StreamReader::try_new(BufferReader::new(bytes))?;
    let mut batches = Vec::new();
    for b in reader {
        batches.push(b?);
    }
    Ok(batches)
}

fn read_file(bytes: Buffer) -> Result<Vec<RecordBatch>, quiver::Error> {
    let reader = FileReader::try_new(bytes)?;
    reader
        .batches()
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}

/// The batches `cmd` reads from `input` (as the library reads it).
fn read_input(cmd: Cmd, input: &[u8]) -> Result<Vec<RecordBatch>, quiver::Error> {
    let bytes = Buffer::from_vec(input.to_vec());
    match cmd {
        Cmd::StreamToFile => read_stream(bytes),
        Cmd::FileToStream => read_file(bytes),
    }
}

/// What a run ended as.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Converted,
    Rejected,
}

/// Runs one job, noting what it used in `usage`; `Err` describes a broken contract.
fn run(job: &Job, out: &Path, usage: &mut Usage) -> Result<Outcome, String> {
    let describe = |what: &str| {
        format!(
            "`quiver {} {} {}` on {}: {what}",
            job.cmd.name(),
            if job.stdin {
                "-".into()
            } else {
                job.input.display().to_string()
            },
            out.display(),
            job.label
        )
    };
    let input = std::fs::read(&job.input).map_err(|e| describe(&format!("reading input: {e}")))?;
    let mut command = Command::new(env!("CARGO_BIN_EXE_quiver"));
    command
        .arg(job.cmd.name())
        .arg(if job.stdin {
            Path::new("-")
        } else {
            job.input.as_path()
        })
        .arg(out)
        .env_remove("RUST_BACKTRACE");
    let ended = run_limited(command, LIMITS, job.stdin.then(|| input.clone()));
    *usage = ended.usage;
    if let Some(why) = unbounded(&ended, LIMITS) {
        return Err(describe(&why));
    }
    let Ended { status, stderr, .. } = ended;
    let show = |what: &str| describe(&format!("{what} (exit {status})\n--- stderr ---\n{stderr}"));
    match status.code() {
        Some(0) => {
            if !stderr.is_empty() {
                return Err(show("succeeded but wrote to stderr"));
            }
            let written = std::fs::read(out).map_err(|e| show(&format!("no output: {e}")))?;
            let written = Buffer::from_vec(written);
            let batches = match job.cmd {
                Cmd::StreamToFile => read_file(written),
                Cmd::FileToStream => read_stream(written),
            }
            .map_err(|e| show(&format!("the output does not read back: {e}")))?;
            for b in &batches {
                for c in b.columns() {
                    c.validate_full()
                        .map_err(|e| show(&format!("an output column is invalid: {e}")))?;
                }
            }
            let expected = read_input(job.cmd, &input).map_err(|e| {
                show(&format!(
                    "converted, but the library rejects the input: {e}"
                ))
            })?;
            if expected.len() != batches.len()
                || expected.iter().zip(&batches).any(|(a, b)| !a.equals(b))
            {
                return Err(show("the output's batches differ from the input's"));
            }
            Ok(Outcome::Converted)
        }
        Some(1) => {
            let lines = stderr.lines().count();
            if lines != 1
                || !stderr.starts_with("quiver: ")
                || stderr.contains("panicked")
                || stderr.contains("RUST_BACKTRACE")
            {
                return Err(show("failure is not one clean `quiver: ` line"));
            }
            if out.exists() {
                return Err(show("failed but left an output file"));
            }
            Ok(Outcome::Rejected)
        }
        Some(101) => Err(show("PANIC")),
        Some(_) => Err(show("unexpected exit code")),
        None => Err(show("killed by a signal")),
    }
}

#[derive(Debug, Default)]
struct Totals {
    converted: usize,
    rejected: usize,
    problems: Vec<String>,
    /// The run that used the most CPU time, and the one with the largest peak resident
    /// memory, with their inputs.
    most_cpu: (Duration, String),
    most_memory: (u64, String),
}

#[test]
fn cli_never_panics_on_crash_corpora_and_mutated_golden_files() {
    let Some(root) = quiver_testkit::require_arrow_testing("cli corpus") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut jobs = Vec::new();
    let mut add = |cmd, input: &Path, stdin, label: &str| {
        jobs.push(Job {
            cmd,
            input: input.to_path_buf(),
            stdin,
            label: label.to_owned(),
        })
    };
    let (mut corpus, mut mutated) = (0, 0);
    for f in files_in(&root.join("arrow-ipc-stream")) {
        add(Cmd::StreamToFile, &f, false, "stream crash corpus");
        add(Cmd::StreamToFile, &f, true, "stream crash corpus");
        corpus += 1;
    }
    for f in files_in(&root.join("arrow-ipc-file")) {
        add(Cmd::FileToStream, &f, false, "file crash corpus");
        corpus += 1;
    }
    for dir in ["arrow-ipc-tensor-stream", "forward-compatibility"] {
        for f in files_in(&root.join(dir)) {
            add(Cmd::StreamToFile, &f, false, dir);
            add(Cmd::StreamToFile, &f, true, dir);
            add(Cmd::FileToStream, &f, false, dir);
            corpus += 1;
        }
    }

    // The mutated golden files.
    let mut golden = Vec::new();
    for producer in dirs_in(&root.join("arrow-ipc-stream/integration")) {
        golden.extend(files_in(&producer).into_iter().filter(|p| {
            p.extension()
                .is_some_and(|x| x == "stream" || x == "arrow_file")
        }));
    }
    golden.sort();
    quiver_testkit::expect_cases("cli corpus (crash corpus files)", corpus, 138);
    quiver_testkit::expect_cases("cli corpus (golden files to mutate)", golden.len(), 182);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mutated_dir = tmp.path().join("mutated");
    std::fs::create_dir(&mutated_dir).unwrap();
    for i in 0..mutated_count() {
        let source = &golden[rng.below(golden.len())];
        let bytes = std::fs::read(source).unwrap();
        let (damaged, what) = mutate(&bytes, i, &mut rng);
        let is_stream = source.extension().is_some_and(|x| x == "stream");
        let path = mutated_dir.join(format!(
            "{i:03}.{}",
            if is_stream { "stream" } else { "arrow_file" }
        ));
        std::fs::write(&path, damaged).unwrap();
        let label = format!(
            "mutated {} ({what})",
            source.strip_prefix(&root).unwrap_or(source).display()
        );
        add(Cmd::StreamToFile, &path, false, &label);
        add(Cmd::FileToStream, &path, false, &label);
        if is_stream && i % 4 == 0 {
            add(Cmd::StreamToFile, &path, true, &label);
        }
        mutated += 1;
    }

    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let totals = Arc::new(Mutex::new(Totals::default()));
    let outputs = tmp.path().join("out");
    std::fs::create_dir(&outputs).unwrap();
    let workers: Vec<_> = (0..PARALLELISM)
        .map(|_| {
            let (jobs, next, totals, outputs) = (
                Arc::clone(&jobs),
                Arc::clone(&next),
                Arc::clone(&totals),
                outputs.clone(),
            );
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { break };
                    let out = outputs.join(format!("{i}.out"));
                    let mut usage = Usage::default();
                    let r = run(job, &out, &mut usage);
                    let _ = std::fs::remove_file(&out);
                    let mut t = totals.lock().unwrap();
                    let what = || {
                        let input = job.input.file_name().unwrap_or_default().display();
                        format!("{} {input}: {}", job.cmd.name(), job.label)
                    };
                    if usage.cpu > t.most_cpu.0 {
                        t.most_cpu = (usage.cpu, what());
                    }
                    if usage.max_rss > t.most_memory.0 {
                        t.most_memory = (usage.max_rss, what());
                    }
                    match r {
                        Ok(Outcome::Converted) => t.converted += 1,
                        Ok(Outcome::Rejected) => t.rejected += 1,
                        Err(e) => t.problems.push(e),
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a CLI worker panicked");
    }

    let t = totals.lock().unwrap();
    println!(
        "cli corpus: {corpus} corpus files and {mutated} mutated golden files, {} runs: {} \
         converted, {} rejected cleanly, {} broken contracts",
        jobs.len(),
        t.converted,
        t.rejected,
        t.problems.len()
    );
    println!(
        "cli corpus: most CPU time in one run {:.2} s of the {} CPU-second limit ({}); \
         largest peak resident memory {} MiB of the {} MiB writable-memory limit ({})",
        t.most_cpu.0.as_secs_f64(),
        LIMITS.cpu_seconds,
        t.most_cpu.1,
        t.most_memory.0 >> 20,
        LIMITS.memory >> 20,
        t.most_memory.1
    );
    assert!(t.problems.is_empty(), "{}", t.problems.join("\n\n"));
    quiver_testkit::expect_cases("cli corpus (runs)", t.converted + t.rejected, jobs.len());
}

/// The directories directly inside `dir`, sorted.
fn dirs_in(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The limits themselves, on children that never finish: one that spins is stopped by
/// the CPU limit, one that ignores `SIGXCPU` by the hard CPU limit, one that allocates
/// without end by the memory limit; each is reported as `UNBOUNDED WORK`.
#[test]
fn children_working_without_end_are_reported_as_unbounded_work() {
    let small = Limits {
        cpu_seconds: 1,
        memory: 256 << 20,
    };
    let sh = |script: &str| {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    };
    let ended = run_limited(sh("while :; do :; done"), small, None);
    assert_eq!(
        unbounded(&ended, small).as_deref(),
        Some("UNBOUNDED WORK: killed by SIGXCPU at the limit of 1 CPU-seconds"),
        "{ended:?}"
    );
    let ended = run_limited(sh("trap '' XCPU; while :; do :; done"), small, None);
    assert_eq!(
        unbounded(&ended, small).as_deref(),
        Some(
            "UNBOUNDED WORK: killed by SIGKILL past the hard limit of 2 CPU-seconds (or out of \
             memory)"
        ),
        "{ended:?}"
    );
    let mut allocating = Command::new(std::env::current_exe().expect("this test's binary"));
    allocating
        .args(["--exact", "allocating_child", "--nocapture"])
        .env(ALLOCATE, "1");
    let ended = run_limited(allocating, small, None);
    assert_eq!(
        unbounded(&ended, small).as_deref(),
        Some("UNBOUNDED WORK: out of memory at the limit of 256 MiB"),
        "{ended:?}"
    );
}

/// Set (by the check above) for the child that allocates without end.
const ALLOCATE: &str = "QUIVER_CLI_CORPUS_ALLOCATE_WITHOUT_END";

/// Not a check of its own: the child of the memory-limit check, run from this binary.
/// Without [`ALLOCATE`] in its environment it does nothing; with it, it allocates and
/// fills 16 MiB blocks until an allocation fails.
#[test]
fn allocating_child() {
    if std::env::var_os(ALLOCATE).is_none() {
        return;
    }
    let mut held = Vec::new();
    loop {
        held.push(vec![1u8; 16 << 20]);
    }
}
