"""The sum over the batch (a conv's bias gradient, ``g.sum(0)``): NumPy's call against kernels/reduction.py's, at 1 and 2 threads.

Run: ``python benchmarks/bench_sum_leading.py [--rounds 25]`` from the repository root. Each
shape's float32 array summed over axis 0 by ``np.add.reduce`` and by ``sum_leading``'s parallel
loop (called directly, whatever its grain says), alternating, µs medians; and whether the bits
are NumPy's at both thread counts. Shapes: output gradients of the gallery's convolutions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from minitorch.kernels import reduction

import minitorch

SHAPES = [(64, 128, 4, 4), (64, 384, 3, 3), (64, 72, 8, 8), (64, 96, 8, 8), (64, 128, 8, 8), (64, 192, 8, 8),
          (64, 256, 7, 7), (64, 64, 16, 16), (64, 96, 15, 15)]


def parallel_sum(a):
    out = np.empty(a.shape[1:], dtype=a.dtype)
    reduction._sum_rows(a.reshape(a.shape[0], -1), out.reshape(-1), True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"load {' '.join(f'{v:.2f}' for v in os.getloadavg())}; µs, medians of {args.rounds}")
    print("| shape | numbers | NumPy 1t | loop 1t | NumPy 2t | loop 2t | NumPy's bits |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for shape in SHAPES:
        a = rng.standard_normal(shape).astype(np.float32)
        want = np.add.reduce(a, axis=0)
        same = True
        for threads in (1, 2):
            minitorch.set_num_threads(threads)
            same &= bool(np.array_equal(parallel_sum(a), want))
        runs = {(name, t): [] for name in ("numpy", "loop") for t in (1, 2)}
        for r in range(args.rounds):
            for name, t in list(runs)[:: 1 if r % 2 == 0 else -1]:
                minitorch.set_num_threads(t)
                f = (lambda a=a: np.add.reduce(a, axis=0)) if name == "numpy" else (lambda a=a: parallel_sum(a))
                f()
                start = time.perf_counter()
                f()
                f()
                runs[name, t].append((time.perf_counter() - start) / 2)
        m = {k: statistics.median(v) * 1e6 for k, v in runs.items()}
        print(f"| {shape} | {a.size} | {m['numpy', 1]:.1f} | {m['loop', 1]:.1f} | {m['numpy', 2]:.1f} | "
              f"{m['loop', 2]:.1f} | {same} |")
    print(f"load after {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
