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

use std::path::Path;

use quiver_legacy::canonical::{from_canonical, to_canonical};
use quiver_legacy::{Result, deserialize, deserialize_components, serialize};
use serde_json::Value as Json;

/// Runs `canonical_of` on every golden case and compares its result with the case's
/// expected value; fails listing every case that differs or errs, and asserts the count.
fn check_every_case(suite: &str, canonical_of: impl Fn(&Path, &str) -> Result<Json>) {
    let Some(dir) = testdata(suite) else { return };
    let mut failures = Vec::new();
    let mut ran = 0;
    for name in case_names(&dir) {
        ran += 1;
        let want = normalize(&expected(&dir, &name));
        match canonical_of(&dir, &name) {
            Ok(got) if normalize(&got) == want => {}
            Ok(got) => failures.push(format!("{name}:\n  got  {got}\n  want {want}")),
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
fn every_blob_decodes_to_its_expected_value() {
    check_every_case("quiver-legacy golden blobs", |dir, name| {
        to_canonical(&deserialize(&blob(dir, name))?)
    });
}

#[test]
fn every_components_set_rebuilds_the_same_value() {
    check_every_case("quiver-legacy golden components", |dir, name| {
        to_canonical(&deserialize_components(&components(dir, name))?)
    });
}

#[test]
fn every_expected_value_rebuilds_serializes_and_decodes_to_itself() {
    check_every_case("quiver-legacy from_canonical", |dir, name| {
        let v = from_canonical(&expected(dir, name))?;
        to_canonical(&deserialize(&serialize(&v)?.to_buffer())?)
    });
}
