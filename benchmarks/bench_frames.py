"""Python frames per op: where the 20-op graph's time goes, counted instead of timed.

Run: ``python benchmarks/bench_frames.py [--top 15] [--chapter googlenet,batchnorm]`` from the
repository root.

Timings on a shared machine scatter by 2x; the number of Python calls an op makes does not. This
counts, with ``sys.setprofile``, the Python frames ('call' events) and the C functions they call
('c_call') in one step of ``bench_overhead.py``'s 20-op graph, forward (21 ops, each recording a
node) and backward (the engine running those 21 nodes) separately, per op or node, and lists the
functions entered most often in each. Fewer frames per op is the aim of issue 19's "less Python
per op"; ``python benchmarks/bench_overhead.py --only graph`` times the same workload.
``--chapter``: instead, one training step of each named gallery chapter (``bench_layers.gallery_step``,
batch 64, one thread), its Python frames and C calls per step and the functions entered most.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import minitorch as lib


def graph():
    """The 20-op graph's leaves and a forward and a backward as two calls (bench_overhead.py)."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((8, 8)), dtype=lib.float32)
    y = lib.tensor(rng.standard_normal((8, 8)), dtype=lib.float32)
    w = lib.tensor(rng.standard_normal((8, 8)), dtype=lib.float32, requires_grad=True)
    b = lib.tensor(rng.standard_normal((8,)), dtype=lib.float32, requires_grad=True)

    def forward():
        h = w * x
        for _ in range(3):
            h = h + b
            h = h.tanh()
            h = h * y
            h = h - x
            h = h.sigmoid()
            h = h @ w
        h = h.exp()
        return h.sum()

    def backward(loss):
        loss.backward()
        w.grad = None
        b.grad = None

    return forward, backward


def count(fn, *args):
    """(result, Counter of Python frames by 'file:function', number of C calls) of ``fn(*args)``."""
    frames: collections.Counter = collections.Counter()
    c_calls = 0

    def profiler(frame, event, arg):
        nonlocal c_calls
        if event == "call":
            code = frame.f_code
            frames[f"{os.path.relpath(code.co_filename, ROOT)}:{code.co_name}"] += 1
        elif event == "c_call":
            c_calls += 1

    sys.setprofile(profiler)
    try:
        result = fn(*args)
    finally:
        sys.setprofile(None)
    return result, frames, c_calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=15, help="functions listed per phase")
    parser.add_argument("--chapter", default="", help="comma-separated gallery chapters: count one training step each")
    args = parser.parse_args()
    lib.set_num_threads(1)
    if args.chapter:
        sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
        import bench_layers

        for chapter in args.chapter.split(","):
            step = bench_layers.gallery_step(chapter)
            _, frames, c_calls = count(step)
            print(f"{chapter} step: {sum(frames.values())} Python frames, {c_calls} C calls")
            for name, n in frames.most_common(args.top):
                print(f"  {n:5d}  {name}")
        return
    forward, backward = graph()
    for _ in range(3):  # warm up: numba compiles, caches fill
        backward(forward())
    ops = 21  # 20 ops and the sum; backward runs one node per op
    loss, fwd_frames, fwd_c = count(forward)
    _, bwd_frames, bwd_c = count(backward, loss)
    for phase, frames, c_calls in (("forward", fwd_frames, fwd_c), ("backward", bwd_frames, bwd_c)):
        total = sum(frames.values())
        print(f"{phase}: {total} Python frames ({total / ops:.1f} per op), {c_calls} C calls "
              f"({c_calls / ops:.1f} per op)")
        for name, n in frames.most_common(args.top):
            print(f"  {n:4d}  {name}")


if __name__ == "__main__":
    main()
