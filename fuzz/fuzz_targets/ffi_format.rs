//! Any bytes as a C data interface format string (first byte picks the split) and as
//! binary field metadata: a clean verdict, never a panic. A parsed format that is a
//! complete type must print back to a string that parses to the same type, and decoded
//! metadata must encode back to the bytes it was read from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiver::ffi::format::{Format, decode_metadata, encode_metadata, format_of, parse_format};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let (format, metadata) = rest.split_at(usize::from(split).min(rest.len()));
    if let Ok(text) = std::str::from_utf8(format)
        && let Ok(Format::Type(t)) = parse_format(text)
    {
        let again = format_of(&t).expect("a parsed type has a format");
        assert_eq!(parse_format(&again).ok(), Some(Format::Type(t)));
    }
    if let Ok((pairs, used)) = decode_metadata(metadata) {
        let bytes = encode_metadata(&pairs).expect("decoded metadata re-encodes");
        match bytes {
            Some(b) => assert_eq!(b.as_slice(), &metadata[..used]),
            None => assert!(pairs.is_empty()),
        }
    }
});
