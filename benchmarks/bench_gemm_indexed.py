"""The convolutions' indexed GEMMs (kernels/gemm_indexed.py), old vs new, in one process.

Run from the repository root: ``python benchmarks/bench_gemm_indexed.py [--threads 1] [--old REV]``.
``new`` is this checkout's kernels/gemm_indexed.py (and gemm.py's ``matmul``), ``old`` the file that
held them at ``--old`` (default HEAD): kernels/gemm_indexed.py, or before it was split off
(2026-12-07) kernels/gemm.py, whole; an old gemm_indexed.py runs over this checkout's gemm.py and
gemm_tile.py, and its ``matmul`` is this checkout's. It is loaded beside them as bench_gemm_layouts.py does, so that old and new alternate in one process in a
shuffled order each round; medians (and minima) of ``--repeats`` rounds, CPU time at one thread. The cases are the GEMMs of
kernels/conv.py's channels-last path on the gallery's shapes: the forward ``matmul_indexed``
(cols read from x_pad, times W'.T), the weight gradient ``matmul_indexed_b`` (GY times cols read
from x_pad), and ``matmul`` on the input gradient's ``GY @ W'`` (the plain ``gemm``)."""
import argparse
import atexit
import os
import random
import subprocess
import sys
import time
import types

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--repeats", type=int, default=31)
ap.add_argument("--only", default="", help="run the cases whose name contains this")
ap.add_argument("--old", default="HEAD", help="git revision of the indexed GEMMs to compare with")
args = ap.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = str(args.threads)
sys.path.insert(0, os.getcwd())

import numpy as np
from minitorch.kernels import conv, gemm, gemm_indexed

path = os.path.join(os.path.dirname(gemm.__file__), "_gemm_old.py")
source = subprocess.run(["git", "show", f"{args.old}:kernels/gemm_indexed.py"], capture_output=True, text=True,
                        check=False)
split = source.returncode == 0
if not split:  # before the split: gemm.py held them all
    source = subprocess.run(["git", "show", f"{args.old}:kernels/gemm.py"], capture_output=True, text=True,
                            check=True)
with open(path, "w") as f:
    f.write(source.stdout)
atexit.register(os.remove, path)  # a scratch copy, never committed
from minitorch.kernels import _gemm_old as old_module

old = types.SimpleNamespace(matmul_indexed=old_module.matmul_indexed, matmul_indexed_b=old_module.matmul_indexed_b,
                            matmul=gemm.matmul if split else old_module.matmul)
new = types.SimpleNamespace(matmul_indexed=gemm_indexed.matmul_indexed,
                            matmul_indexed_b=gemm_indexed.matmul_indexed_b, matmul=gemm.matmul)

SHAPES = [  # (x shape, C_out[, k]): k x k (3 unless given), padding k // 2, stride 1: the gallery's 32 px DenseNet and ResNet, NiN
    ((64, 64, 8, 8), 32), ((64, 96, 8, 8), 32), ((64, 128, 8, 8), 32), ((64, 160, 8, 8), 32),
    ((64, 64, 8, 8), 64), ((64, 128, 8, 8), 128),
    ((64, 32, 8, 8), 160),  # DenseNet's input gradient as a forward convolution of gy
    ((64, 96, 7, 7), 256, 5),  # NiN's 5x5, padding 2: 8-row slivers wrap past the 7-wide rows
    ((64, 256, 3, 3), 384),  # NiN's 3x3 on a 3x3 map (slivers wrap too)
]


def clock(f):
    """CPU seconds of one call at one thread (time lost to the other engineers' processes, while
    this one waits for a core, does not count), wall seconds at more."""
    now = time.thread_time if args.threads == 1 else time.perf_counter
    t = now()
    f()
    return now() - t


def cases():
    """(name, {contender: thunk}) for each GEMM of each shape."""
    rng = np.random.default_rng(0)
    for (N, C, H, W), C_out, *size in SHAPES:
        k = size[0] if size else 3  # k x k, padding k // 2, stride 1
        p = k // 2
        x_pad = np.zeros((N, H + 2 * p, W + 2 * p, C), np.float32)
        x_pad[:, p:p + H, p:p + W] = rng.standard_normal((N, H, W, C))
        rows, kcols = conv._offsets(x_pad.shape, (k, k), (H, W), (1, 1), (1, 1))
        flat = x_pad.reshape(-1)
        w_t = rng.standard_normal((C_out, k * k * C)).astype(np.float32).T  # W'.T, column-major
        gy = rng.standard_normal((C_out, N * H * W)).astype(np.float32)
        w_rows = np.ascontiguousarray(w_t.T)
        name = f"({N},{C},{H},{W})->{C_out}" + (f" {k}x{k}" if k != 3 else "")
        yield f"fwd indexed {name}", both(lambda m, x=flat, r=rows, k=kcols, b=w_t: m.matmul_indexed(x, r, k, b))
        yield f"dw indexed_b {name}", both(lambda m, a=gy, x=flat, r=rows, k=kcols: m.matmul_indexed_b(a, x, r, k))
        yield f"dx gemm {name}", both(lambda m, a=gy.T, b=w_rows: m.matmul(a, b))


def both(call):
    """{'old': thunk, 'new': thunk} calling ``call(functions)`` on the old and the new GEMMs."""
    return {"old": lambda: call(old), "new": lambda: call(new)}

print(f"threads {args.threads}, old = {args.old}, load {os.getloadavg()}")
for name, runs in cases():
    if args.only not in name:
        continue
    first = [f() for f in runs.values()]
    assert np.array_equal(first[0], first[1]), name  # the same sums in the same order
    times = {k: [] for k in runs}
    order = list(runs)
    for _ in range(args.repeats):
        random.shuffle(order)
        for k in order:
            times[k].append(clock(runs[k]))
    med = {k: np.median(v) * 1e3 for k, v in times.items()}
    low = {k: np.min(v) * 1e3 for k, v in times.items()}
    print(f"{name:36} old {med['old']:7.3f}  new {med['new']:7.3f} ms  new/old {med['new'] / med['old']:.3f}"
          f"  (minima {low['old']:.3f} / {low['new']:.3f})", flush=True)
print(f"load {os.getloadavg()}")
