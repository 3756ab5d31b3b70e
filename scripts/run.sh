#!/usr/bin/env bash
# scripts/run.sh [matrixlens options...]: installs what is missing, builds, and opens MatrixLens
# on the bundled image. Extra arguments go to matrixlens (e.g. --panel about, --lang zh-TW).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DLENS_BUILD_TESTS=OFF -DLENS_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build" --target matrixlens -j"$(nproc)"
exec "$root/build/app/matrixlens" "$@"
