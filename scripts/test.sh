#!/usr/bin/env bash
# scripts/test.sh: installs what is missing, builds everything with warnings as errors, runs every
# test (core, app logic, headless app tests under Xvfb), then runs the core tests again under
# AddressSanitizer and UndefinedBehaviorSanitizer.
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
