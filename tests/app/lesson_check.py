#!/usr/bin/env python3
"""lesson_check.py STATS.json STEP_ID SECTION: checks a `--lesson ID --export` against itself.

Every claim's computed_value must equal its figure expression evaluated here, independently of the
C++ evaluator, over the panel's own figures in the same stats.json; and the verdict must agree with
the numbers (match = equal, rounded = differ within tolerance, slip = differ beyond it, open = no
notes value, ambiguous = both present). The tolerance is read from assets/lessons/notes.json."""
import ast, json, math, os, sys

stats_path, step_id, section = sys.argv[1], sys.argv[2], int(sys.argv[3])
stats = json.load(open(stats_path))
plan = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "assets", "lessons", "notes.json")))
step = next(s for s in plan["steps"] if s["id"] == step_id)
problems = []
if stats.get("lesson_id") != step_id: problems.append("lesson_id %r" % stats.get("lesson_id"))
if stats.get("lesson_section") != section or step["section"] != section: problems.append("lesson_section")
if len(stats.get("claims", [])) != len(step["claims"]): problems.append("claim count")

def evaluate(node):
    if isinstance(node, ast.Expression): return evaluate(node.body)
    if isinstance(node, ast.Constant): return float(node.value)
    if isinstance(node, ast.Name):
        value = stats[node.id]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), node.id
        return float(value)
    if isinstance(node, ast.Subscript):
        return float(stats[node.value.id][node.slice.value if isinstance(node.slice, ast.Constant) else node.slice.n])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub): return -evaluate(node.operand)
    if isinstance(node, ast.BinOp):
        a, b = evaluate(node.left), evaluate(node.right)
        return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b, ast.Div: a / b if b else math.nan}[type(node.op)]
    raise ValueError("unexpected %s" % ast.dump(node))

for planned, exported in zip(step["claims"], stats.get("claims", [])):
    cid, verdict, notes = planned["id"], planned["verdict"], planned.get("notes_value")
    tol = planned.get("tolerance", 0.05)
    computed = exported["computed_value"]
    if exported["id"] != cid or exported["verdict"] != verdict or exported["notes_value"] != notes:
        problems.append("%s: exported claim differs from the plan" % cid)
    if exported["notes_text"] != planned["notes_text"]: problems.append("%s: notes_text" % cid)
    if planned.get("figure"):
        expected = evaluate(ast.parse(planned["figure"], mode="eval"))
        if computed is None or not math.isclose(computed, expected, rel_tol=1e-12, abs_tol=1e-12):
            problems.append("%s: computed %r, the export's figures give %r" % (cid, computed, expected))
    elif computed is not None:
        problems.append("%s: a value without a figure" % cid)
    within = notes is not None and computed is not None and abs(computed - notes) <= tol * max(abs(computed), abs(notes))
    equal = notes is not None and computed is not None and abs(computed - notes) <= 1e-9 * max(1.0, abs(notes))
    ok = {"match": equal, "rounded": within and not equal, "slip": notes is not None and computed is not None and not within,
          "ambiguous": notes is not None and computed is not None, "open": notes is None,
          "concept": notes is None or computed is None or within}[verdict]
    if not ok: problems.append("%s: verdict %s does not hold (notes %r, computed %r)" % (cid, verdict, notes, computed))
if problems:
    print("step %s:\n  " % step_id + "\n  ".join(problems))
    sys.exit(1)
