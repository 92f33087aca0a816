//! Every golden file's batches through the C data interface: Quiver -> C -> Quiver
//! (equal and zero-copy), and Quiver -> C -> arrow-rs -> C -> Quiver (arrow-rs's own
//! full validation accepts what Quiver exports).

mod common;

use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use quiver_array::RecordBatch;
use quiver_ffi::{
    ArrowArray, ArrowArrayStreamReader, ArrowSchema, export_reader, export_record_batch,
    export_schema, import_record_batch, import_schema,
};

#[test]
fn golden_batches_round_trip_zero_copy() {
    let suite = "ffi golden round trip";
    let Some(files) = common::golden(suite) else {
        return;
    };
    let mut cases = 0;
    for (path, schema, batches) in &files {
        let at = path.display();
        let c_schema = export_schema(schema).unwrap();
        // SAFETY: a live export.
        let back = unsafe { import_schema(&c_schema) }.unwrap();
        assert_eq!(&back, schema, "{at}: schema");
        for (b, batch) in batches.iter().enumerate() {
            let c = export_record_batch(batch).unwrap();
            // SAFETY: live exports.
            let got = unsafe { import_record_batch(c, &c_schema) }
                .unwrap_or_else(|e| panic!("{at}: batch {b}: {e}"));
            assert!(got.equals(batch), "{at}: batch {b} differs");
            for (i, (w, g)) in batch.columns().iter().zip(got.columns()).enumerate() {
                common::assert_same_memory(w, g, &format!("{at}: batch {b}, column {i}"));
            }
        }
        cases += 1;
    }
    quiver_testkit::expect_cases(suite, cases, common::MIN_CASES);
}

#[test]
fn golden_files_round_trip_as_streams() {
    let suite = "ffi golden streams";
    let Some(files) = common::golden(suite) else {
        return;
    };
    let mut cases = 0;
    for (path, schema, batches) in files {
        let schema = Arc::new(schema);
        let stream = export_reader(
            schema.clone(),
            batches.clone().into_iter().map(Ok::<_, String>),
        );
        // SAFETY: a live export.
        let reader = unsafe { ArrowArrayStreamReader::try_new(stream) }.unwrap();
        assert_eq!(reader.schema(), &schema, "{}", path.display());
        let got: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), batches.len(), "{}", path.display());
        for (g, w) in got.iter().zip(&batches) {
            assert!(g.equals(w), "{}", path.display());
        }
        cases += 1;
    }
    quiver_testkit::expect_cases(suite, cases, common::MIN_CASES);
}

fn to_arrow_rs_array(a: ArrowArray) -> FFI_ArrowArray {
    // SAFETY: both are the spec's `struct ArrowArray`, `#[repr(C)]` with the same fields;
    // the value moves (no release runs here).
    unsafe { std::mem::transmute::<ArrowArray, FFI_ArrowArray>(a) }
}

fn from_arrow_rs_array(a: FFI_ArrowArray) -> ArrowArray {
    // SAFETY: as in `to_arrow_rs_array`.
    unsafe { std::mem::transmute::<FFI_ArrowArray, ArrowArray>(a) }
}

fn to_arrow_rs_schema(s: ArrowSchema) -> FFI_ArrowSchema {
    // SAFETY: both are the spec's `struct ArrowSchema`, `#[repr(C)]` with the same fields.
    unsafe { std::mem::transmute::<ArrowSchema, FFI_ArrowSchema>(s) }
}

fn from_arrow_rs_schema(s: FFI_ArrowSchema) -> ArrowSchema {
    // SAFETY: as in `to_arrow_rs_schema`.
    unsafe { std::mem::transmute::<FFI_ArrowSchema, ArrowSchema>(s) }
}

#[test]
fn golden_batches_round_trip_through_arrow_rs() {
    let suite = "ffi golden arrow-rs";
    let Some(files) = common::golden(suite) else {
        return;
    };
    let mut cases = 0;
    for (path, schema, batches) in &files {
        let at = path.display();
        // Schema: Quiver -> arrow-rs -> Quiver.
        let theirs =
            arrow_schema::Schema::try_from(&to_arrow_rs_schema(export_schema(schema).unwrap()))
                .unwrap_or_else(|e| panic!("{at}: arrow-rs refuses the schema: {e}"));
        let ours_again = from_arrow_rs_schema(FFI_ArrowSchema::try_from(&theirs).unwrap());
        // SAFETY: a live export of arrow-rs.
        let back = unsafe { import_schema(&ours_again) }.unwrap();
        assert_eq!(&back, schema, "{at}: schema through arrow-rs");
        for (b, batch) in batches.iter().enumerate() {
            let c_schema = to_arrow_rs_schema(export_schema(schema).unwrap());
            let c_array = to_arrow_rs_array(export_record_batch(batch).unwrap());
            // SAFETY: live exports of this process.
            let data = unsafe { from_ffi(c_array, &c_schema) }
                .unwrap_or_else(|e| panic!("{at}: batch {b}: arrow-rs refuses: {e}"));
            data.validate_full()
                .unwrap_or_else(|e| panic!("{at}: batch {b}: arrow-rs validation: {e}"));
            let (array, _) = to_ffi(&data).unwrap();
            let c_ours = from_arrow_rs_schema(c_schema);
            // SAFETY: a live export of arrow-rs, and our own schema.
            let got = unsafe { import_record_batch(from_arrow_rs_array(array), &c_ours) }
                .unwrap_or_else(|e| panic!("{at}: batch {b} back from arrow-rs: {e}"));
            assert!(got.equals(batch), "{at}: batch {b} differs after arrow-rs");
        }
        cases += 1;
    }
    quiver_testkit::expect_cases(suite, cases, common::MIN_CASES);
}
