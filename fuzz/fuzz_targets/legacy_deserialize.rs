//! Any bytes as a pyarrow legacy `serialize` blob: a clean error or a value, never a
//! crash; a value that decodes re-serializes and decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiver::Buffer;

fuzz_target!(|data: &[u8]| {
    let buf = Buffer::from_slice_ref(data);
    if let Ok(value) = quiver::deserialize(&buf) {
        let _ = format!("{value:?}");
        // Values a reader accepted but a writer refuses (e.g. a hand-made union the
        // writer cannot reproduce) are fine; whatever is written must read back.
        if let Ok(s) = quiver::serialize(&value) {
            let again = quiver::deserialize(&s.to_buffer());
            assert!(again.is_ok_and(|v| v == value));
        }
    }
});
