"""The second core's changes of 2026-12-07, on and off, in one process: a gallery chapter's step at 1 and 2 threads.

Run: ``python benchmarks/bench_second_core_ab.py [CHAPTER ...] [--rounds 9] [--baseline REV]`` from
the repository root (default: alexnet vgg googlenet resnet; REV, default 55c4f62, the commit before).

"off" runs the chapter's step with the CPU backend's ``batch_norm`` / ``batch_norm_backward`` from
kernels/normalization.py as committed at REV, and the batch sums on NumPy's call (``cpu._SUM_LEADING_MIN``
raised past every size); "on" with this checkout's. Both in the same process, on the same model
and batch, alternating off / on and 1 / 2 threads (``rounds`` each), wall time per step, medians;
serial spells off (``MINITORCH_ADAPTIVE_THREADS=0``). The machine is shared: read the ratios.

``--swap MODULE:ENTRY[,ENTRY...]`` (repeatable) compares other kernels instead: "off" runs the CPU
backend's ENTRYs from kernels/MODULE.py as committed at REV (e.g. ``--swap pool:max_pool2d alexnet
--baseline main``), "on" this checkout's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {"MINITORCH_ADAPTIVE_THREADS": "0"}


def baseline_kernel(rev: str, module: str):
    """kernels/MODULE.py at ``rev``, imported as a module of minitorch.kernels' package (its
    relative imports reach this checkout's other kernels)."""
    import importlib.util
    import subprocess
    import tempfile

    text = subprocess.run(["git", "show", f"{rev}:kernels/{module}.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = os.path.join(tempfile.mkdtemp(), f"{module}_baseline.py")
    with open(path, "w") as f:
        f.write(text)
    spec = importlib.util.spec_from_file_location(f"minitorch.kernels.{module}_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", default=["alexnet", "vgg", "googlenet", "resnet"])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--baseline", default="55c4f62")
    parser.add_argument("--swap", action="append", default=[], metavar="MODULE:ENTRY[,ENTRY...]",
                        help="kernels/MODULE.py's ENTRYs at --baseline against this checkout's (instead of batch norm)")
    args = parser.parse_args()
    if any(os.environ.get(k) != v for k, v in ENV.items()):  # read at import: re-run with them set
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ENV})
    sys.path[:0] = [os.path.join(ROOT, "examples", "gallery"), os.path.join(ROOT, "benchmarks"), ROOT]
    import bench_batch_norm
    import bench_thread_scaling

    import minitorch
    from minitorch.backends import cpu

    cpu.batch_norm  # noqa: B018  (binds the kernels' entries in the backend)
    if args.swap:
        names = [(m, e) for spec in args.swap for m, entries in [spec.split(":")] for e in entries.split(",")]
        modules = {m: baseline_kernel(args.baseline, m) for m, _ in names}
        new = tuple(getattr(cpu, e) for _, e in names)
        old = tuple(getattr(modules[m], e) for m, e in names)

        def use(entries):
            for (_, e), f in zip(names, entries):
                setattr(cpu, e, f)
    else:
        old_bn = bench_batch_norm.baseline_module(args.baseline)
        new = (cpu.batch_norm, cpu.batch_norm_backward, cpu._SUM_LEADING_MIN)
        old = (old_bn.batch_norm, old_bn.batch_norm_backward, 1 << 62)

        def use(entries):
            cpu.batch_norm, cpu.batch_norm_backward, cpu._SUM_LEADING_MIN = entries

    print(f"load {' '.join(f'{v:.2f}' for v in os.getloadavg())}; wall ms per step, medians of {args.rounds}")
    print("| chapter | off 1t | on 1t | off 2t | on 2t | on / off 1t | on / off 2t | 1t / 2t off | 1t / 2t on |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for chapter in args.chapters:
        step = bench_thread_scaling.capture_steps(chapter)["minitorch"]
        times: dict = {(v, t): [] for v in ("off", "on") for t in (1, 2)}
        for r in range(args.rounds):
            for key in list(times)[:: 1 if r % 2 == 0 else -1]:
                use(old if key[0] == "off" else new)
                minitorch.set_num_threads(key[1])
                step()
                start = time.perf_counter()
                step()
                times[key].append(time.perf_counter() - start)
        use(new)
        m = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        print(f"| {chapter} | {m['off', 1]:.1f} | {m['on', 1]:.1f} | {m['off', 2]:.1f} | {m['on', 2]:.1f} | "
              f"{m['on', 1] / m['off', 1]:.3f} | {m['on', 2] / m['off', 2]:.3f} | "
              f"{m['off', 1] / m['off', 2]:.2f} | {m['on', 1] / m['on', 2]:.2f} |", flush=True)
    print(f"load after {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
