//! `quiver legacy decode` and `quiver legacy encode`: pyarrow's legacy
//! `pyarrow.serialize` blobs (pyarrow 10 and earlier) to and from the canonical tagged
//! JSON form of `quiver::legacy::canonical`.
//!
//! `decode BLOB` prints the value as one JSON document on standard output. `encode
//! VALUE.json OUT` reads a canonical node, or a golden vector's `expected.json` (whose
//! `value` field holds the node), and writes the blob. The blob goes to a temporary file
//! next to `OUT` that is renamed over `OUT` only when everything succeeded; binary
//! output is never written to a terminal.

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read, Write};
use std::path::Path;

use quiver::legacy::canonical::{from_canonical, to_canonical};
use quiver::legacy::{LegacyError, deserialize, serialize};
use serde_json::Value as Json;

use super::CliError;
use super::convert::{Output, describe, is_std, open_random_access};

/// Prints the value of the legacy blob `input` as canonical tagged JSON: one document
/// on one line, or indented with `pretty`.
pub fn decode(input: &Path, pretty: bool) -> Result<(), CliError> {
    let name = describe(input, "from standard input");
    let blob = open_random_access(input)
        .map_err(|e| CliError::new(format!("cannot read legacy blob {name}: {e}")))?;
    let value = deserialize(&blob)
        .map_err(|e| CliError::new(format!("cannot decode legacy blob {name}: {e}")))?;
    let json = to_canonical(&value).map_err(|e| {
        CliError::new(format!(
            "cannot print legacy blob {name} as canonical JSON: {e}"
        ))
    })?;
    let mut text = if pretty {
        serde_json::to_string_pretty(&json)
    } else {
        serde_json::to_string(&json)
    }
    .map_err(|e| CliError::new(format!("cannot print legacy blob {name} as JSON: {e}")))?;
    text.push('\n');
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes()).map_err(CliError::stdout)?;
    out.flush().map_err(CliError::stdout)
}

/// Writes the legacy blob of the canonical JSON in `input` (a node, or an object with
/// the node in its `value` field) to `output`.
pub fn encode(input: &Path, output: &Path) -> Result<(), CliError> {
    if is_std(output) && io::stdout().is_terminal() {
        return Err(CliError::usage(
            "refusing to write a binary legacy blob to a terminal: redirect standard output \
             or give an output file name",
        ));
    }
    let name = describe(input, "from standard input");
    let doc = read_json(input)
        .map_err(|e| CliError::new(format!("cannot read canonical JSON {name}: {e}")))?;
    // A golden vector's expected.json holds the node in "value"; a node has "type".
    let wrapped = doc
        .as_object()
        .filter(|m| !m.contains_key("type"))
        .and_then(|m| m.get("value"));
    let (node, prefix) = match wrapped {
        Some(node) => (node, "$.value"),
        None => (&doc, "$"),
    };
    let value = from_canonical(node).map_err(|e| {
        let e = match e {
            // The node's path, from the root of the file.
            LegacyError::Canonical { location, detail } => {
                let rest = location.strip_prefix('$').unwrap_or(&location);
                format!("canonical JSON at {prefix}{rest}: {detail}")
            }
            other => other.to_string(),
        };
        CliError::new(format!("cannot encode canonical JSON {name}: {e}"))
    })?;
    let blob = serialize(&value)
        .map_err(|e| CliError::new(format!("cannot encode canonical JSON {name}: {e}")))?;
    let write_error = |e: &(dyn std::error::Error + 'static)| {
        CliError::new(format!(
            "cannot write legacy blob {}: {e}",
            describe(output, "to standard output")
        ))
        .quiet_on_broken_pipe(is_std(output), e)
    };
    let (target, mut sink) = Output::create(output).map_err(|e| write_error(&e))?;
    blob.write_to(&mut sink).map_err(|e| write_error(&e))?;
    target.commit(sink).map_err(|e| write_error(&e))
}

/// Parses the JSON document in `path` (`-`: standard input).
fn read_json(path: &Path) -> Result<Json, Box<dyn std::error::Error>> {
    let mut text = Vec::new();
    if is_std(path) {
        io::stdin().lock().read_to_end(&mut text)?;
    } else {
        BufReader::new(File::open(path)?).read_to_end(&mut text)?;
    }
    Ok(serde_json::from_slice(&text)?)
}
