//! The registry: default handlers, an empty context, alignment copies.

use quiver_buffer::Buffer;
use quiver_legacy::{BigInt, SerializationContext, Value, deserialize, serialize};

#[test]
fn big_ints_need_the_default_handlers() {
    let big = Value::from(u64::MAX);
    assert_eq!(
        big,
        Value::BigInt(BigInt::parse("18446744073709551615").unwrap())
    );
    let blob = serialize(&big).unwrap().to_buffer();
    assert_eq!(deserialize(&blob).unwrap(), big);
    // Without the defaults the custom dict stays as it is on the wire.
    let raw = SerializationContext::new()
        .deserialize_value(&blob)
        .unwrap();
    assert_eq!(raw, Value::custom("int", "18446744073709551615"));
    assert_eq!(
        SerializationContext::new()
            .serialize_value(&big)
            .unwrap_err()
            .to_string(),
        "cannot serialize int: it needs pyarrow's default handlers: use \
         SerializationContext::default()"
    );
    // And the raw custom value writes back to the same blob.
    let again = SerializationContext::new()
        .serialize_value(&raw)
        .unwrap()
        .to_buffer();
    assert_eq!(again.as_slice(), blob.as_slice());
}

#[test]
fn misaligned_input_is_copied_and_flagged() {
    let v = Value::ndarray(&[1.0f64, 2.0], &[2]).unwrap();
    let blob = serialize(&v).unwrap().to_buffer();
    let mut shifted = vec![0u8];
    shifted.extend_from_slice(&blob);
    let shifted = Buffer::from_slice_ref(&shifted).slice(1, blob.len());
    let Value::NdArray(a) = deserialize(&shifted).unwrap() else {
        panic!("not an ndarray")
    };
    assert!(a.copied());
    assert_eq!(Value::NdArray(a), v);
    let Value::NdArray(b) = deserialize(&blob).unwrap() else {
        panic!("not an ndarray")
    };
    assert!(!b.copied());
    assert!(blob.contains_ptr(b.data().as_ptr()));
}
