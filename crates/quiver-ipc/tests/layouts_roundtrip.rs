//! Views, list views, unions and run-end encoded arrays through both IPC formats,
//! whole and sliced, with metadata V4 and V5.

use std::sync::Arc;

use quiver_array::{Array, ArrayData, DataType, Field, RecordBatch, Schema, UnionMode};
use quiver_buffer::{Buffer, BufferReader, MutableBuffer};
use quiver_ipc::{
    CompressionCodec, FileReader, FileWriter, IpcWriteOptions, MetadataVersion, StreamReader,
    StreamWriter,
};

fn view(bytes: &[u8], buffer: i32, offset: i32) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..4].copy_from_slice(&(bytes.len() as i32).to_ne_bytes());
    if bytes.len() <= 12 {
        v[4..4 + bytes.len()].copy_from_slice(bytes);
    } else {
        v[4..8].copy_from_slice(&bytes[..4]);
        v[8..12].copy_from_slice(&buffer.to_ne_bytes());
        v[12..16].copy_from_slice(&offset.to_ne_bytes());
    }
    v
}

fn columns() -> Vec<(&'static str, Array)> {
    let long = b"0123456789abcdefXYZ";
    let mut vs = MutableBuffer::new();
    for v in [
        view(b"hi", 0, 0),
        view(long, 0, 0),
        view(b"", 0, 0),
        view(&long[3..], 0, 3),
    ] {
        vs.extend_from_slice(&v);
    }
    let utf8_view = ArrayData::new(DataType::Utf8View, 4)
        .nulls(Some(Buffer::from_slice_ref(&[0b1011u8])))
        .buffers(vec![vs.freeze(), Buffer::from_slice_ref(&long[..])])
        .build()
        .unwrap();
    let item = Arc::new(Field::new("item", DataType::Int64, true));
    let list_view = ArrayData::new(DataType::ListView(item), 4)
        .buffers(vec![
            Buffer::from_slice_ref(&[2i32, 0, 1, 3]),
            Buffer::from_slice_ref(&[2i32, 4, 0, 1]),
        ])
        .children(vec![Array::from(vec![Some(1i64), None, Some(3), Some(4)])])
        .build()
        .unwrap();
    let fields = vec![
        Field::new("i", DataType::Int32, true),
        Field::new("s", DataType::Utf8, true),
    ];
    let dense = ArrayData::new(
        DataType::Union {
            fields: fields.clone(),
            type_ids: vec![3, 9],
            mode: UnionMode::Dense,
        },
        4,
    )
    .buffers(vec![
        Buffer::from_slice_ref(&[3i8, 9, 3, 9]),
        Buffer::from_slice_ref(&[0i32, 0, 1, 1]),
    ])
    .children(vec![
        Array::from(vec![Some(7i32), None]),
        Array::from(vec!["x", "yy"]),
    ])
    .build()
    .unwrap();
    let sparse = ArrayData::new(
        DataType::Union {
            fields,
            type_ids: vec![0, 1],
            mode: UnionMode::Sparse,
        },
        4,
    )
    .buffers(vec![Buffer::from_slice_ref(&[1i8, 0, 0, 1])])
    .children(vec![
        Array::from(vec![1i32, 2, 3, 4]),
        Array::from(vec!["a", "b", "c", "d"]),
    ])
    .build()
    .unwrap();
    let ree = ArrayData::new(
        DataType::RunEndEncoded(
            Arc::new(Field::new("run_ends", DataType::Int16, false)),
            Arc::new(Field::new("values", DataType::Utf8, true)),
        ),
        4,
    )
    .children(vec![
        Array::from(vec![1i16, 3, 4]),
        Array::from(vec![Some("p"), None, Some("q")]),
    ])
    .build()
    .unwrap();
    vec![
        ("v", utf8_view),
        ("lv", list_view),
        ("du", dense),
        ("su", sparse),
        ("ree", ree),
    ]
}

fn batch() -> RecordBatch {
    let cols = columns();
    let fields = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Schema::new(fields),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

fn round_trip(batch: &RecordBatch, options: IpcWriteOptions) {
    let mut w =
        StreamWriter::try_new_with_options(Vec::new(), batch.schema(), options.clone()).unwrap();
    w.write(batch).unwrap();
    let bytes = Buffer::from_vec(w.close().unwrap());
    let mut r = StreamReader::try_new(BufferReader::new(bytes)).unwrap();
    let back = r.next_batch().unwrap().unwrap();
    assert!(back.equals(batch), "stream: {back}\n!=\n{batch}");

    let mut w = FileWriter::try_new_with_options(Vec::new(), batch.schema(), options).unwrap();
    w.write(batch).unwrap();
    let r = FileReader::try_new(Buffer::from_vec(w.close().unwrap())).unwrap();
    let back = r.get_batch(0).unwrap();
    assert!(back.equals(batch), "file: {back}\n!=\n{batch}");
}

#[test]
fn indirect_layouts_round_trip_whole_and_sliced() {
    let b = batch();
    assert_eq!(
        b.to_string(),
        concat!(
            "                     v               lv    du  su   ree\n",
            "0                   hi           [3, 4]     7   a     p\n",
            "1  0123456789abcdefXYZ  [1, null, 3, 4]     x   2  null\n",
            "2                 null               []  null   3  null\n",
            "3     3456789abcdefXYZ              [4]    yy   d     q"
        )
    );
    let codecs = [
        None,
        Some(CompressionCodec::Lz4Frame),
        Some(CompressionCodec::Zstd),
    ];
    for (version, alignment, compression) in [MetadataVersion::V4, MetadataVersion::V5]
        .into_iter()
        .flat_map(|v| {
            [8, 64]
                .into_iter()
                .flat_map(move |a| codecs.map(|c| (v, a, c)))
        })
    {
        {
            let options = IpcWriteOptions::default()
                .with_alignment(alignment)
                .with_metadata_version(version)
                .with_compression(compression, Some(1));
            round_trip(&b, options.clone());
            for (off, len) in [(1, 2), (3, 1), (0, 0), (2, 2)] {
                round_trip(&b.slice(off, len).unwrap(), options.clone());
            }
        }
    }
}
