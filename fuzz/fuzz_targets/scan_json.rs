//! The scan file (`load_scan`). Input: the file's bytes.
//!
//! Beyond "no panic": a scan that loads, serialised as `save_scan` does it, loads again to the
//! same value.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use cookiescan::model::load_scan;
use libfuzzer_sys::fuzz_target;

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cookiescan-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("scan.json")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = path();
    std::fs::write(path, data).unwrap();
    let Ok(scan) = load_scan(path) else {
        return;
    };
    // As `save_scan` writes it, without its fsync.
    let mut json = serde_json::to_vec_pretty(&scan).expect("a scan always serialises");
    json.push(b'\n');
    std::fs::write(path, &json).unwrap();
    match load_scan(path) {
        Ok(again) => assert!(
            again == scan,
            "changed when saved:\n{}",
            String::from_utf8_lossy(&json)
        ),
        Err(error) => panic!(
            "refused when saved: {error}\n{}",
            String::from_utf8_lossy(&json)
        ),
    }
});
