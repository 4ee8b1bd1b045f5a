"""Where a training step's time goes: LeNet and the MLP of the MNIST examples, under the profiler.

    python examples/profile_step.py                        # both models, batch 64, the tables
    python examples/profile_step.py --model mlp --trace mlp.json   # and a trace for ui.perfetto.dev
    python examples/profile_step.py --threads 1 --repeat 20         # the tables of docs/profiler.md

Each model takes a few unprofiled steps first (numba compiles its kernels on their first call),
then ``profile(schedule=schedule(wait=1, warmup=1, active=1))`` records one step (``--repeat``
times, keeping the fastest: on a shared machine, the one least disturbed by other processes), and the
script prints ``prof.key_averages().table(...)`` as PyTorch's profiler does, and the split that
only minitorch shows: the time in kernels (the ``kernel: aten::...`` ranges, computing on arrays)
against the Python around them. Replace ``minitorch`` by ``torch`` and the profiling part runs on
PyTorch (which has no kernel ranges). The images are random: the time of a step does not depend
on what they show.
"""

import argparse
from pathlib import Path

from train_lenet import LeNet
from train_mlp import MLP

import minitorch as torch
from minitorch import nn, optim
from minitorch.profiler import ProfilerActivity, profile, record_function, schedule


def kernel_split(events) -> dict[str, float]:
    """Microseconds per recorded step: all of it, in kernels (``kernel: aten::...``), in the
    Python inside the op ranges around them (``Function.apply``), and in Python outside any op
    range (the op functions before ``apply``: argument checks, type promotion; modules; the
    engine between nodes; the optimizer's loop)."""
    steps = [e for e in events if e.name == "ProfilerStep*"]
    total = sum(e.cpu_time_total for e in steps)
    kernels = sum(e.cpu_time_total for e in events if e.name.startswith("kernel: "))
    in_ops = sum(e.cpu_time_total for e in events if e.name.startswith("aten::")
                 and not (e.cpu_parent and e.cpu_parent.name.startswith("aten::")))
    n = len(steps)
    return {"step": total / n, "kernels": kernels / n, "Python in ops": (in_ops - kernels) / n,
            "Python outside ops": (total - in_ops) / n}


def profile_model(name: str, model: nn.Module, optimizer, batch: int, row_limit: int, trace: Path | None,
                  repeat: int = 1) -> str:
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        with record_function("forward"):
            loss = loss_fn(model(x), y)
        with record_function("backward"):
            optimizer.zero_grad()
            loss.backward()
        optimizer.step()

    for _ in range(3):  # warm up: numba compiles each kernel on its first call
        step()
    best = None
    for _ in range(repeat):  # on a shared machine, keep the profile least disturbed by other processes
        with profile(activities=[ProfilerActivity.CPU], schedule=schedule(wait=1, warmup=1, active=1)) as prof:
            for _ in range(3):
                step()
                prof.step()
        if best is None or kernel_split(prof.events())["step"] < kernel_split(best.events())["step"]:
            best = prof
    prof = best
    if trace is not None:
        prof.export_chrome_trace(str(trace))
    split = kernel_split(prof.events())
    lines = [f"{name}, batch {batch}: {split['step'] / 1e3:.2f} ms a step (profiled), of which "
             + ", ".join(f"{k} {v / split['step']:.0%}" for k, v in split.items() if k != "step"),
             prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=row_limit)]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     description="Profile a LeNet and an MLP training step.")
    parser.add_argument("--model", choices=["lenet", "mlp", "both"], default="both", help="which training step to profile")
    parser.add_argument("--batch-size", type=int, default=64, help="images per step")
    parser.add_argument("--rows", type=int, default=15, help="rows of each table")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads for the kernels")
    parser.add_argument("--repeat", type=int, default=1, help="profile this many times, show the fastest")
    parser.add_argument("--trace", type=Path, default=None, help="write the (last) model's Chrome trace here")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model in ("lenet", "both"):
        lenet = LeNet()
        print(profile_model("LeNet", lenet, optim.Adam(lenet.parameters(), lr=2e-3), args.batch_size, args.rows,
                            args.trace, args.repeat))
    if args.model in ("mlp", "both"):
        mlp = MLP()
        print(profile_model("MLP 784-256-128-10", mlp, optim.SGD(mlp.parameters(), lr=0.05, momentum=0.9),
                            args.batch_size, args.rows, args.trace, args.repeat))


if __name__ == "__main__":
    main()
