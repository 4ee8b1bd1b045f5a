"""A compiled training step's replay with and without one change to the replay, in one process.

Run: ``python benchmarks/bench_replay_ab.py [--threads 1] [--rounds 41] [--calls 10] [--only mlp,lenet]
[--change replay]`` from the repository root (``chrt -f 1`` in front on a busy machine).

Two copies of one training step (``training_steps.py``: same model, batch, seeds) are compiled and
warmed up; in one of them ("before") the plan is put back as it replayed before the change:

* ``--change replay`` (the default): the plan replayed by ``Plan.run``'s loop over its steps, not
  by the generated function (``_compile/codegen.py``);
* ``--change guards``: the guards checked by ``Plan.guards_pass``'s loops and snapshots, not
  first by the generated identity checks (``codegen.guards_source``);
* ``--change all``: both of the above;
* ``--change sgd``: SGD's group update through ``optim/_functional.py: descend_all``
  (``add_scaled_all``'s checks and reshapes on every call), not ``fusions.DescendAll`` (flat
  views and checks made at capture), and the loop as well.

Each round times ``--calls`` calls of each copy, the copies alternating which goes first; the
table gives the medians (wall clock and this thread's CPU time) and after / before. One process, so
both copies see the same machine; the load average before and after is printed (the machine is
shared: compare the ratio, not the microseconds). Both copies must end bit-identical (they run the
same updates on the same data), which the script asserts.
"""

from __future__ import annotations

import argparse
import operator
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

from training_steps import d2l_lenet, mlp, training_setup

import minitorch
from minitorch._compile.fusions import DescendAll
from minitorch.optim import _functional as optim_functional


def _step(make, lr: float):
    model, opt, images, labels = training_setup(minitorch, make, lr)

    def step(x, y):
        opt.zero_grad()
        loss = minitorch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    compiled = minitorch.compile(step)
    for _ in range(3):
        compiled(images, labels)
    return compiled, (images, labels), model


def as_before(compiled, change: str) -> None:
    """Make ``compiled``'s plan replay as before ``change`` (see the module docstring)."""
    plan = compiled.plans[0]
    if change in ("guards", "all"):
        plan._guards_hold = None
    if change == "guards":
        return
    plan._replay = None  # Plan.run's loop
    if change in ("replay", "all"):
        return
    fast = list(plan._fast)
    for k, (entry, members) in enumerate(zip(fast, plan._covers)):
        if isinstance(entry[0], DescendAll):
            steps = [plan.steps[n] for n in members]
            ins = (steps[0].ins[2], *(i for s in steps for i in s.ins[:2]))
            fast[k] = (optim_functional.descend_all, operator.itemgetter(*ins), len(ins), None, (), -1, ())
    plan._fast = fast


def measure(make, lr: float, rounds: int, calls: int, change: str) -> dict:
    new, new_args, new_model = _step(make, lr)
    old, old_args, old_model = _step(make, lr)
    as_before(old, change)
    variants = [("before", old, old_args), ("after", new, new_args)]
    wall: dict = {k: [] for k, _, _ in variants}
    cpu: dict = {k: [] for k, _, _ in variants}
    for r in range(rounds):
        for name, fn, args in (variants if r % 2 == 0 else variants[::-1]):
            time.sleep(0.02)
            fn(*args)  # settle: one untimed call after the pause
            t0, c0 = time.perf_counter(), time.thread_time()
            for _ in range(calls):
                fn(*args)
            cpu[name].append((time.thread_time() - c0) / calls)
            wall[name].append((time.perf_counter() - t0) / calls)
    for a, b in zip(old_model.parameters(), new_model.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy()), "the two copies diverged"
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--only", default="mlp,lenet")
    parser.add_argument("--change", choices=("replay", "guards", "all", "sgd"), default="replay")
    args = parser.parse_args()
    minitorch.set_num_threads(args.threads)
    print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; minitorch on {args.threads} thread(s); "
          f"medians of {args.rounds} rounds x {args.calls} calls, alternating; change: {args.change}")
    print("| step | before us (wall) | after us (wall) | after / before | before us (CPU) | after us (CPU) | after / before |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.only.split(","):
        make, lr = {"mlp": (mlp, 0.1), "lenet": (d2l_lenet, 0.9)}[name]
        m = measure(make, lr, args.rounds, args.calls, args.change)
        (bw, bc), (aw, ac) = m["before"], m["after"]
        print(f"| {name} compiled | {bw * 1e6:.1f} | {aw * 1e6:.1f} | {aw / bw:.3f}x | {bc * 1e6:.1f} | "
              f"{ac * 1e6:.1f} | {ac / bc:.3f}x |")
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
