#!/usr/bin/python3
"""entropy_check.py STATS.json BELOW|ABOVE FRACTION: exits 0 when the attention export's mean
entropy is below (or above) FRACTION x the uniform entropy, else prints both and exits 1."""
import json
import sys

stats = json.load(open(sys.argv[1]))
mean, uniform = stats["mean_entropy"], stats["uniform_entropy"]
fraction = float(sys.argv[3])
ok = mean < fraction * uniform if sys.argv[2] == "below" else mean > fraction * uniform
print(f"mean entropy {mean:.4f}, uniform {uniform:.4f}: {sys.argv[2]} {fraction} x uniform: {'yes' if ok else 'NO'}")
sys.exit(0 if ok else 1)
