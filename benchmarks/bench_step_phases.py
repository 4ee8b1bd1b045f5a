"""One training step of a gallery chapter split into zero_grad, forward, backward and the optimizer's
step, minitorch against PyTorch; and what ``.grad`` costs when it copies the gradient instead of
taking it over.

Run: ``python benchmarks/bench_step_phases.py [--only alexnet,vgg] [--rounds 9]`` from the repository
root (``--accumulate`` adds the copy/steal comparison).

Each chapter (``examples/gallery/``) is built in this process in both libraries as
``bench_gallery.py --profile-step`` builds it (its budget's image size, one batch of 64, 1 thread).
A step runs ``zero_grad()``, the loss of ``net(X)``, ``backward()`` and ``step()``; each phase is
timed by ``time.thread_time`` (CPU time of this thread: less disturbed by a busy machine than wall
time). The libraries alternate which goes first from one round to the next; the line gives each
phase's median over the rounds, and the load average before and after (the machine is shared).

``--accumulate``: a fresh float32 gradient of a conv weight's or a bias's shape is given to
``autograd/accumulate.py``'s ``_accumulate`` (``.grad`` empty: it takes the array over, PyTorch's
"stealing") and, alternately, to ``_clone_obey_contract`` (the copy it made for every gradient
that was not a view until ``_can_steal`` stopped counting its own reference), medians of 200.
"""

from __future__ import annotations

import argparse
import os
import runpy
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "examples" / "gallery"
PHASES = ("zero_grad", "forward", "backward", "step")
sys.path.insert(0, str(ROOT))  # this checkout's minitorch, not an installed one


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def build_steps(chapter: str) -> dict:
    """``{lib: step(times)}``: one training step of ``chapter``, appending its phases' seconds."""
    sys.path[:0] = [str(GALLERY), str(ROOT / "benchmarks")]
    import _gallery
    import bench_gallery

    steps = {}

    def capture(net, train_iter, test_iter, loss, updater, args, torch):
        X, y = next(iter(train_iter))

        def step(times: list) -> None:
            t0 = time.thread_time()
            updater.zero_grad()
            t1 = time.thread_time()
            out = loss(net(X), y).mean()
            t2 = time.thread_time()
            out.backward()
            t3 = time.thread_time()
            updater.step()
            times.append((t1 - t0, t2 - t1, t3 - t2, time.thread_time() - t3))

        step([])  # warm up: numba compiles (or loads its cache), torch allocates
        steps[args.lib] = step

    _gallery.train = capture  # read by the chapter's ``from _gallery import train``
    _, extra = bench_gallery.BUDGETS[chapter]
    for lib in ("minitorch", "torch"):
        sys.argv = [f"{chapter}.py", "--lib", lib, "--limit", "64", "--threads", "1", "--no-download", *extra]
        runpy.run_path(str(GALLERY / f"{chapter}.py"), run_name="__main__")
    return steps


def phases(chapter: str, rounds: int) -> None:
    steps = build_steps(chapter)
    before = load()
    times: dict = {"minitorch": [], "torch": []}
    for r in range(rounds):
        for lib in ("minitorch", "torch") if r % 2 == 0 else ("torch", "minitorch"):
            steps[lib](times[lib])
    for lib, runs in times.items():
        med = [statistics.median(t[i] for t in runs) * 1e3 for i in range(len(PHASES))]
        total = statistics.median(sum(t) for t in runs) * 1e3
        print(f"{chapter} {lib:9s} CPU ms, medians of {rounds}: "
              + ", ".join(f"{p} {m:.2f}" for p, m in zip(PHASES, med)) + f"; step {total:.1f}")
    print(f"load average {before} -> {load()}")


def accumulate(rounds: int = 200) -> None:
    import numpy as np

    import minitorch
    from minitorch.autograd import accumulate as engine  # (autograd/accumulate.py since the split)

    for shape in ((384, 384, 3, 3), (256, 96, 5, 5), (4096,)):
        w = minitorch.zeros(*shape, requires_grad=True)
        source = np.random.default_rng(0).random(shape, dtype=np.float32)
        t: dict = {"copy": [], "steal": []}
        stolen = 0
        for r in range(rounds):
            for how in ("copy", "steal") if r % 2 == 0 else ("steal", "copy"):
                g = minitorch.from_numpy(source * 2)  # a fresh array, as a backward makes
                address = g.data_ptr()  # (an int: holding the array would forbid the steal)
                w.grad = None
                start = time.perf_counter()
                if how == "copy":
                    w.grad = engine._clone_obey_contract(g, w)
                else:
                    engine._accumulate(w, g, False)
                t[how].append(time.perf_counter() - start)
                stolen += how == "steal" and w.grad.data_ptr() == address
                del g
        c, s = (statistics.median(t[k]) * 1e6 for k in ("copy", "steal"))
        print(f"accumulate {shape} float32: copy {c:.1f} us, _accumulate {s:.1f} us "
              f"(took the array over {stolen}/{rounds} times), medians of {rounds}; load {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="alexnet,vgg", help="comma-separated chapters")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--accumulate", action="store_true", help="also time .grad's copy against its steal")
    args = parser.parse_args()
    chapters = args.only.split(",")
    if args.accumulate:
        accumulate()
    for chapter in chapters:
        phases(chapter, args.rounds)


if __name__ == "__main__":
    main()
