"""A gallery chapter's training step with malloc keeping freed memory (the default,
minitorch/backends/_malloc.py) against glibc's defaults (``MINITORCH_MALLOC_TUNING=0``), in alternating worker processes.

Run from the repository root: ``python benchmarks/bench_malloc_ab.py CHAPTER [CHAPTER ...] [--rounds 5]
[--steps 10] [--threads 1,2] [--lib minitorch] [--torch]``. Two workers per chapter, one with each setting (a
process-wide one, read at import, hence two processes); at each round each worker, in turn and at
each thread count, runs ``--steps`` steps and reports their median wall time; the table gives
medians over the rounds, ms. The serial spells of kernels/threading.py are off
(``MINITORCH_ADAPTIVE_THREADS=0``, as in bench_thread_scaling.py), so that a disturbance does not turn
one worker's 2-thread rounds into 1-thread ones. ``--lib torch`` runs torch's step in both workers (minitorch imported
beside it, so the setting applies to torch's allocations too); ``--torch`` adds a third worker, torch's
step with malloc as it is, for the ratio to torch in the same rounds. Never two libraries at 2 threads in
one worker: only ``--lib``'s step runs. Run it under ``chrt -f 1`` and read the load printed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker(chapter: str, lib: str) -> None:
    sys.path[:0] = [os.path.join(ROOT, "examples", "gallery"), os.path.join(ROOT, "benchmarks"), ROOT]
    import runpy

    import _gallery  # type: ignore[import-not-found]
    import bench_gallery

    import minitorch  # noqa: F401  (the malloc setting, in the torch worker too)

    steps = {}

    def capture(net, train_iter, test_iter, loss, updater, run_args, torch):
        X, y = next(iter(train_iter))

        def step():
            updater.zero_grad()
            loss(net(X), y).mean().backward()
            updater.step()

        step()
        steps["step"], steps["lib"] = step, torch

    _gallery.train = capture
    _, extra = bench_gallery.BUDGETS[chapter]
    sys.argv = [f"{chapter}.py", "--lib", lib, "--limit", "64", "--threads", "2", "--no-download", *extra]
    runpy.run_path(os.path.join(ROOT, "examples", "gallery", f"{chapter}.py"), run_name="__main__")
    step, lib_module = steps["step"], steps["lib"]
    print("ready", flush=True)
    for line in sys.stdin:
        threads, n = (int(v) for v in line.split())
        lib_module.set_num_threads(threads)
        step()
        times = []
        for _ in range(n):
            t = time.perf_counter()
            step()
            times.append(time.perf_counter() - t)
        print(f"{statistics.median(times) * 1e3:.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chapters", nargs="*")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--lib", default="minitorch")
    ap.add_argument("--torch", action="store_true", help="a third worker: torch's step, malloc as it is")
    ap.add_argument("--worker", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.lib)
        return
    threads = [int(t) for t in args.threads.split(",")]
    for chapter in args.chapters:
        procs = {}
        workers = [("keep", "1", args.lib), ("system", "0", args.lib)] + [("torch", "0", "torch")] * args.torch
        for name, value, lib in workers:
            env = dict(os.environ, PYTHONPATH=ROOT, MINITORCH_MALLOC_TUNING=value, MINITORCH_ADAPTIVE_THREADS="0")
            procs[name] = subprocess.Popen([sys.executable, __file__, "--worker", chapter, "--lib", lib],
                                           env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                           cwd=ROOT)
            while (line := procs[name].stdout.readline()).strip() != "ready":
                if not line:
                    raise SystemExit(f"the {name} worker ended before it was ready")
        load = os.getloadavg()[0]
        times: dict = {(k, t): [] for k in procs for t in threads}
        for r in range(args.rounds):
            order = list(times) if r % 2 == 0 else list(times)[::-1]
            for name, t in order:
                procs[name].stdin.write(f"{t} {args.steps}\n")
                procs[name].stdin.flush()
                times[(name, t)].append(float(procs[name].stdout.readline()))
        for p in procs.values():
            p.stdin.close()
            p.wait()
        print(f"\n{chapter} ({args.lib}): step wall ms, medians of {args.rounds} rounds of the median of "
              f"{args.steps} steps; load {load:.2f} -> {os.getloadavg()[0]:.2f}")
        print("| threads | malloc keeps freed memory | MINITORCH_MALLOC_TUNING=0 | keep / system |"
              + " torch | keep / torch | system / torch |" * args.torch)
        print("|---:|---:|---:|---:|" + "---:|---:|---:|" * args.torch)
        for t in threads:
            k, s = (statistics.median(times[(n, t)]) for n in ("keep", "system"))
            o = statistics.median(times[("torch", t)]) if args.torch else 0
            print(f"| {t} | {k:.1f} | {s:.1f} | {k / s:.3f} |"
                  + f" {o:.1f} | {k / o:.3f} | {s / o:.3f} |" * args.torch)


if __name__ == "__main__":
    main()
