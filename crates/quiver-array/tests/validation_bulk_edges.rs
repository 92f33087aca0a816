//! The bulk passes of full validation look at offsets and dictionary indices in groups
//! of 64 and at the rest after the last whole group. These tests put the one bad
//! element at every position of arrays whose lengths sit on both sides of those group
//! edges, and check that the error names the same slot, with the same words, as the
//! slot-by-slot rules do.

use std::sync::Arc;

use quiver_array::{Array, ArrayData, DataType};
use quiver_buffer::NativeType;

#[path = "common/bulk.rs"]
mod bulk;
use bulk::{bits, buf, rejected};

/// Numbers of offsets around the groups of 64 (an array has one more than its slots).
const COUNTS: [usize; 11] = [1, 2, 3, 63, 64, 65, 66, 127, 128, 129, 130];

/// Bytes `head` then `count - 1` slots of `piece`, with the offsets of those slots.
fn text(count: usize, head: &str, piece: &str) -> (Vec<i64>, Vec<u8>) {
    let mut bytes = head.as_bytes().to_vec();
    let mut offsets = vec![bytes.len() as i64];
    for _ in 1..count {
        bytes.extend_from_slice(piece.as_bytes());
        offsets.push(bytes.len() as i64);
    }
    (offsets, bytes)
}

/// An array of `data_type` (binary or utf8, 32- or 64-bit offsets) over `offsets`.
fn bytes_array(data_type: &DataType, offsets: &[i64], bytes: &[u8]) -> ArrayData {
    let len = offsets.len() - 1;
    let offsets = match data_type {
        DataType::Binary | DataType::Utf8 => {
            buf(&offsets.iter().map(|&o| o as i32).collect::<Vec<_>>())
        }
        _ => buf(offsets),
    };
    ArrayData::new(data_type.clone(), len).buffers(vec![offsets, buf(bytes)])
}

/// The cases: each type with ASCII text and with text of two-byte characters (the
/// UTF-8 pass over offsets then also checks boundaries).
fn cases() -> Vec<(DataType, &'static str, &'static str)> {
    let mut all = Vec::new();
    for t in [
        DataType::Binary,
        DataType::LargeBinary,
        DataType::Utf8,
        DataType::LargeUtf8,
    ] {
        all.push((t.clone(), "ab", "xy"));
        all.push((t, "ab", "é"));
    }
    all
}

#[test]
fn good_offsets_pass_at_every_length() {
    for (t, head, piece) in cases() {
        for count in COUNTS {
            let (offsets, bytes) = text(count, head, piece);
            bytes_array(&t, &offsets, &bytes)
                .build()
                .unwrap_or_else(|e| panic!("{t:?} {count}: {e}"));
        }
    }
}

#[test]
fn a_decrease_is_named_at_every_position() {
    for (t, head, piece) in cases() {
        for count in COUNTS {
            for k in 1..count {
                let (mut offsets, bytes) = text(count, head, piece);
                // Two bytes back: still on a character boundary, and not negative.
                offsets[k] = offsets[k - 1] - 2;
                let d = bytes_array(&t, &offsets, &bytes);
                assert_eq!(
                    rejected(d),
                    (
                        format!(
                            "{t} array: offsets decrease at slot {}: {} then {}",
                            k - 1,
                            offsets[k - 1],
                            offsets[k]
                        ),
                        Some(k - 1)
                    ),
                    "{t:?}, {count} offsets, bad at {k}"
                );
            }
        }
    }
}

#[test]
fn ends_outside_the_values_are_named() {
    for (t, head, piece) in cases() {
        for count in COUNTS {
            let (mut offsets, bytes) = text(count, head, piece);
            let last = count - 1;
            offsets[last] = bytes.len() as i64 + 1;
            let d = bytes_array(&t, &offsets, &bytes);
            assert_eq!(
                rejected(d),
                (
                    format!(
                        "{t} array: offset {last} is {}, past the end of the values ({})",
                        bytes.len() + 1,
                        bytes.len()
                    ),
                    None
                ),
                "{t:?}, {count} offsets"
            );
            let (mut offsets, bytes) = text(count, head, piece);
            offsets[0] = -1;
            let d = bytes_array(&t, &offsets, &bytes);
            assert_eq!(
                rejected(d),
                (format!("{t} array: offset 0 is negative (-1)"), None),
                "{t:?}, {count} offsets"
            );
        }
    }
}

#[test]
fn an_offset_inside_a_character_is_named_at_every_position() {
    for t in [DataType::Utf8, DataType::LargeUtf8] {
        for count in COUNTS {
            for k in 1..count {
                let (mut offsets, bytes) = text(count, "ab", "é");
                // One byte into the character that slot `k - 1` ends with.
                offsets[k] -= 1;
                let d = bytes_array(&t, &offsets, &bytes);
                assert_eq!(
                    rejected(d),
                    (
                        format!("{t} array: slot {} is not valid UTF-8", k - 1),
                        Some(k - 1)
                    ),
                    "{t:?}, {count} offsets, bad at {k}"
                );
            }
        }
    }
}

#[test]
fn list_offsets_are_checked_at_every_position() {
    let child = Array::from((0..200).collect::<Vec<i32>>());
    let field = Arc::new(quiver_array::Field::new("item", DataType::Int32, true));
    for count in COUNTS {
        for k in 1..count {
            let mut offsets: Vec<i32> = (0..count as i32).map(|i| i + 1).collect();
            offsets[k] = offsets[k - 1] - 1;
            let d = ArrayData::new(DataType::List(field.clone()), count - 1)
                .buffers(vec![buf(&offsets)])
                .children(vec![child.clone()]);
            assert_eq!(rejected(d).1, Some(k - 1), "{count} offsets, bad at {k}");
        }
    }
}

fn dictionary<K: NativeType>(keys: &[K], index: DataType, valid: Option<&[bool]>) -> ArrayData {
    let t = DataType::Dictionary {
        index: Box::new(index),
        value: Box::new(DataType::Utf8),
        ordered: false,
    };
    let nulls = valid.map(bits);
    ArrayData::new(t, keys.len())
        .nulls(nulls)
        .buffers(vec![buf(keys)])
        .dictionary(Some(Array::from(vec!["a", "b", "c", "d"])))
}

/// Every length of `COUNTS` (as slots), a key `bad` at every position: rejected
/// naming it when its slot is valid, accepted under a null.
fn check_keys<K: NativeType + std::fmt::Display>(
    index: DataType,
    good: impl Fn(usize) -> K,
    bad: K,
) {
    for len in COUNTS {
        let keys: Vec<K> = (0..len).map(&good).collect();
        dictionary(&keys, index.clone(), None).build().unwrap();
        for k in 0..len {
            let mut keys = keys.clone();
            keys[k] = bad;
            let (message, slot) = rejected(dictionary(&keys, index.clone(), None));
            assert_eq!(slot, Some(k), "{index:?}, {len} keys, bad at {k}");
            assert!(
                message.ends_with(&format!(
                    "array: index {bad} at slot {k} is outside the dictionary of 4 values"
                )),
                "{message}"
            );
            let mut valid = vec![true; len];
            valid[k] = false;
            dictionary(&keys, index.clone(), Some(&valid))
                .build()
                .unwrap_or_else(|e| panic!("{index:?}, {len} keys, null at {k}: {e}"));
        }
    }
}

#[test]
fn a_key_outside_the_dictionary_is_named_at_every_position() {
    check_keys(DataType::Int8, |i| (i % 4) as i8, 4);
    check_keys(DataType::Int8, |i| (i % 4) as i8, -1);
    check_keys(DataType::Int16, |i| (i % 4) as i16, i16::MIN);
    check_keys(DataType::Int32, |i| (i % 4) as i32, -1);
    check_keys(DataType::Int32, |i| (i % 4) as i32, i32::MAX);
    check_keys(DataType::Int64, |i| (i % 4) as i64, 4);
    check_keys(DataType::Int64, |i| (i % 4) as i64, i64::MIN);
    check_keys(DataType::UInt8, |i| (i % 4) as u8, 4);
    check_keys(DataType::UInt16, |i| (i % 4) as u16, u16::MAX);
    check_keys(DataType::UInt32, |i| (i % 4) as u32, 5);
    check_keys(DataType::UInt64, |i| (i % 4) as u64, u64::MAX);
}
