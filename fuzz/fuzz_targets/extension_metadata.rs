//! Any text as the serialized metadata of each canonical extension type (the metadata is
//! JSON that Quiver parses itself), over a storage type that fits and one that does not:
//! a clean verdict, never a panic.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use quiver::{DataType, Field, validate_extension};

const NAMES: [&str; 6] = [
    "arrow.fixed_shape_tensor",
    "arrow.variable_shape_tensor",
    "arrow.json",
    "arrow.uuid",
    "arrow.opaque",
    "arrow.bool8",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(metadata) = std::str::from_utf8(rest) else {
        return;
    };
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let storage = match pick % 4 {
        0 => DataType::FixedSizeList(item, 6),
        1 => DataType::Struct(vec![
            Field::new("data", DataType::List(item), true),
            Field::new(
                "shape",
                DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Int32, true)), 2),
                true,
            ),
        ]),
        2 => DataType::FixedSizeBinary(16),
        _ => DataType::Utf8,
    };
    let name = NAMES[usize::from(pick / 4) % NAMES.len()];
    let field = Field::new("c", storage, true).with_extension(name, metadata);
    let _ = validate_extension(&field);
});
