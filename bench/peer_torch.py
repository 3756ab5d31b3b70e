#!/usr/bin/env python3
"""Peer comparison: multi-head softmax(Q K^T / sqrt(d_head)) V in PyTorch on the CPU against
MatrixLens' Attend (bench/bench_attention), timed in the same script, at N = 196, 1024, 4096 tokens,
d = 768, 12 heads. Prints both medians and the ratio.

Usage: /usr/bin/python3 bench/peer_torch.py --ours build/bench/bench_attention [--threads 1]
Needs Debian's python3-torch (apt-get install python3-torch)."""
import argparse
import json
import statistics
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", required=True, help="path of the bench_attention executable")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (ours is single-threaded)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("peer_torch: PyTorch is missing (apt-get install python3-torch; run with /usr/bin/python3)")
    torch.set_num_threads(args.threads)
    heads, d = 12, 768
    d_head = d // heads
    peer = {}
    for n in (196, 1024, 4096):
        x = torch.randn(n, d)
        # Q = K = V = X split into heads, as ours with the identity projection.
        q = x.view(n, heads, d_head).transpose(0, 1).contiguous()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            a = torch.softmax(q @ q.transpose(-1, -2) / d_head ** 0.5, dim=-1)
            out = (a @ q).transpose(0, 1).reshape(n, d)
            times.append((time.perf_counter() - start) * 1000)
            del a, out
        peer[n] = statistics.median(times)
    result = subprocess.run([args.ours, "--benchmark_format=json", "--benchmark_filter=attention/N:[0-9]+/scores:0"],
                            check=True, capture_output=True, text=True)
    ours = {}
    for bench in json.loads(result.stdout)["benchmarks"]:
        if bench.get("aggregate_name") == "median":
            n = int(bench["run_name"].split("N:")[1].split("/")[0])
            ours[n] = bench["real_time"]
    print(f"torch {torch.__version__}, {args.threads} thread(s); ours single-threaded Eigen")
    for n in (196, 1024, 4096):
        print(f"N = {n:5d}: torch {peer[n]:9.3f} ms   ours {ours[n]:9.3f} ms   torch / ours = {peer[n] / ours[n]:.2f}x")


if __name__ == "__main__":
    main()
