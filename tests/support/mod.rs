//! Shared by the integration tests (`mod support;`): the fixture site and how to point the
//! real `cookiescan` binary at it.

// Each test crate compiles its own copy and uses only some of these helpers.
#![allow(dead_code)]
// Shared test helpers are `pub` for the test crates that include them, not a public API.
#![allow(unreachable_pub)]

pub mod consent;
pub mod consent_libs;
pub mod consent_mocks;
pub mod evolving;
pub mod fixture;
pub mod granular;
pub mod visitor;

use std::path::PathBuf;

use cookiescan::site::SiteServer;

/// The `cookiescan` binary cargo built for this test run: tests drive the real CLI.
pub fn cookiescan_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cookiescan"))
}

/// Arguments that make the browser reach `server` for its hostnames and nothing else, and
/// accept its self-signed certificate.
pub fn chrome_args(server: &SiteServer) -> Vec<String> {
    vec![
        format!(
            "--chrome-arg=--host-resolver-rules={}",
            server.host_resolver_rules()
        ),
        "--insecure".to_string(),
    ]
}

/// autoconsent as the test command installs it (`npm ci` in `tests/consent-libs`).
pub fn autoconsent_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/consent-libs/node_modules/@duckduckgo/autoconsent")
}

/// The real binary with `args`, isolated from the developer's machine: no cached Open Cookie
/// Database may colour results, and autoconsent is the copy the test command installed, never
/// a download.
pub fn command(args: &[String]) -> std::process::Command {
    let mut command = std::process::Command::new(cookiescan_bin());
    command
        .args(args)
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("cookiescan-tests-no-cache"),
        )
        .env("COOKIESCAN_AUTOCONSENT", autoconsent_dir());
    command
}

/// Runs the real binary off the async runtime, so an in-process fixture server keeps serving.
pub async fn run_cookiescan(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || command(&args).output().expect("cookiescan runs"))
        .await
        .expect("join")
}

/// Runs the real binary and sends it SIGINT (Ctrl-C) once `ready` holds, checked every 50 ms
/// (a condition, not a guessed delay); returns what it printed and its exit status.
pub async fn run_and_interrupt(
    args: Vec<String>,
    ready: impl Fn() -> bool,
) -> std::process::Output {
    run_and_signal(args, "INT", ready).await
}

/// Runs the real binary and sends it `signal` (`INT`, `TERM`) once `ready` holds.
pub async fn run_and_signal(
    args: Vec<String>,
    signal: &str,
    ready: impl Fn() -> bool,
) -> std::process::Output {
    let child = command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cookiescan starts");
    while !ready() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("cookiescan ends")
}
