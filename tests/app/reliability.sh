#!/usr/bin/env bash
# reliability.sh CASE MATRIXLENS DIR EXPECT: issue 15's command-line cases that need a few shell
# steps (files made on the fly, ulimit, XDG_CONFIG_HOME). Exits non-zero with a reason on failure.
set -u
case_name=$1; ml=$2; dir=$3/$1; expect=$4
rm -rf "$dir"; mkdir -p "$dir"
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
# No temporary (.NAME.tmp-PID-N) may be left in $1.
no_temporaries() { ! ls -A "$1" | grep -q '\.tmp-' || fail "temporary left in $1: $(ls -A "$1")"; }

case $case_name in
huge_png)
  $py - "$dir/huge.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
ihdr = struct.pack('>IIBBBBB', 100000, 100000, 8, 2, 0, 0, 0)
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0')) + chunk(b'IEND', b''))
PY
  "$expect" 4 "too large.*100,000 x 100,000" -- "$ml" --image "$dir/huge.png" --export "$dir/never" ;;
topdown_bmp)
  $py - "$dir/top.bmp" <<'PY'
import struct, sys
w, h = 5, 3
rows = b''.join(b''.join(bytes([7, 20 * x, 10 * y]) for x in range(w)) + b'\0' for y in range(h))  # BGR, stride 16
hdr = b'BM' + struct.pack('<IHHI', 54 + len(rows), 0, 0, 54) + struct.pack('<iiiHHIIiiII', 40, w, -h, 1, 24, 0, len(rows), 0, 0, 0, 0)
open(sys.argv[1], 'wb').write(hdr + rows)
PY
  "$ml" --panel image --image "$dir/top.bmp" --export "$dir/out" || fail "a top-down BMP was refused"
  grep -q '"height": 3' "$dir/out/stats.json" || fail "wrong height: $(cat "$dir/out/stats.json")" ;;
npy_nul)
  printf '\x93NUMPY\x01\x00\x20\x00{"de\x00scr": "<f4", 1}          \n' > "$dir/nul.npy"
  "$expect" 4 "unusable input file.*x00scr" -- "$ml" --panel attention --set source=text --set d_model=64 --set heads=4 \
    --set projection=file --set wq="$dir/nul.npy" --set wk="$dir/nul.npy" --set wv="$dir/nul.npy" --export "$dir/never" ;;
no_overwrite)
  echo keep > "$dir/shot.png"
  "$expect" 5 "already exists" -- xvfb-run -a "$ml" --panel about --screenshot "$dir/shot.png" || exit 1
  [ "$(cat "$dir/shot.png")" = keep ] || fail "the existing file was changed"
  xvfb-run -a "$ml" --panel about --force --screenshot "$dir/shot.png" || fail "--force did not write"
  [ "$(head -c 4 "$dir/shot.png" | tail -c 3)" = PNG ] || fail "--force did not replace the file" ;;
half_way_screenshot|half_way_figure|half_way_export)
  trap '' XFSZ
  ulimit -f 16  # 16 KiB: the PNG and the .npy files are larger
  case $case_name in
    half_way_screenshot) "$expect" 5 "File too large" -- xvfb-run -a "$ml" --panel about --screenshot "$dir/s.png" || exit 1
                         [ ! -e "$dir/s.png" ] || fail "a truncated $dir/s.png was left" ;;
    half_way_figure) "$expect" 5 "File too large" -- xvfb-run -a "$ml" --panel conv --set preset=small --scale 4 --figure "$dir/f.png" || exit 1
                     [ ! -e "$dir/f.png" ] || fail "a truncated $dir/f.png was left" ;;
    half_way_export) "$expect" 5 "File too large" -- "$ml" --panel image --export "$dir/e" || exit 1
                     [ ! -e "$dir/e/image.npy" ] || fail "a truncated image.npy was left"
                     no_temporaries "$dir/e" ;;
  esac
  no_temporaries "$dir" ;;
settings)
  cfg=$dir/config/matrixlens; mkdir -p "$cfg"
  run() { XDG_CONFIG_HOME=$dir/config timeout 60 xvfb-run -a "$ml" --panel about --figure "$dir/$1.png" 2>"$dir/$1.err"; }
  mkdir "$cfg/settings.json"
  run dir || fail "settings.json as a directory: exit $? ($(cat "$dir/dir.err"))"
  grep -q "directory" "$dir/dir.err" || fail "no warning for a directory: $(cat "$dir/dir.err")"
  rmdir "$cfg/settings.json"; mkfifo "$cfg/settings.json"
  run fifo || fail "settings.json as a FIFO: exit $? (124: it blocked) ($(cat "$dir/fifo.err"))"
  grep -q "FIFO" "$dir/fifo.err" || fail "no warning for a FIFO: $(cat "$dir/fifo.err")"
  rm "$cfg/settings.json"; printf '{"language": "zh-TW", oops' > "$cfg/settings.json"
  run garbage || fail "garbage settings.json: exit $?"
  grep -q "settings.json.bad" "$dir/garbage.err" || fail "not moved aside: $(cat "$dir/garbage.err")"
  [ -f "$cfg/settings.json.bad" ] && [ ! -e "$cfg/settings.json" ] || fail "settings.json not moved aside"
  run again || fail "second start: exit $?"
  [ ! -s "$dir/again.err" ] || fail "the warning was repeated: $(cat "$dir/again.err")"
  head -c 200000 /dev/zero | tr '\0' ' ' > "$cfg/settings.json"
  run huge || fail "huge settings.json: exit $?"
  grep -q "limit" "$dir/huge.err" || fail "no warning for a huge file: $(cat "$dir/huge.err")" ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
