//! Canonical extension types: storage and serialized metadata are checked without any
//! registration, with the verdicts Arrow C++ (pyarrow) gives; unknown names pass; a
//! registered type of the same name overrides the canonical one.

use std::sync::{Arc, Mutex, MutexGuard};

use quiver_array::{
    CANONICAL_EXTENSION_NAMES, DataType, ExtensionType, Field, extension_type,
    register_extension_type, unregister_extension_type, validate_extension,
};

/// Tests here share the process-wide registry, and one of them overrides a canonical
/// type for a moment: they take turns.
static REGISTRY: Mutex<()> = Mutex::new(());

fn registry() -> MutexGuard<'static, ()> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn fsl(t: DataType, n: i32) -> DataType {
    DataType::FixedSizeList(Arc::new(Field::new("item", t, true)), n)
}

fn list(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", t, true)))
}

fn vst(data: DataType, shape: DataType) -> DataType {
    DataType::Struct(vec![
        Field::new("data", data, true),
        Field::new("shape", shape, true),
    ])
}

fn check(name: &str, storage: DataType, metadata: &str) -> Result<(), String> {
    validate_extension(&Field::new("x", storage, true).with_extension(name, metadata))
}

/// `Ok` or the part of the message after the field and extension names.
fn verdict(name: &str, storage: DataType, metadata: &str) -> Result<(), String> {
    let prefix = format!("field \"x\": extension {name}: ");
    check(name, storage, metadata).map_err(|e| {
        e.strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{e:?} lacks {prefix:?}"))
            .to_string()
    })
}

fn err(s: &str) -> Result<(), String> {
    Err(s.to_string())
}

#[test]
fn fixed_shape_tensor() {
    let _turn = registry();
    let n = "arrow.fixed_shape_tensor";
    let t = || fsl(DataType::Int32, 4);
    assert_eq!(verdict(n, t(), r#"{"shape":[2,2]}"#), Ok(()));
    assert_eq!(
        verdict(
            n,
            t(),
            r#" {"shape" : [2,2], "permutation":[1,0], "dim_names":["a","b"], "extra": {}} "#
        ),
        Ok(())
    );
    assert_eq!(
        verdict(n, fsl(DataType::Utf8, 1), r#"{"shape":[1]}"#),
        Ok(())
    );
    assert_eq!(
        verdict(n, fsl(DataType::Int8, 1), r#"{"shape":[]}"#),
        Ok(())
    );
    assert_eq!(
        verdict(n, fsl(DataType::Int8, 0), r#"{"shape":[-0,5]}"#),
        Ok(())
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[2,3]}"#),
        err("shape [2, 3] holds 6 values but the storage lists hold 4")
    );
    assert_eq!(
        verdict(n, DataType::Int32, r#"{"shape":[1]}"#),
        err("storage must be a fixed_size_list, not int32")
    );
    assert_eq!(
        verdict(n, t(), ""),
        err("metadata is not valid JSON: no JSON found")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[4]} x"#),
        err("metadata is not valid JSON: unexpected text after the JSON value at byte 14")
    );
    assert_eq!(
        verdict(n, t(), "[4]"),
        err("metadata must be a JSON object, not array")
    );
    assert_eq!(
        verdict(n, t(), r#"{"Shape":[4]}"#),
        err("metadata has no shape")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":"4"}"#),
        err("shape must be an array, not string")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[2,2e0]}"#),
        err("shape must hold integers, found a number")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[9223372036854775808,2]}"#),
        err("shape must hold integers, found a number")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[-2,-2]}"#),
        err("shape has a negative dimension -2")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[4294967296,4294967296]}"#),
        err("the product of shape [4294967296, 4294967296] overflows")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[2,2],"permutation":[0,0]}"#),
        err("permutation [0, 0] is not a permutation of 0..2")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[2,2],"permutation":[1]}"#),
        err("permutation has 1 entries for 2 dimensions")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[2,2],"permutation":null}"#),
        err("permutation must be an array, not null")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[4],"dim_names":["a","b"]}"#),
        err("dim_names has 2 entries for 1 dimensions")
    );
    assert_eq!(
        verdict(n, t(), r#"{"shape":[2,2],"dim_names":[1,2]}"#),
        err("dim_names must hold strings, found a number")
    );
}

#[test]
fn variable_shape_tensor() {
    let _turn = registry();
    let n = "arrow.variable_shape_tensor";
    let i32s = DataType::Int32;
    let t = || vst(list(DataType::Int32), fsl(DataType::Int32, 2));
    assert_eq!(
        verdict(
            n,
            t(),
            r#"{"permutation":[1,0],"dim_names":["a","b"],"uniform_shape":[null,3]}"#
        ),
        Ok(())
    );
    assert_eq!(verdict(n, t(), "{}"), Ok(()));
    for ok in [
        DataType::Boolean,
        DataType::Decimal128(5, 2),
        DataType::FixedSizeBinary(3),
    ] {
        assert_eq!(
            verdict(n, vst(list(ok), fsl(i32s.clone(), 2)), "{}"),
            Ok(())
        );
    }
    assert_eq!(
        verdict(n, vst(list(DataType::Utf8), fsl(i32s.clone(), 2)), "{}"),
        err("tensor values must be of a fixed-width type, not string")
    );
    assert_eq!(
        verdict(n, vst(list(DataType::Null), fsl(i32s.clone(), 2)), "{}"),
        err("tensor values must be of a fixed-width type, not null")
    );
    assert_eq!(
        verdict(n, i32s.clone(), "{}"),
        err("storage must be a struct of data and shape, not int32")
    );
    let large = DataType::LargeList(Arc::new(Field::new("item", i32s.clone(), true)));
    assert_eq!(
        verdict(n, vst(large, fsl(i32s.clone(), 2)), "{}"),
        err("the data field must be a list, not large_list<item: int32>")
    );
    assert_eq!(
        verdict(n, vst(list(i32s.clone()), fsl(DataType::Int64, 2)), "{}"),
        err(
            "the shape field must be a fixed_size_list of int32, not fixed_size_list<item: int64>[2]"
        )
    );
    assert_eq!(
        verdict(n, t(), ""),
        err("metadata is not valid JSON: no JSON found")
    );
    assert_eq!(
        verdict(n, t(), "[]"),
        err("metadata must be a JSON object, not array")
    );
    assert_eq!(
        verdict(n, t(), r#"{"permutation":[0]}"#),
        err("permutation has 1 entries for 2 dimensions")
    );
    assert_eq!(
        verdict(n, t(), r#"{"dim_names":["a"]}"#),
        err("dim_names has 1 entries for 2 dimensions")
    );
    assert_eq!(
        verdict(n, t(), r#"{"uniform_shape":[1]}"#),
        err("uniform_shape has 1 entries for 2 dimensions")
    );
    assert_eq!(
        verdict(n, t(), r#"{"uniform_shape":[-1,null]}"#),
        err("uniform_shape has a negative dimension -1")
    );
    assert_eq!(
        verdict(n, t(), r#"{"uniform_shape":["a",null]}"#),
        err("uniform_shape must hold integers or nulls, found a string")
    );
}

#[test]
fn json_uuid_opaque_bool8() {
    let _turn = registry();
    let dict = |v: DataType| DataType::Dictionary {
        index: Box::new(DataType::Int32),
        value: Box::new(v),
        ordered: false,
    };
    let j = "arrow.json";
    for s in [DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View] {
        assert_eq!(verdict(j, s, "anything: not interpreted"), Ok(()));
    }
    assert_eq!(
        verdict(j, DataType::Binary, ""),
        err("storage must be string, large_string or string_view, not binary")
    );
    let u = "arrow.uuid";
    assert_eq!(verdict(u, DataType::FixedSizeBinary(16), ""), Ok(()));
    assert_eq!(
        verdict(u, DataType::FixedSizeBinary(16), "x"),
        err("metadata must be empty, not \"x\"")
    );
    assert_eq!(
        verdict(u, DataType::FixedSizeBinary(8), ""),
        err("storage must be fixed_size_binary[16], not fixed_size_binary[8]")
    );
    assert_eq!(
        verdict(u, dict(DataType::FixedSizeBinary(16)), ""),
        err(
            "storage must be fixed_size_binary[16], not dictionary<values=fixed_size_binary[16], indices=int32, ordered=0>"
        )
    );
    let o = "arrow.opaque";
    let md = r#"{"type_name":"t","vendor_name":"v","x":[1,{"a":null}]}"#;
    assert_eq!(verdict(o, DataType::Int32, md), Ok(()));
    assert_eq!(verdict(o, dict(DataType::Utf8), md), Ok(()));
    assert_eq!(
        verdict(o, DataType::Int32, r#"{"type_name":"t"}"#),
        err("metadata has no vendor_name")
    );
    assert_eq!(
        verdict(o, DataType::Int32, r#"{"type_name":1,"vendor_name":"v"}"#),
        err("type_name must be a string, not number")
    );
    assert_eq!(
        verdict(o, DataType::Int32, ""),
        err("metadata is not valid JSON: no JSON found")
    );
    let b = "arrow.bool8";
    assert_eq!(verdict(b, DataType::Int8, ""), Ok(()));
    assert_eq!(
        verdict(b, DataType::Int8, "{}"),
        err("metadata must be empty, not \"{}\"")
    );
    assert_eq!(
        verdict(b, DataType::UInt8, ""),
        err("storage must be int8, not uint8")
    );
    assert_eq!(
        verdict(b, dict(DataType::Int8), ""),
        err("storage must be int8, not dictionary<values=int8, indices=int32, ordered=0>")
    );
}

#[test]
fn nested_fields_are_checked_and_unknown_names_pass() {
    let _turn = registry();
    let bad = Field::new("u", DataType::FixedSizeBinary(8), true).with_extension("arrow.uuid", "");
    let expected = "field \"u\": extension arrow.uuid: storage must be fixed_size_binary[16], not fixed_size_binary[8]";
    let in_list = Field::new("l", DataType::List(Arc::new(bad.clone())), true);
    assert_eq!(validate_extension(&in_list).unwrap_err(), expected);
    let in_dict_values = Field::new(
        "d",
        DataType::Dictionary {
            index: Box::new(DataType::Int32),
            value: Box::new(DataType::Struct(vec![bad])),
            ordered: false,
        },
        true,
    );
    assert_eq!(validate_extension(&in_dict_values).unwrap_err(), expected);
    assert_eq!(
        check("example.unknown", DataType::Int32, "whatever"),
        Ok(())
    );
    assert_eq!(
        check("arrow.tensor_of_the_future", DataType::Int32, "?"),
        Ok(())
    );
    for name in CANONICAL_EXTENSION_NAMES {
        assert_eq!(
            extension_type(name).map(|e| e.name().to_string()),
            Some(name.to_string())
        );
    }
}

#[derive(Debug)]
struct LenientBool8;

impl ExtensionType for LenientBool8 {
    fn name(&self) -> &str {
        "arrow.bool8"
    }
    fn validate(&self, storage: &DataType, _metadata: &str) -> Result<(), String> {
        match storage {
            DataType::Int8 | DataType::UInt8 => Ok(()),
            other => Err(format!("not a byte: {other}")),
        }
    }
}

#[test]
fn a_registered_type_overrides_the_canonical_one() {
    let _turn = registry();
    assert!(check("arrow.bool8", DataType::UInt8, "").is_err());
    register_extension_type(Arc::new(LenientBool8));
    let with_override = check("arrow.bool8", DataType::UInt8, "");
    let refused = check("arrow.bool8", DataType::Utf8, "");
    assert!(unregister_extension_type("arrow.bool8"));
    assert_eq!(with_override, Ok(()));
    assert_eq!(
        refused,
        err("field \"x\": extension arrow.bool8: not a byte: string")
    );
    // Back to the canonical rules once the override is gone.
    assert!(check("arrow.bool8", DataType::UInt8, "").is_err());
}
