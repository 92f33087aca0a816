//! Every file of arrow-testing's crash corpora (the clusterfuzz cases of Arrow C++, the
//! tensor-stream cases and the forward-compatibility file), fed to both readers and
//! through every batch: a clean `Err` or valid data, never a panic.
//!
//! arrow-testing is found through `quiver_testkit`; without it the tests skip loudly,
//! which under `CI=true` is a failure.

use std::panic::{AssertUnwindSafe, catch_unwind};

use quiver::ipc::{FileReader, StreamReader};
use quiver::{Buffer, BufferReader};

/// Reads `bytes` as a stream and as a file, every batch, validating what comes out.
/// Returns how many of the two readers accepted the input.
fn read_everything(bytes: &Buffer) -> usize {
    let mut accepted = 0;
    let stream = (|| -> Result<(), quiver::Error> {
        let reader = StreamReader::try_new(BufferReader::new(bytes.clone()))?;
        for batch in reader {
            for col in batch?.columns() {
                col.validate_full()?;
            }
        }
        Ok(())
    })();
    accepted += usize::from(stream.is_ok());
    let file = (|| -> Result<(), quiver::Error> {
        let reader = FileReader::try_new(bytes.clone())?;
        for batch in reader.batches() {
            for col in batch?.columns() {
                col.validate_full()?;
            }
        }
        Ok(())
    })();
    accepted += usize::from(file.is_ok());
    accepted
}

#[test]
fn crash_corpus_never_panics() {
    let Some(root) = quiver_testkit::require_arrow_testing("crash corpus") else {
        return;
    };
    let mut files = Vec::new();
    for dir in [
        "arrow-ipc-stream",
        "arrow-ipc-file",
        "arrow-ipc-tensor-stream",
        "forward-compatibility",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_file() {
                files.push(e.path());
            }
        }
    }
    files.sort();
    let mut panics = Vec::new();
    let mut accepted = 0;
    for path in &files {
        let bytes = Buffer::from_vec(std::fs::read(path).expect("corpus file is readable"));
        match catch_unwind(AssertUnwindSafe(|| read_everything(&bytes))) {
            Ok(n) => accepted += usize::from(n > 0),
            Err(_) => panics.push(path.display().to_string()),
        }
    }
    eprintln!(
        "crash corpus: {} files, {} read as valid data by at least one reader, {} rejected cleanly, {} panics",
        files.len(),
        accepted,
        files.len() - accepted - panics.len(),
        panics.len()
    );
    assert!(panics.is_empty(), "panicked on: {panics:#?}");
    quiver_testkit::expect_cases("crash corpus", files.len(), 138);
}

#[test]
fn future_metadata_version_is_named() {
    let Some(root) = quiver_testkit::require_arrow_testing("forward compatibility") else {
        return;
    };
    let bytes = Buffer::from_vec(
        std::fs::read(root.join("forward-compatibility/schema_v6.arrow")).unwrap(),
    );
    let err = FileReader::try_new(bytes.clone()).unwrap_err().to_string();
    let err2 = StreamReader::try_new(BufferReader::new(bytes))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("newer than this reader knows")
            || err2.contains("newer than this reader knows"),
        "file: {err}\nstream: {err2}"
    );
}
