#!/usr/bin/env bash
# Fuzz smoke run for CI: builds every fuzz target and runs each for a short, fixed time, starting
# from seeds made by make_seeds.py. Exits non-zero on any crash, panic or timeout; libFuzzer then
# saves the input under fuzz/artifacts/<target>/ (keep it in fuzz/regressions/<target>/).
#
# Needs cargo-fuzz (.ci/run installs it). Only the stable toolchain is available, so
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags, and no sanitizer is used: the library
# forbids unsafe code, and panics, overflow checks and debug assertions are caught without one.
#
# A fixed -seed keeps the smoke run repeatable, so CI does not flake on a new random find; longer
# local runs (without the script) are where new crashers are hunted.
#
# Usage: bash fuzz/smoke.sh [SECONDS_PER_TARGET]   (default 25)
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-25}"
targets=(wheel sdist metadata record filename provenance)
export RUSTC_BOOTSTRAP=1
# Its own target folder: the fuzz build's flags differ from the workspace's, so sharing one
# would only make the two rebuild each other.
export CARGO_TARGET_DIR="$PWD/target"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/smoke.sh: cargo-fuzz is missing: cargo install --locked cargo-fuzz@0.13.2" >&2
    exit 2
fi

started=$(date +%s)
echo "== fuzz: build ($(cargo fuzz --version))"
cargo fuzz build --sanitizer none
python3 make_seeds.py
mkdir -p target

for target in "${targets[@]}"; do
    # Known crashers first: each must now run clean.
    if compgen -G "regressions/$target/*" >/dev/null; then
        echo "== fuzz: $target: regressions"
        cargo fuzz run --sanitizer none "$target" regressions/"$target"/* -- -runs=1
    fi
    echo "== fuzz: $target: ${seconds}s"
    log="target/smoke-$target.log"
    if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -seed=1 -timeout=10 -rss_limit_mb=1024 -max_len=131072 \
        -dict="dicts/$target.dict" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz/smoke.sh: target $target failed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
echo "== fuzz: all ${#targets[@]} targets clean in $(($(date +%s) - started))s"
