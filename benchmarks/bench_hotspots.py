"""Issue 17's hot spots: minitorch against torch on the CPU, op by op, at the textbook's shapes.

Run: ``python benchmarks/bench_hotspots.py [--repeats 11] [--only NAME] [--profile NAME]`` from
the repository root.

The ops that made the ResNet-, DenseNet- and GoogLeNet-style chapter programs slower than
PyTorch: BatchNorm2d in training mode, ReLU (also ``inplace=True``), ``cat`` of feature maps
along the channels (DenseNet), ``x ** k`` with a Python exponent, and the data pipeline
(``X[i]`` on a tensor, a DataLoader over a ``TensorDataset``). Each workload is forward plus
backward where the op has a gradient, on the shapes of the models in ``minitorch.vision``;
the gradients are taken with ``autograd.grad``, as inside a network, where an activation's
gradient flows on instead of being copied into a leaf's ``.grad`` (PyTorch's AccumulateGrad
steals the buffer, minitorch's copies it: autograd/accumulate.py's ``_clone_obey_contract``).

Both libraries run in this one process. Each repeat times a loop of calls of each library in
turn, alternating which goes first; the table shows medians of the per-call time. torch runs
with 1 and with 2 threads (``torch.set_num_threads``), minitorch on its default threads or
``--threads``; ``ratio`` is minitorch / torch (> 1: minitorch is slower). ``--profile NAME``
prints minitorch's cProfile of one workload.
The machine is shared: repeat a run before trusting a difference of 10%.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch

import minitorch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_overhead import profile, run, table


def make_workloads(lib):
    """name -> zero-argument callable doing one unit of work in ``lib``."""
    rng = np.random.default_rng(0)

    def leaf(*shape):
        return lib.tensor(rng.standard_normal(shape), dtype=lib.float32, requires_grad=True)

    def const(*shape):
        return lib.tensor(rng.standard_normal(shape), dtype=lib.float32)

    work = {}

    # BatchNorm2d, training mode: batch statistics, running-stat update, full backward.
    for shape in ((64, 64, 28, 28), (128, 256, 7, 7)):
        bn = lib.nn.BatchNorm2d(shape[1])
        x, g = leaf(*shape), const(*shape)

        def batch_norm(bn=bn, x=x, g=g):
            lib.autograd.grad(bn(x), (x, bn.weight, bn.bias), g)

        work[f"BatchNorm2d fwd+bwd {shape}"] = batch_norm

    # ReLU after a conv: the input is a non-leaf (inplace needs one), so a cheap op makes it.
    for shape in ((64, 64, 28, 28), (128, 256, 7, 7)):
        x, g = leaf(*shape), const(*shape)

        def relu(x=x, g=g):
            lib.autograd.grad(lib.relu(x), x, g)

        def relu_inplace(x=x, g=g):
            h = x * 1.0
            lib.autograd.grad(lib.nn.functional.relu(h, inplace=True), x, g)

        work[f"relu fwd+bwd {shape}"] = relu
        work[f"(x * 1).relu_() fwd+bwd {shape}"] = relu_inplace

    # DenseNet: a block's input is the cat of the earlier layers' feature maps.
    for k in (2, 4):
        maps = [leaf(64, 32, 14, 14) for _ in range(k)]
        g = const(64, 32 * k, 14, 14)

        def cat(maps=maps, g=g):
            lib.autograd.grad(lib.cat(maps, 1), maps, g)

        work[f"cat {k} x (64,32,14,14) dim 1 fwd+bwd"] = cat

    v = leaf(100_000)
    for p in (2, 3, 0.5):
        def power(p=p):
            lib.autograd.grad((v.abs() ** p if p == 0.5 else v ** p).sum(), v)

        work[f"x ** {p} fwd+bwd (100k, float32)" + (" (of x.abs())" if p == 0.5 else "")] = power

    X = lib.tensor(rng.standard_normal((8192, 1, 28, 28)), dtype=lib.float32)
    y = lib.tensor(rng.integers(0, 10, 8192))

    def index_int():
        for i in range(100):
            X[i]

    work["X[i] (int i, X (8192,1,28,28)), x100"] = index_int

    loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)

    def epoch():
        for _ in loader:
            pass

    work["DataLoader epoch, TensorDataset 8192 x (1,28,28), batch 64"] = epoch

    labels = [int(v) for v in rng.integers(0, 10, 8192)]

    class Samples(lib.utils.data.Dataset):  # the generic path: a sample at a time, then collate
        def __len__(self):
            return len(labels)

        def __getitem__(self, i):
            return X[i], labels[i]

    sample_loader = lib.utils.data.DataLoader(Samples(), batch_size=64, shuffle=True)

    def sample_epoch():
        for _ in sample_loader:
            pass

    work["DataLoader epoch, Dataset of (X[i], int), batch 64"] = sample_epoch
    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--only", help="run the workloads whose name contains this")
    parser.add_argument("--profile", metavar="NAME", help="cProfile minitorch's workload NAME (a substring)")
    parser.add_argument("--threads", type=int, help="minitorch's threads (default: its own default)")
    args = parser.parse_args()
    if args.threads:
        minitorch.set_num_threads(args.threads)
    if args.profile:
        profile(next(f for n, f in make_workloads(minitorch).items() if args.profile in n), calls=10)
        return
    torch.set_num_threads(1)
    print(f"minitorch on {minitorch.get_num_threads()} thread(s)")
    # bench_overhead.py's loop: calibrated, alternating, medians; in ms, calibrated on single calls
    print(table(run(args.repeats, make_workloads, args.only, probe=1, unit=1e3), unit="ms", digits=3))


if __name__ == "__main__":
    main()
