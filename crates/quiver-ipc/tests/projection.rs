//! Reading only some columns: by index or name, from streams and files, fetching only
//! the projected bytes from sources that copy.

use std::cell::Cell;
use std::io;

use quiver_array::{Array, RecordBatch};
use quiver_buffer::{Buffer, BufferReader, RandomAccessFile};
use quiver_ipc::{FileReader, FileWriter, IpcReadOptions, StreamReader, StreamWriter};

fn batch(rows: i64) -> RecordBatch {
    RecordBatch::try_from_columns(
        vec![
            Array::from((0..rows).collect::<Vec<_>>()),
            Array::from((0..rows).map(|i| Some(format!("s{i}"))).collect::<Vec<_>>()),
            Array::from((0..rows).map(|i| i * 3).collect::<Vec<_>>()),
        ],
        &["a", "b", "c"],
    )
    .unwrap()
}

/// A source that copies like a file would, and counts the bytes asked for.
struct Counting {
    data: Buffer,
    read: Cell<usize>,
}

impl RandomAccessFile for Counting {
    fn size(&self) -> io::Result<u64> {
        Ok(self.data.len() as u64)
    }
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Buffer> {
        self.read.set(self.read.get() + len);
        Ok(self.data.read_at(offset, len)?.deep_copy())
    }
}

fn file_bytes(batches: &[RecordBatch]) -> Buffer {
    let mut w = FileWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    Buffer::from_vec(w.close().unwrap())
}

#[test]
fn file_projection_reads_only_the_chosen_columns_bytes() {
    let batches = [batch(50_000), batch(10)];
    let data = file_bytes(&batches);
    let src = Counting {
        data: data.clone(),
        read: Cell::new(0),
    };
    let opts = IpcReadOptions::default().with_projection(vec![2, 0]);
    let reader = FileReader::try_new_with_options(&src, opts).unwrap();
    assert_eq!(reader.schema().to_string(), "c: int64\na: int64");
    let footer_bytes = src.read.get();
    let first = reader.get_batch(0).unwrap();
    assert!(first.equals(&batches[0].project(&[2, 0]).unwrap()));
    let fetched = src.read.get() - footer_bytes;
    // Two int64 columns (800,000 bytes) plus metadata; the utf8 column (about
    // 630,000 bytes) is never fetched.
    assert!(
        (800_000..820_000).contains(&fetched),
        "fetched {fetched} bytes"
    );
    assert!(
        reader
            .get_batch(1)
            .unwrap()
            .equals(&batches[1].project(&[2, 0]).unwrap())
    );

    // From a zero-copy source the whole block is sliced; the result is the same.
    let by_name = IpcReadOptions::default().with_projection_names(["b"]);
    let r = FileReader::try_new_with_options(data, by_name).unwrap();
    assert!(
        r.get_batch(1)
            .unwrap()
            .equals(&batches[1].project(&[1]).unwrap())
    );
}

#[test]
fn stream_projection_and_bad_names() {
    let b = batch(5);
    let mut w = StreamWriter::try_new(Vec::new(), b.schema()).unwrap();
    w.write(&b).unwrap();
    let bytes = Buffer::from_vec(w.close().unwrap());
    let opts = IpcReadOptions::default().with_projection_names(["c", "b"]);
    let mut r = StreamReader::try_new_with_options(BufferReader::new(bytes.clone()), opts).unwrap();
    assert!(
        r.next_batch()
            .unwrap()
            .unwrap()
            .equals(&b.project(&[2, 1]).unwrap())
    );

    let missing = IpcReadOptions::default().with_projection_names(["nope"]);
    let err =
        StreamReader::try_new_with_options(BufferReader::new(bytes.clone()), missing).unwrap_err();
    assert_eq!(
        err.to_string(),
        "projection asks for \"nope\", but there is no field \"nope\" (the choices are: \"a\", \"b\", \"c\")"
    );
    let out_of_range = IpcReadOptions::default().with_projection(vec![7]);
    let err = FileReader::try_new_with_options(file_bytes(&[b]), out_of_range).unwrap_err();
    assert_eq!(
        err.to_string(),
        "projection asks for column 7 but the schema has 3 columns"
    );
}

#[test]
fn nested_projection_reads_chosen_struct_children() {
    use quiver_array::{ArrayData, DataType, Field, Schema};
    let inner = DataType::Struct(vec![
        Field::new("x", DataType::Int32, true),
        Field::new("y", DataType::Utf8, true),
    ]);
    let outer = DataType::Struct(vec![
        Field::new("p", inner.clone(), true),
        Field::new("q", DataType::Int64, false),
    ]);
    let p = ArrayData::new(inner, 3)
        .children(vec![
            Array::from(vec![1i32, 2, 3]),
            Array::from(vec![Some("a"), None, Some("c")]),
        ])
        .build()
        .unwrap();
    let s = ArrayData::new(outer.clone(), 3)
        .nulls(Some(Buffer::from_slice_ref(&[0b101u8])))
        .children(vec![p, Array::from(vec![7i64, 8, 9])])
        .build()
        .unwrap();
    let schema = Schema::new(vec![
        Field::new("s", outer, true),
        Field::new("n", DataType::Int32, true),
    ]);
    let batch = RecordBatch::try_new(schema, vec![s, Array::from(vec![4i32, 5, 6])]).unwrap();
    let bytes = file_bytes(std::slice::from_ref(&batch));
    for source_copies in [false, true] {
        let opts = IpcReadOptions::default().with_projection_names(["n", "s.p.y", "s.q"]);
        let reader = if source_copies {
            let src = Counting {
                data: bytes.clone(),
                read: Cell::new(0),
            };
            let r = FileReader::try_new_with_options(src, opts).unwrap();
            r.get_batch(0).unwrap()
        } else {
            FileReader::try_new_with_options(bytes.clone(), opts)
                .unwrap()
                .get_batch(0)
                .unwrap()
        };
        assert_eq!(
            reader.schema().to_string(),
            "n: int32\ns: struct<p: struct<y: string>, q: int64>"
        );
        assert_eq!(reader.columns()[0].to_string(), "[4, 5, 6]");
        assert_eq!(
            reader.columns()[1].to_string(),
            "[{p: {y: \"a\"}, q: 7}, null, {p: {y: \"c\"}, q: 9}]"
        );
    }
    let err = FileReader::try_new_with_options(
        bytes,
        IpcReadOptions::default().with_projection_names(["n.z"]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "projection asks for \"n.z\", but \"n\" is a int32, not a struct"
    );
}
