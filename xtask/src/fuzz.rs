//! `cargo xtask fuzz --seconds N`: runs every cargo-fuzz target in `fuzz/`.

use crate::{Failure, Result, capture, repo_root, run};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn main(args: &[String]) -> Result<()> {
    let seconds = parse_seconds(args)?;
    let fuzz_dir = repo_root().join("fuzz");
    if !fuzz_dir.is_dir() {
        return Err(Failure::with_code("no fuzz targets yet (fuzz/ missing)", 2));
    }
    let listing = capture(fuzz_command(&fuzz_dir).arg("list"))
        .map_err(|e| format!("{e}\n(is cargo-fuzz installed? `cargo install cargo-fuzz`)"))?;
    let targets: Vec<&str> = listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if targets.is_empty() {
        return Err(Failure::with_code("`cargo fuzz list` found no targets", 2));
    }
    let mut failed = Vec::new();
    for target in &targets {
        let corpus = seed_corpus(&fuzz_dir, target)?;
        eprintln!("==> fuzz target `{target}` for {seconds}s ({corpus} seed files)");
        let mut cmd = fuzz_command(&fuzz_dir);
        cmd.args(["run", target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            .arg("-rss_limit_mb=4096");
        if let Err(e) = run(&mut cmd) {
            eprintln!("{e}");
            failed.push(*target);
        }
    }
    if failed.is_empty() {
        eprintln!("all {} fuzz targets ran clean", targets.len());
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")).into())
    }
}

fn fuzz_command(fuzz_dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.arg("fuzz")
        .current_dir(fuzz_dir.parent().unwrap_or(fuzz_dir))
        .env("RUSTC_BOOTSTRAP", "1");
    cmd
}

/// Fills `fuzz/corpus/<target>/` (git-ignored) from the golden files, once. Returns the
/// number of files in it.
fn seed_corpus(fuzz_dir: &Path, target: &str) -> Result<usize> {
    let corpus = fuzz_dir.join("corpus").join(target);
    std::fs::create_dir_all(&corpus)
        .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    if target == "extension_metadata" {
        // One byte picks the extension name and storage, the rest is the metadata.
        let seeds: [&[u8]; 5] = [
            b"\x00{\"shape\":[2,3],\"dim_names\":[\"x\",\"y\"],\"permutation\":[1,0]}",
            b"\x05{\"uniform_shape\":[null,3],\"dim_names\":[\"a\",\"b\"]}",
            b"\x12{\"type_name\":\"geo\",\"vendor_name\":\"acme\"}",
            b"\x0a",
            b"\x00{\"shape\":[1e3,-0.5,\"\\u00e9\",[{}]],\"x\":true}",
        ];
        for (i, seed) in seeds.iter().enumerate() {
            let dest = corpus.join(format!("seed-{i:04}"));
            std::fs::write(&dest, seed).map_err(|e| format!("{}: {e}", dest.display()))?;
        }
        return Ok(read_dir(&corpus).len());
    }
    if target == "legacy_deserialize" {
        // The pyarrow 10 legacy blobs (not their component files).
        let legacy = std::env::var_os("QUIVER_LEGACY_TESTDATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("../shared/testdata/legacy"));
        let blobs = read_dir(&legacy).into_iter().filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".bin") && !name.contains(".components.")
        });
        for (i, seed) in blobs.enumerate() {
            let dest = corpus.join(format!("seed-{i:04}"));
            if !dest.exists() {
                std::fs::copy(&seed, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
            }
        }
        return Ok(read_dir(&corpus).len());
    }
    let testing = std::env::var_os("QUIVER_ARROW_TESTING")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/testdata/arrow-testing"));
    let integration = testing.join("arrow-ipc-stream/integration");
    let mut seeds: Vec<PathBuf> = Vec::new();
    let (suffix, extra) = match target {
        "stream_reader" | "message_decoder" => (".stream", Some("arrow-ipc-stream")),
        "file_reader" => (".arrow_file", Some("arrow-ipc-file")),
        _ => (".json.gz", None),
    };
    for producer in read_dir(&integration) {
        seeds.extend(
            read_dir(&producer)
                .into_iter()
                .filter(|p| p.to_string_lossy().ends_with(suffix)),
        );
    }
    if let Some(dir) = extra {
        seeds.extend(
            read_dir(&testing.join(dir))
                .into_iter()
                .filter(|p| p.is_file()),
        );
    }
    for (i, seed) in seeds.iter().enumerate() {
        let dest = corpus.join(format!("seed-{i:04}"));
        if dest.exists() {
            continue;
        }
        if suffix == ".json.gz" {
            let out = Command::new("gzip")
                .arg("-dc")
                .arg(seed)
                .output()
                .map_err(|e| format!("gzip: {e}"))?;
            std::fs::write(&dest, out.stdout).map_err(|e| format!("{}: {e}", dest.display()))?;
        } else {
            std::fs::copy(seed, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        }
    }
    Ok(read_dir(&corpus).len())
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| it.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn parse_seconds(args: &[String]) -> Result<u64> {
    match args {
        [flag, value] if flag == "--seconds" => value
            .parse()
            .map_err(|_| Failure::usage(format!("--seconds expects a number, got `{value}`"))),
        _ => Err(Failure::usage("fuzz needs `--seconds N`")),
    }
}
