//! Tensor and SparseTensor IPC messages: round trips, exact framing, zero-copy reads,
//! malformed input (truncation, byte flips, fuzzer finds) and pyarrow interop.
//!
//! pyarrow (`QUIVER_PYTHON`, a Python with pyarrow and numpy, set by `cargo xtask test`)
//! and the fuzzer files (`QUIVER_ARROW_TESTING`) are found through `quiver_testkit`;
//! without them those tests skip loudly, which under `CI=true` is a failure.

use std::path::Path;
use std::process::Command;

use quiver_array::{Array, DataType, RecordBatch};
use quiver_buffer::{Buffer, BufferOutputStream, BufferReader, ReadInputStream, f16};
use quiver_ipc::{
    IpcError, SparseIndex, SparseTensor, StreamReader, StreamWriter, Tensor, decode_tensor,
    encode_tensor, read_sparse_tensor, read_sparse_tensor_from_stream, read_tensor,
    read_tensor_from_stream, write_sparse_tensor, write_tensor,
};

fn write(t: &Tensor) -> Buffer {
    let mut sink = BufferOutputStream::new();
    let n = write_tensor(&mut sink, t).unwrap();
    let buf = sink.getvalue();
    assert_eq!(n, buf.len());
    buf
}

fn write_sparse(t: &SparseTensor) -> Buffer {
    let mut sink = BufferOutputStream::new();
    let n = write_sparse_tensor(&mut sink, t).unwrap();
    let buf = sink.getvalue();
    assert_eq!(n, buf.len());
    buf
}

/// The elements as f64 in logical row-major order, whatever the type.
fn values_f64(t: &Tensor) -> Vec<f64> {
    match t.data_type() {
        DataType::Int8 => t
            .to_vec::<i8>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        DataType::Int16 => t
            .to_vec::<i16>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        DataType::Int32 => t
            .to_vec::<i32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        DataType::Int64 => t
            .to_vec::<i64>()
            .unwrap()
            .into_iter()
            .map(|v| v as f64)
            .collect(),
        DataType::UInt8 => t
            .to_vec::<u8>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        DataType::UInt16 => t
            .to_vec::<u16>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        DataType::UInt32 => t
            .to_vec::<u32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        DataType::UInt64 => t
            .to_vec::<u64>()
            .unwrap()
            .into_iter()
            .map(|v| v as f64)
            .collect(),
        DataType::Float16 => t
            .to_vec::<f16>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        DataType::Float32 => t
            .to_vec::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        DataType::Float64 => t.to_vec::<f64>().unwrap(),
        other => panic!("not a tensor type: {other}"),
    }
}

fn assert_same(a: &Tensor, b: &Tensor) {
    assert_eq!(a.data_type(), b.data_type());
    assert_eq!(a.shape(), b.shape());
    assert_eq!(a.names(), b.names());
    assert_eq!(values_f64(a), values_f64(b));
    assert!(a.equals(b));
}

/// A small zoo of tensors: contiguous, column-major, strided, 0-d, empty, every type.
fn zoo() -> Vec<Tensor> {
    let named = Tensor::from_vec((0..6).collect::<Vec<i32>>(), vec![2, 3])
        .unwrap()
        .with_names(vec![Some("rows".into()), Some("cols".into())])
        .unwrap();
    let col_major = Tensor::try_new(
        DataType::Float64,
        Buffer::from_vec((0..12).map(f64::from).collect::<Vec<_>>()),
        vec![3, 4],
        vec![8, 24],
    )
    .unwrap();
    // Every other column of a 3×4 u16 matrix.
    let strided = Tensor::try_new(
        DataType::UInt16,
        Buffer::from_vec((0..12u16).collect::<Vec<_>>()),
        vec![3, 2],
        vec![8, 4],
    )
    .unwrap();
    let zero_d = Tensor::from_vec(vec![2.5f32], vec![]).unwrap();
    let empty = Tensor::from_vec(Vec::<i16>::new(), vec![2, 0, 3]).unwrap();
    let empty_1d = Tensor::from_vec(Vec::<u64>::new(), vec![0]).unwrap();
    let half = Tensor::from_vec(
        vec![f16::from_f32(1.5), f16::from_f32(-2.0), f16::from_f32(0.25)],
        vec![3],
    )
    .unwrap();
    let i8s = Tensor::from_vec(vec![-1i8, 2, -3, 4, -5, 6, -7, 8], vec![2, 2, 2])
        .unwrap()
        .with_names(vec![None, Some("mid".into()), None])
        .unwrap();
    let u64s = Tensor::from_vec(vec![u64::MAX, 0, 7], vec![3, 1]).unwrap();
    let u32s = Tensor::from_vec(vec![1u32, 2, 3, 4], vec![4]).unwrap();
    let i64s = Tensor::from_vec(vec![i64::MIN, i64::MAX], vec![1, 2]).unwrap();
    // A broadcast (stride 0) dimension.
    let broadcast = Tensor::try_new(
        DataType::Int64,
        Buffer::from_vec(vec![10i64, 20]),
        vec![3, 2],
        vec![0, 8],
    )
    .unwrap();
    vec![
        named, col_major, strided, zero_d, empty, empty_1d, half, i8s, u64s, u32s, i64s, broadcast,
    ]
}

#[test]
fn tensors_round_trip() {
    for t in zoo() {
        let buf = write(&t);
        let back = read_tensor(&buf).unwrap();
        assert_same(&t, &back);
        // Contiguous tensors keep their strides; others come back row-major.
        if t.is_contiguous() {
            assert_eq!(back.strides(), t.strides(), "{t:?}");
        } else {
            assert!(back.is_row_major());
        }
        let mut source = BufferReader::new(buf.clone());
        assert_same(&t, &read_tensor_from_stream(&mut source).unwrap());
        // A non-zero-copy source too.
        let mut source = ReadInputStream::new(std::io::Cursor::new(buf.as_slice().to_vec()));
        assert_same(&t, &read_tensor_from_stream(&mut source).unwrap());
        // Metadata and body as separate parts.
        let (metadata, body) = encode_tensor(&t).unwrap();
        assert_same(
            &t,
            &decode_tensor(&Buffer::from_vec(metadata), &body).unwrap(),
        );
    }
}

#[test]
fn several_tensors_in_one_stream() {
    let tensors = zoo();
    let mut sink = BufferOutputStream::new();
    for t in &tensors {
        write_tensor(&mut sink, t).unwrap();
    }
    let mut source = BufferReader::new(sink.getvalue());
    for t in &tensors {
        assert_same(t, &read_tensor_from_stream(&mut source).unwrap());
    }
    assert!(read_tensor_from_stream(&mut source).is_err());
}

#[test]
fn framing_matches_pyarrow() {
    let t = Tensor::from_vec(vec![1i32, 2, 3, 4, 5, 6], vec![2, 3]).unwrap();
    let buf = write(&t);
    let b = buf.as_slice();
    assert_eq!(&b[..4], &[0xFF, 0xFF, 0xFF, 0xFF]);
    let m = i32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
    // pyarrow pads tensor metadata so the body starts 64 bytes into the message.
    assert_eq!((8 + m) % 64, 0);
    // The body is the data, unpadded, at the end.
    assert_eq!(buf.len(), 8 + m + 24);
    let body = &b[8 + m..];
    let expected: Vec<u8> = (1i32..=6).flat_map(i32::to_le_bytes).collect();
    assert_eq!(body, expected.as_slice());
    // Metadata padding is zeros.
    let meta = &b[8..8 + m];
    let fb_end = meta.iter().rposition(|&x| x != 0).unwrap() + 1;
    assert!(meta[fb_end..].iter().all(|&x| x == 0));

    // Odd body sizes stay unpadded, like pyarrow's `write_tensor`.
    let t = Tensor::from_vec(vec![1u8, 2, 3], vec![3]).unwrap();
    let buf = write(&t);
    let m = i32::from_le_bytes(buf[4..8].try_into().unwrap()) as usize;
    assert_eq!(buf.len(), 8 + m + 3);

    // A strided tensor is written row-major: the body is exactly the elements.
    let strided = &zoo()[2];
    let buf = write(strided);
    let m = i32::from_le_bytes(buf[4..8].try_into().unwrap()) as usize;
    assert_eq!(buf.len(), 8 + m + 6 * 2);
    let body: Vec<u16> = buf[8 + m..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(body, vec![0, 2, 4, 6, 8, 10]);
}

#[test]
fn reads_are_zero_copy() {
    let t = Tensor::from_vec((0..64).map(f64::from).collect::<Vec<_>>(), vec![8, 8]).unwrap();
    let buf = write(&t);
    let back = read_tensor(&buf).unwrap();
    assert!(buf.contains_ptr(back.data().as_ptr()));
    let values = back.values::<f64>().unwrap();
    assert!(buf.contains_ptr(values.as_ptr().cast()));
    assert_eq!(values, t.values::<f64>().unwrap());
    // The body starts 64 bytes into the message.
    assert_eq!(
        (back.data().as_ptr() as usize - buf.as_ptr() as usize) % 64,
        0
    );

    let mut source = BufferReader::new(buf.clone());
    let back = read_tensor_from_stream(&mut source).unwrap();
    assert!(buf.contains_ptr(back.data().as_ptr()));

    let dense = Tensor::from_vec(vec![0i32, 1, 0, 2, 3, 0], vec![2, 3]).unwrap();
    let coo = SparseTensor::coo_from_dense(&dense).unwrap();
    let buf = write_sparse(&coo);
    let back = read_sparse_tensor(&buf).unwrap();
    assert!(buf.contains_ptr(back.data().as_ptr()));
    match back.index() {
        SparseIndex::Coo { indices, .. } => assert!(buf.contains_ptr(indices.data().as_ptr())),
        other => panic!("{other:?}"),
    }
}

fn unhex(s: &str) -> Buffer {
    Buffer::from_vec(
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>(),
    )
}

/// `pa.ipc.write_tensor(pa.Tensor.from_numpy(np.arange(6, dtype=np.int32).reshape(2, 3),
/// dim_names=["a", "b"]), sink)`, pyarrow 26.
const PYARROW_INT32_2X3: &str = "fffffffff800000014000000000000000c001a000600050008000c000c000000000404002000000018000000000000000000000000000e002800070008000c00100014000e000000000000029000000034000000180000000000000000000000180000000000000000000000020000000c0000000000000004000000000000000000000002000000300000000c0000000800100008000400080000000c0000000300000000000000010000006200000008001400080004000800000010000000020000000000000000000000010000006100000008000c0008000700080000000000000120000000000000000000000000000000000000000000000000000000000000000100000002000000030000000400000005000000";

/// `pa.ipc.write_tensor(pa.Tensor.from_numpy(np.array(2.5, dtype=np.float32)), sink)`:
/// Arrow C++ leaves the empty strides vector misaligned.
const PYARROW_ZERO_D: &str = "ffffffff7800000014000000000000000c001a000600050008000c000c000000000404002000000004000000000000000000000000000e002400070008000c00100014000e000000000000032c0000001c000000140000000000000000000000040000000000000000000000000000000000060008000600060000000000010000002040";

#[test]
fn pyarrow_golden_messages() {
    let buf = unhex(PYARROW_INT32_2X3);
    let t = read_tensor(&buf).unwrap();
    assert_eq!(t.data_type(), &DataType::Int32);
    assert_eq!(t.shape(), &[2, 3]);
    assert_eq!(t.strides(), &[12, 4]);
    assert_eq!(t.names(), &[Some("a".to_string()), Some("b".to_string())]);
    assert_eq!(t.values::<i32>().unwrap(), &[0, 1, 2, 3, 4, 5]);
    assert!(buf.contains_ptr(t.data().as_ptr()));
    // Quiver frames the same tensor the same way: same prefix shape, body offset, size.
    let ours = write(&t);
    assert_eq!(&ours[..4], &buf[..4]);
    assert_eq!(ours.len() - 24, 256);
    assert_eq!(buf.len() - 24, 256);

    let buf = unhex(PYARROW_ZERO_D);
    let t = read_tensor(&buf).unwrap();
    assert_eq!(t.data_type(), &DataType::Float32);
    assert_eq!(t.shape(), &[] as &[i64]);
    assert_eq!(t.strides(), &[] as &[i64]);
    assert_eq!(t.to_vec::<f32>().unwrap(), vec![2.5]);
    let mut source = BufferReader::new(buf);
    assert_eq!(read_tensor_from_stream(&mut source).unwrap().size(), 1);
}

#[test]
fn legacy_framing_is_read() {
    let t = Tensor::from_vec(vec![9i64, 8, 7], vec![3]).unwrap();
    let buf = write(&t);
    // Pre-0.15 framing: the length without the continuation marker.
    let legacy = Buffer::from_vec(buf[4..].to_vec());
    assert_same(&t, &read_tensor(&legacy).unwrap());
}

#[test]
fn invalid_tensors_are_refused() {
    let data = Buffer::from_vec(vec![0u8; 16]);
    // Outside the data.
    assert!(Tensor::try_new(DataType::Int32, data.clone(), vec![5], vec![4]).is_err());
    assert!(Tensor::try_new(DataType::Int32, data.clone(), vec![2, 2], vec![12, 4]).is_err());
    // Negative numbers.
    assert!(Tensor::try_new(DataType::Int32, data.clone(), vec![-1], vec![4]).is_err());
    assert!(Tensor::try_new(DataType::Int32, data.clone(), vec![2], vec![-4]).is_err());
    // Strides and shape disagree.
    assert!(Tensor::try_new(DataType::Int32, data.clone(), vec![2], vec![]).is_err());
    // Not a fixed-width number.
    assert!(Tensor::try_new(DataType::Boolean, data.clone(), vec![2], vec![1]).is_err());
    assert!(Tensor::try_new(DataType::Utf8, data.clone(), vec![2], vec![1]).is_err());
    // Overflow.
    assert!(Tensor::try_new(DataType::Int8, data.clone(), vec![i64::MAX, 2], vec![1, 1]).is_err());
    assert!(Tensor::try_new(DataType::Int8, data.clone(), vec![2], vec![i64::MAX]).is_err());
    // Names.
    let t = Tensor::try_new(DataType::Int32, data, vec![2, 2], vec![8, 4]).unwrap();
    assert!(t.clone().with_names(vec![None]).is_err());
    // Typed access needs the right type and a contiguous layout.
    assert!(t.values::<u32>().is_err());
    assert!(t.values::<i32>().is_ok());
    let strided = &zoo()[2];
    assert!(strided.values::<u16>().is_err());
    assert_eq!(strided.to_vec::<u16>().unwrap(), vec![0, 2, 4, 6, 8, 10]);
}

#[test]
fn wrong_message_kinds_are_refused() {
    let dense = Tensor::from_vec(vec![1i32, 0, 2, 0], vec![2, 2]).unwrap();
    let sparse = write_sparse(&SparseTensor::csr_from_dense(&dense).unwrap());
    let err = read_tensor(&sparse).unwrap_err();
    assert!(err.to_string().contains("read_sparse_tensor"), "{err}");
    let dense_msg = write(&dense);
    assert!(read_sparse_tensor(&dense_msg).is_err());

    // A record batch stream is not a tensor.
    let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i32])], &["x"]).unwrap();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let bytes = Buffer::from_vec(w.close().unwrap());
    assert!(read_tensor(&bytes).is_err());

    // The end-of-stream marker is not a tensor either.
    let eos = Buffer::from_vec(vec![0xFFu8, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    assert!(read_tensor(&eos).is_err());
    assert!(read_tensor(&Buffer::from_vec(vec![0u8; 4])).is_err());
    assert!(read_tensor(&Buffer::empty()).is_err());
}

#[test]
fn stream_reader_refuses_tensor_messages() {
    let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i32])], &["x"]).unwrap();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let mut bytes = w.close().unwrap();
    // Replace the end-of-stream marker with a tensor message.
    bytes.truncate(bytes.len() - 8);
    let t = Tensor::from_vec(vec![1u8, 2], vec![2]).unwrap();
    bytes.extend_from_slice(&write(&t));
    let mut reader = StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes))).unwrap();
    assert!(reader.next_batch().unwrap().is_some());
    let err = reader.next_batch().unwrap_err();
    assert!(
        err.to_string()
            .contains("a tensor message inside a record batch stream"),
        "{err}"
    );
    assert!(matches!(err, IpcError::Unsupported { .. }));
}

#[test]
fn truncation_at_every_byte_is_an_error() {
    let t = Tensor::from_vec(vec![1i16, 2, 3, 4, 5, 6], vec![3, 2])
        .unwrap()
        .with_names(vec![Some("a".into()), None])
        .unwrap();
    let buf = write(&t);
    for len in 0..buf.len() {
        let cut = buf.slice(0, len);
        assert!(read_tensor(&cut).is_err(), "prefix of {len} bytes");
        let mut source = BufferReader::new(cut.clone());
        assert!(read_tensor_from_stream(&mut source).is_err(), "{len}");
    }
    let dense = Tensor::from_vec(vec![0f32, 1.0, 0.0, 2.0, 0.0, 3.0], vec![3, 2]).unwrap();
    for s in sparse_zoo(&dense) {
        let buf = write_sparse(&s);
        for len in 0..buf.len() {
            let cut = buf.slice(0, len);
            assert!(
                read_sparse_tensor(&cut).is_err(),
                "{} {len}",
                s.index().format_name()
            );
            let mut source = BufferReader::new(cut);
            assert!(read_sparse_tensor_from_stream(&mut source).is_err());
        }
    }
}

/// Uses a decoded (possibly garbage) tensor the way a caller would; must not panic.
fn exercise(t: &Tensor) {
    let _ = t.is_contiguous();
    let _ = t.size();
    if t.size() < 1 << 16 {
        let _ = values_f64(t);
        let _ = t.to_row_major();
        let _ = t.equals(t);
        let mut sink = BufferOutputStream::new();
        let _ = write_tensor(&mut sink, t);
    }
}

fn exercise_sparse(s: &SparseTensor) {
    let size = s.shape().iter().try_fold(1i64, |a, &d| a.checked_mul(d));
    if size.is_some_and(|n| n < 1 << 16)
        && let Ok(d) = s.to_dense()
    {
        exercise(&d);
    }
    let mut sink = BufferOutputStream::new();
    let _ = write_sparse_tensor(&mut sink, s);
}

#[test]
fn flipped_bytes_never_panic() {
    let mut messages = Vec::new();
    for t in zoo().iter().take(4) {
        messages.push(write(t));
    }
    for mut_byte in [0xFFu8, 0x01, 0x80] {
        for m in &messages {
            for i in 0..m.len() {
                let mut bytes = m.as_slice().to_vec();
                bytes[i] ^= mut_byte;
                let buf = Buffer::from_vec(bytes);
                if let Ok(t) = read_tensor(&buf) {
                    exercise(&t);
                }
                if let Ok(s) = read_sparse_tensor(&buf) {
                    exercise_sparse(&s);
                }
            }
        }
    }
    let dense = Tensor::from_vec(vec![0i32, 4, 0, 0, 5, 6, 0, 7], vec![2, 2, 2]).unwrap();
    let mut sparse = vec![
        write_sparse(&SparseTensor::coo_from_dense(&dense).unwrap()),
        write_sparse(&SparseTensor::csf_from_dense(&dense).unwrap()),
    ];
    let matrix = Tensor::from_vec(vec![0u8, 4, 0, 5, 6, 0], vec![2, 3]).unwrap();
    sparse.push(write_sparse(
        &SparseTensor::csr_from_dense(&matrix).unwrap(),
    ));
    sparse.push(write_sparse(
        &SparseTensor::csc_from_dense(&matrix).unwrap(),
    ));
    for mut_byte in [0xFFu8, 0x01, 0x80] {
        for m in &sparse {
            for i in 0..m.len() {
                let mut bytes = m.as_slice().to_vec();
                bytes[i] ^= mut_byte;
                let buf = Buffer::from_vec(bytes);
                if let Ok(s) = read_sparse_tensor(&buf) {
                    exercise_sparse(&s);
                }
                if let Ok(t) = read_tensor(&buf) {
                    exercise(&t);
                }
            }
        }
    }
}

#[test]
fn fuzzer_finds_do_not_panic() {
    const SUITE: &str = "tensor golden (fuzzer corpus)";
    let Some(root) = quiver_testkit::require_arrow_testing(SUITE) else {
        return;
    };
    let dir = root.join("arrow-ipc-tensor-stream");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        quiver_testkit::skip(SUITE, &format!("{} not found", dir.display()));
        return;
    };
    let mut n = 0;
    for e in entries {
        let path = e.unwrap().path();
        let buf = Buffer::from_vec(std::fs::read(&path).unwrap());
        if let Ok(t) = read_tensor(&buf) {
            exercise(&t);
        }
        if let Ok(s) = read_sparse_tensor(&buf) {
            exercise_sparse(&s);
        }
        let mut source = BufferReader::new(buf.clone());
        while let Ok(t) = read_tensor_from_stream(&mut source) {
            exercise(&t);
        }
        n += 1;
    }
    quiver_testkit::expect_cases(SUITE, n, 2);
}

/// Same shape, names and values (`-0.0` stored densely comes back as `0.0`).
fn assert_dense(got: &Tensor, want: &Tensor, what: &str) {
    assert_eq!(got.data_type(), want.data_type(), "{what}");
    assert_eq!(got.shape(), want.shape(), "{what}");
    assert_eq!(got.names(), want.names(), "{what}");
    assert_eq!(values_f64(got), values_f64(want), "{what}");
    assert!(got.is_row_major(), "{what}");
}

fn sparse_zoo(dense: &Tensor) -> Vec<SparseTensor> {
    let mut v = vec![
        SparseTensor::coo_from_dense(dense).unwrap(),
        SparseTensor::csf_from_dense(dense).unwrap(),
    ];
    if dense.ndim() == 2 {
        v.push(SparseTensor::csr_from_dense(dense).unwrap());
        v.push(SparseTensor::csc_from_dense(dense).unwrap());
    }
    v
}

#[test]
fn sparse_tensors_round_trip() {
    let dense_2d = Tensor::from_vec(
        vec![
            0.0f64, 1.5, 0.0, 0.0, -0.0, 0.0, 2.5, 0.0, 0.0, 0.0, 0.0, 3.5,
        ],
        vec![3, 4],
    )
    .unwrap()
    .with_names(vec![Some("r".into()), Some("c".into())])
    .unwrap();
    let dense_3d = Tensor::from_vec(
        (0..24)
            .map(|i| if i % 5 == 0 { i } else { 0 })
            .collect::<Vec<i32>>(),
        vec![2, 3, 4],
    )
    .unwrap();
    let all_zero = Tensor::from_vec(vec![0u8; 6], vec![2, 3]).unwrap();
    let empty = Tensor::from_vec(Vec::<i16>::new(), vec![0, 3]).unwrap();
    let one_d = Tensor::from_vec(vec![0i64, 0, 9, 0, 8], vec![5]).unwrap();
    // A strided (column-major) dense source.
    let col = Tensor::try_new(
        DataType::Float32,
        Buffer::from_vec(vec![1.0f32, 0.0, 0.0, 2.0, 3.0, 0.0]),
        vec![2, 3],
        vec![4, 8],
    )
    .unwrap();
    for dense in [dense_2d, dense_3d, all_zero, empty, one_d, col] {
        for s in sparse_zoo(&dense) {
            let what = format!("{} of {:?}", s.index().format_name(), dense.shape());
            assert_dense(&s.to_dense().unwrap(), &dense, &what);
            let buf = write_sparse(&s);
            // Whole messages are multiples of 8 bytes.
            assert_eq!(buf.len() % 8, 0, "{what}");
            let back = read_sparse_tensor(&buf).unwrap();
            assert_eq!(back.non_zero_length(), s.non_zero_length(), "{what}");
            assert_eq!(back.names(), dense.names(), "{what}");
            assert_eq!(back.index().format_name(), s.index().format_name());
            assert_dense(&back.to_dense().unwrap(), &dense, &what);
            let mut source = ReadInputStream::new(std::io::Cursor::new(buf.to_vec()));
            let back = read_sparse_tensor_from_stream(&mut source).unwrap();
            assert_dense(&back.to_dense().unwrap(), &dense, &what);
        }
    }
    // -0.0 is a zero.
    let d = Tensor::from_vec(vec![-0.0f32, 1.0], vec![2]).unwrap();
    assert_eq!(
        SparseTensor::coo_from_dense(&d).unwrap().non_zero_length(),
        1
    );
}

#[test]
fn hand_built_sparse_indices() {
    // [[0, 5, 0], [7, 0, 8]] as CSF with the column axis first and int32 / uint8 indices.
    let csf = SparseIndex::Csf {
        indptr: vec![Tensor::from_vec(vec![0i32, 1, 2, 3], vec![4]).unwrap()],
        indices: vec![
            Tensor::from_vec(vec![0u8, 1, 2], vec![3]).unwrap(),
            Tensor::from_vec(vec![1u8, 0, 1], vec![3]).unwrap(),
        ],
        axis_order: vec![1, 0],
    };
    let s = SparseTensor::try_new(
        DataType::Int16,
        vec![2, 3],
        csf,
        Buffer::from_vec(vec![7i16, 5, 8]),
    )
    .unwrap();
    let expect = vec![0i16, 5, 0, 7, 0, 8];
    assert_eq!(s.to_dense().unwrap().to_vec::<i16>().unwrap(), expect);
    let back = read_sparse_tensor(&write_sparse(&s)).unwrap();
    assert_eq!(back.to_dense().unwrap().to_vec::<i16>().unwrap(), expect);

    // COO with column-major int32 indices.
    let indices = Tensor::try_new(
        DataType::Int32,
        Buffer::from_vec(vec![0i32, 1, 1, 1, 0, 2]),
        vec![3, 2],
        vec![4, 12],
    )
    .unwrap();
    let coo = SparseIndex::Coo {
        indices,
        is_canonical: false,
    };
    let s = SparseTensor::try_new(
        DataType::UInt32,
        vec![2, 3],
        coo,
        Buffer::from_vec(vec![5u32, 7, 8]),
    )
    .unwrap();
    let expect = vec![0u32, 5, 0, 7, 0, 8];
    assert_eq!(s.to_dense().unwrap().to_vec::<u32>().unwrap(), expect);
    let back = read_sparse_tensor(&write_sparse(&s)).unwrap();
    assert_eq!(back.to_dense().unwrap().to_vec::<u32>().unwrap(), expect);
}

#[test]
fn invalid_sparse_tensors_are_refused() {
    let ptr = |v: Vec<i64>| {
        let n = v.len() as i64;
        Tensor::from_vec(v, vec![n]).unwrap()
    };
    let data = Buffer::from_vec(vec![1i32, 2]);
    let csr = |p, i| SparseIndex::Csr {
        indptr: ptr(p),
        indices: ptr(i),
    };
    let ok = SparseTensor::try_new(
        DataType::Int32,
        vec![2, 2],
        csr(vec![0, 1, 2], vec![0, 1]),
        data.clone(),
    );
    assert!(ok.is_ok());
    for (p, i) in [
        (vec![0, 2, 1], vec![0, 1]),  // decreasing
        (vec![1, 1, 2], vec![0, 1]),  // does not start at 0
        (vec![0, 1, 3], vec![0, 1]),  // does not end at nnz
        (vec![0, 1], vec![0, 1]),     // too short
        (vec![0, 1, 2], vec![0, 2]),  // column out of range
        (vec![0, 1, 2], vec![-1, 0]), // negative column
    ] {
        let r = SparseTensor::try_new(
            DataType::Int32,
            vec![2, 2],
            csr(p.clone(), i.clone()),
            data.clone(),
        );
        assert!(r.is_err(), "{p:?} {i:?}");
    }
    // Too few values.
    let r = SparseTensor::try_new(
        DataType::Int32,
        vec![2, 2],
        csr(vec![0, 1, 2], vec![0, 1]),
        Buffer::from_vec(vec![1i32]),
    );
    assert!(r.is_err());
    // CSR needs a matrix.
    let r = SparseTensor::try_new(
        DataType::Int32,
        vec![4],
        csr(vec![0, 1, 2], vec![0, 1]),
        data.clone(),
    );
    assert!(r.is_err());
    // COO coordinates out of range, or float coordinates.
    let coo = |t: Tensor| SparseIndex::Coo {
        indices: t,
        is_canonical: true,
    };
    let bad = Tensor::from_vec(vec![0i64, 0, 2, 0], vec![2, 2]).unwrap();
    assert!(SparseTensor::try_new(DataType::Int32, vec![2, 2], coo(bad), data.clone()).is_err());
    let float = Tensor::from_vec(vec![0.0f64, 0.0, 1.0, 0.0], vec![2, 2]).unwrap();
    assert!(SparseTensor::try_new(DataType::Int32, vec![2, 2], coo(float), data.clone()).is_err());
    // CSF axis order must be a permutation.
    let csf = SparseIndex::Csf {
        indptr: vec![ptr(vec![0, 2])],
        indices: vec![ptr(vec![0]), ptr(vec![0, 1])],
        axis_order: vec![0, 0],
    };
    assert!(SparseTensor::try_new(DataType::Int32, vec![2, 2], csf, data.clone()).is_err());
    // 0-d has no sparse form.
    let zero_d = Tensor::from_vec(vec![1i32], vec![]).unwrap();
    assert!(SparseTensor::coo_from_dense(&zero_d).is_err());
}

// ---------------------------------------------------------------------------------
// pyarrow interop

const PY_WRITE: &str = r#"
import json, sys
import numpy as np
import pyarrow as pa

out = sys.argv[1]
cases = [
    ("c_int32_named", pa.Tensor.from_numpy(np.arange(6, dtype=np.int32).reshape(2, 3), dim_names=["rows", "cols"])),
    ("f_float64", pa.Tensor.from_numpy(np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)))),
    ("strided_uint16", pa.Tensor.from_numpy(np.arange(24, dtype=np.uint16).reshape(4, 6)[:, ::2])),
    ("zero_d_float32", pa.Tensor.from_numpy(np.array(2.5, dtype=np.float32))),
    ("empty_int16", pa.Tensor.from_numpy(np.zeros((2, 0, 3), dtype=np.int16))),
    ("half", pa.Tensor.from_numpy(np.array([1.5, -2.0, 0.25], dtype=np.float16))),
    ("int8_3d", pa.Tensor.from_numpy(np.arange(-12, 12, dtype=np.int8).reshape(2, 3, 4))),
    ("uint64", pa.Tensor.from_numpy(np.array([[1, 2**40], [3, 4]], dtype=np.uint64))),
    ("int64", pa.Tensor.from_numpy(np.array([-5, 7], dtype=np.int64))),
    ("uint8", pa.Tensor.from_numpy(np.array([1, 2, 3], dtype=np.uint8))),
    ("uint32", pa.Tensor.from_numpy(np.array([[9]], dtype=np.uint32))),
]
manifest = []
for name, t in cases:
    sink = pa.BufferOutputStream()
    pa.ipc.write_tensor(t, sink)
    with open(f"{out}/{name}.bin", "wb") as f:
        f.write(sink.getvalue().to_pybytes())
    back = pa.ipc.read_tensor(sink.getvalue())
    manifest.append({
        "name": name,
        "shape": list(back.shape),
        "strides": list(back.strides),
        "names": list(back.dim_names),
        "values": [float(x) for x in t.to_numpy().ravel(order="C")],
    })
json.dump(manifest, open(f"{out}/manifest.json", "w"))
"#;

const PY_READ: &str = r#"
import json, sys
import numpy as np
import pyarrow as pa

out = sys.argv[1]
dtypes = {"Int8": "int8", "Int16": "int16", "Int32": "int32", "Int64": "int64",
          "UInt8": "uint8", "UInt16": "uint16", "UInt32": "uint32", "UInt64": "uint64",
          "Float16": "float16", "Float32": "float32", "Float64": "float64"}
n = 0
for case in json.load(open(f"{out}/quiver.json")):
    with pa.memory_map(f"{out}/{case['file']}") as src:
        t = pa.ipc.read_tensor(src)
    where = case["file"]
    assert list(t.shape) == case["shape"], (where, t.shape, case["shape"])
    assert list(t.strides) == case["strides"], (where, t.strides, case["strides"])
    assert str(t.to_numpy().dtype) == dtypes[case["type"]], (where, t.to_numpy().dtype)
    names = [n or "" for n in case["names"]]
    if any(names):
        assert list(t.dim_names) == names, (where, t.dim_names, names)
    got = [float(x) for x in t.to_numpy().ravel(order="C")]
    assert got == case["values"], (where, got, case["values"])
    n += 1
print(f"pyarrow read {n} Quiver tensors")
"#;

fn run_python(python: &Path, script: &str, dir: &Path) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(dir)
        .output()
        .expect("running QUIVER_PYTHON");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn pyarrow_interop() {
    let Some(python) = quiver_testkit::require_python("tensor pyarrow") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();

    // pyarrow writes, Quiver reads.
    run_python(&python, PY_WRITE, dir.path());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    let cases = manifest.as_array().unwrap();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let bytes = std::fs::read(dir.path().join(format!("{name}.bin"))).unwrap();
        let t = read_tensor(&Buffer::from_vec(bytes)).unwrap();
        let ints = |k: &str| -> Vec<i64> {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect()
        };
        assert_eq!(t.shape(), ints("shape").as_slice(), "{name}");
        assert_eq!(t.strides(), ints("strides").as_slice(), "{name}");
        let values: Vec<f64> = case["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(values_f64(&t), values, "{name}");
        let names: Vec<Option<String>> = case["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
            .collect();
        if !names.is_empty() {
            assert_eq!(t.names(), names.as_slice(), "{name}");
        }
    }

    // Quiver writes, pyarrow reads.
    let mut expected = Vec::new();
    for (i, t) in zoo().iter().enumerate() {
        // A uint64 above 2^53 does not survive the trip through JSON floats.
        if t.data_type() == &DataType::UInt64 {
            continue;
        }
        let file = format!("quiver_{i}.bin");
        std::fs::write(dir.path().join(&file), write(t).as_slice()).unwrap();
        let written = read_tensor(&write(t)).unwrap();
        expected.push(serde_json::json!({
            "file": file,
            "type": format!("{:?}", t.data_type()),
            "shape": t.shape(),
            "strides": written.strides(),
            "names": t.names(),
            "values": values_f64(t),
        }));
    }
    std::fs::write(
        dir.path().join("quiver.json"),
        serde_json::to_vec(&expected).unwrap(),
    )
    .unwrap();
    let said = run_python(&python, PY_READ, dir.path());
    println!("{}", said.trim());
    quiver_testkit::expect_cases("tensor pyarrow (pyarrow writes)", cases.len(), 11);
    quiver_testkit::expect_cases("tensor pyarrow (Quiver writes)", expected.len(), 10);
}
