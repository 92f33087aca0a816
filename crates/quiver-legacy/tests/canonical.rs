//! `quiver_legacy::canonical`: exact JSON for hand-built values, and exact errors for
//! malformed nodes and for values the canonical form cannot describe.

use quiver_array::Array;
use quiver_legacy::canonical::{from_canonical, to_canonical};
use quiver_legacy::{LegacyError, NdArray, Value};
use serde_json::{Value as Json, json};

fn err(j: Json) -> String {
    match from_canonical(&j) {
        Ok(v) => panic!("{j} was accepted as {v:?}"),
        Err(e @ LegacyError::Canonical { .. }) => e.to_string(),
        Err(other) => panic!("{j}: not a Canonical error: {other:?}"),
    }
}

#[test]
fn malformed_nodes_are_refused_with_their_path() {
    let cases: Vec<(Json, &str)> = vec![
        (
            json!(3),
            "canonical JSON at $: expected a node (an object with a \"type\"), got a number",
        ),
        (json!({}), "canonical JSON at $: the node has no \"type\""),
        (
            json!({"type": 1}),
            "canonical JSON at $: a node's \"type\" must be a string, got 1",
        ),
        (
            json!({"type": "frozenset"}),
            "canonical JSON at $: unknown node type \"frozenset\" (expected one of none, bool, \
             int, float, float32, float16, str, bytes, datetime, list, tuple, set, dict, \
             ndarray, arrow_tensor, buffer, arrow_array, arrow_record_batch, custom, \
             custom_pickle or custom_dict)",
        ),
        (
            json!({"type": "bool", "value": "yes"}),
            "canonical JSON at $: the \"bool\" node needs \"value\": true or false, got \"yes\"",
        ),
        (
            json!({"type": "int", "value": 5}),
            "canonical JSON at $: the \"int\" node needs \"value\": a decimal string, got 5",
        ),
        (
            json!({"type": "int", "value": "007"}),
            "canonical JSON at $: the \"int\" node needs \"value\": a decimal string (like \
             \"-12\"), got \"007\"",
        ),
        (
            json!({"type": "list", "items": [{"type": "none"}, {"type": "float", "value": "1.5"}]}),
            "canonical JSON at $.items[1]: the \"float\" node needs \"bits\": 16 hex digits, got \
             nothing",
        ),
        (
            json!({"type": "float32", "bits": "3ff8000000000000"}),
            "canonical JSON at $: the \"float32\" node needs \"bits\": 8 hex digits, got \
             \"3ff8000000000000\"",
        ),
        (
            json!({"type": "bytes", "hex": "abc"}),
            "canonical JSON at $: the \"bytes\" node needs \"hex\": a string of hex digit pairs, \
             got \"abc\"",
        ),
        (
            json!({"type": "datetime", "micros": "99999999999999999999"}),
            "canonical JSON at $: the \"datetime\" node needs \"micros\": a decimal string within \
             int64, got \"99999999999999999999\"",
        ),
        (
            json!({"type": "dict", "items": [[{"type": "str", "value": "k"}]]}),
            "canonical JSON at $.items[0]: each \"dict\" item must be a [key, value] pair, got \
             [{\"type\":\"str\",\"value\":\"k\"}]",
        ),
        (
            json!({"type": "dict", "items": [[{"type": "none"}, {"type": "set"}]]}),
            "canonical JSON at $.items[0][1]: the \"set\" node needs \"items\": an array of \
             nodes, got nothing",
        ),
        (
            json!({"type": "custom", "type_id": "MyData", "data": {"type": "tuple", "items": [7]}}),
            "canonical JSON at $.data.items[0]: expected a node (an object with a \"type\"), got \
             a number",
        ),
        (
            json!({"type": "ndarray", "dtype": "<c16", "shape": [1], "strides": [16], "data_hex": ""}),
            "canonical JSON at $: dtype \"<c16\" is not supported (expected one of |b1 |i1 |u1 \
             <i2 <u2 <i4 <u4 <i8 <u8 <f2 <f4 <f8)",
        ),
        (
            json!({"type": "ndarray", "dtype": "<i4", "shape": [2], "strides": [4], "data_hex": "01000000"}),
            "canonical JSON at $: \"data_hex\" holds 4 bytes but shape [2] of dtype \"<i4\" \
             needs 8",
        ),
        (
            json!({"type": "ndarray", "dtype": "|u1", "shape": [2, 2], "strides": [1, 1], "data_hex": "01020304"}),
            "canonical JSON at $: strides [1, 1] are neither the C-order strides [2, 1] nor the \
             Fortran-order strides [1, 2] of shape [2, 2] and dtype \"|u1\"",
        ),
        (
            json!({"type": "ndarray", "dtype": "|u1", "shape": [-1], "strides": [1], "data_hex": ""}),
            "canonical JSON at $: the \"ndarray\" node needs \"shape\": an array of non-negative \
             integers, got [-1]",
        ),
        (
            json!({"type": "arrow_tensor", "dtype": "|b1", "shape": [1], "strides": [1], "data_hex": "01"}),
            "canonical JSON at $: the \"arrow_tensor\" node cannot have dtype \"|b1\" (Arrow tensors \
             are numeric): use an \"ndarray\" node",
        ),
        (
            json!({"type": "arrow_array", "arrow_type": "int8", "values": []}),
            "canonical JSON at $: \"arrow_type\" \"int8\" is not in the canonical form (expected \
             int64, double, string, bool, int32 or float)",
        ),
        (
            json!({"type": "arrow_array", "arrow_type": "int32", "values": [1, null, 3000000000_i64]}),
            "canonical JSON at $: value 2 of the \"int32\" column must be an int32 or null, got \
             3000000000",
        ),
        (
            json!({"type": "arrow_array", "arrow_type": "double", "values": [{"type": "float32", "bits": "00000000"}]}),
            "canonical JSON at $: value 0 of the \"double\" column must be a \"float\" node or \
             null, got {\"bits\":\"00000000\",\"type\":\"float32\"}",
        ),
        (
            json!({"type": "arrow_record_batch", "columns": [
                {"name": "a", "arrow_type": "int64", "values": [1, 2]},
                {"name": "b", "arrow_type": "bool", "values": [true]},
            ]}),
            "canonical JSON at $: record batch: column 1 (\"b\") has 1 rows but the batch has 2",
        ),
        (
            json!({"type": "arrow_record_batch", "columns": [{"name": "a", "values": []}]}),
            "canonical JSON at $.columns[0]: a column needs \"arrow_type\": int64, \
             double, string, bool, int32 or float, got nothing",
        ),
        (
            json!({"type": "custom_pickle", "type_id": "type"}),
            "canonical JSON at $: the \"custom_pickle\" node needs \"pickle_hex\": a string of hex \
             digit pairs, got nothing",
        ),
    ];
    for (j, want) in cases {
        assert_eq!(err(j.clone()), want, "{j}");
    }
}

#[test]
fn nesting_is_bounded() {
    let mut j = json!({"type": "none"});
    for _ in 0..300 {
        j = json!({"type": "list", "items": [j]});
    }
    let msg = err(j);
    assert!(
        msg.ends_with(": the value nests deeper than 128 levels"),
        "{msg}"
    );
    assert_eq!(msg.matches(".items[0]").count(), 128, "{msg}");
}

#[test]
fn hand_built_values_have_exact_canonical_json() {
    let v = Value::from(vec![
        Value::Int(-3),
        Value::Float32(0.1),
        Value::Float(1e16),
        Value::bytes(vec![0xab, 0x01]),
        Value::Datetime(-1),
        Value::Pickled {
            type_id: "type".into(),
            bytes: vec![0x80],
        },
    ]);
    let want = json!({"type": "list", "items": [
        {"type": "int", "value": "-3"},
        {"type": "float32", "value": "0.10000000149011612", "bits": "3dcccccd"},
        {"type": "float", "value": "1e+16", "bits": "4341c37937e08000"},
        {"type": "bytes", "hex": "ab01"},
        {"type": "datetime", "micros": "-1"},
        {"type": "custom_pickle", "type_id": "type", "pickle_hex": "80"},
    ]});
    assert_eq!(to_canonical(&v).unwrap(), want);
    assert_eq!(from_canonical(&want).unwrap(), v);
}

#[test]
fn a_strided_array_is_described_in_c_order() {
    // Every other element of a 2×4 u8 array: shape [2, 2], strides [4, 2].
    let data = quiver_buffer::Buffer::from_vec((0u8..8).collect::<Vec<u8>>());
    let a = NdArray::try_new(quiver_legacy::DType::UInt8, data, vec![2, 2], vec![4, 2]).unwrap();
    let j = to_canonical(&Value::NdArray(a)).unwrap();
    assert_eq!(
        j,
        json!({"type": "ndarray", "dtype": "|u1", "shape": [2, 2], "strides": [2, 1],
               "data_hex": "00020406"})
    );
}

#[test]
fn values_without_a_canonical_form_are_refused_with_their_path() {
    let v = Value::dict([("col", Value::Array(Array::from(vec![1i8, 2])))]);
    assert_eq!(
        to_canonical(&v).unwrap_err().to_string(),
        "canonical JSON at $.items[0][1]: Arrow type int8 has no canonical form (the form \
         covers int64, double, string, bool, int32 or float)"
    );
}
