#!/usr/bin/env bash
# expect_exit.sh CODE PATTERN -- COMMAND...: runs COMMAND, passes when it exits with CODE and its
# stderr contains PATTERN (a grep -E expression; empty matches anything).
set -u
want=$1; pattern=$2; shift 3
err=$(mktemp)
"$@" >/dev/null 2>"$err"
got=$?
msg=$(cat "$err"); rm -f "$err"
echo "exit $got (expected $want); stderr: $msg"
[ "$got" -eq "$want" ] || { echo "FAIL: wrong exit code"; exit 1; }
if [ -n "$pattern" ] && ! grep -qE "$pattern" <<<"$msg"; then echo "FAIL: stderr lacks /$pattern/"; exit 1; fi
exit 0
