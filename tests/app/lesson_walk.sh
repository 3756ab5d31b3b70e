#!/usr/bin/env bash
# lesson_walk.sh OUTDIR SECTION LANG: walks every step of one section of the guided lesson
# (assets/lessons/notes.json) in one language. Each step runs once under Xvfb with
# `--lesson ID --lang LANG --export DIR --screenshot PNG`; then lesson_check.py re-evaluates every
# claim's figure expression against that same stats.json (an independent evaluator: no number is
# typed twice) and re-checks the verdict rules, and png_probe checks the screenshot has content.
# Needs MATRIXLENS and PNG_PROBE in the environment (as the other app tests).
set -eu
out=$1 section=$2 lang=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
ids=$("$MATRIXLENS" --list-lessons | awk -F'\t' -v s="$section" '$2 == s { print $1 }')
[ -n "$ids" ] || { echo "section $section has no lesson step"; exit 1; }
size=1280x800
[ "$lang" = "zh-TW" ] && size=1920x1080
for id in $ids; do
    dir="$out/${id}_$lang"
    rm -rf "$dir" "$dir.png"
    xvfb-run -a -s "-screen 0 1920x1080x24" "$MATRIXLENS" --lesson "$id" --lang "$lang" --size $size \
        --export "$dir" --screenshot "$dir.png"
    /usr/bin/python3 "$here/lesson_check.py" "$dir/stats.json" "$id" "$section"
    "$PNG_PROBE" "$dir.png" --size $size --min-colors 40
done
echo "section $section ($lang): $(echo $ids | wc -w) steps checked"
