"""One LeNet-5 training step (batch 64, Adam, float32) in minitorch vs torch on the CPU; an epoch; memory.

Run: ``python benchmarks/bench_lenet_epoch.py`` from the repository root (about a minute).
The step is what examples/train_lenet.py does per batch: ``zero_grad``, forward, cross-entropy,
``backward``, ``optimizer.step()``, on a fixed random batch (``training_steps.py``'s LeNet-5 and step). As in bench_kernels.py, minitorch and
torch each run in their own worker process and are asked for one timing in turn (a pause of
PAUSE = 20 ms for the other process's idle threads to stop spinning, one untimed step, then 10 steps
back to back, as training runs them), repeat after repeat (torch with 1 and with 2 threads);
medians. "epoch" is the median step times the 937.5 batches of 64 in MNIST's 60,000 training
images (data loading not included). (Until this version the pause came after the untimed step,
so the timed steps began with pools that had gone back to sleep.)

Memory: each library in a fresh process (``--memory LIB``) imports, builds the model and the batch,
runs one warm-up step, then ``--steps`` more; ``ru_maxrss`` (peak resident memory) is read after the
set-up and at the end. The step's own footprint is the growth of the peak past the set-up.

"minitorch (glibc malloc)" is minitorch with MINITORCH_MALLOC_TUNING=0: glibc's default mmap and
trim thresholds, which return each freed activation to the OS and fault it in again on the next
step (the page-fault column); backends/_malloc.py explains the tuning minitorch applies.
"""

import argparse
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_kernels import PAUSE, ROOT, settle_idle_threads
from training_steps import lenet, step_of, training_step

BATCHES_PER_EPOCH = 60_000 / 64


def build_step(library: str, batch_size: int = 64):
    """A zero-argument call running one training step of ``training_steps.py``'s LeNet-5 with Adam
    (lr 1e-3) in ``library`` ("minitorch..." or "torch")."""
    if library.startswith("minitorch"):
        sys.path.insert(0, ROOT)
        import minitorch as lib
    else:
        import torch as lib
    return step_of(training_step(lib, lenet, 1e-3, "Adam", batch_size))


STEPS_PER_TIMING = 10


def worker(library: str, conn) -> None:
    """Serve timings: receive the torch thread count, run STEPS_PER_TIMING steps back to back (as
    training does: a single step after a pause would also time waking every thread pool up), send
    the seconds per step back."""
    step = build_step(library)
    for _ in range(3):
        step()  # warm-up: numba compile or cache load, Adam's state, allocator
    while (threads := conn.recv()) is not None:
        if library == "torch":
            import torch

            torch.set_num_threads(threads)
        time.sleep(PAUSE)  # the other library's idle threads stop spinning
        step()  # the first step after the pause: this library's pools wake up, caches refill
        start = time.perf_counter()
        for _ in range(STEPS_PER_TIMING):
            step()
        conn.send((time.perf_counter() - start) / STEPS_PER_TIMING)


def report_times(reps: int) -> None:
    settle_idle_threads()
    ctx = mp.get_context("spawn")
    pipes = {}
    for library in ["minitorch", "minitorch (glibc malloc)", "torch"]:
        here, there = ctx.Pipe()
        # The second minitorch worker keeps glibc's malloc defaults (backends/_malloc.py).
        os.environ["MINITORCH_MALLOC_TUNING"] = "0" if "glibc" in library else "1"
        ctx.Process(target=worker, args=(library, there), daemon=True).start()
        pipes[library] = here
    os.environ.pop("MINITORCH_MALLOC_TUNING")

    def ask(library, threads=0):
        pipes[library].send(threads)
        return pipes[library].recv()

    times: dict[str, list[float]] = {"minitorch": [], "minitorch (glibc malloc)": [], "torch 1T": [], "torch 2T": []}
    for _ in range(reps):
        times["minitorch"].append(ask("minitorch"))
        times["minitorch (glibc malloc)"].append(ask("minitorch (glibc malloc)"))
        times["torch 1T"].append(ask("torch", 1))
        times["torch 2T"].append(ask("torch", 2))
    for pipe in pipes.values():
        pipe.send(None)
    ms = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    print(f"LeNet-5 training step, batch 64, Adam, float32; medians of {reps} alternating reps of {STEPS_PER_TIMING} steps\n")
    print("| | step ms | epoch of 60,000 s | minitorch / this |")
    print("|---|---:|---:|---:|")
    for name, t in ms.items():
        print(f"| {name} | {t:.2f} | {t * BATCHES_PER_EPOCH / 1e3:.1f} | {ms['minitorch'] / t:.2f}x |")


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def measure_memory(library: str, steps: int) -> None:
    """Child process: print peak RSS after set-up and after ``steps`` steps, in MiB, and the
    minor page faults per step (memory the allocator handed back to the OS and took again)."""
    step = build_step(library)
    step()
    after_setup = maxrss_mib()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        step()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / steps
    print(f"{after_setup:.1f} {maxrss_mib():.1f} {faults:.0f}")


def report_memory(steps: int) -> None:
    print(f"\nPeak resident memory (ru_maxrss), fresh process per library, {steps} steps\n")
    print("| | after import + model + 1 step MiB | after the steps MiB | growth MiB | page faults / step |")
    print("|---|---:|---:|---:|---:|")
    for library in ["minitorch", "minitorch (glibc malloc)", "torch"]:
        env = dict(os.environ, MINITORCH_MALLOC_TUNING="0" if "glibc" in library else "1")
        out = subprocess.run([sys.executable, __file__, "--memory", library, "--steps", str(steps)],
                             capture_output=True, text=True, check=True, env=env).stdout
        setup, end, faults = map(float, out.split())
        print(f"| {library} | {setup:.1f} | {end:.1f} | {end - setup:.1f} | {faults:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=31)
    parser.add_argument("--steps", type=int, default=20, help="steps for the memory measurement")
    parser.add_argument("--memory", choices=["minitorch", "minitorch (glibc malloc)", "torch"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        measure_memory(args.memory, args.steps)
        return
    report_times(args.reps)
    report_memory(args.steps)


if __name__ == "__main__":
    main()
