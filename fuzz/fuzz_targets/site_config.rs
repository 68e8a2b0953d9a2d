//! Site configs (`scans/<site>.toml`). Input: the file's bytes.
//!
//! `SiteConfig::load` is reached through `cli::config_for_scan` with an explicit path, as
//! `--config` does: the `config` module is private to the crate.
//!
//! Beyond "no panic": a config that loads, written back as TOML, loads again to the same value.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cookiescan::cli::config_for_scan;
use cookiescan::model::{Scan, sample};
use libfuzzer_sys::fuzz_target;

fn setup() -> &'static (PathBuf, Scan) {
    static SETUP: OnceLock<(PathBuf, Scan)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cookiescan-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        (dir.join("site.toml"), sample::scan(&["/"], Vec::new()))
    })
}

fuzz_target!(|data: &[u8]| {
    let (path, scan) = setup();
    std::fs::write(path, data).unwrap();
    let Ok(config) = config_for_scan(Path::new("scan.json"), scan, Some(path)) else {
        return;
    };
    let Ok(written) = toml::to_string(&config) else {
        return;
    };
    std::fs::write(path, &written).unwrap();
    match config_for_scan(Path::new("scan.json"), scan, Some(path)) {
        Ok(again) => assert!(again == config, "changed when written back:\n{written}"),
        Err(error) => panic!("refused when written back: {error:#}\n{written}"),
    }
});
