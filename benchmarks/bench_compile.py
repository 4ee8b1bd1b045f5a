"""``minitorch.compile`` against eager minitorch and eager PyTorch: training steps and replay overhead.

Run: ``python benchmarks/bench_compile.py [--rounds 21] [--calls 10] [--threads 1]`` from the
repository root.

Workloads (one training step each, batch 64, 28x28 inputs, the same seeds in both libraries; the
models and the step are ``training_steps.py``'s):

* ``mlp``: 784-256-10 with ReLU, cross-entropy, SGD (lr 0.1), the MLP of issue 19;
* ``lenet``: LeNet-5 as in d2l (sigmoid, average pooling), cross-entropy, SGD (lr 0.9);
* ``chain``: 100 tiny ops (``x * 1.0001 + 0.5`` on a 1-element tensor, under ``no_grad``), for the
  replay's cost per recorded kernel: (compiled time - the same NumPy calls made directly) / kernels.

Each round times ``--calls`` calls of every variant in turn, rotating which goes first: minitorch
eager, minitorch compiled, PyTorch eager with 1 thread and with 2 threads. The table shows medians
in microseconds per call and the ratios to PyTorch's 1-thread and 2-thread medians. minitorch runs
on ``--threads`` threads (default 1). The load average before and after is printed: the machine is
shared, and a busy second core makes 2-thread figures collapse (prefer the 1-thread columns).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch
from training_steps import d2l_lenet, mlp, training_step

import minitorch


def chain(lib):
    def f(x):
        for _ in range(50):
            x = x * 1.0001 + 0.5
        return x

    return f


def numpy_chain(x):
    """The NumPy calls ``chain``'s plan makes (one multiply, one add per iteration)."""
    for _ in range(50):
        x = np.add(np.multiply(x, np.float32(1.0001)), np.float32(0.5))
    return x


def variants(name: str):
    """name -> zero-argument callables: minitorch eager, minitorch compiled, torch (threads set by caller)."""
    if name == "chain":
        mx, tx = minitorch.ones(1), torch.ones(1)
        eager = chain(minitorch)
        compiled = minitorch.compile(eager)
        nx = np.ones(1, dtype=np.float32)
        with minitorch.no_grad():
            for _ in range(3):
                compiled(mx)
        return {"minitorch eager": lambda: eager(mx), "minitorch compiled": lambda: compiled(mx),
                "numpy (kernels only)": lambda: numpy_chain(nx), "torch": lambda: chain(torch)(tx)}, compiled
    make, lr = {"mlp": (mlp, 0.1), "lenet": (d2l_lenet, 0.9)}[name]
    m_step, m_args = training_step(minitorch, make, lr)
    c_step, c_args = training_step(minitorch, make, lr)
    compiled = minitorch.compile(c_step)
    t_step, t_args = training_step(torch, make, lr)
    for _ in range(3):
        compiled(*c_args)
    return {"minitorch eager": lambda: m_step(*m_args), "minitorch compiled": lambda: compiled(*c_args),
            "torch": lambda: t_step(*t_args)}, compiled


def measure(name: str, rounds: int, calls: int) -> tuple[dict, object]:
    fns, compiled = variants(name)
    runs = [(k, f, 1) for k, f in fns.items() if k != "torch"] + [("torch 1 thread", fns["torch"], 1),
                                                                   ("torch 2 threads", fns["torch"], 2)]
    times: dict[str, list[float]] = {k: [] for k, _, _ in runs}
    for k, f, threads in runs:  # warm-up (numba compiles on the first call)
        torch.set_num_threads(threads)
        f()
    grad = minitorch.no_grad() if name == "chain" else minitorch.enable_grad()
    with grad, torch.no_grad() if name == "chain" else torch.enable_grad():
        for r in range(rounds):
            order = runs[r % len(runs):] + runs[:r % len(runs)]
            for k, f, threads in order:
                torch.set_num_threads(threads)
                t0 = time.perf_counter()
                for _ in range(calls):
                    f()
                times[k].append((time.perf_counter() - t0) / calls)
    return {k: statistics.median(v) for k, v in times.items()}, compiled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1, help="minitorch's threads")
    parser.add_argument("--only", default="mlp,lenet,chain")
    args = parser.parse_args()
    minitorch.set_num_threads(args.threads)
    print(f"load before: {os.getloadavg()[0]:.2f}; minitorch on {args.threads} thread(s); medians of "
          f"{args.rounds} rounds x {args.calls} calls")
    for name in args.only.split(","):
        med, compiled = measure(name, args.rounds, args.calls)
        t1, t2 = med["torch 1 thread"], med["torch 2 threads"]
        print(f"\n{name}  (plan: {len(compiled.plans[0].steps)} kernels)")
        print(f"  {'variant':<22}{'us/call':>10}{'/ torch 1t':>12}{'/ torch 2t':>12}")
        for k, v in med.items():
            print(f"  {k:<22}{v * 1e6:>10.1f}{v / t1:>12.2f}{v / t2:>12.2f}")
        if name == "chain":
            n = len(compiled.plans[0].steps)
            over = (med["minitorch compiled"] - med["numpy (kernels only)"]) / n
            print(f"  replay overhead per kernel: {over * 1e6:.2f} us "
                  f"(compiled {med['minitorch compiled'] / n * 1e6:.2f} us per kernel, NumPy call "
                  f"{med['numpy (kernels only)'] / n * 1e6:.2f} us)")
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
