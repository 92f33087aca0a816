//! Printing like pyarrow: a long table shows its first and last rows and a row count,
//! zoned timestamps end in `Z`, fractional seconds have as many digits as the unit,
//! and a batch that does not fit a table's schema is refused with the first field that
//! differs.
//!
//! ```text
//! cargo run --example printing
//! ```

use std::sync::Arc;

use quiver::{Array, DataType, Field, Schema, Table, TimeUnit, record_batch};

fn main() -> quiver::Result<()> {
    // Twelve rows in two batches: the middle rows are elided, as in a pandas frame.
    let first = record_batch(
        vec![
            Array::from((0..6i64).collect::<Vec<_>>()),
            Array::from((0..6).map(|i| format!("row {i}")).collect::<Vec<_>>()),
        ],
        &["n", "label"],
    )?;
    let second = record_batch(
        vec![
            Array::from((6..12i64).collect::<Vec<_>>()),
            Array::from((6..12).map(|i| format!("row {i}")).collect::<Vec<_>>()),
        ],
        &["n", "label"],
    )?;
    let table = Table::from_batches(first.schema().clone(), vec![first, second])?;
    let printed = table.to_string();
    println!("{printed}\n");
    assert_eq!(
        printed,
        concat!(
            "       n   label\n",
            "0      0   row 0\n",
            "1      1   row 1\n",
            "2      2   row 2\n",
            "3      3   row 3\n",
            "4      4   row 4\n",
            "...  ...     ...\n",
            "7      7   row 7\n",
            "8      8   row 8\n",
            "9      9   row 9\n",
            "10    10  row 10\n",
            "11    11  row 11\n",
            "\n",
            "[12 rows x 2 columns]"
        )
    );

    // A timestamp with a time zone holds a UTC instant and is printed with `Z`;
    // the fractional seconds have the unit's digits: 3, 6 or 9.
    let zoned = DataType::Timestamp(TimeUnit::Millisecond, Some(Arc::from("Europe/Paris")));
    let at = Array::from_primitive::<i64>(zoned, [Some(1_500), None])?;
    assert_eq!(at.to_string(), "[1970-01-01 00:00:01.500Z, null]");
    let naive = DataType::Timestamp(TimeUnit::Microsecond, None);
    let at = Array::from_primitive::<i64>(naive, [Some(1)])?;
    assert_eq!(at.to_string(), "[1970-01-01 00:00:00.000001]");
    let nanos = DataType::Timestamp(TimeUnit::Nanosecond, Some(Arc::from("UTC")));
    let at = Array::from_primitive::<i64>(nanos, [Some(2_000_000_000)])?;
    assert_eq!(at.to_string(), "[1970-01-01 00:00:02.000000000Z]");
    println!("{at}\n");

    // A batch whose schema differs is refused, naming the first field that differs.
    let expected = Arc::new(Schema::new(vec![
        Field::new("n", DataType::Int64, true),
        Field::new("label", DataType::Utf8, true),
    ]));
    let other = record_batch(
        vec![Array::from(vec![1i64]), Array::from(vec![2i32])],
        &["n", "label"],
    )?;
    let err = Table::from_batches(expected, vec![other]).unwrap_err();
    println!("{err}");
    assert_eq!(
        err.to_string(),
        "record batch: batch 0 does not match the table's schema: \
         field 1 is `label: int32` but `label: string` was expected"
    );
    Ok(())
}
