"""Train the same LeNet-5 in minitorch and in PyTorch, from the same weights on the same batches.

    python examples/side_by_side.py                    # 200 steps, Adam lr 1e-3, batch 64, float32

PyTorch's randomly initialised weights are copied into minitorch's model, every batch goes to both,
and the two loss curves are drawn on one figure (``side_by_side.png`` under ``--out``): they should lie
on top of each other. It prints the largest relative difference of the two losses over all steps.

Only the order of floating-point sums differs between the two, but training amplifies any difference.
To show how much, a third model trains alongside: PyTorch itself with its oneDNN convolutions switched
off (``torch.backends.mkldnn``), i.e. the same library summing the same convolutions in another order.
In float32 all three agree to ~1e-7..1e-5 over the first 50 steps; over 200 steps the largest gap
depends on the seed, and PyTorch drifts from PyTorch as far as minitorch drifts from it (seeds 0, 1, 2:
minitorch 7e-2, 4e-2, 5e-5; PyTorch without oneDNN 9e-5, 7e-2, 5e-5), while the curves still overlap.
``--dtype float64`` shows the agreement without that amplification (~1e-15).

Both libraries run their kernels on one thread by default (``--threads``): on a machine whose other
cores are busy, a parallel loop waits for its slowest thread, and PyTorch's LeNet step at 2 threads
on a loaded 2-core machine took 0.9 s instead of 0.03 s at 1 thread (00:15 UTC, load average 9).
numba's OpenMP threads, started by minitorch's first parallel kernel, reset PyTorch's count to every
core, so it is set again after the first step.
The first run also compiles minitorch's numba kernels (about 45 s, cached for later runs).
"""

import argparse
import contextlib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from _common import mnist_datasets
from tqdm import tqdm

import minitorch
from minitorch.utils.data import DataLoader
from minitorch.vision import transforms


def lenet(nn):
    """LeNet-5 built from either library's ``nn``; both give the same ``state_dict`` keys."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def make_optimizer(optim, params, name, lr):
    return optim.Adam(params, lr=lr) if name == "adam" else optim.SGD(params, lr=lr, momentum=0.9)


def train_step(model, loss_fn, optimizer, images, labels):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


@contextlib.contextmanager
def without_onednn():
    """PyTorch with its oneDNN convolutions off. ``torch.backends.mkldnn.flags(enabled=False)``
    would also set oneDNN's TF32 flag, which warns on every run on a CPU-only build."""
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = True


def plot_relative(ax, relative, floor, **style):
    """``relative`` on a log axis against steps 1, 2, ...; a difference of exactly 0 (the same
    float) has no logarithm, so it is drawn at ``floor`` instead of leaving a gap in the line."""
    steps = np.arange(1, len(relative) + 1)
    values = np.maximum(np.asarray(relative, dtype=float), floor)
    (line,) = ax.semilogy(steps, values, **style)
    zero = np.asarray(relative) == 0
    if zero.any():
        ax.semilogy(steps[zero], values[zero], "o", ms=3, color=line.get_color())


def batches(loader, steps):
    """``steps`` batches from ``loader``, going through it (reshuffled) as many times as needed."""
    while True:
        for batch in loader:
            if steps == 0:
                return
            steps -= 1
            yield batch


def main():
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     description="LeNet-5 in minitorch and in PyTorch, step by step.")
    parser.add_argument("--steps", type=int, default=200, help="training steps of each model")
    parser.add_argument("--batch-size", type=int, default=64, help="images per step")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam", help="SGD has momentum 0.9")
    parser.add_argument("--lr", type=float, default=1e-3, help="learning rate")
    parser.add_argument("--data", type=Path, help="the MNIST folder; without it: ./data, then "
                        "../shared/datasets/mnist, else download into ./data")
    parser.add_argument("--no-download", action="store_true", help="never download MNIST")
    parser.add_argument("--out", type=Path, default=Path("runs"), help="where the figure goes")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="of the weights and images in all three models")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and of the batch order")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of each library's kernels (more: faster only on idle cores)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    minitorch.set_num_threads(args.threads)

    torch.manual_seed(args.seed)
    minitorch.manual_seed(args.seed)  # the order of the batches
    theirs = lenet(torch.nn).to(getattr(torch, args.dtype))
    ours = lenet(minitorch.nn).to(getattr(minitorch, args.dtype))
    ours.load_state_dict({name: minitorch.from_numpy(value.numpy().copy())
                          for name, value in theirs.state_dict().items()})
    baseline = lenet(torch.nn).to(getattr(torch, args.dtype))  # PyTorch again, other conv kernels
    baseline.load_state_dict(theirs.state_dict())
    loss_fns = torch.nn.CrossEntropyLoss(), minitorch.nn.CrossEntropyLoss()
    optimizers = (make_optimizer(torch.optim, theirs.parameters(), args.optimizer, args.lr),
                  make_optimizer(minitorch.optim, ours.parameters(), args.optimizer, args.lr),
                  make_optimizer(torch.optim, baseline.parameters(), args.optimizer, args.lr))

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set, _ = mnist_datasets(args.data, not args.no_download, transform)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True)

    losses = {"PyTorch": [], "minitorch": [], "baseline": []}
    # a progress bar on a terminal (stderr), none when the output is a file or a test
    progress = tqdm(batches(loader, args.steps), total=args.steps, desc="steps", disable=None)
    for step, (images, labels) in enumerate(progress, 1):  # minitorch tensors; PyTorch gets the same numbers
        images = images.to(getattr(minitorch, args.dtype))
        torch_batch = torch.from_numpy(images.numpy()), torch.from_numpy(labels.numpy())
        losses["PyTorch"].append(train_step(theirs, loss_fns[0], optimizers[0], *torch_batch))
        losses["minitorch"].append(train_step(ours, loss_fns[1], optimizers[1], images, labels))
        if step == 1:  # minitorch's first parallel kernel started numba's OpenMP threads, which reset
            torch.set_num_threads(args.threads)  # the count PyTorch reads (to every core): set it again
        with without_onednn():
            losses["baseline"].append(train_step(baseline, loss_fns[0], optimizers[2], *torch_batch))
        progress.set_postfix(loss=f"{losses['minitorch'][-1]:.4f}")

    def relative_to_torch(name):
        return [abs(a - b) / abs(b) for a, b in zip(losses[name], losses["PyTorch"])]

    relative, torch_vs_torch = relative_to_torch("minitorch"), relative_to_torch("baseline")
    worst = max(range(args.steps), key=relative.__getitem__)
    print(f"{args.steps} steps of {args.optimizer}, lr {args.lr}, batch {args.batch_size}, {args.dtype}: "
          f"final loss PyTorch {losses['PyTorch'][-1]:.6f}, minitorch {losses['minitorch'][-1]:.6f}")
    print(f"max relative difference of the losses: {relative[worst]:.2e} (step {worst + 1}); "
          f"over the first 50 steps: {max(relative[:50]):.2e}")
    print(f"PyTorch vs PyTorch without oneDNN: {max(torch_vs_torch):.2e}; "
          f"over the first 50 steps: {max(torch_vs_torch[:50]):.2e}")

    args.out.mkdir(parents=True, exist_ok=True)
    fig, (ax_loss, ax_diff) = plt.subplots(1, 2, figsize=(11, 4))
    steps = range(1, args.steps + 1)  # step 1 is the first, as in the text above
    ax_loss.plot(steps, losses["PyTorch"], lw=3, alpha=0.5, label="PyTorch")
    ax_loss.plot(steps, losses["minitorch"], lw=1, label="minitorch")
    ax_loss.set(xlabel="step", ylabel="cross-entropy loss", title="training loss, same weights and batches")
    ax_loss.legend()
    # exactly equal losses (difference 0) are drawn as dots on a floor of half the dtype's epsilon
    floor = float(np.finfo(args.dtype).eps) / 2
    plot_relative(ax_diff, relative, floor, label="minitorch vs PyTorch")
    plot_relative(ax_diff, torch_vs_torch, floor, alpha=0.7, label="PyTorch without oneDNN vs PyTorch")
    ax_diff.axhline(floor, color="grey", lw=0.5, ls=":")
    ax_diff.set(xlabel="step", ylabel="relative difference of the losses",
                title="relative difference (dots: equal losses)")
    ax_diff.legend()
    fig.tight_layout()
    fig.savefig(args.out / "side_by_side.png", dpi=100)
    print(f"figure: {args.out / 'side_by_side.png'}")


if __name__ == "__main__":
    main()
