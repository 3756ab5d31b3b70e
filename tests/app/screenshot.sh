#!/usr/bin/env bash
# screenshot.sh OUT.png PROBE_ARGS... -- MATRIXLENS_ARGS...: renders a headless screenshot under
# Xvfb (Mesa's software OpenGL) and checks it with png_probe.
set -eu
out=$1; shift
probe=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do probe+=("$1"); shift; done
shift
mkdir -p "$(dirname "$out")"
rm -f "$out"
xvfb-run -a -s "-screen 0 1920x1080x24" "$MATRIXLENS" --screenshot "$out" "$@"
"$PNG_PROBE" "$out" "${probe[@]}"
