//! Property tests: random record batches over every supported type survive a round trip
//! through the stream and file formats, for every write option (alignment 8 and 64,
//! metadata V4 and V5) and every reader (stream over a `BufferReader`, stream over a
//! plain `std::io::Read`, file over a `Buffer`).
//!
//! The generator picks a schema (0–6 columns of every Arrow type, nested up to two levels:
//! struct, list, large list, fixed-size list, list views, map, unions, run-end encoded;
//! dictionaries and views at the leaves;
//! random nullability, field and schema metadata) with proptest, so schemas and row
//! counts shrink; the values come from a small deterministic RNG seeded by proptest.

use std::sync::Arc;

use proptest::prelude::*;
use quiver::ipc::{
    FileReader, FileWriter, IpcWriteOptions, MetadataVersion, StreamReader, StreamWriter,
};
use quiver::{
    Array, ArrayData, Buffer, BufferReader, DataType, Field, IntervalUnit, Metadata, NativeType,
    RecordBatch, Schema, TimeUnit, f16,
};

// ---------------------------------------------------------------------------------------
// Values: a tiny deterministic RNG (splitmix64).

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn i128(&mut self) -> i128 {
        ((self.next() as i128) << 64) | self.next() as i128
    }
}

/// Per-slot validity: all valid for non-nullable fields, otherwise sometimes all valid and
/// sometimes ~30% nulls (sometimes all null).
fn validity(nullable: bool, n: usize, rng: &mut Rng) -> Vec<bool> {
    if !nullable || rng.chance(30) {
        return vec![true; n];
    }
    if rng.chance(10) {
        return vec![false; n];
    }
    (0..n).map(|_| !rng.chance(30)).collect()
}

/// A validity bitmap for `valid`, or `None` when every slot is valid.
fn bitmap(valid: &[bool]) -> Option<Buffer> {
    if valid.iter().all(|&v| v) {
        return None;
    }
    let mut bytes = vec![0u8; valid.len().div_ceil(8)];
    for (i, _) in valid.iter().enumerate().filter(|(_, v)| **v) {
        bytes[i / 8] |= 1 << (i % 8);
    }
    Some(Buffer::from_vec(bytes))
}

fn prim<T: NativeType>(
    dt: &DataType,
    valid: &[bool],
    rng: &mut Rng,
    mut f: impl FnMut(&mut Rng) -> T,
) -> Array {
    let values: Vec<Option<T>> = valid
        .iter()
        .map(|&v| {
            let x = f(rng);
            v.then_some(x)
        })
        .collect();
    Array::from_primitive::<T>(dt.clone(), values).expect("primitive array")
}

const PIECES: &[&str] = &["a", "foo", "é", "日本", "😀", " ", "", "x\u{0}y", "Z"];

fn text(rng: &mut Rng) -> String {
    (0..rng.below(4))
        .map(|_| PIECES[rng.below(PIECES.len())])
        .collect()
}

fn bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.next() as u8).collect()
}

/// Units of `unit` in one day.
fn day_units(unit: quiver::TimeUnit) -> i64 {
    86_400
        * match unit {
            quiver::TimeUnit::Second => 1,
            quiver::TimeUnit::Millisecond => 1_000,
            quiver::TimeUnit::Microsecond => 1_000_000,
            quiver::TimeUnit::Nanosecond => 1_000_000_000,
        }
}

/// An array of `n` slots of `dt` with random values and nulls.
fn gen_array(dt: &DataType, nullable: bool, n: usize, rng: &mut Rng) -> Array {
    use DataType::*;
    let valid = validity(nullable, n, rng);
    match dt {
        Null => Array::new_null(n),
        Boolean => Array::from(
            valid
                .iter()
                .map(|&v| v.then(|| rng.chance(50)))
                .collect::<Vec<_>>(),
        ),
        Int8 => prim(dt, &valid, rng, |r| r.next() as i8),
        Int16 => prim(dt, &valid, rng, |r| r.next() as i16),
        // Values stay inside their types' ranges (decimal digits, whole-day date64,
        // times within a day), which readers check by default.
        Decimal32(p, _) => {
            let limit = 10i64.pow(u32::from(*p));
            prim(dt, &valid, rng, |r| ((r.next() as i64) % limit) as i32)
        }
        Decimal64(p, _) => {
            let limit = 10i64.checked_pow(u32::from(*p)).unwrap_or(i64::MAX);
            prim(dt, &valid, rng, |r| (r.next() as i64) % limit)
        }
        Decimal128(p, _) => {
            let limit = 10i128.pow(u32::from(*p));
            prim(dt, &valid, rng, |r| r.i128() % limit)
        }
        Date64 => prim(dt, &valid, rng, |r| {
            (r.next() as i64 % 1_000_000) * 86_400_000
        }),
        Time32(unit) => {
            let day = day_units(*unit);
            prim(dt, &valid, rng, |r| {
                (r.next() as i64).rem_euclid(day) as i32
            })
        }
        Time64(unit) => {
            let day = day_units(*unit);
            prim(dt, &valid, rng, |r| (r.next() as i64).rem_euclid(day))
        }
        Int32 | Date32 | Interval(IntervalUnit::YearMonth) => {
            prim(dt, &valid, rng, |r| r.next() as i32)
        }
        Int64 | Timestamp(..) | Duration(_) => prim(dt, &valid, rng, |r| r.next() as i64),
        // Day-time intervals are (days: i32, millis: i32) pairs: 8 bytes as one i64.
        Interval(IntervalUnit::DayTime) => prim(dt, &valid, rng, |r| r.next() as i64),
        // Month-day-nano intervals (i32, i32, i64) and decimal128: 16 bytes as one i128.
        Interval(IntervalUnit::MonthDayNano) => prim(dt, &valid, rng, Rng::i128),
        UInt8 => prim(dt, &valid, rng, |r| r.next() as u8),
        UInt16 => prim(dt, &valid, rng, |r| r.next() as u16),
        UInt32 => prim(dt, &valid, rng, |r| r.next() as u32),
        UInt64 => prim(dt, &valid, rng, Rng::next),
        Float16 => prim(dt, &valid, rng, |r| f16::from_bits(r.next() as u16)),
        Float32 => prim(dt, &valid, rng, |r| f32::from_bits(r.next() as u32)),
        Float64 => prim(dt, &valid, rng, |r| f64::from_bits(r.next())),
        Utf8 | LargeUtf8 => {
            let values: Vec<Option<String>> = valid.iter().map(|&v| v.then(|| text(rng))).collect();
            Array::from_bytes(dt.clone(), values).expect("string array")
        }
        Binary | LargeBinary => {
            let values: Vec<Option<Vec<u8>>> = valid
                .iter()
                .map(|&v| {
                    v.then(|| {
                        let len = rng.below(6);
                        bytes(rng, len)
                    })
                })
                .collect();
            Array::from_bytes(dt.clone(), values).expect("binary array")
        }
        FixedSizeBinary(w) => {
            let values: Vec<Option<Vec<u8>>> = valid
                .iter()
                .map(|&v| v.then(|| bytes(rng, *w as usize)))
                .collect();
            Array::from_bytes(dt.clone(), values).expect("fixed size binary array")
        }
        Struct(fields) => {
            let children = fields
                .iter()
                .map(|f| gen_array(f.data_type(), f.is_nullable(), n, rng))
                .collect();
            ArrayData::new(dt.clone(), n)
                .nulls(bitmap(&valid))
                .children(children)
                .build()
                .expect("struct array")
        }
        List(f) => gen_list::<i32>(dt, f, &valid, rng, Buffer::from_vec),
        LargeList(f) => gen_list::<i64>(dt, f, &valid, rng, Buffer::from_vec),
        FixedSizeList(f, size) => {
            let child = gen_array(f.data_type(), f.is_nullable(), n * *size as usize, rng);
            ArrayData::new(dt.clone(), n)
                .nulls(bitmap(&valid))
                .children(vec![child])
                .build()
                .expect("fixed size list array")
        }
        Decimal256(p, _) => {
            // Any 128-bit value within the precision, sign-extended to 256 bits.
            let limit = 10i128.pow(u32::from((*p).min(38)));
            prim(dt, &valid, rng, |r| {
                quiver::i256::from_i128(r.i128() % limit)
            })
        }
        Utf8View | BinaryView => gen_views(dt, &valid, rng),
        Dictionary { index, value, .. } => {
            // The same dictionary for every batch of a field (files cannot replace one).
            let mut fixed = Rng(0xD1C7);
            let dict = gen_array(value, true, 5, &mut fixed);
            let width = index.primitive_width().expect("integer index");
            let mut raw = Vec::with_capacity(n * width);
            for _ in 0..n {
                let k = rng.below(5) as u64;
                raw.extend_from_slice(&k.to_le_bytes()[..width]);
            }
            ArrayData::new(dt.clone(), n)
                .nulls(bitmap(&valid))
                .buffers(vec![Buffer::from_vec(raw)])
                .dictionary(Some(dict))
                .build()
                .expect("dictionary array")
        }
        Map(entries, _) => gen_list::<i32>(dt, entries, &valid, rng, Buffer::from_vec),
        ListView(f) | LargeListView(f) => {
            let child_len = rng.below(8);
            let child = gen_array(f.data_type(), f.is_nullable(), child_len, rng);
            let (mut offs, mut sizes) = (Vec::new(), Vec::new());
            for _ in 0..n {
                let o = rng.below(child_len + 1);
                offs.push(o as i64);
                sizes.push(rng.below(child_len - o + 1) as i64);
            }
            let large = matches!(dt, LargeListView(_));
            let buf = |v: Vec<i64>| {
                if large {
                    Buffer::from_vec(v)
                } else {
                    Buffer::from_vec(v.into_iter().map(|x| x as i32).collect::<Vec<_>>())
                }
            };
            ArrayData::new(dt.clone(), n)
                .nulls(bitmap(&valid))
                .buffers(vec![buf(offs), buf(sizes)])
                .children(vec![child])
                .build()
                .expect("list view array")
        }
        Union {
            fields,
            type_ids,
            mode,
        } => {
            let picks: Vec<usize> = (0..n).map(|_| rng.below(fields.len())).collect();
            let ids: Vec<i8> = picks.iter().map(|&k| type_ids[k]).collect();
            let mut buffers = vec![Buffer::from_vec(ids)];
            let children = if *mode == quiver::UnionMode::Sparse {
                fields
                    .iter()
                    .map(|f| gen_array(f.data_type(), f.is_nullable(), n, rng))
                    .collect()
            } else {
                let mut counts = vec![0i32; fields.len()];
                let offsets: Vec<i32> = picks
                    .iter()
                    .map(|&k| {
                        counts[k] += 1;
                        counts[k] - 1
                    })
                    .collect();
                buffers.push(Buffer::from_vec(offsets));
                fields
                    .iter()
                    .zip(&counts)
                    .map(|(f, &c)| {
                        gen_array(
                            f.data_type(),
                            f.is_nullable(),
                            c as usize + rng.below(2),
                            rng,
                        )
                    })
                    .collect()
            };
            ArrayData::new(dt.clone(), n)
                .buffers(buffers)
                .children(children)
                .build()
                .expect("union array")
        }
        RunEndEncoded(ends, values) => {
            let mut run_ends = Vec::new();
            let mut at = 0;
            while at < n {
                at += 1 + rng.below(3);
                run_ends.push(at.min(n + rng.below(2)) as i64);
            }
            let runs = run_ends.len();
            let ends_array = match ends.data_type() {
                Int16 => Array::from(run_ends.iter().map(|&e| e as i16).collect::<Vec<_>>()),
                Int32 => Array::from(run_ends.iter().map(|&e| e as i32).collect::<Vec<_>>()),
                _ => Array::from(run_ends),
            };
            let values = gen_array(values.data_type(), values.is_nullable(), runs, rng);
            ArrayData::new(dt.clone(), n)
                .children(vec![ends_array, values])
                .build()
                .expect("run-end encoded array")
        }
        other => panic!("the type generator does not make {other}"),
    }
}

/// Binary or utf8 views, some inline and some pointing into one of two data buffers.
fn gen_views(dt: &DataType, valid: &[bool], rng: &mut Rng) -> Array {
    let mut views = Vec::with_capacity(valid.len() * 16);
    let mut data: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for &v in valid {
        let value: Vec<u8> = if !v {
            Vec::new()
        } else if matches!(dt, DataType::Utf8View) {
            (0..rng.below(6))
                .flat_map(|_| text(rng).into_bytes())
                .collect()
        } else {
            let len = rng.below(30);
            bytes(rng, len)
        };
        let mut view = [0u8; 16];
        view[..4].copy_from_slice(&(value.len() as i32).to_le_bytes());
        if value.len() <= 12 {
            view[4..4 + value.len()].copy_from_slice(&value);
        } else {
            let k = rng.below(2);
            view[4..8].copy_from_slice(&value[..4]);
            view[8..12].copy_from_slice(&(k as i32).to_le_bytes());
            view[12..16].copy_from_slice(&(data[k].len() as i32).to_le_bytes());
            data[k].extend_from_slice(&value);
        }
        views.extend_from_slice(&view);
    }
    let [a, b] = data;
    ArrayData::new(dt.clone(), valid.len())
        .nulls(bitmap(valid))
        .buffers(vec![
            Buffer::from_vec(views),
            Buffer::from_vec(a),
            Buffer::from_vec(b),
        ])
        .build()
        .expect("view array")
}

/// A list array whose offsets start anywhere in a child with spare values at both ends,
/// and whose null slots sometimes cover values (allowed by the format).
fn gen_list<O: TryFrom<usize> + Copy>(
    dt: &DataType,
    f: &Field,
    valid: &[bool],
    rng: &mut Rng,
    to_buffer: impl Fn(Vec<O>) -> Buffer,
) -> Array
where
    <O as TryFrom<usize>>::Error: std::fmt::Debug,
{
    let mut offsets = Vec::with_capacity(valid.len() + 1);
    let mut at = rng.below(3);
    offsets.push(O::try_from(at).unwrap());
    for &v in valid {
        if v || rng.chance(20) {
            at += rng.below(4);
        }
        offsets.push(O::try_from(at).unwrap());
    }
    let child_len = at + rng.below(3);
    let child = gen_array(f.data_type(), f.is_nullable(), child_len, rng);
    ArrayData::new(dt.clone(), valid.len())
        .nulls(bitmap(valid))
        .buffers(vec![to_buffer(offsets)])
        .children(vec![child])
        .build()
        .expect("list array")
}

// ---------------------------------------------------------------------------------------
// Schemas.

fn metadata() -> impl Strategy<Value = Metadata> + Clone {
    prop::collection::vec(("[a-z:._]{0,6}", "\\PC{0,8}"), 0..3).prop_map(|kv| {
        // Unique keys: Arrow keeps metadata as a list, but duplicate keys are not portable.
        kv.into_iter()
            .enumerate()
            .map(|(i, (k, v))| (format!("k{i}{k}"), v))
            .collect()
    })
}

fn time_unit() -> impl Strategy<Value = TimeUnit> {
    prop_oneof![
        Just(TimeUnit::Second),
        Just(TimeUnit::Millisecond),
        Just(TimeUnit::Microsecond),
        Just(TimeUnit::Nanosecond),
    ]
}

fn leaf_type() -> impl Strategy<Value = DataType> {
    use DataType::*;
    let tz = prop_oneof![
        Just(None),
        Just(Some(Arc::<str>::from("UTC"))),
        Just(Some(Arc::<str>::from("+05:30"))),
        Just(Some(Arc::<str>::from("America/New_York"))),
    ];
    prop_oneof![
        prop_oneof![
            Just(Null),
            Just(Boolean),
            Just(Int8),
            Just(Int16),
            Just(Int32),
            Just(Int64),
            Just(UInt8),
            Just(UInt16),
            Just(UInt32),
            Just(UInt64),
            Just(Float16),
            Just(Float32),
            Just(Float64),
        ],
        prop_oneof![
            Just(Utf8),
            Just(LargeUtf8),
            Just(Binary),
            Just(LargeBinary),
            (0i32..6).prop_map(FixedSizeBinary),
        ],
        prop_oneof![
            Just(Date32),
            Just(Date64),
            Just(Time32(TimeUnit::Second)),
            Just(Time32(TimeUnit::Millisecond)),
            Just(Time64(TimeUnit::Microsecond)),
            Just(Time64(TimeUnit::Nanosecond)),
            (time_unit(), tz).prop_map(|(u, tz)| Timestamp(u, tz)),
            time_unit().prop_map(Duration),
            Just(Interval(IntervalUnit::YearMonth)),
            Just(Interval(IntervalUnit::DayTime)),
            Just(Interval(IntervalUnit::MonthDayNano)),
        ],
        prop_oneof![
            (1u8..=9, -3i8..5).prop_map(|(p, s)| Decimal32(p, s)),
            (1u8..=18, -3i8..10).prop_map(|(p, s)| Decimal64(p, s)),
            (1u8..=38, -5i8..20).prop_map(|(p, s)| Decimal128(p, s)),
            (1u8..=76, -5i8..40).prop_map(|(p, s)| Decimal256(p, s)),
        ],
        prop_oneof![
            Just(Utf8View),
            Just(BinaryView),
            (
                prop_oneof![
                    Just(Int8),
                    Just(Int16),
                    Just(Int32),
                    Just(Int64),
                    Just(UInt8),
                    Just(UInt16),
                    Just(UInt32),
                    Just(UInt64)
                ],
                prop_oneof![Just(Utf8), Just(Int32), Just(Utf8View)],
                any::<bool>()
            )
                .prop_map(|(index, value, ordered)| Dictionary {
                    index: Box::new(index),
                    value: Box::new(value),
                    ordered
                }),
        ],
    ]
}

fn name() -> impl Strategy<Value = String> + Clone {
    prop_oneof![3 => "[a-z]{1,5}", 1 => "\\PC{0,4}"]
}

fn field_of(
    types: impl Strategy<Value = DataType> + Clone,
) -> impl Strategy<Value = Field> + Clone {
    (name(), types, any::<bool>(), metadata())
        .prop_map(|(n, t, nullable, md)| Field::new(n, t, nullable).with_metadata(md))
}

fn data_type() -> impl Strategy<Value = DataType> + Clone {
    leaf_type().prop_recursive(2, 12, 3, |inner| {
        let child = field_of(inner);
        prop_oneof![
            prop::collection::vec(child.clone(), 0..4).prop_map(DataType::Struct),
            child.clone().prop_map(|f| DataType::List(Arc::new(f))),
            child.clone().prop_map(|f| DataType::LargeList(Arc::new(f))),
            (child.clone(), 0i32..4).prop_map(|(f, n)| DataType::FixedSizeList(Arc::new(f), n)),
            child.clone().prop_map(|f| DataType::ListView(Arc::new(f))),
            child
                .clone()
                .prop_map(|f| DataType::LargeListView(Arc::new(f))),
            (child.clone(), any::<bool>()).prop_map(|(v, sorted)| {
                let entries = Field::new(
                    "entries",
                    DataType::Struct(vec![Field::new("key", DataType::Utf8, false), v]),
                    false,
                );
                DataType::Map(Arc::new(entries), sorted)
            }),
            (prop::collection::vec(child.clone(), 1..4), any::<bool>()).prop_map(
                |(fields, dense)| {
                    let type_ids = (0..fields.len() as i8).map(|i| i * 3 + 1).collect();
                    let mode = if dense {
                        quiver::UnionMode::Dense
                    } else {
                        quiver::UnionMode::Sparse
                    };
                    DataType::Union {
                        fields,
                        type_ids,
                        mode,
                    }
                }
            ),
            (
                prop_oneof![
                    Just(DataType::Int16),
                    Just(DataType::Int32),
                    Just(DataType::Int64)
                ],
                child
            )
                .prop_map(|(ends, v)| DataType::RunEndEncoded(
                    Arc::new(Field::new("run_ends", ends, false)),
                    Arc::new(v)
                )),
        ]
    })
}

fn schema() -> impl Strategy<Value = Schema> {
    (
        prop::collection::vec(field_of(data_type()), 0..=6),
        metadata(),
    )
        .prop_map(|(fields, md)| Schema::new(fields).with_metadata(md))
}

/// How one batch is made: rows, value seed, optional slice (as fractions of the rows),
/// batch metadata.
#[derive(Debug, Clone)]
struct BatchPlan {
    rows: usize,
    seed: u64,
    slice: Option<(u8, u8)>,
    metadata: Metadata,
}

fn batch_plan() -> impl Strategy<Value = BatchPlan> {
    (
        prop_oneof![1 => Just(0usize), 6 => 0usize..=50],
        any::<u64>(),
        prop::option::of((any::<u8>(), any::<u8>())),
        prop_oneof![3 => Just(Vec::new()), 1 => metadata()],
    )
        .prop_map(|(rows, seed, slice, metadata)| BatchPlan {
            rows,
            seed,
            slice,
            metadata,
        })
}

fn make_batch(schema: &Arc<Schema>, plan: &BatchPlan) -> RecordBatch {
    let mut rng = Rng(plan.seed);
    let columns = schema
        .fields()
        .iter()
        .map(|f| gen_array(f.data_type(), f.is_nullable(), plan.rows, &mut rng))
        .collect();
    let batch = RecordBatch::try_new_with_row_count(Arc::clone(schema), columns, plan.rows)
        .expect("batch")
        .with_metadata(plan.metadata.clone());
    match plan.slice {
        Some((a, b)) => {
            let off = a as usize % (plan.rows + 1);
            let len = b as usize % (plan.rows - off + 1);
            batch.slice(off, len).expect("slice")
        }
        None => batch,
    }
}

// ---------------------------------------------------------------------------------------
// The round trip.

const OPTIONS: [(usize, MetadataVersion); 4] = [
    (8, MetadataVersion::V5),
    (64, MetadataVersion::V5),
    (8, MetadataVersion::V4),
    (64, MetadataVersion::V4),
];

fn options(alignment: usize, metadata_version: MetadataVersion) -> IpcWriteOptions {
    IpcWriteOptions::default()
        .with_alignment(alignment)
        .with_metadata_version(metadata_version)
}

fn write_stream(schema: &Schema, batches: &[RecordBatch], opts: IpcWriteOptions) -> Vec<u8> {
    let mut w = StreamWriter::try_new_with_options(Vec::new(), schema, opts).expect("writer");
    for b in batches {
        w.write(b).expect("write batch");
    }
    w.close().expect("close")
}

fn write_file(schema: &Schema, batches: &[RecordBatch], opts: IpcWriteOptions) -> Vec<u8> {
    let mut w = FileWriter::try_new_with_options(Vec::new(), schema, opts).expect("writer");
    for b in batches {
        w.write(b).expect("write batch");
    }
    w.close().expect("close")
}

fn check_same(
    what: &str,
    schema: &Schema,
    expected: &[RecordBatch],
    got_schema: &Schema,
    got: Vec<RecordBatch>,
) -> Result<(), TestCaseError> {
    prop_assert!(
        got_schema == schema,
        "{what}: schema differs\nwrote: {schema:?}\nread: {got_schema:?}"
    );
    prop_assert_eq!(got.len(), expected.len(), "{}: batch count", what);
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        prop_assert!(
            g.equals(e),
            "{what}: batch {i} differs\nwrote:\n{e}\nread:\n{g}\nwrote columns: {:?}\nread columns: {:?}",
            e.columns(),
            g.columns()
        );
        prop_assert_eq!(g.num_rows(), e.num_rows(), "{}: batch {} rows", what, i);
        prop_assert_eq!(g.metadata(), e.metadata(), "{}: batch {} metadata", what, i);
    }
    Ok(())
}

/// Writes `batches` every way and reads them back every way.
fn roundtrip(schema: &Schema, batches: &[RecordBatch]) -> Result<(), TestCaseError> {
    for (alignment, version) in OPTIONS {
        let tag = format!("alignment {alignment}, {version:?}");

        let bytes = write_stream(schema, batches, options(alignment, version));
        let buf = Buffer::from_vec(bytes.clone());
        let reader = StreamReader::try_new(BufferReader::new(buf))
            .map_err(|e| TestCaseError::fail(format!("{tag}: stream open: {e}")))?;
        let got_schema = reader.schema().clone();
        let got = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TestCaseError::fail(format!("{tag}: stream read: {e}")))?;
        check_same(
            &format!("stream/BufferReader, {tag}"),
            schema,
            batches,
            &got_schema,
            got,
        )?;

        let reader = StreamReader::from_reader(&bytes[..])
            .map_err(|e| TestCaseError::fail(format!("{tag}: stream open (io): {e}")))?;
        let got_schema = reader.schema().clone();
        let got = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TestCaseError::fail(format!("{tag}: stream read (io): {e}")))?;
        check_same(
            &format!("stream/io::Read, {tag}"),
            schema,
            batches,
            &got_schema,
            got,
        )?;

        let file = Buffer::from_vec(write_file(schema, batches, options(alignment, version)));
        let reader = FileReader::try_new(file)
            .map_err(|e| TestCaseError::fail(format!("{tag}: file open: {e}")))?;
        prop_assert_eq!(reader.num_record_batches(), batches.len());
        let got = (0..reader.num_record_batches())
            .map(|i| reader.get_batch(i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TestCaseError::fail(format!("{tag}: file read: {e}")))?;
        check_same(
            &format!("file/Buffer, {tag}"),
            schema,
            batches,
            reader.schema(),
            got,
        )?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        // 64 by default so the suite stays fast; `PROPTEST_CASES=5000` for a deep run.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    /// One schema, 1–4 batches (sliced or not, empty or not) per stream and file.
    #[test]
    fn random_batches_roundtrip(
        schema in schema(),
        plans in prop::collection::vec(batch_plan(), 1..4),
    ) {
        let schema = Arc::new(schema);
        let batches: Vec<_> = plans.iter().map(|p| make_batch(&schema, p)).collect();
        roundtrip(&schema, &batches)?;
    }

    /// A single batch of one column per case, so each type gets many rows of attention.
    #[test]
    fn single_column_roundtrip(
        field in field_of(data_type()),
        plan in batch_plan(),
    ) {
        let schema = Arc::new(Schema::new(vec![field]));
        let batch = make_batch(&schema, &plan);
        roundtrip(&schema, std::slice::from_ref(&batch))?;
    }
}

// ---------------------------------------------------------------------------------------
// Fixed edge cases.

#[test]
fn zero_column_batches_keep_their_row_count() {
    let schema = Arc::new(Schema::empty().with_metadata(vec![("k".into(), "v".into())]));
    let batches: Vec<_> = [0usize, 1, 7, 1000]
        .iter()
        .map(|&n| RecordBatch::try_new_with_row_count(Arc::clone(&schema), vec![], n).unwrap())
        .collect();
    roundtrip(&schema, &batches).unwrap();
}

#[test]
fn empty_stream_and_file_have_the_schema_and_no_batches() {
    let schema = Schema::new(vec![
        Field::new("a", DataType::Int32, false),
        Field::new("b", DataType::Utf8, true).with_metadata(vec![("x".into(), "y".into())]),
    ]);
    roundtrip(&schema, &[]).unwrap();
}

#[test]
fn every_slice_of_a_mixed_batch_roundtrips() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("i", DataType::Int64, true),
        Field::new("s", DataType::Utf8, true),
        Field::new("b", DataType::Boolean, true),
        Field::new(
            "l",
            DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
            true,
        ),
        Field::new(
            "st",
            DataType::Struct(vec![
                Field::new("x", DataType::Boolean, true),
                Field::new("y", DataType::LargeBinary, true),
            ]),
            true,
        ),
        Field::new(
            "f",
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Utf8, true)), 2),
            true,
        ),
    ]));
    let plan = BatchPlan {
        rows: 21,
        seed: 42,
        slice: None,
        metadata: vec![],
    };
    let batch = make_batch(&schema, &plan);
    for off in 0..=21 {
        for len in 0..=(21 - off) {
            let s = batch.slice(off, len).unwrap();
            roundtrip(&schema, &[s]).unwrap_or_else(|e| panic!("slice({off}, {len}): {e}"));
        }
    }
}
