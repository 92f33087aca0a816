//! The workloads' input data, built once from the same values for Quiver and arrow-rs
//! (and, in `benches/pyarrow_bench.py`, for pyarrow).

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field};

/// W1–W3, W6: one batch of 10,000 int32 values `0..10000`, written 1000 times.
pub const INT32_ROWS: usize = 10_000;
/// W1–W3, W6: batches in the file.
pub const INT32_BATCHES: usize = 1000;

/// The seed's columns repeated to `rows` rows: `f0` int64 `1..=rows`, `f1` utf8
/// `"foo", "bar", "baz", null` repeated, `f2` bool `true, null, false, true` repeated.
pub struct Seed {
    ints: Vec<i64>,
    strings: Vec<Option<&'static str>>,
    bools: Vec<Option<bool>>,
}

const STRINGS: [Option<&str>; 4] = [Some("foo"), Some("bar"), Some("baz"), None];
const BOOLS: [Option<bool>; 4] = [Some(true), None, Some(false), Some(true)];
const DICTIONARY: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

impl Seed {
    pub fn new(rows: usize) -> Self {
        Seed {
            ints: (1..=rows as i64).collect(),
            strings: (0..rows).map(|i| STRINGS[i % 4]).collect(),
            bools: (0..rows).map(|i| BOOLS[i % 4]).collect(),
        }
    }

    pub fn quiver(&self) -> quiver::RecordBatch {
        quiver::record_batch(
            vec![
                quiver::Array::from(self.ints.clone()),
                quiver::Array::from(self.strings.clone()),
                quiver::Array::from(self.bools.clone()),
            ],
            &["f0", "f1", "f2"],
        )
        .expect("quiver seed batch")
    }

    pub fn arrow(&self) -> arrow_array::RecordBatch {
        let f0: ArrayRef = Arc::new(arrow_array::Int64Array::from(self.ints.clone()));
        let f1: ArrayRef = Arc::new(arrow_array::StringArray::from(self.strings.clone()));
        let f2: ArrayRef = Arc::new(arrow_array::BooleanArray::from(self.bools.clone()));
        arrow_array::RecordBatch::try_from_iter([("f0", f0), ("f1", f1), ("f2", f2)])
            .expect("arrow-rs seed batch")
    }
}

pub fn int32_quiver() -> quiver::RecordBatch {
    let values: Vec<i32> = (0..INT32_ROWS as i32).collect();
    quiver::record_batch(vec![quiver::Array::from(values)], &["f0"]).expect("quiver int32 batch")
}

pub fn int32_arrow() -> arrow_array::RecordBatch {
    let values: Vec<i32> = (0..INT32_ROWS as i32).collect();
    let column: ArrayRef = Arc::new(arrow_array::Int32Array::from(values));
    arrow_array::RecordBatch::try_from_iter([("f0", column)]).expect("arrow-rs int32 batch")
}

/// W8: `rows` rows of three nested columns.
/// - `list`: list<int32>, row `i` holds `i % 4` values (a running count);
/// - `struct`: struct{`a`: int32 = `i`, `b`: utf8 = the seed's strings, with nulls};
/// - `dict`: dictionary<int32, utf8>, index `i % 4` into four words.
pub struct Nested {
    lengths: Vec<usize>,
    items: Vec<i32>,
    a: Vec<i32>,
    b: Vec<Option<&'static str>>,
    keys: Vec<i32>,
}

impl Nested {
    pub fn new(rows: usize) -> Self {
        let lengths: Vec<usize> = (0..rows).map(|i| i % 4).collect();
        let total: usize = lengths.iter().sum();
        Nested {
            lengths,
            items: (0..total as i32).collect(),
            a: (0..rows as i32).collect(),
            b: (0..rows).map(|i| STRINGS[i % 4]).collect(),
            keys: (0..rows).map(|i| (i % 4) as i32).collect(),
        }
    }

    pub fn quiver(&self) -> quiver::RecordBatch {
        let list = quiver::Array::list_from_lengths(
            quiver::Array::from(self.items.clone()),
            self.lengths.iter().map(|&l| Some(l)),
        )
        .expect("quiver list");
        let strukt = quiver::Array::struct_from(
            vec![
                ("a", quiver::Array::from(self.a.clone())),
                ("b", quiver::Array::from(self.b.clone())),
            ],
            None,
        )
        .expect("quiver struct");
        let dict = quiver::Array::dictionary_from(
            quiver::Array::from(self.keys.clone()),
            quiver::Array::from(DICTIONARY.to_vec()),
            false,
        )
        .expect("quiver dictionary");
        quiver::record_batch(vec![list, strukt, dict], &["list", "struct", "dict"])
            .expect("quiver nested batch")
    }

    pub fn arrow(&self) -> arrow_array::RecordBatch {
        let offsets = arrow_buffer::OffsetBuffer::<i32>::from_lengths(self.lengths.iter().copied());
        let item = Arc::new(Field::new("item", DataType::Int32, true));
        let values: ArrayRef = Arc::new(arrow_array::Int32Array::from(self.items.clone()));
        let list: ArrayRef = Arc::new(arrow_array::ListArray::new(item, offsets, values, None));
        let a: ArrayRef = Arc::new(arrow_array::Int32Array::from(self.a.clone()));
        let b: ArrayRef = Arc::new(arrow_array::StringArray::from(self.b.clone()));
        let strukt: ArrayRef = Arc::new(arrow_array::StructArray::from(vec![
            (Arc::new(Field::new("a", DataType::Int32, false)), a),
            (Arc::new(Field::new("b", DataType::Utf8, true)), b),
        ]));
        let keys = arrow_array::Int32Array::from(self.keys.clone());
        let words: ArrayRef = Arc::new(arrow_array::StringArray::from(DICTIONARY.to_vec()));
        let dict: ArrayRef = Arc::new(
            arrow_array::DictionaryArray::<arrow_array::types::Int32Type>::try_new(keys, words)
                .expect("arrow-rs dictionary"),
        );
        arrow_array::RecordBatch::try_from_iter([
            ("list", list),
            ("struct", strukt),
            ("dict", dict),
        ])
        .expect("arrow-rs nested batch")
    }
}
