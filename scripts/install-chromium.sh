#!/usr/bin/env sh
# Installs Debian's/Ubuntu's Chromium when no Chromium or Chrome is on PATH.
set -eu
for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then
        exit 0
    fi
done
if [ -n "${CHROME:-}" ] && [ -x "$CHROME" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "No Chromium found and no apt-get: install Chromium or Chrome, or set CHROME=/path/to/chrome" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "Installing Chromium with apt-get..." >&2
# Try the cached package lists first; refresh them only when that fails.
$sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || {
    $sudo apt-get update
    $sudo apt-get install -y --no-install-recommends chromium
}
