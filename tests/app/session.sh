#!/usr/bin/env bash
# session.sh MATRIXLENS WORKDIR: a saved session reopens to the same exported numbers on several
# panels; a corrupt session is refused with exit 4 and its reason; unknown or bad fields are
# skipped with a message (exit 0); --save-session never overwrites.
set -u
ml=$1; dir=$2
rm -rf "$dir"; mkdir -p "$dir"
fail() { echo "FAIL: $*"; exit 1; }
n=0
while read -r panel sets; do
  n=$((n + 1))
  args=(); for s in $sets; do args+=(--set "$s"); done
  "$ml" --panel "$panel" "${args[@]}" --save-session "$dir/s$n.json" || fail "save $panel"
  "$ml" --panel "$panel" "${args[@]}" --export "$dir/direct$n" || fail "export $panel"
  # Open the session from another panel: the session's panel and fields must come back.
  "$ml" --session "$dir/s$n.json" --export "$dir/restored$n" 2>"$dir/err$n" || fail "restore $panel: $(cat "$dir/err$n")"
  [ ! -s "$dir/err$n" ] || fail "restore $panel warned: $(cat "$dir/err$n")"
  cmp -s "$dir/direct$n/stats.json" "$dir/restored$n/stats.json" || fail "$panel: restored numbers differ"
  grep -q "\"panel\": \"$panel\"" "$dir/s$n.json" || fail "$panel: session lacks its panel"
done <<'CASES'
conv in_w=40 in_h=30 stride=2 padding=3 dilation=2 seed=9
mlp widths=64,32,10
attention text=one_two_three d_model=8 heads=2 projection=random
fc preset=tokens_512_768
matmul m=7 n=5 p=3 rank_a=2 rank_b=2
CASES
# The session changes the numbers (the test above cannot pass on a default state).
cmp -s "$dir/direct1/stats.json" <("$ml" --panel conv --export "$dir/default" >/dev/null && cat "$dir/default/stats.json") \
  && fail "conv session equals the default state"
# --set applies on top of a session.
"$ml" --session "$dir/s1.json" --set stride=1 --export "$dir/over" || fail "session + --set"
cmp -s "$dir/over/stats.json" "$dir/direct1/stats.json" && fail "--set did not apply on top of the session"
# Corrupt, empty, directory: exit 4 with the reason.
printf '{"matrixlens_session": 1, "panel": ' > "$dir/corrupt.json"
: > "$dir/empty.json"
for bad in corrupt.json empty.json; do
  "$ml" --session "$dir/$bad" --export "$dir/x" 2>"$dir/e"; rc=$?
  [ $rc -eq 4 ] || fail "$bad: exit $rc, want 4"
  grep -q "not valid JSON" "$dir/e" || fail "$bad: message $(cat "$dir/e")"
done
"$ml" --session "$dir" --export "$dir/x" 2>"$dir/e"; [ $? -eq 4 ] && grep -q "directory" "$dir/e" || fail "directory session"
# Unknown and bad fields: skipped with a message, never fatal.
cat > "$dir/odd.json" <<'JSON'
{"matrixlens_session": 1, "panel": "conv", "zoom": 3,
 "panels": {"conv": {"in_w": "40", "stride": "0", "bogus": "1"}, "nopanel": {"a": "1"}}}
JSON
"$ml" --session "$dir/odd.json" --export "$dir/odd" 2>"$dir/e" || fail "odd session exit $?: $(cat "$dir/e")"
for word in zoom "conv: key .stride." "conv.bogus: not a key" nopanel; do grep -q "$word" "$dir/e" || fail "no message for $word: $(cat "$dir/e")"; done
# Never overwrite.
"$ml" --panel conv --save-session "$dir/s1.json" 2>"$dir/e"; [ $? -eq 5 ] || fail "overwrote a session"
echo "ok: $n panels round-trip through a session"
