"""The Python around each layer: one call of each module of the gallery's CNNs on a tiny input
(2 x 4 x 4 x 4, where the kernels take a few microseconds), minitorch against PyTorch, in one process.

    python benchmarks/bench_layers.py [--rounds 9] [--number 500] [--baseline DIR]

For each layer (Conv2d, BatchNorm2d, ReLU, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, cat, Flatten,
Linear, CrossEntropyLoss): microseconds per forward call, and per forward + ``.sum().backward()``
(minus ``x.sum().backward()`` alone, so that it is the layer's forward and backward node). The
two libraries take turns, ``--rounds`` times, alternating which goes first; each turn keeps the
best of two timings of ``--number`` calls, in this thread's CPU time (on one thread each: the
same work, without the moments another process has the core); the medians are printed with the
load average. The per-layer figures of the issue 17 report (docs/performance-notes.md) come from here.

``--baseline DIR`` (a checkout: ``git worktree add DIR REV``) times that minitorch against this
one instead, old and new alternating: each round runs one child process per checkout (in turn
first), each timing every layer once as above; the medians over the rounds are printed, with
torch's from this process for reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cases(lib) -> dict:
    """name -> (forward, forward + backward), closures over one library's modules and tensors."""
    nn = lib.nn
    lib.manual_seed(0)
    x = lib.randn(2, 4, 4, 4)
    xg = lib.randn(2, 4, 4, 4, requires_grad=True)
    layers = {
        "Conv2d 3x3": nn.Conv2d(4, 4, 3, padding=1),
        "Conv2d 1x1": nn.Conv2d(4, 4, 1),
        "BatchNorm2d (train)": nn.BatchNorm2d(4),
        "BatchNorm2d (eval)": nn.BatchNorm2d(4).eval(),
        "ReLU": nn.ReLU(),
        "MaxPool2d 3/1/1": nn.MaxPool2d(3, stride=1, padding=1),
        "AvgPool2d 2/2": nn.AvgPool2d(2, stride=2),
        "AdaptiveAvgPool2d": nn.AdaptiveAvgPool2d((1, 1)),
        "Flatten": nn.Flatten(),
    }
    out = {}
    for name, m in layers.items():
        out[name] = (lambda m=m: m(x), lambda m=m: m(xg).sum().backward())
    out["cat (4 inputs, dim 1)"] = (lambda: lib.cat((x, x, x, x), dim=1),
                                    lambda: lib.cat((xg, xg, xg, xg), dim=1).sum().backward())
    linear, flat, flatg = nn.Linear(64, 10), x.reshape(2, 64), xg.reshape(2, 64)
    out["Linear"] = (lambda: linear(flat), lambda: linear(flatg).sum().backward())
    ce = nn.CrossEntropyLoss()
    logits, logits_g, target = lib.randn(8, 10), lib.randn(8, 10, requires_grad=True), lib.randint(0, 10, (8,))
    out["CrossEntropyLoss"] = (lambda: ce(logits, target), lambda: ce(logits_g, target).backward())
    out["(x.sum().backward() alone)"] = (lambda: None, lambda: xg.sum().backward())
    return out


def gallery_step(chapter: str, threads: int = 1):
    """One training step of a gallery chapter in minitorch, on one batch of 64 at the budget of
    ``bench_gallery.py`` (its model, loss and optimizer), after two warm-up steps; for an A/B of a
    change spread over a few functions::

        python benchmarks/bench_function_ab.py \\
            minitorch.nn.functional.conv:_conv,minitorch._ops.shape.joins:cat 55c4f62 \\
            "import bench_layers; step = bench_layers.gallery_step('googlenet')" "step()" --number 3 --rounds 11
    """
    import contextlib
    import io
    import runpy

    gallery = os.path.join(ROOT, "examples", "gallery")
    sys.path[:0] = [gallery, os.path.join(ROOT, "benchmarks")]
    import _gallery
    from bench_gallery import BUDGETS

    steps = []

    def capture(net, train_iter, test_iter, loss, updater, args, torch):
        X, y = next(iter(train_iter))

        def step():
            if isinstance(updater, torch.optim.Optimizer):
                updater.zero_grad()
                loss(net(X), y).mean().backward()
                updater.step()
            else:  # the scratch chapters' sgd(batch_size)
                loss(net(X), y).sum().backward()
                updater(X.shape[0])

        step()
        step()
        steps.append(step)

    _gallery.train = capture
    argv = sys.argv
    sys.argv = [f"{chapter}.py", "--lib", "minitorch", "--limit", "64", "--threads", str(threads), "--no-download",
                *BUDGETS[chapter][1]]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            runpy.run_path(os.path.join(gallery, f"{chapter}.py"), run_name="__main__")
    finally:
        sys.argv = argv
    return steps[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--number", type=int, default=500)
    parser.add_argument("--minitorch", default=ROOT, metavar="DIR",
                        help="the checkout whose minitorch is timed (a baseline: git worktree add DIR REV)")
    parser.add_argument("--baseline", metavar="DIR", help="A/B: this checkout against DIR's, alternating processes")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        return ab(args)
    sys.path.insert(0, os.path.abspath(args.minitorch))
    if args.child:  # one turn of an A/B: this checkout's minitorch, each layer once, as JSON
        import json

        import minitorch

        minitorch.set_num_threads(1)
        out = {}
        for name, fns in cases(minitorch).items():
            out[name] = [min(timeit.repeat(fn, number=args.number, repeat=2, timer=time.thread_time))
                         / args.number * 1e6 for fn in fns]
        print(json.dumps(out))
        return
    import torch

    import minitorch

    torch.set_num_threads(1)
    minitorch.set_num_threads(1)
    libs = {"minitorch": cases(minitorch), "torch": cases(torch)}
    times = {(lib, name, k): [] for lib in libs for name in libs[lib] for k in (0, 1)}
    for r in range(args.rounds):
        for lib in ("minitorch", "torch") if r % 2 == 0 else ("torch", "minitorch"):
            for name, fns in libs[lib].items():
                for k, fn in enumerate(fns):
                    best = min(timeit.repeat(fn, number=args.number, repeat=2, timer=time.thread_time))
                    times[lib, name, k].append(best / args.number * 1e6)
    med = {key: statistics.median(v) for key, v in times.items()}
    base = {lib: med[lib, "(x.sum().backward() alone)", 1] for lib in libs}
    print(f"minitorch from {os.path.dirname(minitorch.__file__)}")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; CPU us per call, medians of {args.rounds}, "
          "1 thread; fwd+bwd is minus x.sum().backward() alone "
          f"({base['minitorch']:.1f} / {base['torch']:.1f} us)")
    print("| layer | forward minitorch / torch | fwd+bwd minitorch / torch |")
    print("| --- | ---: | ---: |")
    for name in libs["minitorch"]:
        if name.startswith("("):
            continue
        f = [med[lib, name, 0] for lib in libs]
        b = [med[lib, name, 1] - base[lib] for lib in libs]
        print(f"| {name} | {f[0]:.1f} / {f[1]:.1f} | {b[0]:.1f} / {b[1]:.1f} |")


def ab(args) -> None:
    """``--baseline``: old (DIR) and new (this checkout) in alternating child processes, medians."""
    import json
    import subprocess

    import torch

    torch.set_num_threads(1)
    dirs = {"old": os.path.abspath(args.baseline), "new": ROOT}
    runs: dict = {"old": [], "new": []}
    start = os.getloadavg()
    for r in range(args.rounds):
        for which in ("old", "new") if r % 2 == 0 else ("new", "old"):
            child = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--number", str(args.number),
                                    "--minitorch", dirs[which]], capture_output=True, text=True, check=True)
            runs[which].append(json.loads(child.stdout.strip().splitlines()[-1]))
    torch_cases = cases(torch)
    torch_med = {name: [statistics.median(min(timeit.repeat(fn, number=args.number, repeat=2, timer=time.thread_time))
                                          / args.number * 1e6 for _ in range(3)) for fn in fns]
                 for name, fns in torch_cases.items()}
    med = {w: {name: [statistics.median(run[name][k] for run in runs[w]) for k in (0, 1)] for name in runs[w][0]}
           for w in runs}
    alone = "(x.sum().backward() alone)"
    print(f"old {dirs['old']} / new {dirs['new']}; load average {' '.join(f'{v:.2f}' for v in start)} -> "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}; CPU us per call, medians of {args.rounds} alternating "
          f"processes, 1 thread; fwd+bwd is minus x.sum().backward() alone (old / new / torch: "
          f"{med['old'][alone][1]:.1f} / {med['new'][alone][1]:.1f} / {torch_med[alone][1]:.1f} us)")
    print("| layer | forward old / new / torch | fwd+bwd old / new / torch |")
    print("| --- | ---: | ---: |")
    for name in med["new"]:
        if name.startswith("("):
            continue
        f = [med["old"][name][0], med["new"][name][0], torch_med[name][0]]
        b = [med["old"][name][1] - med["old"][alone][1], med["new"][name][1] - med["new"][alone][1],
             torch_med[name][1] - torch_med[alone][1]]
        print(f"| {name} | {f[0]:.1f} / {f[1]:.1f} / {f[2]:.1f} | {b[0]:.1f} / {b[1]:.1f} / {b[2]:.1f} |")


if __name__ == "__main__":
    main()
