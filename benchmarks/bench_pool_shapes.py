"""Pooling on the gallery's shapes (32 px inputs, batch 64) against torch, one thread, before/after.

Run: ``python benchmarks/bench_pool_shapes.py [--baseline DIR] [--rounds 3]`` from the repository
root; ``--baseline`` times another checkout (``git worktree add DIR REV``, with its
``minitorch/kernels`` link) in the same rounds, for before/after tables.

Each round starts one child process per checkout; a child times every shape in both libraries
(torch in the same child, one thread each) and reports medians of CPU time
(``time.process_time``): with one thread a process's CPU time is its own work, so a busy shared
machine moves it much less than wall-clock time. The table gives the medians over the rounds.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (op, x shape, kernel, stride, padding); max pooling's backward is timed with its forward's indices
SHAPES = {
    "max 3x3 s2 p1 (64,64,16,16)": ("max", (64, 64, 16, 16), 3, 2, 1),  # every stem (ResNet, DenseNet, GoogLeNet)
    "max 3x3 s2 p1 (64,192,8,8)": ("max", (64, 192, 8, 8), 3, 2, 1),  # GoogLeNet
    "max 3x3 s1 p1 (64,256,4,4)": ("max", (64, 256, 4, 4), 3, 1, 1),  # GoogLeNet's inception branches
    "max 3x3 s1 p1 (64,512,2,2)": ("max", (64, 512, 2, 2), 3, 1, 1),
    "max 3x3 s1 p1 (64,832,1,1)": ("max", (64, 832, 1, 1), 3, 1, 1),
    "max 3x3 s2 (64,96,15,15)": ("max", (64, 96, 15, 15), 3, 2, 0),  # AlexNet at 67 px
    "max 3x3 s2 (64,256,7,7)": ("max", (64, 256, 7, 7), 3, 2, 0),
    "max 3x3 s2 (64,256,3,3)": ("max", (64, 256, 3, 3), 3, 2, 0),
    "avg 2x2 s2 (64,96,8,8)": ("avg", (64, 96, 8, 8), 2, 2, 0),  # DenseNet's transitions
    "adaptive avg (64,512,1,1)": ("adaptive", (64, 512, 1, 1), 1, 1, 0),  # ResNet's head
}


def steps(op: str, shape, k: int, s: int, p: int) -> tuple:
    """The four timed calls of one shape: ours forward, backward; torch's forward, backward."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    from minitorch import kernels

    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    tx = torch.from_numpy(x)
    if op == "max":
        y, idx = kernels.max_pool2d(x, (k, k), (s, s), (p, p), (1, 1), False)
        ty, tidx = torch.ops.aten.max_pool2d_with_indices(tx, [k, k], [s, s], [p, p])
        gy, tgy = np.ones_like(y), torch.ones_like(ty)
        return (lambda: kernels.max_pool2d(x, (k, k), (s, s), (p, p), (1, 1), False),
                lambda: kernels.max_pool2d_backward(gy, idx, x.shape),
                lambda: torch.ops.aten.max_pool2d_with_indices(tx, [k, k], [s, s], [p, p]),
                lambda: torch.ops.aten.max_pool2d_with_indices_backward(tgy, tx, [k, k], [s, s], [p, p],
                                                                        [1, 1], False, tidx))
    if op == "avg":
        y = kernels.avg_pool2d(x, (k, k), (s, s), (p, p), False, True, None)
        gy, tgy = np.ones_like(y), torch.ones(y.shape)
        return (lambda: kernels.avg_pool2d(x, (k, k), (s, s), (p, p), False, True, None),
                lambda: kernels.avg_pool2d_backward(gy, x.shape, (k, k), (s, s), (p, p), False, True, None),
                lambda: F.avg_pool2d(tx, k, s, p),
                lambda: torch.ops.aten.avg_pool2d_backward(tgy, tx, [k, k], [s, s], [p, p], False, True, None))
    gy, tgy = np.ones((shape[0], shape[1], 1, 1), np.float32), torch.ones(shape[0], shape[1], 1, 1)
    return (lambda: kernels.adaptive_avg_pool2d(x, (1, 1)),
            lambda: kernels.adaptive_avg_pool2d_backward(gy, x.shape),
            lambda: F.adaptive_avg_pool2d(tx, 1),
            lambda: torch.ops.aten._adaptive_avg_pool2d_backward(tgy, tx))


def child(reps: int) -> None:
    """Time every shape here (this process's minitorch and torch); print {name: [ours fwd, bwd,
    torch fwd, bwd]} in ms as JSON."""
    import torch

    import minitorch
    from minitorch.backends import cpu  # noqa: F401  the settings minitorch runs the kernels with

    minitorch.set_num_threads(1)  # the kernels' splits and numba's count
    torch.set_num_threads(1)

    def cpu_ms(fn):
        fn()
        times = []
        for _ in range(reps):
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        return 1e3 * statistics.median(times)

    print(json.dumps({name: [cpu_ms(fn) for fn in steps(*case)] for name, case in SHAPES.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=None, help="another checkout, timed in the same rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=9, help="timings per shape and op in a child")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.reps)
        return
    roots = {"this": ROOT} | ({"base": os.path.abspath(args.baseline)} if args.baseline else {})
    runs: dict = {who: [] for who in roots}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for r in range(args.rounds):
        for who in (list(roots) if r % 2 == 0 else list(roots)[::-1]):
            env = {**os.environ, "PYTHONPATH": roots[who]}
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--reps", str(args.reps)],
                                  cwd=roots[who], env=env, check=True, capture_output=True, text=True)
            runs[who].append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = "base / " if args.baseline else ""
    print(f"\n1 thread, float32, CPU ms, medians of {args.rounds} rounds of {args.reps}\n")
    print(f"| shape | forward {base}this / torch | ratio | backward {base}this / torch | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name in SHAPES:
        med = {who: [statistics.median(run[name][i] for run in runs[who]) for i in range(4)] for who in roots}
        this = med["this"]
        cells = []
        for i in (0, 1):
            before = f"{med['base'][i]:.3f} / " if args.baseline else ""
            cells += [f"{before}{this[i]:.3f} / {this[i + 2]:.3f}", f"{this[i] / this[i + 2]:.2f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
