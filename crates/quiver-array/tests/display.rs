//! Printing like pyarrow: long tables elided in the middle with a row count, wide
//! cells cut, zoned timestamps marked, fractional seconds at the unit's digits, and
//! schema mismatches that name the first differing field.

use std::sync::Arc;

use quiver_array::{Array, DataType, Field, RecordBatch, Schema, Table, TimeUnit};

fn ints(range: std::ops::Range<i64>) -> Array {
    Array::from(range.collect::<Vec<_>>())
}

#[test]
fn a_long_batch_shows_its_ends_and_a_row_count() {
    // Ten rows are still printed in full.
    let b = RecordBatch::try_from_columns(vec![ints(0..10)], &["n"]).unwrap();
    let want = "   n\n0  0\n1  1\n2  2\n3  3\n4  4\n5  5\n6  6\n7  7\n8  8\n9  9";
    assert_eq!(b.to_string(), want);
    let b = RecordBatch::try_from_columns(vec![ints(0..12), ints(100..112)], &["n", "long_name"])
        .unwrap();
    let want = concat!(
        "       n  long_name\n",
        "0      0        100\n",
        "1      1        101\n",
        "2      2        102\n",
        "3      3        103\n",
        "4      4        104\n",
        "...  ...        ...\n",
        "7      7        107\n",
        "8      8        108\n",
        "9      9        109\n",
        "10    10        110\n",
        "11    11        111\n",
        "\n",
        "[12 rows x 2 columns]"
    );
    assert_eq!(b.to_string(), want);
}

#[test]
fn a_long_table_is_elided_across_its_batches() {
    let first = RecordBatch::try_from_columns(vec![ints(0..4)], &["x"]).unwrap();
    let second = RecordBatch::try_from_columns(vec![ints(4..9)], &["x"]).unwrap();
    let third = RecordBatch::try_from_columns(vec![ints(9..13)], &["x"]).unwrap();
    let t = Table::from_batches(first.schema().clone(), vec![first, second, third]).unwrap();
    let want = concat!(
        "       x\n",
        "0      0\n",
        "1      1\n",
        "2      2\n",
        "3      3\n",
        "4      4\n",
        "...  ...\n",
        "8      8\n",
        "9      9\n",
        "10    10\n",
        "11    11\n",
        "12    12\n",
        "\n",
        "[13 rows x 1 columns]"
    );
    assert_eq!(t.to_string(), want);
}

#[test]
fn wide_values_are_cut_to_a_fixed_width() {
    let long = "abcdefghijklmnopqrstuvwxyz0123456789";
    let exact = "x".repeat(32);
    let b = RecordBatch::try_from_columns(
        vec![Array::from(vec![Some(long), Some(exact.as_str()), None])],
        &["s"],
    )
    .unwrap();
    let want = format!(
        "                                  s\n\
         0  abcdefghijklmnopqrstuvwxyz012...\n\
         1  {exact}\n\
         2                              null"
    );
    assert_eq!(b.to_string(), want);
    // Arrays on their own are never cut.
    assert!(b.columns()[0].to_string().contains(long));
}

#[test]
fn zoned_timestamps_are_marked_as_utc() {
    let utc = DataType::Timestamp(TimeUnit::Second, Some(Arc::from("UTC")));
    let a = Array::from_primitive::<i64>(utc, [Some(0), None]).unwrap();
    assert_eq!(a.to_string(), "[1970-01-01 00:00:00Z, null]");
    // A named or offset zone still holds a UTC instant, shown as pyarrow shows it.
    let paris = DataType::Timestamp(TimeUnit::Millisecond, Some(Arc::from("Europe/Paris")));
    let a = Array::from_primitive::<i64>(paris, [Some(1_500)]).unwrap();
    assert_eq!(a.to_string(), "[1970-01-01 00:00:01.500Z]");
    let offset = DataType::Timestamp(TimeUnit::Second, Some(Arc::from("+01:00")));
    let a = Array::from_primitive::<i64>(offset, [Some(1_500)]).unwrap();
    assert_eq!(a.to_string(), "[1970-01-01 00:25:00Z]");
    let naive = DataType::Timestamp(TimeUnit::Second, None);
    let a = Array::from_primitive::<i64>(naive, [Some(0)]).unwrap();
    assert_eq!(a.to_string(), "[1970-01-01 00:00:00]");
}

#[test]
fn fractional_seconds_have_the_units_digits() {
    let cases = [
        (
            TimeUnit::Millisecond,
            "[1970-01-01 00:00:00.000, 1970-01-01 00:00:00.001]",
        ),
        (
            TimeUnit::Microsecond,
            "[1970-01-01 00:00:00.000000, 1970-01-01 00:00:00.000001]",
        ),
        (
            TimeUnit::Nanosecond,
            "[1970-01-01 00:00:00.000000000, 1970-01-01 00:00:00.000000001]",
        ),
    ];
    for (unit, want) in cases {
        let a = Array::from_primitive::<i64>(DataType::Timestamp(unit, None), [Some(0), Some(1)])
            .unwrap();
        assert_eq!(a.to_string(), want, "{unit:?}");
    }
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
