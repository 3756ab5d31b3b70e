#!/usr/bin/env python3
"""Ratio table of issue 17: MatrixLens against its peers, each pair measured in the same run, at 1
and 2 threads, medians of 5 (peers' and ours).

  conv apply  3x3, 64 -> 64 channels, 256 x 256 input, padding full (the notes' 2-D case):
              torch.nn.functional.conv2d vs ours: the structured operator (ConvOperator::Apply,
              one GEMM per tap) and im2col + GEMM (bench_conv product/*/256x256_c64_full)
  attention   12 heads x 64, N = 196 / 1024 / 4096, Q = K = V = X: NumPy + OpenBLAS
              softmax(Q K^T / 8) V vs ours fused (bench_attention attention_fused/N)

Ratio = peer / ours (> 1: ours is faster). Peak RSS of ours at N = 4096 and of the conv case are
measured in separate runs of one repetition. The machine load (uptime) is printed before and after.

Usage: /usr/bin/python3 bench/compare.py [--build build] [--threads 1 2]
Needs python3-torch and python3-numpy (Debian), and a build with -DLENS_BUILD_BENCH=ON."""
import argparse
import json
import re
import os
import statistics
import subprocess
import sys
import time

NUMPY_PEER = r"""
import json, statistics, sys, time
import numpy as np
out = {}
for n in (196, 1024, 4096):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 768), dtype=np.float32)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        q = x.reshape(n, 12, 64).transpose(1, 0, 2)
        s = q @ q.transpose(0, 2, 1) * np.float32(0.125)
        s -= s.max(axis=-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=-1, keepdims=True)
        o = (s @ q).transpose(1, 0, 2).reshape(n, 768)
        times.append((time.perf_counter() - start) * 1000)
        del s, o
    out[n] = statistics.median(times)
print(json.dumps(out))
"""


def load():
    return open("/proc/loadavg").read().split()[0:3]


def run_ours(exe, threads, flt):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    r = subprocess.run([exe, f"--threads={threads}", "--benchmark_format=json", f"--benchmark_filter={flt}"], check=True,
                       capture_output=True, text=True, env=env)
    medians = {}
    for b in json.loads(r.stdout)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            medians[re.sub(r"/(iterations|repeats):[0-9]+", "", b["run_name"])] = b["real_time"]
    return medians


def peak_rss_mb(cmd, threads):
    """Peak RSS of one run of cmd, from GNU time (apt-get install time)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, env=env)
    return int(r.stderr.strip().splitlines()[-1]) / 1024.0


def torch_conv(threads):
    import torch
    torch.set_num_threads(threads)
    x = torch.randn(1, 64, 256, 256)
    w = torch.randn(64, 64, 3, 3)
    torch.nn.functional.conv2d(x, w, padding=2)  # warm-up
    times = []
    for _ in range(5):
        start = time.perf_counter()
        torch.nn.functional.conv2d(x, w, padding=2)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def numpy_attention(threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    r = subprocess.run(["/usr/bin/python3", "-c", NUMPY_PEER], check=True, capture_output=True, text=True, env=env)
    return {int(k): v for k, v in json.loads(r.stdout).items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    conv_exe = os.path.join(args.build, "bench", "bench_conv")
    attn_exe = os.path.join(args.build, "bench", "bench_attention")
    for exe in (conv_exe, attn_exe):
        if not os.access(exe, os.X_OK):
            sys.exit(f"compare: {exe} is missing: configure with -DLENS_BUILD_BENCH=ON and build it")
    print(f"load before: {' '.join(load())}")
    rows = []
    for t in args.threads:
        peer = torch_conv(t)
        ours = run_ours(conv_exe, t, "product/(apply|im2col_gemm)/256x256_c64_full")
        for name, label in (("product/apply/256x256_c64_full", "conv apply, structured"),
                            ("product/im2col_gemm/256x256_c64_full", "conv apply, im2col + GEMM")):
            rows.append((label, "torch conv2d", peer, ours[name], t))
        peer_a = numpy_attention(t)
        ours_a = run_ours(attn_exe, t, "attention_fused/")
        for n in (196, 1024, 4096):
            rows.append((f"attention N = {n}", "NumPy + OpenBLAS", peer_a[n], ours_a[f"attention_fused/N:{n}"], t))
    print(f"load after:  {' '.join(load())}")
    print(f"\n| work | peer | peer ms | ours ms | peer / ours | threads |\n| --- | --- | ---: | ---: | ---: | ---: |")
    for label, peer_name, p, o, t in rows:
        print(f"| {label} | {peer_name} | {p:.1f} | {o:.1f} | {p / o:.2f}x | {t} |")
    rss_a = peak_rss_mb([attn_exe, "--threads=2", "--benchmark_filter=attention_fused/N:4096", "--benchmark_repetitions=1"], 2)
    rss_c = peak_rss_mb([conv_exe, "--threads=2", "--benchmark_filter=product/apply/256x256_c64_full", "--benchmark_repetitions=1"], 2)
    print(f"\npeak RSS (whole benchmark process): attention N = 4096 fused {rss_a:.0f} MB; conv apply 256x256 c64 {rss_c:.0f} MB")


if __name__ == "__main__":
    main()
