//! Looking up fields and columns: by index and by name on a `Schema`, a `RecordBatch`
//! and a `Table`, all with the same names and all returning a `Result`, whose error
//! says what is there when a lookup finds nothing.
//!
//! ```text
//! cargo run --example accessors
//! ```

use quiver::{Array, ArrayError, Table, record_batch};

fn main() -> quiver::Result<()> {
    let batch = record_batch(
        vec![
            Array::from(vec![1i64, 2, 3]),
            Array::from(vec![Some("ann"), None, Some("cy")]),
            Array::from(vec![0.5f64, 1.5, 2.5]),
        ],
        &["id", "name", "score"],
    )?;

    // Schema: field(i), field_with_name(name), index_of(name); fields() for all.
    let schema = batch.schema();
    assert_eq!(schema.field(1)?.to_string(), "name: string");
    assert_eq!(
        schema.field_with_name("score")?.to_string(),
        "score: double"
    );
    assert_eq!(schema.index_of("score")?, 2);
    assert_eq!(schema.fields().len(), 3);
    println!("schema:\n{schema}\n");

    // RecordBatch: column(i), column_by_name(name); columns() for all.
    assert_eq!(batch.column(0)?.to_string(), "[1, 2, 3]");
    assert_eq!(
        batch.column_by_name("name")?.to_string(),
        r#"["ann", null, "cy"]"#
    );
    let scores = batch.column_by_name("score")?.as_primitive::<f64>();
    assert_eq!(scores.map(|s| s.to_vec()), Some(vec![0.5, 1.5, 2.5]));
    assert_eq!(batch.columns().len(), 3);

    // Table: the same lookups, giving chunked columns (one chunk per batch).
    let table = Table::from_batches(batch.schema().clone(), vec![batch.clone(), batch.clone()])?;
    let ids = table.column_by_name("id")?;
    assert_eq!((ids.len(), ids.chunks().len()), (6, 2));
    assert_eq!(table.column(2)?.null_count(), 0);
    assert_eq!(table.schema().index_of("name")?, 1);

    // A missing index or name is an error that says what exists.
    let err = batch.column(3).unwrap_err();
    assert_eq!(
        err,
        ArrayError::OutOfBounds {
            what: "column",
            index: 3,
            len: 3
        }
    );
    assert_eq!(err.to_string(), "column 3 is out of bounds for length 3");
    let err = table.column_by_name("nmae").unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"no field named "nmae"; the fields are: id, name, score"#
    );
    assert!(matches!(err, ArrayError::FieldNotFound { .. }));
    assert_eq!(
        schema.field(7).unwrap_err().to_string(),
        "field 7 is out of bounds for length 3"
    );
    println!("missing: {err}");

    // Arrow allows duplicate names; looking one of them up by name is ambiguous.
    let twice = record_batch(
        vec![Array::from(vec![1i8]), Array::from(vec![2i8])],
        &["x", "x"],
    )?;
    let err = twice.column_by_name("x").unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"2 fields are named "x" (at indices 0, 1); look the field up by index instead"#
    );
    assert_eq!(twice.column(1)?.to_string(), "[2]");
    println!("ambiguous: {err}");
    Ok(())
}
