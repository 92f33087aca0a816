//! The opt-in serde fallback (feature `serde`): types registered through their serde
//! implementations round-trip through blobs, and values serde cannot take are refused
//! with a clear error.
#![cfg(feature = "serde")]

use quiver_legacy::{LegacyError, SerializationContext, Value};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Circle { r: f64 },
    Square(u32),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Drawing {
    name: String,
    shapes: Vec<Shape>,
    big: u64,
    note: Option<String>,
}

fn context() -> SerializationContext {
    let mut ctx = SerializationContext::default();
    ctx.register_serde_type::<Drawing>("Drawing");
    ctx
}

#[test]
fn a_serde_type_round_trips_through_a_blob() {
    let ctx = context();
    let d = Drawing {
        name: "d".into(),
        shapes: vec![Shape::Circle { r: 1.5 }, Shape::Square(2)],
        big: u64::MAX,
        note: None,
    };
    let blob = ctx.serialize(&d).unwrap().to_buffer();
    assert_eq!(ctx.deserialize::<Drawing>(&blob).unwrap(), d);

    // The payload is serde's form: a dict of the fields (sorted), the u64 beyond int64
    // as a big int, enums tagged as serde tags them.
    let Value::Custom { type_id, payload } = ctx.to_value(&d).unwrap() else {
        panic!("expected a custom value")
    };
    assert_eq!(type_id, "Drawing");
    let expected = Value::dict([
        ("big", Value::from(u64::MAX)),
        ("name", Value::from("d")),
        ("note", Value::None),
        (
            "shapes",
            Value::from(vec![
                Value::dict([("Circle", Value::dict([("r", Value::from(1.5))]))]),
                Value::dict([("Square", Value::from(2i64))]),
            ]),
        ),
    ]);
    assert_eq!(*payload, expected);
}

#[test]
fn values_serde_cannot_take_are_refused() {
    let ctx = context();
    let bad = Value::custom(
        "Drawing",
        Value::dict([("name", Value::bytes(b"d".to_vec()))]),
    );
    match ctx.from_value::<Drawing>(&bad) {
        Err(LegacyError::Custom { type_id, detail }) => {
            assert_eq!(type_id, "Drawing");
            assert_eq!(detail, "a bytes value has no serde form");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let missing = Value::custom("Drawing", Value::dict([("name", Value::from("d"))]));
    match ctx.from_value::<Drawing>(&missing) {
        Err(LegacyError::Custom { detail, .. }) => assert_eq!(detail, "missing field `shapes`"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
