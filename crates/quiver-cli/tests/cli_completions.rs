//! `quiver completions SHELL` prints exactly the committed script (so the committed
//! scripts are fresh: after changing the command line, run `cargo xtask codegen`), an
//! unknown shell is a usage error, and the hidden `quiver generate-docs DIR` writes the
//! committed completions and man pages.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn quiver(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quiver"))
        .args(args)
        .output()
        .expect("running the quiver binary")
}

fn committed(path: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn completions_print_the_committed_script_of_each_shell() {
    for (shell, file) in [
        ("bash", "quiver.bash"),
        ("zsh", "_quiver"),
        ("fish", "quiver.fish"),
    ] {
        let out = quiver(&["completions", shell]);
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(0), ""),
            "quiver completions {shell}"
        );
        assert!(
            out.stdout == committed(&format!("completions/{file}")),
            "`quiver completions {shell}` differs from completions/{file}: run `cargo xtask \
             codegen` and commit the result"
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = quiver(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: invalid value 'tcsh' for '<SHELL>'\n  [possible values: bash, zsh, fish]"
        ),
        "{stderr}"
    );
}

#[test]
fn generate_docs_writes_the_committed_completions_and_man_pages() {
    let dir = tempfile::tempdir().unwrap();
    let out = quiver(&["generate-docs", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    for sub in ["completions", "man"] {
        let mut names: Vec<String> = fs::read_dir(dir.path().join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut expected: Vec<String> =
            fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(sub))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        expected.sort();
        assert_eq!(names, expected, "{sub}: run `cargo xtask codegen`");
        for name in &names {
            let fresh = fs::read(dir.path().join(sub).join(name)).unwrap();
            assert!(
                fresh == committed(&format!("{sub}/{name}")),
                "{sub}/{name} is stale: run `cargo xtask codegen` and commit the result"
            );
        }
    }
    // Pages that must exist whatever other subcommands are added.
    for page in [
        "quiver.1",
        "quiver-file-to-stream.1",
        "quiver-stream-to-file.1",
        "quiver-legacy-decode.1",
        "quiver-completions.1",
    ] {
        assert!(dir.path().join("man").join(page).is_file(), "{page}");
    }
}

#[test]
fn generate_docs_with_other_arguments_is_not_a_command() {
    let out = quiver(&["generate-docs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: unrecognized subcommand 'generate-docs'"),
        "{out:?}"
    );
}
