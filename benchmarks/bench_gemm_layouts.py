"""Transposed-operand GEMMs, old vs new, against OpenBLAS (np.matmul) and torch.mm.

Run from the repository root: ``python benchmarks/bench_gemm_layouts.py [--threads 1]``.
``new`` is kernels/gemm.py (one thread, gemm.matmul), ``blas`` kernels/blas.matmul (what
minitorch runs: ours where ``gemm.pays``, else OpenBLAS), ``old`` a copy of gemm.py from a
given commit (``--old REV``, default HEAD) loaded beside it, so old and new alternate in one
process, in a shuffled order each round; medians of ``--repeats`` rounds, each timing every contender once in turn
(CPU time at one thread).
With ``--threads`` above 1, ``blas`` shares each GEMM over numba's threads and torch is left out:
its OpenMP pool and OpenBLAS's, both busy in one process, slow each other tenfold."""
import argparse
import atexit
import os
import random
import subprocess
import sys
import time

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--repeats", type=int, default=31)
ap.add_argument("--only", default="", help="run the cases whose name contains this")
ap.add_argument("--own", action="store_true", help="blas.matmul runs every case on gemm.py (pays forced True)")
ap.add_argument("--old", default="HEAD", help="git revision of kernels/gemm.py to compare with ('' to skip)")
args = ap.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = str(args.threads)
sys.path.insert(0, os.getcwd())

import numpy as np
import torch
from minitorch.kernels import blas, gemm

torch.set_num_threads(args.threads)
if args.own:
    gemm.pays = lambda *a, **k: True
old = None
if args.old:
    path = os.path.join(os.path.dirname(gemm.__file__), "_gemm_old.py")
    with open(path, "w") as f:
        f.write(subprocess.run(["git", "show", f"{args.old}:kernels/gemm.py"], capture_output=True, text=True,
                               check=True).stdout)
    atexit.register(os.remove, path)  # a scratch copy, never committed
    from minitorch.kernels import _gemm_old as old

rng = np.random.default_rng(0)


def make(shape, transposed, dtype):
    """A matrix of ``shape``; ``transposed``: stored column-major (a .T view of a C array)."""
    if transposed:
        return rng.standard_normal(shape[::-1]).astype(dtype).T
    return rng.standard_normal(shape).astype(dtype)


CASES = [  # (name, M, K, N, A column-major, B column-major)
    ("MLP fwd x @ W.t()", 64, 784, 256, False, True),
    ("MLP fwd x @ W (row-major)", 64, 784, 256, False, False),
    ("MLP dW g.t() @ x", 256, 64, 784, True, False),
    ("MLP dx g @ W", 64, 256, 784, False, False),
    ("DenseNet dW 1440x4096x32", 1440, 4096, 32, True, False),
    ("1440x256x512 A col", 1440, 256, 512, True, False),
    ("576x4096x64 A col", 576, 4096, 64, True, False),
    ("both col 200x300x100", 200, 300, 100, True, True),
    ("4096x256x1024 A col", 4096, 1024, 256, True, False),
    ("576x2048x128 A col", 576, 2048, 128, True, False),
    ("ResNet input grad 576x64x1624 (B packed)", 576, 64, 1624, False, False),
    ("512^3 row-major (B packed)", 512, 512, 512, False, False),
    ("NiN 5x5 fwd cols @ W'.t() 3136x2400x256", 3136, 2400, 256, False, True),
    ("NiN 5x5 dx gy @ W' 3136x256x2400", 3136, 256, 2400, False, False),
    ("NiN 5x5 dW cols.t() @ gy 2400x3136x256", 2400, 3136, 256, True, False),
]


def clock(f):
    """CPU time at one thread (this thread does all the work, and a busy shared machine's waits
    do not count), wall time at more."""
    now = time.thread_time if args.threads == 1 else time.perf_counter
    t = now()
    f()
    return now() - t


print(f"threads {args.threads}, blas {'gemm.py forced' if args.own else 'as gemm.pays says'}, load {os.getloadavg()}, old = {args.old or '-'}")
for dtype in (np.float32, np.float64):
    for name, M, K, N, ta, tb in CASES:
        if args.only not in name:
            continue
        a, b = make((M, K), ta, dtype), make((K, N), tb, dtype)
        at, bt = torch.from_numpy(a), torch.from_numpy(b)
        ref = a.astype(np.float64) @ b.astype(np.float64)
        runs = {"new": lambda a=a, b=b: gemm.matmul(a, b), "blas": lambda a=a, b=b: blas.matmul(a, b),
                "numpy": lambda a=a, b=b: np.matmul(a, b)}
        if args.threads == 1:  # two pools of 2 threads in one process fight (bench_kernels.py's note)
            runs["torch"] = lambda a=at, b=bt: torch.mm(a, b)
        if old is not None:
            runs["old"] = lambda a=a, b=b: old.matmul(a, b)
        err = np.abs(gemm.matmul(a, b) - ref).max() / max(1.0, np.abs(ref).max())
        for f in runs.values():
            f()
        times = {k: [] for k in runs}
        order = list(runs)
        for _ in range(args.repeats):
            random.shuffle(order)  # no contender always follows the same one (torch's cache traffic)
            for k in order:
                times[k].append(clock(runs[k]))
        med = {k: np.median(v) * 1e6 for k, v in times.items()}
        cells = "  ".join(f"{k} {med[k]:7.0f}" for k in ("old", "new", "blas", "numpy", "torch") if k in med)
        print(f"{np.dtype(dtype).name:7} {name:40} {cells}  us  new/numpy {med['new'] / med['numpy']:.2f}"
              f"  pays {gemm.pays(M, N, K, not ta and tb, dtype, not ta)}  err {err:.1e}")
print(f"load {os.getloadavg()}")
