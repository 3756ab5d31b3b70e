#!/usr/bin/env python3
"""Peer comparison for bench_conv: SciPy + Matplotlib vs MatrixLens.

The peer does what a user without MatrixLens would do to look at the notes' one-channel 2-D
convolution matrix (256x256 input, 3x3 kernel, padding full: 66,564 x 65,536, 589,824 non-zeros):
build it with scipy.sparse (sum over taps of weight * kron(shift_y, shift_x)) and draw it with
matplotlib's spy into a 1024x1024 PNG (Agg backend). MatrixLens rasterizes the same matrix into
1024x1024 exact per-pixel counts (bench_conv, case raster_count/256x256_c1). Both medians and the
ratio are printed; the peer's timing includes construction because MatrixLens never builds it.

Usage (Debian's python has the packages: apt-get install python3-scipy python3-matplotlib):
    /usr/bin/python3 bench/peer_spy.py --ours build/bench/bench_conv
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import scipy.sparse as sp
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as error:  # a pyenv/venv python does not see Debian's dist-packages
    sys.exit(f"{error}: run with /usr/bin/python3 after apt-get install python3-scipy python3-matplotlib")

SIDE = 256  # input height and width
KERNEL = 3  # 3x3, padding full: dilation*(kernel-1) = 2 on every side
OUT = SIDE + KERNEL - 1  # 258
EXPECTED_NONZEROS = (KERNEL * SIDE) ** 2  # 768 per axis: every tap lands inside for 256 outputs


def build_matrix(weights):
    """The expanded convolution as a CSR matrix; row = output (y, x), col = input (y, x)."""
    # Output o and input i are linked by tap k when i = o - (KERNEL - 1) + k, i.e. the diagonal
    # k - (KERNEL - 1) of an OUT x SIDE matrix.
    shifts = [sp.eye(OUT, SIDE, k=k - (KERNEL - 1), format="csr") for k in range(KERNEL)]
    matrix = None
    for ky in range(KERNEL):
        for kx in range(KERNEL):
            term = weights[ky, kx] * sp.kron(shifts[ky], shifts[kx], format="csr")
            matrix = term if matrix is None else matrix + term
    return matrix


def spy_png(matrix, path, pixels):
    dpi = 100
    fig = plt.figure(figsize=(pixels / dpi, pixels / dpi), dpi=dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.spy(matrix, markersize=0.5)
    ax.set_axis_off()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def time_peer(repetitions, pixels, png):
    rng = np.random.default_rng(1)
    weights = rng.uniform(-1 / 3, 1 / 3, size=(KERNEL, KERNEL))
    build, draw = [], []
    matrix = None
    for _ in range(repetitions):
        start = time.perf_counter()
        matrix = build_matrix(weights)
        middle = time.perf_counter()
        spy_png(matrix, png, pixels)
        end = time.perf_counter()
        build.append((middle - start) * 1e3)
        draw.append((end - middle) * 1e3)
    if matrix.shape != (OUT * OUT, SIDE * SIDE) or matrix.nnz != EXPECTED_NONZEROS:
        sys.exit(f"peer matrix is {matrix.shape} with {matrix.nnz} non-zeros, expected "
                 f"{(OUT * OUT, SIDE * SIDE)} with {EXPECTED_NONZEROS}")
    total = [b + d for b, d in zip(build, draw)]
    return statistics.median(build), statistics.median(draw), statistics.median(total)


def time_ours(executable, benchmark):
    command = [executable, f"--benchmark_filter=^{benchmark}/", "--benchmark_format=json"]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    report = json.loads(result.stdout)
    to_ms = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    for run in report["benchmarks"]:
        if run.get("run_type") == "aggregate" and run.get("aggregate_name") == "median":
            return run["real_time"] * to_ms[run["time_unit"]], run["cpu_time"] * to_ms[run["time_unit"]]
    sys.exit(f"no median for {benchmark} in the output of {' '.join(command)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", required=True, help="path to the bench_conv executable")
    parser.add_argument("--benchmark", default="raster_count/256x256_c1", help="bench_conv case to compare")
    parser.add_argument("--repetitions", type=int, default=5, help="peer repetitions (median reported)")
    parser.add_argument("--pixels", type=int, default=1024, help="PNG side in pixels")
    parser.add_argument("--png", default=None, help="where to write the peer's spy plot (default: a temp file)")
    args = parser.parse_args()

    png = args.png or os.path.join(tempfile.gettempdir(), "peer_spy_conv256.png")
    build_ms, draw_ms, peer_ms = time_peer(args.repetitions, args.pixels, png)
    ours_wall, ours_cpu = time_ours(args.ours, args.benchmark)

    print(f"matrix: {OUT * OUT:,} x {SIDE * SIDE:,}, {EXPECTED_NONZEROS:,} non-zeros, {args.pixels}x{args.pixels} px")
    print(f"peer  scipy.sparse build         median {build_ms:10.3f} ms")
    print(f"peer  matplotlib spy + PNG       median {draw_ms:10.3f} ms")
    print(f"peer  total                      median {peer_ms:10.3f} ms   ({png})")
    print(f"ours  {args.benchmark:<26} median {ours_wall:10.3f} ms   (cpu {ours_cpu:.3f} ms, exact counts per pixel)")
    print(f"ratio peer / ours: {peer_ms / ours_wall:.1f}x  (spy alone: {draw_ms / ours_wall:.1f}x)")


if __name__ == "__main__":
    main()
