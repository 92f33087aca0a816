//! A record batch built entirely with row-by-row builders survives the IPC stream and
//! file formats, compressed and not, value for value.

use quiver::ipc::{CompressionCodec, FileWriter, IpcWriteOptions, StreamWriter};
use quiver::{
    Array, ArrayBuilder, BooleanBuilder, BufferOutputStream, DataType, DecimalBuilder,
    FixedSizeListBuilder, LargeBinaryBuilder, ListBuilder, MapBuilder, PrimitiveBuilder,
    RecordBatch, RunEndBuilder, StringBuilder, StringDictionaryBuilder, StringViewBuilder,
    StructBuilder, TimeUnit, UnionBuilder, UnionMode,
};

const ROWS: usize = 5;

fn columns() -> Vec<(&'static str, Array)> {
    let mut ts = PrimitiveBuilder::<i64>::new(DataType::Timestamp(
        TimeUnit::Microsecond,
        Some("UTC".into()),
    ));
    let mut dec = DecimalBuilder::<i128>::new(9, 3).unwrap();
    let mut view = StringViewBuilder::new();
    let mut points = ListBuilder::new(StructBuilder::from_builders(vec![
        (
            "x",
            Box::new(PrimitiveBuilder::<f64>::new(DataType::Float64)),
        ),
        ("label", Box::new(StringBuilder::new())),
    ]));
    let mut map = MapBuilder::new(StringBuilder::new(), BooleanBuilder::new());
    let mut dict = StringDictionaryBuilder::<i32>::new();
    let mut sparse = UnionBuilder::new(UnionMode::Sparse);
    let mut dense = UnionBuilder::new(UnionMode::Dense);
    for u in [&mut sparse, &mut dense] {
        u.add_child("n", Box::new(PrimitiveBuilder::<i32>::new(DataType::Int32)))
            .unwrap();
        u.add_child("s", Box::new(StringBuilder::new())).unwrap();
    }
    let mut runs = RunEndBuilder::<i32, _>::new(StringBuilder::new());
    let mut pairs = FixedSizeListBuilder::new(LargeBinaryBuilder::new(), 2);

    for row in 0..ROWS {
        let i = row as i64;
        if row == 2 {
            ts.append_null();
            dec.append_option(None).unwrap();
            view.append_null();
            points.append_null();
            map.append_null();
            dict.append_null();
            pairs.append_null();
        } else {
            ts.append_value(1_700_000_000_000_000 + i);
            dec.append_value(i128::from(i) * 1_000_001 - 2_000_000)
                .unwrap();
            view.append_value(format!("row {row} of a view column, long enough to spill"));
            for k in 0..row {
                let point = points.values();
                point
                    .field_builder::<PrimitiveBuilder<f64>>(0)
                    .unwrap()
                    .append_value(k as f64 / 4.0);
                point
                    .field_builder::<StringBuilder>(1)
                    .unwrap()
                    .append_option((k != 1).then_some("p"));
                point.append(true);
            }
            points.append(true);
            map.keys().append_value(format!("k{row}"));
            map.values()
                .append_option((row != 3).then_some(row % 2 == 0));
            map.append(true).unwrap();
            dict.append_value(["red", "green"][row % 2]).unwrap();
            pairs.values().append_value([row as u8]);
            pairs.values().append_null();
            pairs.append(true);
        }
        for u in [&mut sparse, &mut dense] {
            if row % 2 == 0 {
                u.append::<PrimitiveBuilder<i32>>(0)
                    .unwrap()
                    .append_value(row as i32);
            } else {
                u.append::<StringBuilder>(1).unwrap().append_value("odd");
            }
        }
        runs.append_option((row != 4).then_some(if row < 2 { "a" } else { "b" }))
            .unwrap();
    }
    let mut out = vec![
        ("ts", ts.finish()),
        ("dec", dec.finish()),
        ("view", view.finish()),
        ("points", points.finish()),
        ("map", map.finish()),
        ("dict", dict.finish()),
        ("sparse", sparse.finish()),
        ("dense", dense.finish()),
        ("runs", runs.finish()),
        ("pairs", pairs.finish()),
    ]
    .into_iter()
    .map(|(n, a)| (n, a.unwrap()))
    .collect::<Vec<_>>();
    out.sort_by_key(|(n, _)| *n);
    out
}

fn batch() -> RecordBatch {
    let (names, arrays): (Vec<&str>, Vec<Array>) = columns().into_iter().unzip();
    quiver::record_batch(arrays, &names).unwrap()
}

#[test]
fn the_built_batch_has_the_expected_values() {
    let cols = columns();
    let shown: Vec<String> = cols.iter().map(|(n, a)| format!("{n}: {a}")).collect();
    assert_eq!(
        shown,
        vec![
            "dec: [-2000.000, -999.999, null, 1000.003, 2000.004]",
            "dense: [0, \"odd\", 2, \"odd\", 4]",
            "dict: [\"red\", \"green\", null, \"green\", \"red\"]",
            "map: [[{key: \"k0\", value: true}], [{key: \"k1\", value: false}], null, \
             [{key: \"k3\", value: null}], [{key: \"k4\", value: true}]]",
            "pairs: [[00, null], [01, null], null, [03, null], [04, null]]",
            "points: [[], [{x: 0.0, label: \"p\"}], null, [{x: 0.0, label: \"p\"}, \
             {x: 0.25, label: null}, {x: 0.5, label: \"p\"}], [{x: 0.0, label: \"p\"}, \
             {x: 0.25, label: null}, {x: 0.5, label: \"p\"}, {x: 0.75, label: \"p\"}]]",
            "runs: [\"a\", \"a\", \"b\", \"b\", null]",
            "sparse: [0, \"odd\", 2, \"odd\", 4]",
            "ts: [2023-11-14 22:13:20.000000Z, 2023-11-14 22:13:20.000001Z, null, \
             2023-11-14 22:13:20.000003Z, 2023-11-14 22:13:20.000004Z]",
            "view: [\"row 0 of a view column, long enough to spill\", \"row 1 of a view column, \
             long enough to spill\", null, \"row 3 of a view column, long enough to spill\", \
             \"row 4 of a view column, long enough to spill\"]",
        ]
    );
}

#[test]
fn a_batch_built_row_by_row_round_trips_through_both_formats() {
    let batch = batch();
    assert_eq!(batch.num_rows(), ROWS);
    for codec in [
        None,
        Some(CompressionCodec::Lz4Frame),
        Some(CompressionCodec::Zstd),
    ] {
        let options = IpcWriteOptions::default().with_compression(codec, None);
        let mut sink = BufferOutputStream::new();
        let mut w =
            StreamWriter::try_new_with_options(&mut sink, batch.schema(), options.clone()).unwrap();
        w.write_batch(&batch).unwrap();
        w.write_batch(&batch).unwrap();
        w.close().unwrap();
        let read: Vec<RecordBatch> = quiver::ipc::open_stream(sink.getvalue())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(read.len(), 2, "{codec:?}");
        assert!(read.iter().all(|b| b.equals(&batch)), "{codec:?}");
        assert_eq!(read[1].to_string(), batch.to_string());
        let ts = read[0].column_by_name("ts").unwrap();
        assert_eq!(ts.data_type().to_string(), "timestamp[us, tz=UTC]");

        let mut sink = BufferOutputStream::new();
        let mut w = FileWriter::try_new_with_options(&mut sink, batch.schema(), options).unwrap();
        w.write_batch(&batch).unwrap();
        w.close().unwrap();
        let reader = quiver::ipc::open_file(sink.getvalue()).unwrap();
        let back = reader.get_batch(0).unwrap();
        assert!(back.equals(&batch), "{codec:?}");
        back.columns()
            .iter()
            .for_each(|c| c.validate_full().unwrap());
    }
}

#[test]
fn builders_are_reachable_as_trait_objects_from_the_facade() {
    let mut b: Box<dyn ArrayBuilder> = Box::new(StringViewBuilder::new());
    b.append_null();
    assert_eq!(b.data_type(), DataType::Utf8View);
    assert_eq!(b.finish().unwrap().to_string(), "[null]");
}
