//! Re-encoding: every golden value serializes to a blob (and components) that decode
//! to the same value; and how many blobs are byte-identical to pyarrow's.

mod common;
use common::*;

use quiver_legacy::{Value, deserialize, deserialize_components, serialize};

#[test]
fn every_golden_value_round_trips_and_count_identical_bytes() {
    let suite = "quiver-legacy round trip";
    let Some(dir) = testdata(suite) else { return };
    let (mut ran, mut identical, mut failures) = (0, Vec::new(), Vec::new());
    for name in case_names(&dir) {
        ran += 1;
        let original = blob(&dir, &name);
        let v = deserialize(&original).unwrap();
        let s = serialize(&v).unwrap();
        let buf = s.to_buffer();
        assert_eq!(buf.len(), s.total_bytes(), "{name}: total_bytes");
        let mut written = Vec::new();
        s.write_to(&mut written).unwrap();
        assert_eq!(
            written,
            buf.as_slice(),
            "{name}: write_to differs from to_buffer"
        );
        match deserialize(&buf) {
            Ok(back) if back == v => {}
            Ok(back) => failures.push(format!("{name}: decodes to {back:?}")),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        match deserialize_components(&s.to_components()) {
            Ok(back) if back == v => {}
            Ok(back) => failures.push(format!("{name}: components decode to {back:?}")),
            Err(e) => failures.push(format!("{name}: components: {e}")),
        }
        if buf.as_slice() == original.as_slice() {
            identical.push(name);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "byte-identical to pyarrow 10: {} of {ran}: {identical:?}",
        identical.len()
    );
    // None is byte-identical today: our IPC writer lays out the schema flatbuffer
    // differently from Arrow C++ (same sizes, different field order), which pyarrow
    // reads all the same; equal values are the criterion.
    quiver_testkit::expect_cases(suite, ran, CASES);
}

#[test]
fn components_point_at_the_original_array_memory() {
    let v = Value::from(vec![
        Value::ndarray(&[1.0f64, 2.0, 3.0], &[3]).unwrap(),
        Value::Buffer(quiver_buffer::Buffer::from_vec(vec![9u8; 5])),
    ]);
    let Value::List(items) = &v else {
        unreachable!()
    };
    let (Value::NdArray(a), Value::Buffer(b)) = (&items[0], &items[1]) else {
        unreachable!()
    };
    let c = serialize(&v).unwrap().to_components();
    assert_eq!((c.num_ndarrays, c.num_buffers, c.data.len()), (1, 1, 4));
    assert_eq!(c.data[2].as_ptr(), a.data().as_ptr());
    assert_eq!(c.data[3].as_ptr(), b.as_ptr());
    // And decoding them is zero-copy too.
    let back = deserialize_components(&c).unwrap();
    let Value::List(items) = &back else {
        unreachable!()
    };
    let Value::NdArray(a2) = &items[0] else {
        unreachable!()
    };
    assert_eq!(a2.data().as_ptr(), a.data().as_ptr());
}

/// Found by the `legacy_deserialize` fuzz target: a strided (non-contiguous) n-d array
/// is written compacted, so it comes back with other strides; it must still equal the
/// original, as numpy's `array_equal` says, and a different element must not.
#[test]
fn a_strided_array_round_trips_to_an_equal_compact_one() {
    use quiver_buffer::Buffer;
    use quiver_legacy::{DType, NdArray};
    // A 2×2 float64 view taking every other column of a 2×4 matrix: strides [32, 16].
    let matrix: Vec<f64> = vec![1.0, 9.0, 2.0, 9.0, 3.0, 9.0, 4.0, 9.0];
    let data = Buffer::from_vec(matrix);
    let strided = NdArray::try_new(DType::Float64, data, vec![2, 2], vec![32, 16]).unwrap();
    let compact = Value::ndarray(&[1.0f64, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    let strided = Value::NdArray(strided);
    assert_eq!(strided, compact);

    let back = deserialize(&serialize(&strided).unwrap().to_buffer()).unwrap();
    let Value::NdArray(a) = &back else {
        panic!("expected an n-d array, got {back:?}")
    };
    assert_eq!(a.strides(), &[16, 8]);
    assert_eq!(back, strided);
    assert_ne!(
        back,
        Value::ndarray(&[1.0f64, 2.0, 3.0, 5.0], &[2, 2]).unwrap()
    );
}
