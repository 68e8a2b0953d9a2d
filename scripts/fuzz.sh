#!/usr/bin/env bash
# Fuzzes the parsers of hostile input with cargo-fuzz (libFuzzer, nightly Rust): each target
# for SECONDS (default 60), every target in fuzz/fuzz_targets/ unless some are named.
#
#   scripts/fuzz.sh                  # every target, 60 s each
#   scripts/fuzz.sh 300 sitemap      # one target, 5 minutes
#
# One libFuzzer process at a time, one thread. The working corpus grows in fuzz/corpus/<target>
# (git-ignored), starting from the committed seeds in fuzz/seeds/<target>; a crash is saved in
# fuzz/artifacts/<target>/ and makes the script exit 1 naming it. Reproduce one with
# `cargo +nightly fuzz run -s none <target> <file>`, shrink it with `cargo +nightly fuzz tmin`.
# FUZZ_SANITIZER=address builds with AddressSanitizer (slower; the crate itself has no unsafe).
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]"
seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "$usage" >&2
    exit 2
fi
(($# > 0)) && shift
sanitizer="${FUZZ_SANITIZER:-none}"

all=()
for file in fuzz/fuzz_targets/*.rs; do
    all+=("$(basename "$file" .rs)")
done
if (($# > 0)); then
    targets=("$@")
    for target in "${targets[@]}"; do
        if [[ ! -f "fuzz/fuzz_targets/$target.rs" ]]; then
            echo "no fuzz target $target; the targets are: ${all[*]}" >&2
            exit 2
        fi
    done
else
    targets=("${all[@]}")
fi

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi

cargo +nightly fuzz build --sanitizer "$sanitizer"

crashed=()
summary=()
for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    artifacts="fuzz/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    log="$artifacts/last-run.log"
    before="$(ls "$artifacts")"
    echo "== $target: ${seconds}s" >&2
    status=0
    # The seeds are read as a second corpus directory; new inputs go to the first only.
    cargo +nightly fuzz run --sanitizer "$sanitizer" "$target" "$corpus" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -timeout=30 -print_final_stats=1 2>&1 | tee "$log" >&2 ||
        status=$?
    done_line="$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -n 1 || true)"
    summary+=("$target: ${done_line:-no DONE line (status $status)}; corpus $(ls "$corpus" | wc -l) files")
    new=()
    while IFS= read -r name; do
        [[ -n "$name" && "$name" != last-run.log ]] && new+=("$artifacts/$name")
    done < <(comm -13 <(echo "$before" | sort) <(ls "$artifacts" | sort))
    if ((status != 0)) || ((${#new[@]} > 0)); then
        crashed+=("$target: ${new[*]:-exit status $status, see $log}")
    fi
done

printf '%s\n' "${summary[@]}"
if ((${#crashed[@]} > 0)); then
    echo "Crashes found:" >&2
    printf '  %s\n' "${crashed[@]}" >&2
    exit 1
fi
echo "No crash in ${#targets[@]} target(s), ${seconds}s each."
