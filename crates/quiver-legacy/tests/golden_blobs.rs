//! Every blob written by real pyarrow 10.0.1 in `shared/testdata/legacy` decodes to
//! exactly its expected value (canonical JSON, floats by bits, sets in any order), from
//! the blob and from its `to_components()` files; and re-encodes to a blob that decodes
//! to the same value. The expected values also build values (`from_canonical`) that
//! serialize and decode back to themselves.
//!
//! The folder is `$QUIVER_LEGACY_TESTDATA`, else `../shared/testdata/legacy` beside the
//! workspace; without it the tests skip loudly (a failure under `CI=true`).

mod common;
use common::*;

use quiver_legacy::canonical::{from_canonical, to_canonical};
use quiver_legacy::{deserialize, deserialize_components, serialize};

#[test]
fn every_blob_decodes_to_its_expected_value() {
    let suite = "quiver-legacy golden blobs";
    let Some(dir) = testdata(suite) else { return };
    let mut failures = Vec::new();
    let mut ran = 0;
    for name in case_names(&dir) {
        ran += 1;
        let want = normalize(&expected(&dir, &name));
        match deserialize(&blob(&dir, &name)) {
            Ok(v) => match to_canonical(&v) {
                Ok(got) if normalize(&got) == want => {}
                Ok(got) => failures.push(format!("{name}:\n  got  {got}\n  want {want}")),
                Err(e) => failures.push(format!("{name}: to_canonical: {e}")),
            },
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    quiver_testkit::expect_cases(suite, ran, CASES);
}

#[test]
fn every_components_set_rebuilds_the_same_value() {
    let suite = "quiver-legacy golden components";
    let Some(dir) = testdata(suite) else { return };
    let mut failures = Vec::new();
    let mut ran = 0;
    for name in case_names(&dir) {
        ran += 1;
        let want = normalize(&expected(&dir, &name));
        match deserialize_components(&components(&dir, &name)) {
            Ok(v) => match to_canonical(&v) {
                Ok(got) if normalize(&got) == want => {}
                Ok(got) => failures.push(format!("{name}:\n  got  {got}\n  want {want}")),
                Err(e) => failures.push(format!("{name}: to_canonical: {e}")),
            },
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    quiver_testkit::expect_cases(suite, ran, CASES);
}

#[test]
fn every_expected_value_rebuilds_serializes_and_decodes_to_itself() {
    let suite = "quiver-legacy from_canonical";
    let Some(dir) = testdata(suite) else { return };
    let mut failures = Vec::new();
    let mut ran = 0;
    for name in case_names(&dir) {
        ran += 1;
        let expected = expected(&dir, &name);
        let result = from_canonical(&expected)
            .and_then(|v| serialize(&v))
            .and_then(|s| deserialize(&s.to_buffer()))
            .and_then(|v| to_canonical(&v));
        match result {
            Ok(got) if normalize(&got) == normalize(&expected) => {}
            Ok(got) => failures.push(format!("{name}:\n  got  {got}\n  want {expected}")),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    quiver_testkit::expect_cases(suite, ran, CASES);
}
