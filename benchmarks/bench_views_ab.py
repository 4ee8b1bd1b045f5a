"""View ops old against new, in one process: the A/B that a busy machine still allows.

Run: ``python benchmarks/bench_views_ab.py [REV] [--rounds 21] [--number 3000]`` from the
repository root (REV: the old revision, default ``a6c0757``, before the views' fast path).

``_ops/shape/views.py`` and ``backends/cpu.py`` at ``REV`` are loaded as second modules beside the
working tree's (same package, so they import the working tree's helpers); the old view functions
then make old view classes, whose ``apply`` is the generic ``Function.apply``. Each round times
every op with the old module and the new one in turn (``cpu.as_strided`` swapped with it),
alternating which goes first; the table shows the medians in microseconds. One thread, 8x8
float32 tensors: only the Python around each op is measured.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import timeit
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def load_old(rev: str, path: str, name: str, package: str):
    """The module at ``path`` as it was at ``rev``, under ``name`` in ``package``."""
    source = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:{path}"], capture_output=True, text=True,
                            check=True).stdout
    spec = importlib.util.spec_from_loader(f"{package}.{name}", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = package
    sys.modules[module.__name__] = module
    exec(compile(source, f"{path}@{rev}", "exec"), module.__dict__)  # noqa: S102 - our own source
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rev", nargs="?", default="a6c0757")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--number", type=int, default=3000)
    args = parser.parse_args()

    import numpy as np

    import minitorch
    from minitorch._ops.shape import selecting_views, views
    # the working tree's views, reshaping and selecting (two modules since the split; one at REV)
    new = SimpleNamespace(**{**vars(views), **vars(selecting_views)})
    from minitorch.backends import cpu

    minitorch.set_num_threads(1)
    old = load_old(args.rev, "minitorch/_ops/shape/views.py", "_views_old", "minitorch._ops.shape")
    old_cpu = load_old(args.rev, "minitorch/backends/cpu.py", "_cpu_old", "minitorch.backends")
    as_strided = {"old": old_cpu.as_strided, "new": cpu.as_strided}

    rng = np.random.default_rng(0)
    x = minitorch.tensor(rng.standard_normal((8, 8)), dtype=minitorch.float32)
    w = minitorch.tensor(rng.standard_normal((8, 8)), dtype=minitorch.float32, requires_grad=True)
    b = minitorch.tensor(rng.standard_normal((8,)), dtype=minitorch.float32)
    xt = x.mT  # a non-contiguous input
    ops = {
        "transpose(x, 0, 1)": lambda v: v.transpose(x, 0, 1),
        "transpose(x, -2, -1) (mT)": lambda v: v.transpose(x, -2, -1),
        "t(x)": lambda v: v.t(x),
        "permute(x, 1, 0)": lambda v: v.permute(x, 1, 0),
        "view(x, 64)": lambda v: v.view(x, 64),
        "view(x, 4, -1)": lambda v: v.view(x, 4, -1),
        "reshape(x, 4, 16)": lambda v: v.reshape(x, 4, 16),
        "reshape(x, (4, 16))": lambda v: v.reshape(x, (4, 16)),
        "reshape(x.mT, 64) (copy)": lambda v: v.reshape(xt, 64),
        "unsqueeze(x, 0)": lambda v: v.unsqueeze(x, 0),
        "squeeze(x)": lambda v: v.squeeze(x),
        "expand(b, 8, 8)": lambda v: v.expand(b, 8, 8),
        "slice_dim(x, 0, 1, 3)": lambda v: v.slice_dim(x, 0, 1, 3),
        "transpose(w, 0, 1) (records)": lambda v: v.transpose(w, 0, 1),
        "view(w, 64) (records)": lambda v: v.view(w, 64),
        "w.t() fwd+bwd": lambda v: v.t(w).sum().backward(),
    }
    times: dict = {(name, k): [] for name in ops for k in ("old", "new")}
    for r in range(args.rounds):
        for name, op in ops.items():
            for k in ("old", "new") if r % 2 == 0 else ("new", "old"):
                module = old if k == "old" else new
                cpu.as_strided = as_strided[k]
                best = min(timeit.repeat(lambda op=op, module=module: op(module), number=args.number, repeat=2))
                times[(name, k)].append(best / args.number * 1e6)
    cpu.as_strided = as_strided["new"]
    w.grad = None
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; old = {args.rev}, 1 thread, "
          f"medians of {args.rounds} rounds (us per call)")
    print(f"{'op':32s} {'old':>7s} {'new':>7s} {'new/old':>8s}")
    for name in ops:
        o, n = statistics.median(times[(name, "old")]), statistics.median(times[(name, "new")])
        print(f"{name:32s} {o:7.2f} {n:7.2f} {n / o:7.2f}x")


if __name__ == "__main__":
    main()
