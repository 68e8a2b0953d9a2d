#!/usr/bin/env sh
# The whole gate, as CI runs it: Chromium if needed, formatting, lints, every test.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-chromium.sh
npm ci --prefix tests/consent-libs --ignore-scripts --no-audit --no-fund --loglevel=error
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings
cargo test --quiet
