//! Typed views check the column's type and read values at any buffer alignment.

use quiver::ipc::{FileReader, FileWriter};
use quiver::{Array, ArrayData, Buffer, BufferOutputStream, BufferReader, DataType, TimeUnit};
use quiver::{IntervalUnit, f16, i256, record_batch};

#[test]
fn primitive_views_match_the_stored_type_exactly() {
    let ints = Array::from(vec![1i64, -2]);
    assert_eq!(ints.as_primitive::<i64>().unwrap().to_vec(), vec![1, -2]);
    // Same width, other types: no reinterpretation of the bits.
    assert!(ints.as_primitive::<f64>().is_none());
    assert!(ints.as_primitive::<u64>().is_none());
    assert!(ints.as_primitive::<i32>().is_none());

    let doubles = Array::from(vec![1.5f64]);
    assert!(doubles.as_primitive::<i64>().is_none());
    assert_eq!(doubles.as_primitive::<f64>().unwrap().value(0), 1.5);

    let unsigned = Array::from(vec![u32::MAX]);
    assert!(unsigned.as_primitive::<i32>().is_none());
    assert!(unsigned.as_primitive::<f32>().is_none());
    assert_eq!(unsigned.as_primitive::<u32>().unwrap().value(0), u32::MAX);

    let ts = Array::from_primitive(
        DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        vec![Some(1_700_000_000_000i64), None],
    )
    .unwrap();
    let view = ts.as_primitive::<i64>().unwrap();
    assert_eq!(
        view.iter().collect::<Vec<_>>(),
        vec![Some(1_700_000_000_000), None]
    );
    assert!(ts.as_primitive::<u64>().is_none());

    let halves = Array::from_primitive(DataType::Float16, vec![Some(f16::from_f32(0.5))]).unwrap();
    assert!(halves.as_primitive::<i16>().is_none());
    assert_eq!(
        halves.as_primitive::<f16>().unwrap().value(0),
        f16::from_f32(0.5)
    );

    // Packed intervals have no primitive view at all.
    let day_time = ArrayData::new(DataType::Interval(IntervalUnit::DayTime), 1)
        .buffers(vec![Buffer::from_slice_ref(&[3i32, 4])])
        .build()
        .unwrap();
    assert!(day_time.as_primitive::<i64>().is_none());
    assert!(day_time.as_primitive::<i32>().is_none());

    // Fixed-size binary of 8 bytes is not an int64.
    let fsb = ArrayData::new(DataType::FixedSizeBinary(8), 1)
        .buffers(vec![Buffer::from_slice_ref(&[0u8; 8])])
        .build()
        .unwrap();
    assert!(fsb.as_primitive::<i64>().is_none());
}

/// A buffer of `values` starting 8 bytes past a 64-byte boundary: 8-byte aligned,
/// as IPC guarantees, but not 16-byte aligned.
fn at_8_mod_16(bytes: &[u8]) -> Buffer {
    let mut padded = vec![0u8; 8];
    padded.extend_from_slice(bytes);
    let b = Buffer::from_slice_ref(&padded).slice(8, bytes.len());
    assert_eq!(b.as_ptr() as usize % 16, 8);
    b
}

#[test]
fn decimal128_reads_at_8_byte_alignment_without_copying() {
    let values = [12345i128, -1, i128::MIN];
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    let buf = at_8_mod_16(&bytes);
    let a = ArrayData::new(DataType::Decimal128(38, 2), 3)
        .buffers(vec![buf.clone()])
        .build()
        .unwrap();
    // Still the same memory: building did not copy to realign it.
    assert_eq!(a.buffers()[0].as_ptr(), buf.as_ptr());
    let view = a.as_primitive::<i128>().unwrap();
    assert_eq!(view.values(), None, "not addressable as &[i128] in place");
    assert_eq!(view.value(2), i128::MIN);
    assert_eq!(view.to_vec(), values);
    assert_eq!(
        a.slice(1, 2)
            .as_primitive::<i128>()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(-1), Some(i128::MIN)]
    );
    assert!(a.as_primitive::<i256>().is_none());
    assert!(a.as_primitive::<u64>().is_none());
}

#[test]
fn decimal256_reads_at_any_alignment() {
    let values = [i256::from_i128(-5), i256::MAX, i256::MIN];
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let a = ArrayData::new(DataType::Decimal256(76, 0), 3)
        .buffers(vec![at_8_mod_16(&bytes)])
        .build()
        .unwrap();
    let view = a.as_primitive::<i256>().unwrap();
    assert_eq!(view.values(), Some(&values[..]));
    assert_eq!(view.value(0).to_string(), "-5");
    assert!(a.as_primitive::<i128>().is_none());
}

/// Decimal columns read back from an IPC file behind zero, one and two int8 columns (one
/// 8-byte buffer each), so the decimal buffer lands on and off 16-byte boundaries.
#[test]
fn decimal128_from_ipc_at_both_alignments() {
    let decimals = Array::from_primitive(
        DataType::Decimal128(20, 3),
        vec![Some(1_000i128), None, Some(-98_765_432_100_000_000_000)],
    )
    .unwrap();
    let mut misaligned_seen = false;
    for prefix in 0..3 {
        let mut columns = vec![Array::from(vec![7i8, 8, 9]); prefix];
        columns.push(decimals.clone());
        let names: Vec<String> = (0..columns.len()).map(|i| format!("c{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let batch = record_batch(columns, &names).unwrap();
        let mut sink = BufferOutputStream::new();
        let mut w = FileWriter::try_new(&mut sink, batch.schema()).unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
        drop(w);
        let r = FileReader::try_new(BufferReader::new(sink.getvalue())).unwrap();
        let read = r.get_batch(0).unwrap();
        let col = read.columns().last().expect("a last column");
        let view = col.as_primitive::<i128>().expect("decimal128 view");
        misaligned_seen |= view.values().is_none();
        assert_eq!(
            view.iter().collect::<Vec<_>>(),
            vec![Some(1_000), None, Some(-98_765_432_100_000_000_000)]
        );
    }
    assert!(
        misaligned_seen,
        "one of the layouts puts the decimals at 8 mod 16"
    );
}
