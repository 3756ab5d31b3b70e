#!/usr/bin/python3
"""Peer of bench/bench_vit: torchvision's vit_b_16 (random weights, 86.6 M parameters) forward
pass at 224 px on the CPU, median of N runs after one warm-up, and this process's peak RSS.
Prints "median_ms X peak_rss_mib Y" as its last line. Usage: peer_vit_torch.py --threads T --repeats N"""
import argparse
import resource
import statistics
import time

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--repeats", type=int, default=5)
args = parser.parse_args()
torch.set_num_threads(args.threads)
model = torchvision.models.vit_b_16().eval()
x = torch.randn(1, 3, 224, 224)
times = []
with torch.inference_mode():
    for r in range(args.repeats + 1):
        start = time.perf_counter()
        model(x)
        if r > 0:
            times.append((time.perf_counter() - start) * 1000)
print(f"torch {torch.__version__}, {sum(p.numel() for p in model.parameters())} parameters")
print(f"median_ms {statistics.median(times):.3f} peak_rss_mib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
