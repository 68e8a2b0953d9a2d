#!/usr/bin/env sh
# One command for a newcomer: install Chromium if needed, build, scan the built-in demo site.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-chromium.sh
cargo run --quiet -- demo "$@"
