#!/usr/bin/env bash
# layout_check.sh CASES OUTDIR LANG SIZE...: renders every case of CASES (NAME ARGS... a line) with
# `matrixlens --layout-check` at each SIZE in LANG, inside one Xvfb, keeping the screenshots in
# OUTDIR (NAME_LANG_SIZE.png) to look at. Fails listing every case whose frame cut a number or ran
# off the window (exit 6 from matrixlens) or that failed to render at all.
set -u
cases=$1; out=$2; lang=$3; shift 3
mkdir -p "$out"
run_all() {
    local failed=0
    while read -r name args; do
        case "$name" in ''|'#'*) continue ;; esac
        for size in "$@"; do
            png="$out/${name}_${lang}_${size}.png"
            # shellcheck disable=SC2086
            if ! msg=$("$MATRIXLENS" $args --lang "$lang" --size "$size" --layout-check --screenshot "$png" 2>&1); then
                echo "FAIL $name $lang $size:"; echo "$msg" | sed 's/^/    /'
                failed=1
            fi
        done
    done < "$cases"
    return $failed
}
export -f run_all
export MATRIXLENS out lang cases
xvfb-run -a -s "-screen 0 1920x1080x24" bash -c 'run_all "$@"' _ "$@" < /dev/null
status=$?
# run_all reads the cases file itself; xvfb-run's stdin is not used.
[ $status -eq 0 ] && echo "layout check: every case whole at $* in $lang"
exit $status
