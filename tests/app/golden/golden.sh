#!/usr/bin/env bash
# tests/app/golden/golden.sh: records (record) or compares (check) the digests of every case in
# cases.txt. Usage: golden.sh record|check MATRIXLENS GOLDEN_DIGEST OUT_DIR [CASE]
# check exits 1 listing every difference; a fix that is meant to change a number re-records that
# case and says so in its commit.
set -uo pipefail
mode=$1 ml=$2 digest=$3 out=$4 only=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
status=0
while read -r name panel rest; do
  [ -z "$name" ] && continue
  case "$name" in \#*) continue ;; esac
  [ -n "$only" ] && [ "$name" != "$only" ] && continue
  args=(--panel "$panel")
  for kv in $rest; do args+=(--set "$kv"); done
  rm -rf "$out/$name"
  if ! "$ml" "${args[@]}" --export "$out/$name" >"$out/$name.log" 2>&1; then
    echo "FAIL $name: matrixlens ${args[*]} exited non-zero:"; cat "$out/$name.log"; status=1; continue
  fi
  if [ "$mode" = record ]; then
    "$digest" "$out/$name" > "$here/$name.json" || status=1
  elif ! "$digest" "$out/$name" "$here/$name.json"; then
    echo "FAIL $name"; status=1
  fi
done < "$here/cases.txt"
exit $status
