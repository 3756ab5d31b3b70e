#!/usr/bin/env bash
# layout_check.sh CASES OUTDIR LANG SIZE...: renders every case of CASES (NAME ARGS... a line) with
# `matrixlens --layout-check` at each SIZE in LANG, inside one Xvfb, keeping the screenshots in
# OUTDIR (NAME_LANG_SIZE.png) to look at. Fails listing every case whose frame cut a number or ran
# off the window (exit 6 from matrixlens) or that failed to render at all. A case named
# known:NAME is a known defect still to fix: it is reported but does not fail the check.
set -u
if [ "${1:-}" != "--inside-xvfb" ]; then
    exec xvfb-run -a -s "-screen 0 1920x1080x24" "$0" --inside-xvfb "$@"
fi
shift
cases=$1; out=$2; lang=$3; shift 3
mkdir -p "$out"
failed=0
while read -r name args; do
    case "$name" in ''|'#'*) continue ;; esac
    for size in "$@"; do
        png="$out/${name#known:}_${lang}_${size}.png"
        # shellcheck disable=SC2086
        if ! msg=$("$MATRIXLENS" $args --lang "$lang" --size "$size" --layout-check --force --screenshot "$png" 2>&1 </dev/null); then
            case "$name" in
                known:*) echo "KNOWN $name $lang $size:"; echo "$msg" | sed 's/^/    /' ;;
                *) echo "FAIL $name $lang $size:"; echo "$msg" | sed 's/^/    /'; failed=1 ;;
            esac
        fi
    done
done < "$cases"
[ $failed -eq 0 ] && echo "layout check: every case whole at $* in $lang"
exit $failed
