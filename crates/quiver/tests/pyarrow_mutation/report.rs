//! Failure classes: how a rejection is classed, and the report and saved examples of
//! each class.

use std::collections::BTreeMap;
use std::path::Path;

use crate::layout::Input;
use crate::{Case, describe};

/// Failures by class: (input size, example text, case).
pub type Classes<'a> = BTreeMap<String, Vec<(usize, String, &'a Case)>>;

/// The class of a pyarrow rejection: its innermost message, with numbers and hex dumps
/// replaced by `N` (a nested array's error names the outer layers first).
pub fn class_of(msg: &str) -> String {
    let (prefix, inner) = match msg.strip_prefix("reading: ") {
        Some(rest) => ("pyarrow cannot read it: ", rest),
        None => (
            "validate(full=True): ",
            msg.rsplit("nvalid: ").next().unwrap_or(msg),
        ),
    };
    let inner = inner.strip_prefix("ArrowInvalid: ").unwrap_or(inner);
    format!("{prefix}{}", numbers_out(inner))
}

/// `text` (its first 160 characters) with numbers and hex dumps replaced by `N`.
pub fn numbers_out(text: &str) -> String {
    let words: Vec<String> = text
        .split(' ')
        .map(|w| {
            let hex = w.chars().all(|c| c.is_ascii_hexdigit())
                && (w.len() >= 8 || w.chars().any(|c| c.is_ascii_digit()));
            if hex && !w.is_empty() {
                return "N".to_owned();
            }
            let mut out = String::new();
            for c in w.trim_start_matches('-').chars() {
                if !c.is_ascii_digit() {
                    out.push(c);
                } else if !out.ends_with('N') {
                    out.push('N');
                }
            }
            out
        })
        .collect();
    words.join(" ").chars().take(160).collect()
}

/// A file name made of `class`.
fn slug(class: &str) -> String {
    let s: String = class
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .take(12)
        .collect::<Vec<_>>()
        .join("-")
}

/// Saves the smallest input of each class (uncompressed if there is one) in `save`.
pub fn save(save: &Path, classes: &Classes, inputs: &[Input]) {
    std::fs::create_dir_all(save).unwrap();
    for (k, (class, examples)) in classes.iter().enumerate() {
        // The smallest, uncompressed if there is one.
        let smallest = examples
            .iter()
            .min_by_key(|e| (inputs[e.2.input].compressed, e.0));
        if let Some((_, _, case)) = smallest {
            let input = &inputs[case.input];
            let bytes = std::fs::read(&input.path).unwrap();
            let bytes = case
                .mutation
                .as_ref()
                .map_or(bytes.clone(), |m| m.apply(&bytes));
            let ext = if input.is_file {
                "arrow_file"
            } else {
                "stream"
            };
            let file = format!("{k:02}-{}.{ext}", slug(class));
            std::fs::write(save.join(&file), bytes).unwrap();
            println!("saved {file}: {}", describe(inputs, case));
        }
    }
}

/// The report: per class, its size, mutation kinds, input types and up to three
/// examples (the smallest of each of the first three kinds); largest class first.
pub fn render(classes: &mut Classes, inputs: &[Input]) -> Vec<String> {
    let mut report = Vec::new();
    let mut sorted: Vec<_> = classes.iter_mut().collect();
    sorted.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    for (class, examples) in sorted {
        examples.sort_by_key(|e| e.0);
        // How many of each mutation kind, and the smallest example of the first three.
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        let mut cases: BTreeMap<&str, usize> = BTreeMap::new();
        let mut shown = Vec::new();
        for (_, example, case) in examples.iter() {
            let kind = case.mutation.as_ref().map_or("none", |m| m.kind);
            let n = kinds.entry(kind).or_default();
            *n += 1;
            if *n == 1 && shown.len() < 3 {
                shown.push(format!("   - {example}"));
            }
            let name = &inputs[case.input].name;
            *cases
                .entry(name.split('.').next().unwrap_or(name))
                .or_default() += 1;
        }
        let count = |m: &BTreeMap<&str, usize>| {
            m.iter()
                .map(|(k, n)| format!("{k} x{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        report.push(format!(
            "== {class}\n   {} cases; mutations: {}\n   inputs: {}",
            examples.len(),
            count(&kinds),
            count(&cases)
        ));
        report.extend(shown);
    }
    report
}
