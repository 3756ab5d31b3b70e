#!/usr/bin/env sh
# tests/app/readme_keys.sh MATRIXLENS README: the README's key table is what the field declarations
# generate (matrixlens --keys-markdown). To update it, paste that command's output between the
# <!-- keys:begin --> and <!-- keys:end --> lines.
set -eu
generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
"$1" --keys-markdown > "$generated"
sed -n '/<!-- keys:begin -->/,/<!-- keys:end -->/p' "$2" | sed '1d;$d' | diff -u "$generated" -
