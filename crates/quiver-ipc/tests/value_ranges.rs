//! Values outside their type's meaning (decimal digits beyond the precision, date64
//! values that are not whole days, times of day outside one day) are refused on read by
//! default, as Arrow C++'s full validation refuses them, and read with
//! `with_value_range_checks(false)`. Types that cannot exist (a decimal precision its
//! width cannot hold, repeated union type ids) are refused in the schema.

use quiver_array::{Array, DataType, Field, RecordBatch, Schema, TimeUnit, UnionMode};
use quiver_buffer::{Buffer, BufferReader};
use quiver_ipc::{IpcReadOptions, StreamReader, StreamWriter};

fn stream(columns: Vec<Array>) -> Vec<u8> {
    let names: Vec<String> = (0..columns.len()).map(|i| format!("c{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let batch = RecordBatch::try_from_columns(columns, &names).unwrap();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write_batch(&batch).unwrap();
    w.close().unwrap()
}

fn read(bytes: &[u8], options: IpcReadOptions) -> Result<Vec<RecordBatch>, String> {
    let source = BufferReader::new(Buffer::from_slice_ref(bytes));
    StreamReader::try_new_with_options(source, options)
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

fn refused(columns: Vec<Array>) -> String {
    let bytes = stream(columns.clone());
    let err = read(&bytes, IpcReadOptions::default()).unwrap_err();
    // Without the range checks the same bytes read back as written.
    let relaxed = IpcReadOptions::default().with_value_range_checks(false);
    let back = read(&bytes, relaxed).unwrap();
    for (got, want) in back[0].columns().iter().zip(&columns) {
        assert!(got.equals(want), "{got:?} != {want:?}");
    }
    err
}

#[test]
fn decimals_with_more_digits_than_their_precision_are_refused() {
    let d = Array::from_primitive::<i32>(DataType::Decimal32(3, 1), [Some(999), None, Some(-1000)])
        .unwrap();
    assert_eq!(
        refused(vec![d]),
        "invalid array at message 1, record batch 0, field \"c0\", byte 304: decimal32(3, 1) array: slot 2 holds -1000, which has more than 3 digits"
    );
    let d =
        Array::from_primitive::<i128>(DataType::Decimal128(38, 0), [Some(10i128.pow(38))]).unwrap();
    assert!(
        refused(vec![d]).ends_with(
            "decimal128(38, 0) array: slot 0 holds 100000000000000000000000000000000000000, which has more than 38 digits"
        )
    );
    let big = quiver_buffer::i256::MIN;
    let d = Array::from_primitive(DataType::Decimal256(76, 0), [Some(big)]).unwrap();
    assert!(refused(vec![d]).contains("which has more than 76 digits"));
    // The largest values that fit are read.
    let fits = vec![
        Array::from_primitive::<i64>(DataType::Decimal64(18, 2), [Some(-(10i64.pow(18) - 1))])
            .unwrap(),
        Array::from_primitive::<i128>(DataType::Decimal128(38, 0), [Some(10i128.pow(38) - 1)])
            .unwrap(),
    ];
    assert_eq!(
        read(&stream(fits), IpcReadOptions::default())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn dates_and_times_outside_their_meaning_are_refused_even_nested() {
    let date = Array::from_primitive::<i64>(DataType::Date64, [Some(86_400_000), Some(1)]).unwrap();
    assert!(
        refused(vec![date])
            .ends_with("date64[ms] array: slot 1 holds 1 ms, which is not a whole day"),
    );
    let time = Array::from_primitive::<i64>(
        DataType::Time64(TimeUnit::Nanosecond),
        [Some(0), Some(86_400_000_000_000)],
    )
    .unwrap();
    let nested = Array::struct_from(vec![("t", time)], None).unwrap();
    let err = refused(vec![nested]);
    assert!(err.contains("field \"c0.t\""), "{err}");
    assert!(
        err.ends_with("time64[ns] array: slot 1 holds 86400000000000ns, outside one day"),
        "{err}"
    );
    // Null slots may hold anything.
    let time =
        Array::from_primitive::<i32>(DataType::Time32(TimeUnit::Second), [Some(86_399), None])
            .unwrap();
    let time = time.slice(0, 2);
    assert!(read(&stream(vec![time]), IpcReadOptions::default()).is_ok());
}

fn schema_only(data_type: DataType) -> Vec<u8> {
    let schema = Schema::new(vec![Field::new("c", data_type, true)]);
    StreamWriter::try_new(Vec::new(), &schema)
        .unwrap()
        .close()
        .unwrap()
}

#[test]
fn impossible_types_are_refused_in_the_schema() {
    let err = read(
        &schema_only(DataType::Decimal32(10, 2)),
        IpcReadOptions::default(),
    );
    assert_eq!(
        err.unwrap_err(),
        "invalid Arrow IPC data at message 0, field \"c\", byte 136: decimal32(10, 2) has precision 10, outside 1 to 9 for 32 bits"
    );
    let err = read(
        &schema_only(DataType::Decimal128(0, 0)),
        IpcReadOptions::default(),
    );
    assert!(
        err.unwrap_err()
            .ends_with("has precision 0, outside 1 to 38 for 128 bits")
    );
    let union = DataType::Union {
        fields: vec![
            Field::new("a", DataType::Int32, true),
            Field::new("b", DataType::Utf8, true),
        ],
        type_ids: vec![3, 3],
        mode: UnionMode::Sparse,
    };
    let err = read(&schema_only(union), IpcReadOptions::default()).unwrap_err();
    assert!(
        err.ends_with("union type ids must be distinct and not negative, but they are [3, 3]"),
        "{err}"
    );
}

#[test]
fn the_option_only_relaxes_full_validation() {
    let opts = IpcReadOptions::default();
    assert!(opts.value_range_checks());
    // SAFETY: only the option's getter is inspected; nothing is read with it.
    let unchecked = unsafe { IpcReadOptions::default().with_unchecked_values() };
    assert!(!unchecked.value_range_checks());
}
