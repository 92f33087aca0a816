//! Printing like pyarrow, and errors that name what differs: schema mismatches name
//! the first differing field.

use std::sync::Arc;

use quiver_array::{Array, DataType, Field, RecordBatch, Schema, Table};

fn ints(range: std::ops::Range<i64>) -> Array {
    Array::from(range.collect::<Vec<_>>())
}

#[test]
fn a_table_names_the_first_field_that_differs() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Int64, true),
        Field::new("b", DataType::Int64, true),
    ]));
    let other = RecordBatch::try_from_columns(
        vec![ints(0..2), Array::from(vec![Some("x"), None])],
        &["a", "b"],
    )
    .unwrap();
    let err = Table::from_batches(schema.clone(), vec![other]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "record batch: batch 0 does not match the table's schema: field 1 is `b: string` but `b: int64` was expected"
    );
    let short = RecordBatch::try_from_columns(vec![ints(0..2)], &["a"]).unwrap();
    let err = Table::from_batches(schema, vec![short]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "record batch: batch 0 does not match the table's schema: field 1 `b: int64` is missing"
    );
}

#[test]
fn first_difference_covers_nullability_and_extra_fields() {
    let a = Schema::new(vec![Field::new("a", DataType::Int64, false)]);
    let b = Schema::new(vec![Field::new("a", DataType::Int64, true)]);
    assert_eq!(
        a.first_difference(&b).as_deref(),
        Some("field 0 is `a: int64 not null` but `a: int64` was expected")
    );
    let wider = Schema::new(vec![
        Field::new("a", DataType::Int64, true),
        Field::new("z", DataType::Utf8, true),
    ]);
    assert_eq!(
        wider.first_difference(&b).as_deref(),
        Some("field 1 `z: string` is not expected")
    );
    assert_eq!(b.first_difference(&b), None);
}
