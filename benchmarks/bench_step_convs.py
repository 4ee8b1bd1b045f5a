"""Every convolution of one training step of a gallery chapter, against torch: where the step's
convolution time goes (calls x time per call).

Run: ``python benchmarks/bench_step_convs.py CHAPTER [--reps 7] [--threads 1]`` from the repository
root (googlenet, nin, resnet, densenet ...: bench_gallery.py's chapters and sizes). It builds the
chapter's model as bench_gallery.py's ``--profile-step`` does, runs one step with the CPU
backend's ``conv2d``, ``conv2d_input_grad`` and ``conv2d_weight_grad`` wrapped to record each
call's shapes, then times each distinct call (ours: the same kernel entry; torch: ``F.conv2d``
and ``aten.convolution_backward`` with one output mask) in this process, alternating, medians of
``--reps``; CPU time (``time.thread_time``) at one thread, wall time at more. Rows sorted by the
excess ``calls x (ours - torch)`` ms: the layers worth working on first.
"""

import argparse
import collections
import os
import runpy
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "examples" / "gallery"


def capture_calls(chapter: str, threads: int) -> collections.Counter:
    """The step's convolution calls: (entry, (x shape, w shape, stride, padding)) -> count."""
    sys.path[:0] = [str(GALLERY), str(ROOT / "benchmarks"), str(ROOT)]
    import _gallery
    import bench_gallery

    from minitorch.backends import cpu

    calls: collections.Counter = collections.Counter()
    for entry in ("conv2d", "conv2d_input_grad", "conv2d_weight_grad"):
        kernel = getattr(cpu, entry)

        def wrapped(*a, _kernel=kernel, _entry=entry, **kw):
            x_shape = a[0].shape if _entry == "conv2d" else a[2] if _entry == "conv2d_input_grad" else a[1].shape
            w_shape = a[2] if _entry == "conv2d_weight_grad" else a[1].shape
            calls[(_entry, (tuple(x_shape), tuple(w_shape), tuple(a[3]), tuple(map(tuple, a[4]))))] += 1
            return _kernel(*a, **kw)

        setattr(cpu, entry, wrapped)
    steps = {}

    def capture(net, train_iter, test_iter, loss, updater, args, torch):
        X, y = next(iter(train_iter))

        def step():
            updater.zero_grad()
            loss(net(X), y).mean().backward()
            updater.step()

        step()
        steps["step"] = step

    _gallery.train = capture
    _, extra = bench_gallery.BUDGETS[chapter]
    sys.argv = [f"{chapter}.py", "--lib", "minitorch", "--limit", "64", "--threads", str(threads), "--no-download",
                *extra]
    runpy.run_path(str(GALLERY / f"{chapter}.py"), run_name="__main__")
    calls.clear()
    steps["step"]()
    return calls


def build(entry: str, x_shape, w_shape, stride, pad4, rng):
    """(ours, torch): the call ``entry`` on random float32 operands of these shapes."""
    import torch
    import torch.nn.functional as F

    from minitorch import kernels

    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    b = rng.standard_normal(w_shape[0], dtype=np.float32)
    args = (stride, pad4, (1, 1), 1)
    pad = [p[0] for p in pad4]
    y, columns = kernels.conv2d(x, w, b, *args, keep_columns=True)
    gy = rng.standard_normal(y.shape, dtype=np.float32)
    xt, wt, bt, gyt = map(torch.tensor, (x, w, b, gy))
    if entry == "conv2d":
        return lambda: kernels.conv2d(x, w, b, *args, keep_columns=True), lambda: F.conv2d(xt, wt, bt, stride, pad)
    mask = [entry == "conv2d_input_grad", entry == "conv2d_weight_grad", False]

    def theirs():
        return torch.ops.aten.convolution_backward(gyt, xt, wt, [w_shape[0]], list(stride), pad, [1, 1], False,
                                                   [0, 0], 1, mask)

    if entry == "conv2d_input_grad":
        return lambda: kernels.conv2d_input_grad(gy, w, x_shape, *args), theirs
    return lambda: kernels.conv2d_weight_grad(gy, x, w_shape, *args, columns), theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    a = parser.parse_args()
    calls = capture_calls(a.chapter, a.threads)
    import torch

    import minitorch

    torch.set_num_threads(a.threads)
    minitorch.set_num_threads(a.threads)
    clock = time.thread_time if a.threads == 1 else time.perf_counter
    rng = np.random.default_rng(0)
    rows = []
    for (entry, (x_shape, w_shape, stride, pad4)), count in calls.items():
        ours, theirs = build(entry, x_shape, w_shape, stride, pad4, rng)
        ours(), theirs()
        times: dict = {"ours": [], "torch": []}
        for r in range(a.reps):
            for name, f in (("ours", ours), ("torch", theirs)) if r % 2 == 0 else (("torch", theirs), ("ours", ours)):
                start = clock()
                f()
                times[name].append(clock() - start)
        o, t = (statistics.median(times[k]) * 1e3 for k in ("ours", "torch"))
        rows.append((count * (o - t), entry, x_shape, w_shape, stride, tuple(p[0] for p in pad4), count, o, t))
    print(f"{a.chapter}: {a.threads} thread(s), load {os.getloadavg()[0]:.2f}; ms per call ours / torch, "
          f"medians of {a.reps}, sorted by calls x (ours - torch)")
    print("| entry | x | w | stride, padding | calls | ours / torch ms | ratio | excess ms |\n|---|---|---|---|---:|---:|---:|---:|")
    for excess, entry, x_shape, w_shape, stride, pad, count, o, t in sorted(rows, key=lambda r: -r[0]):
        print(f"| {entry} | {x_shape} | {w_shape} | {stride}, {pad} | {count} | {o:.2f} / {t:.2f} | {o / t:.2f} | "
              f"{excess:+.2f} |")
    total_o, total_t = (sum(r[6] * r[i] for r in rows) for i in (7, 8))
    print(f"\nall convolutions: ours {total_o:.1f} ms, torch {total_t:.1f} ms; load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
