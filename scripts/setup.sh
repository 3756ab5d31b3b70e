#!/usr/bin/env bash
# scripts/setup.sh: installs the Debian 12 packages MatrixLens needs, only those missing.
# Used by run.sh and test.sh; needs root or sudo when something is missing.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libimgui-dev libglfw3-dev libfreetype-dev libeigen3-dev libstb-dev libcli11-dev nlohmann-json3-dev libgif-dev
  googletest libgtest-dev libbenchmark-dev khronos-api
  fonts-noto-cjk fonts-dejavu-core
  xvfb xauth libgl1-mesa-dri
  clang libclang-rt-14-dev libomp-dev  # fuzz/: libFuzzer with ASan and UBSan (issue 15); OpenMP for clang
  libopenblas-dev time
  python3 python3-numpy  # tests: the tiny ViT checkpoints and their NumPy reference (issue 18)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
