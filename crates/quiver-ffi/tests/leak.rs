//! The sanitizer-free leak check: every private-data owner Quiver creates (exports) and
//! every imported handle is counted, and after everything is dropped both counts are
//! back to zero. One test in its own binary, so no other test moves the counters.

mod common;

use std::sync::Arc;

use quiver_array::{Array, RecordBatch};
use quiver_ffi::{
    ArrowArrayStreamReader, export_array, export_data_type, export_reader, export_record_batch,
    export_schema, import_array, import_record_batch, live_exports, live_imports,
};

#[test]
fn every_owner_is_released() {
    assert_eq!((live_exports(), live_imports()), (0, 0));
    let suite = "ffi leak check";
    let Some(files) = common::golden(suite) else {
        return;
    };
    let mut kept = Vec::new();
    let mut cases = 0;
    for (_, schema, batches) in &files {
        let c_schema = export_schema(schema).unwrap();
        for batch in batches {
            let c = export_record_batch(batch).unwrap();
            // SAFETY: live exports.
            let back = unsafe { import_record_batch(c, &c_schema) }.unwrap();
            // Keep a slice of the first column of each batch alive past the loop: it
            // alone holds the import (and through it the export) open.
            if let Some(col) = back.columns().first().filter(|c| !c.is_empty()) {
                kept.push(col.slice(0, 1));
            }
        }
        let stream = export_reader(
            Arc::new(schema.clone()),
            batches.clone().into_iter().map(Ok::<_, String>),
        );
        // SAFETY: a live export.
        let reader = unsafe { ArrowArrayStreamReader::try_new(stream) }.unwrap();
        let all: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        kept.extend(all.iter().filter_map(|b| b.columns().first().cloned()));
        cases += 1;
    }
    assert!(live_imports() > 0, "the kept slices hold their imports");
    assert!(live_exports() > 0, "and the imports hold the exports");
    // An import that fails releases at once.
    let a = Array::from(vec![Some("x"), None]);
    let c = export_array(&a).unwrap();
    let wrong = export_data_type(&quiver_array::DataType::Int64).unwrap();
    // SAFETY: live exports (of mismatched types: the import must refuse).
    assert!(unsafe { import_array(c, &wrong) }.is_err());
    drop(wrong);

    // Zero-copy, measured: a round trip of pool-allocated columns allocates no pool
    // memory (nothing is copied).
    let mut b = quiver_array::StringBuilder::new();
    for i in 0..100_000 {
        b.append_value(format!("value {i}"));
    }
    let big = RecordBatch::try_from_columns(vec![b.finish().unwrap()], &["s"]).unwrap();
    let pool_before = quiver_buffer::total_allocated_bytes();
    let c = export_record_batch(&big).unwrap();
    let c_schema = export_schema(big.schema()).unwrap();
    // SAFETY: live exports.
    let back = unsafe { import_record_batch(c, &c_schema) }.unwrap();
    assert!(back.equals(&big));
    assert_eq!(
        quiver_buffer::total_allocated_bytes(),
        pool_before,
        "the round trip copied"
    );
    drop((back, c_schema, big));
    drop(kept);
    assert_eq!((live_exports(), live_imports()), (0, 0), "an owner leaked");
    quiver_testkit::expect_cases(suite, cases, common::MIN_CASES);
}
