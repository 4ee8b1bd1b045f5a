"""The cheap gallery chapters' epochs split into their phases, minitorch against PyTorch.

Run: ``python benchmarks/bench_steps.py [--only mlp_concise,lenet] [--rounds 3] [--epochs 4] [--threads 1]
[--baseline DIR]`` from the repository root; ``--baseline`` adds a third row, minitorch from another
checkout (``git worktree add DIR main``), run alternately with the other two.

Each chapter (``examples/gallery/``) runs in a child process as ``bench_gallery.py`` runs it (2,000
training images at 28x28, batches of 64), with ``_gallery.train`` replaced by a copy of its loop that
times each phase of every step:

* ``data``: the DataLoader handing out the next batch (``Dataset.__getitem__``, the transforms, collate);
* ``forward``: ``net(X)`` and the loss;
* ``backward``: ``zero_grad`` and ``backward`` (the chapter's ``l.mean()`` / ``l.sum()`` included);
* ``step``: the optimizer's ``step()``, or the scratch chapters' ``sgd`` function;
* ``other``: the loop's bookkeeping (the loss sum, the accuracy);
* ``eval``: the evaluation pass after the epoch (not part of the chapter's seconds per epoch).

A child reports each phase's median over the epochs after the first (the first compiles numba's
kernels). The libraries alternate which goes first from one round to the next; the table gives each
phase's median over the rounds and the ratio minitorch / PyTorch of the epoch (data + forward +
backward + step + other, the chapter's own s/epoch). The load average before and after is printed:
the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets" / "fashion-mnist"  # where our machines keep it
CHEAP = ["softmax_scratch", "softmax_concise", "mlp_scratch", "mlp_concise", "dropout", "weight_decay",
         "lenet", "batchnorm"]
PHASES = ["data", "forward", "backward", "step", "other", "eval"]
EPOCH = PHASES[:5]


def timed_train(results: dict):
    """A copy of ``_gallery.train`` that adds each phase's seconds per epoch to ``results``."""

    def train(net, train_iter, test_iter, loss, updater, args, torch) -> None:
        import _gallery

        clock = time.perf_counter
        for _ in range(args.epochs):
            if hasattr(net, "train"):
                net.train()
            t = dict.fromkeys(PHASES, 0.0)
            it = iter(train_iter)
            while True:
                t0 = clock()
                try:
                    X, y = next(it)
                except StopIteration:
                    t["data"] += clock() - t0
                    break
                t1 = clock()
                y_hat = net(X)
                l = loss(y_hat, y)
                t2 = clock()
                optimizer = isinstance(updater, torch.optim.Optimizer)
                if optimizer:
                    updater.zero_grad()
                    l.mean().backward()
                else:
                    l.sum().backward()
                t3 = clock()
                if optimizer:
                    updater.step()
                else:
                    updater(X.shape[0])
                t4 = clock()
                float(l.detach().sum())
                _gallery.accuracy(y_hat.detach(), y)
                t5 = clock()
                t["data"] += t1 - t0
                t["forward"] += t2 - t1
                t["backward"] += t3 - t2
                t["step"] += t4 - t3
                t["other"] += t5 - t4
            t0 = clock()
            _gallery.evaluate(net, test_iter, torch)
            t["eval"] = clock() - t0
            for k, v in t.items():
                results.setdefault(k, []).append(v)

    return train


def child(chapter: str, lib: str, epochs: int, threads: int) -> None:
    gallery = Path.cwd() / "examples" / "gallery"  # the checkout being measured (``run`` sets the cwd)
    sys.path.insert(0, str(gallery))
    import _gallery

    results: dict = {}
    _gallery.train = timed_train(results)
    sys.argv = [chapter, "--lib", lib, "--limit", "2000", "--batch-size", "64", "--epochs", str(epochs),
                "--threads", str(threads), "--no-download"]
    if DATA.is_dir():  # a baseline checkout elsewhere (/tmp) finds no ../shared of its own
        sys.argv += ["--data", str(DATA)]
    stdout = sys.stdout
    with open(os.devnull, "w") as sink:
        sys.stdout = sink
        try:
            runpy.run_path(str(gallery / f"{chapter}.py"), run_name="__main__")
        finally:
            sys.stdout = stdout
    print(json.dumps({k: statistics.median(v[1:] or v) for k, v in results.items()}))


def run(chapter: str, lib: str, epochs: int, threads: int, root: Path = ROOT) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", chapter, lib, "--epochs", str(epochs), "--threads", str(threads)],
        check=False, capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )
    if out.returncode:
        raise RuntimeError(f"{chapter} ({lib}) failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated chapters (default: the cheap ones)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per child; the first is dropped")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--baseline", type=Path, help="another checkout whose minitorch is measured too")
    parser.add_argument("--child", nargs=2, metavar=("CHAPTER", "LIB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.epochs, args.threads)
        return
    chapters = args.only.split(",") if args.only else CHEAP
    print(f"load before: {os.getloadavg()[0]:.2f}; {args.threads} thread(s), {args.rounds} rounds, "
          f"{args.epochs} epochs per child (median of epochs 2..), seconds per epoch")
    head = "| chapter | lib | " + " | ".join(PHASES) + " | epoch | ratio |"
    print(head)
    print("|" + " --- |" * (len(PHASES) + 4))
    libs = ["minitorch", "torch"] + (["baseline"] if args.baseline else [])
    for c, chapter in enumerate(chapters):
        runs: dict[str, list[dict]] = {lib: [] for lib in libs}
        for r in range(args.rounds):
            k = (r + c) % len(libs)
            for lib in libs[k:] + libs[:k]:
                root = args.baseline.resolve() if lib == "baseline" else ROOT
                runs[lib].append(run(chapter, "minitorch" if lib == "baseline" else lib, args.epochs,
                                     args.threads, root))
        med = {lib: {k: statistics.median(x[k] for x in rs) for k in PHASES} for lib, rs in runs.items()}
        epoch = {lib: statistics.median(sum(x[k] for k in EPOCH) for x in rs) for lib, rs in runs.items()}
        for lib in libs:
            ratio = f"{epoch[lib] / epoch['torch']:.2f}" if lib != "torch" else ""
            cells = " | ".join(f"{med[lib][k]:.4f}" for k in PHASES)
            print(f"| {chapter} | {lib} | {cells} | {epoch[lib]:.4f} | {ratio} |", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
