//! Full validation checks offsets, UTF-8 and dictionary indices in bulk passes over
//! whole buffers, and only when a pass fails goes slot by slot to name the first bad
//! slot. These tests put the bad element far inside arrays larger than one bulk chunk
//! and check that the error names the same slot, with the same words, as the
//! slot-by-slot rules do; a property test compares every verdict with a plain model of
//! those rules.

use std::sync::Arc;

use proptest::prelude::*;
use quiver_array::{Array, ArrayData, ArrayError, DataType, Field};
use quiver_buffer::{Buffer, NativeType};

#[path = "common/bulk.rs"]
mod bulk;
use bulk::{bits, buf, rejected};

/// `n` slots of text, each `word(i)`, as offsets and bytes.
fn strings(n: usize, word: impl Fn(usize) -> String) -> (Vec<i32>, Vec<u8>) {
    let mut offsets = vec![0i32];
    let mut bytes = Vec::new();
    for i in 0..n {
        bytes.extend_from_slice(word(i).as_bytes());
        offsets.push(bytes.len() as i32);
    }
    (offsets, bytes)
}

fn utf8(offsets: &[i32], bytes: &[u8], valid: Option<&[bool]>) -> ArrayData {
    ArrayData::new(DataType::Utf8, offsets.len() - 1)
        .nulls(valid.map(bits))
        .buffers(vec![buf(offsets), buf(bytes)])
}

const N: usize = 10_000;

fn word(i: usize) -> String {
    ["foo", "héllo", "", "日本", "ok"][i % 5].to_string()
}

#[test]
fn a_long_valid_utf8_array_passes() {
    let (offsets, bytes) = strings(N, word);
    let a = utf8(&offsets, &bytes, None).build().unwrap();
    assert_eq!(a.as_string::<i32>().unwrap().value(N - 4), "héllo");
}

#[test]
fn invalid_utf8_in_the_middle_names_its_slot() {
    let (offsets, mut bytes) = strings(N, word);
    let at = offsets[7_001] as usize; // slot 7001 is "héllo"
    bytes[at + 1] = 0xff;
    assert_eq!(
        rejected(utf8(&offsets, &bytes, None)),
        (
            "string array: slot 7001 is not valid UTF-8".into(),
            Some(7001)
        )
    );
    // Under a null slot the same bytes are accepted.
    let mut valid = vec![true; N];
    valid[7_001] = false;
    utf8(&offsets, &bytes, Some(&valid)).build().unwrap();
}

#[test]
fn an_offset_splitting_a_character_names_the_first_valid_slot_it_breaks() {
    let (mut offsets, bytes) = strings(N, word);
    // Slot 6001 is "héllo": its end moves into the middle of the next slot's "日",
    // so slot 6001 ends with a cut character and slot 6003 (slot 6002 is "") starts
    // with its continuation bytes.
    offsets[6_002] += 1;
    offsets[6_003] += 1;
    assert_eq!(
        rejected(utf8(&offsets, &bytes, None)),
        (
            "string array: slot 6001 is not valid UTF-8".into(),
            Some(6001)
        )
    );
    let mut valid = vec![true; N];
    valid[6_001] = false;
    assert_eq!(
        rejected(utf8(&offsets, &bytes, Some(&valid))),
        (
            "string array: slot 6003 is not valid UTF-8".into(),
            Some(6003)
        )
    );
    // Both broken slots null: every valid slot is whole text.
    valid[6_003] = false;
    utf8(&offsets, &bytes, Some(&valid)).build().unwrap();
}

#[test]
fn a_large_utf8_array_is_checked_the_same_way() {
    let (offsets, mut bytes) = strings(N, word);
    let offsets: Vec<i64> = offsets.iter().map(|&o| i64::from(o)).collect();
    let at = offsets[9_998] as usize; // slot 9998 is "日本"
    bytes[at + 3] = b'x';
    let parts = ArrayData::new(DataType::LargeUtf8, N).buffers(vec![buf(&offsets), buf(&bytes)]);
    assert_eq!(
        rejected(parts),
        (
            "large_string array: slot 9998 is not valid UTF-8".into(),
            Some(9998)
        )
    );
}

#[test]
fn a_decreasing_offset_in_the_middle_names_its_slot() {
    let (mut offsets, bytes) = strings(N, word);
    let (before, after) = (offsets[5_000], offsets[5_001]);
    offsets[5_001] = before - 1;
    assert_eq!(
        rejected(utf8(&offsets, &bytes, None)),
        (
            format!(
                "string array: offsets decrease at slot 5000: {before} then {}",
                before - 1
            ),
            Some(5000)
        )
    );
    // A negative offset is named as such, before its decrease.
    offsets[5_001] = -3;
    assert_eq!(
        rejected(utf8(&offsets, &bytes, None)),
        ("string array: offset 5001 is negative (-3)".into(), None)
    );
    // Past the end of the values, then smaller again: the first offset past the end.
    offsets[5_001] = after + 100_000;
    assert_eq!(
        rejected(utf8(&offsets, &bytes, None)),
        (
            format!(
                "string array: offset 5001 is {}, past the end of the values ({})",
                after + 100_000,
                bytes.len()
            ),
            None
        )
    );
}

#[test]
fn offsets_are_checked_under_null_slots_too() {
    let (mut offsets, bytes) = strings(N, word);
    offsets[3_001] = offsets[3_000] - 1;
    let mut valid = vec![true; N];
    valid[3_000] = false;
    valid[3_001] = false;
    let (message, slot) = rejected(utf8(&offsets, &bytes, Some(&valid)));
    assert!(
        message.starts_with("string array: offsets decrease at slot 3000: "),
        "{message}"
    );
    assert_eq!(slot, Some(3000));
}

#[test]
fn a_sliced_array_counts_slots_from_its_start() {
    let (mut offsets, bytes) = strings(N, word);
    offsets[4_500] = offsets[4_499] - 1;
    // SAFETY: only validated, never read.
    let a = unsafe { utf8(&offsets, &bytes, None).build_unchecked() }.unwrap();
    let e = a.slice(4_000, 1_000).validate_full().unwrap_err();
    assert_eq!(e.slot(), Some(499));
    assert!(
        e.to_string()
            .starts_with("string array: offsets decrease at slot 499: "),
        "{e}"
    );
    // The slice before the bad offset is fine.
    a.slice(0, 4_499).validate_full().unwrap();
}

#[test]
fn list_offsets_past_the_child_name_the_offset() {
    let child = Array::from((0..N as i32).collect::<Vec<_>>());
    let mut offsets: Vec<i32> = (0..=N as i32).collect();
    offsets[8_000] = N as i32 + 1;
    let field = Arc::new(Field::new("item", DataType::Int32, true));
    let parts = ArrayData::new(DataType::List(field), N)
        .buffers(vec![buf(&offsets)])
        .children(vec![child]);
    assert_eq!(
        rejected(parts),
        (
            format!(
                "list<item: int32> array: offset 8000 is {}, past the end of the values ({N})",
                N + 1
            ),
            None
        )
    );
}

fn dictionary<K: NativeType>(keys: &[K], index: DataType, valid: Option<&[bool]>) -> ArrayData {
    let words = Array::from(vec!["a", "b", "c", "d"]);
    let t = DataType::Dictionary {
        index: Box::new(index),
        value: Box::new(DataType::Utf8),
        ordered: false,
    };
    ArrayData::new(t, keys.len())
        .nulls(valid.map(bits))
        .buffers(vec![buf(keys)])
        .dictionary(Some(words))
}

#[test]
fn dictionary_indices_out_of_range_only_count_in_valid_slots() {
    let mut keys: Vec<i32> = (0..N as i32).map(|i| i % 4).collect();
    let mut valid = vec![true; N];
    // Under a null slot any index is accepted.
    keys[2_000] = 99;
    valid[2_000] = false;
    keys[2_001] = -5;
    valid[2_001] = false;
    dictionary(&keys, DataType::Int32, Some(&valid))
        .build()
        .unwrap();
    // The same indices in valid slots are refused, the first one named.
    assert_eq!(
        rejected(dictionary(&keys, DataType::Int32, None)),
        (
            "dictionary<values=string, indices=int32, ordered=0> array: index 99 at slot 2000 is outside the dictionary of 4 values"
                .into(),
            Some(2000)
        )
    );
    // Another bad index in a valid slot later, in the same group of slots as the null one.
    keys[2_003] = 4;
    assert_eq!(
        rejected(dictionary(&keys, DataType::Int32, Some(&valid))).1,
        Some(2003)
    );
    keys[2_003] = 0;
    keys[9_999] = -1;
    assert_eq!(
        rejected(dictionary(&keys, DataType::Int32, Some(&valid))),
        (
            "dictionary<values=string, indices=int32, ordered=0> array: index -1 at slot 9999 is outside the dictionary of 4 values"
                .into(),
            Some(9999)
        )
    );
}

#[test]
fn dictionary_indices_of_every_integer_type_are_checked() {
    let mut keys = vec![3u8; 1_000];
    keys[700] = 4;
    assert_eq!(
        rejected(dictionary(&keys, DataType::UInt8, None)).1,
        Some(700)
    );
    let mut keys = vec![1i8; 1_000];
    keys[10] = i8::MIN;
    assert_eq!(
        rejected(dictionary(&keys, DataType::Int8, None)).1,
        Some(10)
    );
    let mut keys = vec![2u64; 1_000];
    keys[999] = u64::MAX;
    assert_eq!(
        rejected(dictionary(&keys, DataType::UInt64, None)).0,
        format!(
            "dictionary<values=string, indices=uint64, ordered=0> array: index {} at slot 999 is outside the dictionary of 4 values",
            u64::MAX
        )
    );
    let mut keys = vec![0i64; 1_000];
    keys[1] = 4;
    assert_eq!(
        rejected(dictionary(&keys, DataType::Int64, None)).1,
        Some(1)
    );
    let keys = vec![3i16; 1_000];
    dictionary(&keys, DataType::Int16, None).build().unwrap();
}

#[test]
fn a_dictionary_larger_than_the_index_type_takes_every_non_negative_index() {
    // 300 words: every uint8 index is inside, and int8 ones unless negative.
    let words: Vec<String> = (0..300).map(|i| i.to_string()).collect();
    let words = Array::from(words.iter().map(String::as_str).collect::<Vec<_>>());
    let parts = |keys: Buffer, index: DataType| {
        let t = DataType::Dictionary {
            index: Box::new(index),
            value: Box::new(DataType::Utf8),
            ordered: false,
        };
        ArrayData::new(t, 256)
            .buffers(vec![keys])
            .dictionary(Some(words.clone()))
    };
    let all: Vec<u8> = (0..=255).collect();
    parts(buf(&all), DataType::UInt8).build().unwrap();
    let signed: Vec<i8> = all.iter().map(|&k| k as i8).collect();
    assert_eq!(
        rejected(parts(buf(&signed), DataType::Int8)),
        (
            "dictionary<values=string, indices=int8, ordered=0> array: index -128 at slot 128 is outside the dictionary of 300 values"
                .into(),
            Some(128)
        )
    );
}

// --- The bulk passes agree with the slot-by-slot rules on any input ---

/// The rules of full validation for a utf8 array, slot by slot: every offset (null
/// slots included) non-negative, non-decreasing and inside the bytes; then every valid
/// slot's bytes UTF-8. The error message, as `build` words it.
fn model_utf8(offsets: &[i32], bytes: &[u8], valid: &[bool]) -> Option<String> {
    let mut prev = 0usize;
    for (k, &o) in offsets.iter().enumerate() {
        let Ok(cur) = usize::try_from(o) else {
            return Some(format!("string array: offset {k} is negative ({o})"));
        };
        if k > 0 && cur < prev {
            return Some(format!(
                "string array: offsets decrease at slot {}: {prev} then {cur}",
                k - 1
            ));
        }
        if cur > bytes.len() {
            return Some(format!(
                "string array: offset {k} is {cur}, past the end of the values ({})",
                bytes.len()
            ));
        }
        prev = cur;
    }
    (0..valid.len()).find_map(|i| {
        let slot = &bytes[offsets[i] as usize..offsets[i + 1] as usize];
        (valid[i] && std::str::from_utf8(slot).is_err())
            .then(|| format!("string array: slot {i} is not valid UTF-8"))
    })
}

/// Bytes from a few pieces: ASCII, two-, three- and four-byte characters, a lone
/// continuation byte and a byte that never occurs in UTF-8.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    let mut pieces: Vec<Vec<u8>> = ["a", "bc", "é", "日", "🦀", "\u{80}", "\x7f"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    pieces.extend([vec![0x80u8], vec![0xffu8]]);
    prop::sample::select(pieces)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn utf8_verdicts_match_the_slot_by_slot_rules(
        pieces in prop::collection::vec(piece(), 0..40),
        cuts in prop::collection::vec((0usize..200, -2i32..3), 1..30),
        valid in prop::collection::vec(prop::bool::weighted(0.8), 29),
    ) {
        let bytes: Vec<u8> = pieces.concat();
        // Offsets: mostly increasing cuts into the bytes, sometimes nudged off.
        let mut offsets: Vec<i32> = cuts
            .iter()
            .map(|&(at, nudge)| (at.min(bytes.len()) as i32).saturating_add(nudge / 2))
            .collect();
        if cuts[0].1 != 0 {
            offsets.sort_unstable();
        }
        let n = offsets.len() - 1;
        let valid = &valid[..n];
        let got = utf8(&offsets, &bytes, Some(valid)).build().err().map(|e| e.to_string());
        prop_assert_eq!(got, model_utf8(&offsets, &bytes, valid));
    }

    #[test]
    fn dictionary_verdicts_match_the_slot_by_slot_rules(
        keys in prop::collection::vec(-2i32..6, 0..1_500),
        valid in prop::collection::vec(prop::bool::weighted(0.7), 1_500),
    ) {
        let valid = &valid[..keys.len()];
        let got = dictionary(&keys, DataType::Int32, Some(valid))
            .build()
            .err()
            .map(|e: ArrayError| e.to_string());
        let want = (0..keys.len()).find(|&i| valid[i] && !(0..4).contains(&keys[i])).map(|i| {
            format!(
                "dictionary<values=string, indices=int32, ordered=0> array: index {} at slot {i} is outside the dictionary of 4 values",
                keys[i]
            )
        });
        prop_assert_eq!(got, want);
    }
}
