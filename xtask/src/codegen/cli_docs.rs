//! The `quiver` command line's shell completions (`crates/quiver-cli/completions/`) and
//! man pages (`crates/quiver-cli/man/`), generated from its clap definition by the built
//! binary's hidden `quiver generate-docs DIR`, so they always describe the tool as built.

use super::Scratch;
use crate::{capture, cargo, repo_root};
use std::fs;
use std::path::Path;

/// The CLI crate, relative to the repository root.
const CLI_DIR: &str = "crates/quiver-cli";

/// The generated directories inside [`CLI_DIR`]; every file in them is generated.
const SUBDIRS: [&str; 2] = ["completions", "man"];

/// Regenerates the completions and man pages into the source tree, removing pages of
/// subcommands that are gone.
pub fn write_tree() -> Result<(), String> {
    let scratch = Scratch::new("cli-docs")?;
    generate(scratch.path())?;
    let mut written = 0;
    for sub in SUBDIRS {
        let fresh_dir = scratch.path().join(sub);
        let tree_dir = repo_root().join(CLI_DIR).join(sub);
        fs::create_dir_all(&tree_dir)
            .map_err(|e| format!("creating {}: {e}", tree_dir.display()))?;
        let fresh = files(&fresh_dir)?;
        for name in files(&tree_dir)? {
            if !fresh.contains(&name) {
                let path = tree_dir.join(&name);
                fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
            }
        }
        for name in &fresh {
            let to = tree_dir.join(name);
            fs::copy(fresh_dir.join(name), &to)
                .map_err(|e| format!("copying to {}: {e}", to.display()))?;
            written += 1;
        }
    }
    eprintln!("codegen: wrote {written} files to {CLI_DIR}/{{completions,man}}");
    Ok(())
}

/// Regenerates into a temporary directory and compares with the tree.
pub fn check() -> Result<(), String> {
    let scratch = Scratch::new("cli-docs-check")?;
    generate(scratch.path())?;
    let mut stale = Vec::new();
    for sub in SUBDIRS {
        let fresh_dir = scratch.path().join(sub);
        let tree_dir = repo_root().join(CLI_DIR).join(sub);
        let fresh = files(&fresh_dir)?;
        for name in &fresh {
            let new = fs::read(fresh_dir.join(name))
                .map_err(|e| format!("reading {}/{name}: {e}", fresh_dir.display()))?;
            match fs::read(tree_dir.join(name)) {
                Ok(old) if old == new => {}
                Ok(_) => stale.push(format!("{CLI_DIR}/{sub}/{name}")),
                Err(_) => stale.push(format!("{CLI_DIR}/{sub}/{name} (missing)")),
            }
        }
        for name in files(&tree_dir)? {
            if !fresh.contains(&name) {
                stale.push(format!("{CLI_DIR}/{sub}/{name} (not generated any more)"));
            }
        }
    }
    if stale.is_empty() {
        eprintln!("codegen: {CLI_DIR}/{{completions,man}} are up to date");
        Ok(())
    } else {
        Err(format!(
            "the CLI's completions or man pages are stale:\n  {}\nrun `cargo xtask codegen` \
             and commit the result",
            stale.join("\n  ")
        ))
    }
}

/// Builds the `quiver` binary and has it write `completions/` and `man/` into `out`.
fn generate(out: &Path) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "--package",
        "quiver-cli",
        "--bin",
        "quiver",
        "--",
    ])
    .arg("generate-docs")
    .arg(out);
    capture(&mut cmd).map(drop)
}

/// The sorted names of the files directly in `dir` (empty if it does not exist).
fn files(dir: &Path) -> Result<Vec<String>, String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("listing {}: {e}", dir.display()))?;
        if entry.path().is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}
