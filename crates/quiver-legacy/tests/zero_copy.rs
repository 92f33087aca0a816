//! Decoding from a memory map is zero-copy: n-d array data and buffers are slices of
//! the map, and nothing is allocated for them.

use quiver_buffer::{Buffer, memory_map, total_allocated_bytes};
use quiver_legacy::{Value, deserialize, serialize};

#[test]
fn arrays_and_buffers_decoded_from_a_memory_map_point_into_it() {
    let values: Vec<f64> = (0..100_000).map(f64::from).collect();
    let value = Value::from(vec![
        Value::ndarray(&values, &[100, 1000]).unwrap(),
        Value::Buffer(Buffer::from_vec(vec![7u8; 50_000])),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blob.bin");
    std::fs::write(&path, serialize(&value).unwrap().to_buffer().as_slice()).unwrap();

    let map = memory_map(&path).unwrap();
    let before = total_allocated_bytes();
    let back = deserialize(map.buffer()).unwrap();
    // Metadata only: far below the 850,000 bytes of data.
    assert!(total_allocated_bytes().saturating_sub(before) < 20_000);
    assert_eq!(back, value);
    let Value::List(items) = &back else {
        panic!("expected a list, got {back:?}")
    };
    let (Value::NdArray(array), Value::Buffer(bytes)) = (&items[0], &items[1]) else {
        panic!("expected an n-d array and a buffer, got {items:?}")
    };
    assert!(!array.copied());
    assert!(map.buffer().contains_ptr(array.data().as_ptr()));
    assert!(map.buffer().contains_ptr(bytes.as_ptr()));
}
