//! Big-endian IPC: a stream whose body buffers are big-endian reads as the same arrays
//! as its little-endian original, for every layout whose values need swapping field by
//! field: views (length, buffer index, offset; never the prefix or inline bytes), list
//! views, run ends, dense union offsets, decimal128/256, month-day-nano and day-time
//! intervals, float16, dictionary indices and a delta dictionary of views.
//!
//! pyarrow cannot write big-endian IPC, so the test makes the file: Quiver writes the
//! little-endian stream, then the test swaps every body buffer as the Arrow spec says
//! (its own code, driven by a per-field list of buffer kinds) and puts in front a schema
//! message it builds with `endianness: Big`.
//!
//! It lives inside the crate because it reads and builds raw flatbuffers metadata with
//! the generated bindings, which are private.

use std::sync::Arc;

use flatbuffers::{FlatBufferBuilder, ForwardsUOffset, UnionWIPOffset, Vector, WIPOffset};
use quiver_array::{Array, ArrayData, DataType, Field, IntervalUnit, RecordBatch, UnionMode};
use quiver_buffer::{Buffer, BufferReader};

use crate::fb;
use crate::{IpcWriteOptions, StreamReader, StreamWriter};

/// How one buffer's values turn big-endian.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Bitmaps and bytes.
    Bytes,
    /// Every `n`-byte value reversed.
    Each(usize),
    /// Values made of parts, each reversed.
    Parts(&'static [usize]),
    /// 16-byte views; the variadic data buffers that follow are bytes.
    Views,
}

use Kind::*;

/// The buffers of the record batches of the schema below, in IPC pre-order.
#[rustfmt::skip]
fn plan() -> Vec<Kind> {
    vec![
        Bytes, Views,               // sv: validity, views
        Bytes, Views,               // bv
        Bytes, Each(4), Each(4),    // lv: validity, offsets, sizes
        Bytes, Each(4),             //   its int32 child
        Bytes, Each(8), Each(8),    // llv
        Bytes, Each(2),             //   its int16 child
        Bytes, Each(4),             // ree (no buffers of its own): int32 run ends
        Bytes, Each(4), Bytes,      //   utf8 values: validity, offsets, data
        Bytes, Each(4),             // du: type ids, offsets
        Bytes, Each(8),             //   int64 child
        Bytes, Views,               //   utf8 view child
        Bytes,                      // su: type ids
        Bytes, Each(2),             //   float16 child
        Bytes, Bytes,               //   bool child
        Bytes, Each(16),            // d128
        Bytes, Each(32),            // d256
        Bytes, Parts(&[4, 4, 8]),   // mdn
        Bytes, Parts(&[4, 4]),      // dt
        Bytes, Each(2),             // dict: int16 indices
        Bytes, Bytes,               // fsb
    ]
}

fn item(name: &str, t: DataType, nullable: bool) -> Arc<Field> {
    Arc::new(Field::new(name, t, nullable))
}

/// A fixed-width array of `t` from its values' native bytes, concatenated.
fn fixed_width(t: DataType, bytes: Vec<u8>) -> Array {
    let width = t.primitive_width().unwrap();
    ArrayData::new(t, bytes.len() / width)
        .buffers(vec![Buffer::from_vec(bytes)])
        .build()
        .unwrap()
}

fn batch() -> RecordBatch {
    let long = |s: &str| format!("{s}, long enough to be out of line");
    let strs = [
        Some("short".to_string()),
        None,
        Some(long("three")),
        Some(String::new()),
    ];
    let sv = Array::from_bytes(DataType::Utf8View, strs.clone()).unwrap();
    let bv = Array::from_bytes(DataType::BinaryView, strs).unwrap();
    let lv = Array::list_of(
        DataType::ListView(item("item", DataType::Int32, true)),
        Array::from(vec![1i32, -2, 300_000, 4, 5]),
        [Some(2), None, Some(3), Some(0)],
    )
    .unwrap();
    let llv = Array::list_of(
        DataType::LargeListView(item("item", DataType::Int16, true)),
        Array::from(vec![7i16, -8, 9]),
        [Some(1), Some(2), None, Some(0)],
    )
    .unwrap();
    let ree = Array::run_end_encoded(
        Array::from(vec![1i32, 3, 4]),
        Array::from(vec![Some("x"), None, Some("a run value")]),
    )
    .unwrap();
    let du = Array::union_from(
        vec![
            ("i", Array::from(vec![-1i64, 1 << 40])),
            (
                "s",
                Array::from_bytes(DataType::Utf8View, [Some(long("u")), Some("in".into())])
                    .unwrap(),
            ),
        ],
        &[0, 1, 1, 0],
        UnionMode::Dense,
    )
    .unwrap();
    let halves = [1.5f32, -2.0, 65504.0, 0.25]
        .iter()
        .flat_map(|&x| quiver_buffer::f16::from_f32(x).to_ne_bytes())
        .collect();
    let su = Array::union_from(
        vec![
            ("h", fixed_width(DataType::Float16, halves)),
            ("b", Array::from(vec![true, false, true, true])),
        ],
        &[0, 1, 0, 1],
        UnionMode::Sparse,
    )
    .unwrap();
    let d128 = [-12_345_678_901_234_567_890i128, 1, i128::MAX / 3, -1]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect();
    let d128 = fixed_width(DataType::Decimal128(38, 4), d128);
    // The last value is about 2^247: both halves busy, still within 76 digits.
    let d256 = [
        (-5i128, -1i128),
        (7, 0),
        (1, 1),
        (i128::MIN, i128::MAX >> 8),
    ]
    .iter()
    .flat_map(|(lo, hi)| [lo.to_ne_bytes(), hi.to_ne_bytes()].concat())
    .collect();
    let d256 = fixed_width(DataType::Decimal256(76, 5), d256);
    let mdn = [
        (1i32, -2i32, 3i64),
        (-400, 5, -6_000_000_000),
        (0, 0, 1),
        (12, 31, i64::MIN),
    ]
    .iter()
    .flat_map(|(m, d, n)| [&m.to_ne_bytes()[..], &d.to_ne_bytes(), &n.to_ne_bytes()].concat())
    .collect();
    let mdn = fixed_width(DataType::Interval(IntervalUnit::MonthDayNano), mdn);
    let dt = [
        (1i32, 2i32),
        (-3, 86_399_999),
        (0, -1),
        (i32::MAX, i32::MIN),
    ]
    .iter()
    .flat_map(|(d, ms)| [d.to_ne_bytes(), ms.to_ne_bytes()].concat())
    .collect();
    let dt = fixed_width(DataType::Interval(IntervalUnit::DayTime), dt);
    let dict = Array::dictionary_from(
        Array::from(vec![Some(1i16), None, Some(0), Some(1)]),
        Array::from_bytes(
            DataType::Utf8View,
            [Some(long("dictionary value 0")), Some("v1".into())],
        )
        .unwrap(),
        false,
    )
    .unwrap();
    let fsb = Array::from_bytes(
        DataType::FixedSizeBinary(3),
        [Some(b"abc"), None, Some(b"\x00\x01\x02"), Some(b"xyz")],
    )
    .unwrap();
    RecordBatch::try_from_columns(
        vec![sv, bv, lv, llv, ree, du, su, d128, d256, mdn, dt, dict, fsb],
        &[
            "sv", "bv", "lv", "llv", "ree", "du", "su", "d128", "d256", "mdn", "dt", "dict", "fsb",
        ],
    )
    .unwrap()
}

/// The second batch: the first one's rows, with a dictionary grown by appending (so
/// written as a delta dictionary batch of views).
fn grown(batch: &RecordBatch) -> RecordBatch {
    let dict = &batch.columns()[11];
    let values = quiver_array::concat(&[
        dict.dictionary().unwrap().clone(),
        Array::from_bytes(
            DataType::Utf8View,
            [Some("a delta value, long enough to be out of line")],
        )
        .unwrap(),
    ])
    .unwrap();
    let indices = Array::from(vec![Some(2i16), Some(0), None, Some(2)]);
    let grown = Array::dictionary_from(indices, values, false).unwrap();
    let mut columns = batch.columns().to_vec();
    columns[11] = grown;
    RecordBatch::try_new(batch.schema().clone(), columns).unwrap()
}

// --- the schema message, built with the requested endianness ------------------------

type Fbb = FlatBufferBuilder<'static>;

fn field(
    fbb: &mut Fbb,
    name: &str,
    nullable: bool,
    (type_type, type_): (fb::Type, WIPOffset<UnionWIPOffset>),
    children: Vec<WIPOffset<fb::Field<'static>>>,
    dictionary: Option<WIPOffset<fb::DictionaryEncoding<'static>>>,
) -> WIPOffset<fb::Field<'static>> {
    let name = Some(fbb.create_string(name));
    let children = Some(fbb.create_vector(&children));
    fb::Field::create(
        fbb,
        &fb::FieldArgs {
            name,
            nullable,
            type_type,
            type_: Some(type_),
            dictionary,
            children,
            custom_metadata: None,
        },
    )
}

fn int(fbb: &mut Fbb, bits: i32) -> (fb::Type, WIPOffset<UnionWIPOffset>) {
    let t = fb::Int::create(
        fbb,
        &fb::IntArgs {
            bitWidth: bits,
            is_signed: true,
        },
    );
    (fb::Type::Int, t.as_union_value())
}

macro_rules! empty {
    ($fbb:expr, $t:ident, $args:ident) => {
        (
            fb::Type::$t,
            fb::$t::create($fbb, &fb::$args {}).as_union_value(),
        )
    };
}

fn schema_message(big: bool, dictionary_id: i64) -> Vec<u8> {
    let mut fbb = Fbb::new();
    let b = &mut fbb;
    let mut fields = Vec::new();
    let t = empty!(b, Utf8View, Utf8ViewArgs);
    fields.push(field(b, "sv", true, t, vec![], None));
    let t = empty!(b, BinaryView, BinaryViewArgs);
    fields.push(field(b, "bv", true, t, vec![], None));
    let t = int(b, 32);
    let c = field(b, "item", true, t, vec![], None);
    let t = empty!(b, ListView, ListViewArgs);
    fields.push(field(b, "lv", true, t, vec![c], None));
    let t = int(b, 16);
    let c = field(b, "item", true, t, vec![], None);
    let t = empty!(b, LargeListView, LargeListViewArgs);
    fields.push(field(b, "llv", true, t, vec![c], None));
    let t = int(b, 32);
    let ends = field(b, "run_ends", false, t, vec![], None);
    let t = empty!(b, Utf8, Utf8Args);
    let values = field(b, "values", true, t, vec![], None);
    let t = empty!(b, RunEndEncoded, RunEndEncodedArgs);
    fields.push(field(b, "ree", true, t, vec![ends, values], None));
    let t = int(b, 64);
    let i = field(b, "i", true, t, vec![], None);
    let t = empty!(b, Utf8View, Utf8ViewArgs);
    let s = field(b, "s", true, t, vec![], None);
    let ids = Some(b.create_vector(&[0i32, 1]));
    let t = fb::Union::create(
        b,
        &fb::UnionArgs {
            mode: fb::UnionMode::Dense,
            typeIds: ids,
        },
    );
    fields.push(field(
        b,
        "du",
        true,
        (fb::Type::Union, t.as_union_value()),
        vec![i, s],
        None,
    ));
    let t = fb::FloatingPoint::create(
        b,
        &fb::FloatingPointArgs {
            precision: fb::Precision::HALF,
        },
    );
    let h = field(
        b,
        "h",
        true,
        (fb::Type::FloatingPoint, t.as_union_value()),
        vec![],
        None,
    );
    let t = empty!(b, Bool, BoolArgs);
    let bo = field(b, "b", true, t, vec![], None);
    let ids = Some(b.create_vector(&[0i32, 1]));
    let t = fb::Union::create(
        b,
        &fb::UnionArgs {
            mode: fb::UnionMode::Sparse,
            typeIds: ids,
        },
    );
    fields.push(field(
        b,
        "su",
        true,
        (fb::Type::Union, t.as_union_value()),
        vec![h, bo],
        None,
    ));
    for (name, precision, scale, bits) in [("d128", 38, 4, 128), ("d256", 76, 5, 256)] {
        let t = fb::Decimal::create(
            b,
            &fb::DecimalArgs {
                precision,
                scale,
                bitWidth: bits,
            },
        );
        fields.push(field(
            b,
            name,
            true,
            (fb::Type::Decimal, t.as_union_value()),
            vec![],
            None,
        ));
    }
    for (name, unit) in [
        ("mdn", fb::IntervalUnit::MONTH_DAY_NANO),
        ("dt", fb::IntervalUnit::DAY_TIME),
    ] {
        let t = fb::Interval::create(b, &fb::IntervalArgs { unit });
        fields.push(field(
            b,
            name,
            true,
            (fb::Type::Interval, t.as_union_value()),
            vec![],
            None,
        ));
    }
    let index = fb::Int::create(
        b,
        &fb::IntArgs {
            bitWidth: 16,
            is_signed: true,
        },
    );
    let enc = fb::DictionaryEncoding::create(
        b,
        &fb::DictionaryEncodingArgs {
            id: dictionary_id,
            indexType: Some(index),
            isOrdered: false,
            dictionaryKind: fb::DictionaryKind::DenseArray,
        },
    );
    let t = empty!(b, Utf8View, Utf8ViewArgs);
    fields.push(field(b, "dict", true, t, vec![], Some(enc)));
    let t = fb::FixedSizeBinary::create(b, &fb::FixedSizeBinaryArgs { byteWidth: 3 });
    fields.push(field(
        b,
        "fsb",
        true,
        (fb::Type::FixedSizeBinary, t.as_union_value()),
        vec![],
        None,
    ));
    let fields: WIPOffset<Vector<ForwardsUOffset<fb::Field>>> = b.create_vector(&fields);
    let schema = fb::Schema::create(
        b,
        &fb::SchemaArgs {
            endianness: if big {
                fb::Endianness::Big
            } else {
                fb::Endianness::Little
            },
            fields: Some(fields),
            custom_metadata: None,
            features: None,
        },
    );
    let msg = fb::Message::create(
        b,
        &fb::MessageArgs {
            version: fb::MetadataVersion::V5,
            header_type: fb::MessageHeader::Schema,
            header: Some(schema.as_union_value()),
            bodyLength: 0,
            custom_metadata: None,
        },
    );
    b.finish(msg, None);
    b.finished_data().to_vec()
}

// --- turning the little-endian stream big-endian -------------------------------------

fn swap(buf: &mut [u8], kind: Kind) {
    match kind {
        Bytes => {}
        Each(n) => buf.chunks_exact_mut(n).for_each(<[u8]>::reverse),
        Parts(parts) => {
            let group: usize = parts.iter().sum();
            for chunk in buf.chunks_exact_mut(group) {
                let mut at = 0;
                for &w in parts {
                    chunk[at..at + w].reverse();
                    at += w;
                }
            }
        }
        Views => {
            for v in buf.chunks_exact_mut(16) {
                let len = i32::from_le_bytes(v[..4].try_into().unwrap());
                v[..4].reverse();
                if len > 12 {
                    v[8..12].reverse();
                    v[12..16].reverse();
                }
            }
        }
    }
}

/// Swaps the buffers of one record batch body in place, following `plan`.
fn swap_body(rb: fb::RecordBatch, body: &mut [u8], plan: &[Kind]) {
    let buffers: Vec<fb::Buffer> = rb.buffers().unwrap().iter().copied().collect();
    let mut variadic = rb.variadicBufferCounts().into_iter().flatten();
    let mut k = 0;
    for &kind in plan {
        let b = buffers[k];
        swap(
            &mut body[b.offset() as usize..(b.offset() + b.length()) as usize],
            kind,
        );
        k += 1;
        if let Views = kind {
            k += variadic.next().expect("a variadic count per view field") as usize;
        }
    }
    assert_eq!(k, buffers.len(), "the plan must cover every buffer");
}

/// The messages of a stream: (metadata, body).
fn messages(stream: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        assert_eq!(&stream[at..at + 4], &[0xFF; 4]);
        let len = i32::from_le_bytes(stream[at + 4..at + 8].try_into().unwrap()) as usize;
        at += 8;
        if len == 0 {
            return out;
        }
        let meta = stream[at..at + len].to_vec();
        let body_len = fb::root_as_message(&meta).unwrap().bodyLength() as usize;
        at += len;
        out.push((meta, stream[at..at + body_len].to_vec()));
        at += body_len;
    }
}

fn frame(out: &mut Vec<u8>, meta: &[u8], body: &[u8]) {
    let padded = meta.len().div_ceil(8) * 8;
    out.extend_from_slice(&[0xFF; 4]);
    out.extend_from_slice(&(padded as i32).to_le_bytes());
    out.extend_from_slice(meta);
    out.resize(out.len() + padded - meta.len(), 0);
    out.extend_from_slice(body);
}

/// The stream with the test's own schema message (`big` endianness) and, when `big`,
/// every body buffer swapped.
fn rewrite(le: &[u8], big: bool) -> Vec<u8> {
    let msgs = messages(le);
    let schema = fb::root_as_message(&msgs[0].0)
        .unwrap()
        .header_as_schema()
        .unwrap();
    let dictionary_id = schema
        .fields()
        .unwrap()
        .iter()
        .find_map(|f| f.dictionary().map(|d| d.id()))
        .unwrap();
    let mut out = Vec::new();
    frame(&mut out, &schema_message(big, dictionary_id), &[]);
    for (meta, mut body) in msgs.into_iter().skip(1) {
        let m = fb::root_as_message(&meta).unwrap();
        if big {
            match (m.header_as_record_batch(), m.header_as_dictionary_batch()) {
                (Some(rb), _) => swap_body(rb, &mut body, &plan()),
                (None, Some(db)) => swap_body(db.data().unwrap(), &mut body, &[Bytes, Views]),
                _ => panic!("unexpected message {:?}", m.header_type()),
            }
        }
        frame(&mut out, &meta, &body);
    }
    out.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    out
}

fn read(bytes: Vec<u8>) -> Vec<RecordBatch> {
    StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[test]
fn big_endian_stream_reads_like_its_little_endian_original() {
    let first = batch();
    let batches = [first.clone(), grown(&first), first.slice(1, 3).unwrap()];
    let options = IpcWriteOptions::default().with_emit_dictionary_deltas(true);
    let mut w = StreamWriter::try_new_with_options(Vec::new(), first.schema(), options).unwrap();
    batches.iter().for_each(|b| w.write(b).unwrap());
    let le = w.close().unwrap();
    // Sanity: the test's schema message, little-endian, describes Quiver's stream.
    let same = read(rewrite(&le, false));
    let big = read(rewrite(&le, true));
    assert_eq!(big.len(), 3);
    for (k, ((expected, little), got)) in batches.iter().zip(&same).zip(&big).enumerate() {
        for (c, name) in first.schema().fields().iter().map(|f| f.name()).enumerate() {
            assert!(
                little.columns()[c].equals(&expected.columns()[c]),
                "little-endian batch {k} {name}"
            );
            assert!(
                got.columns()[c].equals(&expected.columns()[c]),
                "big-endian batch {k} column {name}:\n  read     {:?}\n  expected {:?}",
                got.columns()[c],
                expected.columns()[c]
            );
        }
    }
    assert_eq!(
        big[0].columns()[0].to_string(),
        "[\"short\", null, \"three, long enough to be out of line\", \"\"]"
    );
    assert_eq!(
        big[1].columns()[11].to_string(),
        "[\"a delta value, long enough to be out of line\", \"dictionary value 0, long enough to be out of line\", null, \"a delta value, long enough to be out of line\"]"
    );
    assert_eq!(
        big[0].columns()[5].to_string(),
        "[-1, \"u, long enough to be out of line\", \"in\", 1099511627776]"
    );
}
