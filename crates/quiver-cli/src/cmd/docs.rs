//! `quiver completions SHELL`, and the hidden `quiver generate-docs DIR` that writes the
//! committed shell completions and man pages (`cargo xtask codegen` runs it).
//!
//! Both are generated from the clap definition of the whole command line, which the
//! caller passes in (`Cli::command()`), so they can never describe another tool than the
//! one that is built.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::CliError;

/// The name of the binary the completions complete.
const BIN: &str = "quiver";

/// A shell `quiver completions` writes a completion script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU Bash.
    Bash,
    /// Z shell.
    Zsh,
    /// The friendly interactive shell.
    Fish,
}

impl Shell {
    /// Every shell, in the order the files are generated.
    pub const ALL: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

    fn generator(self) -> clap_complete::Shell {
        match self {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        }
    }

    /// The name the shell looks the script up under: `quiver.bash`, `_quiver`,
    /// `quiver.fish`.
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "quiver.bash",
            Shell::Zsh => "_quiver",
            Shell::Fish => "quiver.fish",
        }
    }
}

/// Examples for `quiver completions --help`.
pub const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  quiver completions bash > ~/.local/share/bash-completion/completions/quiver
  quiver completions zsh > ~/.zfunc/_quiver      (with fpath+=(~/.zfunc) in ~/.zshrc)
  quiver completions fish > ~/.config/fish/completions/quiver.fish
  source <(quiver completions bash)              for the current bash session only";

/// Arguments of `quiver completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The first argument that asks for the hidden `quiver generate-docs DIR`.
const GENERATE_DOCS: &str = "generate-docs";

/// `Some(DIR)` when the command line is exactly `quiver generate-docs DIR`.
///
/// That command is not part of the clap definition (`Cli`) on purpose: clap_complete
/// completes hidden subcommands too, so the scripts it writes would offer it.
pub fn generate_docs_dir() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    match (args.next(), args.next(), args.next()) {
        (Some(first), Some(dir), None) if first == GENERATE_DOCS => Some(PathBuf::from(dir)),
        _ => None,
    }
}

/// The completion script for `shell`.
pub fn completion_script(shell: Shell, mut command: clap::Command) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell.generator(), &mut command, BIN, &mut script);
    script
}

/// `quiver completions SHELL`: the completion script on standard output.
pub fn completions(args: &CompletionsArgs, command: clap::Command) -> Result<(), CliError> {
    let script = completion_script(args.shell, command);
    let mut out = std::io::stdout().lock();
    // `quiver completions bash | head`: a closed pipe ends the command quietly.
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(CliError::stdout)
}

/// `quiver generate-docs DIR`: writes `DIR/completions/` (one script per [`Shell`]) and
/// `DIR/man/` (`quiver.1` and one page per subcommand, like `quiver-legacy-decode.1`).
pub fn generate_docs(dir: &Path, command: clap::Command) -> Result<(), CliError> {
    let completions = dir.join("completions");
    create_dir(&completions)?;
    for shell in Shell::ALL {
        let path = completions.join(shell.file_name());
        let script = completion_script(shell, command.clone());
        fs::write(&path, script).map_err(|e| write_error(&path, &e))?;
    }
    let man = dir.join("man");
    create_dir(&man)?;
    clap_mangen::generate_to(command, &man).map_err(|e| write_error(&man, &e))
}

fn create_dir(dir: &Path) -> Result<(), CliError> {
    fs::create_dir_all(dir).map_err(|e| {
        CliError::new(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })
}

fn write_error(path: &Path, e: &std::io::Error) -> CliError {
    CliError::new(format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// The committed files, beside `src/`.
    fn committed(dir: &str, name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(name);
        fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `cargo xtask codegen` and commit the result",
                path.display()
            )
        })
    }

    /// The full names (`legacy decode`) of every visible subcommand, nested ones too.
    fn subcommands(command: &clap::Command, prefix: &str, names: &mut Vec<String>) {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("{prefix}{}", sub.get_name());
            subcommands(sub, &format!("{name} "), names);
            names.push(name);
        }
    }

    #[test]
    fn the_committed_completions_and_man_pages_cover_every_subcommand() {
        let mut names = Vec::new();
        subcommands(&crate::Cli::command(), "", &mut names);
        assert!(names.contains(&"completions".to_owned()), "{names:?}");
        assert!(names.contains(&"legacy decode".to_owned()), "{names:?}");
        for shell in Shell::ALL {
            let script = committed("completions", shell.file_name());
            for name in &names {
                // How each script offers a subcommand's name as a completion.
                let leaf = name.rsplit(' ').next().unwrap_or(name);
                let offered = match shell {
                    Shell::Bash => format!(",{leaf})"),
                    Shell::Zsh => format!("'{leaf}:"),
                    Shell::Fish => format!("-a \"{leaf}\""),
                };
                assert!(
                    script.contains(&offered),
                    "{} does not offer `quiver {name}` ({offered}): run `cargo xtask codegen` \
                     and commit the result",
                    shell.file_name()
                );
            }
            assert!(
                !script.contains(GENERATE_DOCS),
                "{} completes the hidden generate-docs",
                shell.file_name()
            );
        }
        for name in &names {
            let page = format!("quiver-{}.1", name.replace(' ', "-"));
            let text = committed("man", &page);
            assert!(text.contains(".TH quiver-"), "{page}: {text}");
        }
        assert!(committed("man", "quiver.1").contains(".TH quiver 1"));
    }

    #[test]
    fn the_bash_script_completes_the_binary_named_quiver() {
        let script = String::from_utf8(completion_script(Shell::Bash, crate::Cli::command()))
            .unwrap_or_default();
        assert!(
            script.contains("complete -F _quiver -o nosort -o bashdefault -o default quiver"),
            "{script}"
        );
    }
}
