#!/usr/bin/env bash
# scripts/test.sh: installs what is missing, builds everything with warnings as errors, runs every
# test (core, app logic, headless app tests under Xvfb), then runs the core tests again under
# AddressSanitizer and UndefinedBehaviorSanitizer, then runs each libFuzzer target of fuzz/ for a
# bounded time (clang, ASan + UBSan), failing on any finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
"$root/scripts/setup.sh"

echo "== build (warnings are errors)"
cmake -S "$root" -B "$root/build-test" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLENS_WERROR=ON >/dev/null
cmake --build "$root/build-test" -j"$jobs"
echo "== tests"
ctest --test-dir "$root/build-test" --output-on-failure -j"$jobs"

echo "== core tests under address and undefined-behaviour sanitizers"
cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DLENS_SANITIZE=ON -DLENS_WERROR=ON \
      -DLENS_BUILD_APP=OFF -DLENS_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-asan" --target core_tests -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs" -L core

echo "== fuzzing (libFuzzer, clang, address and undefined-behaviour sanitizers)"
cmake -S "$root" -B "$root/build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DLENS_FUZZ=ON -DLENS_BUILD_APP=OFF -DLENS_BUILD_TESTS=OFF -DLENS_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-fuzz" --target fuzz_all -j"$jobs"
fuzz_seconds=${LENS_FUZZ_SECONDS:-20}
for target in image npy cnn_layers mlp_widths settings field_values; do
  work=$(mktemp -d)
  cp "$root/fuzz/corpus/$target/"* "$work/"
  echo "-- fuzz_$target (${fuzz_seconds} s)"
  # A finding (crash, leak, sanitizer report, timeout, out-of-memory) exits non-zero and stops the run.
  log="$root/build-fuzz/fuzz_$target.log"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$root/build-fuzz/fuzz/fuzz_$target" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10 \
       -max_len=65536 -artifact_prefix="$root/build-fuzz/fuzz_${target}_" "$work" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz_$target found a problem: the input is in build-fuzz/fuzz_${target}_*"
    exit 1
  fi
  grep -E "^Done|stat::number_of_executed_units" "$log" | tail -n 1
  rm -rf "$work"
done
