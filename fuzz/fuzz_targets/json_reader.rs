//! Any text through the JSON integration-format reader: a clean error or valid arrays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = quiver::json::read_json_file(text) {
        for batch in &file.batches {
            for col in batch.columns() {
                assert!(col.validate_full().is_ok());
            }
        }
    }
});
