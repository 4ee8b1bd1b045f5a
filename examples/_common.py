"""What the MNIST examples (``train_lenet.py``, ``train_mlp.py``) share: their command line, where
the data is, the training loop with its checkpoints, and the plot.

MNIST is looked for where the user points (``--data``), then in ``./data``, then in
``../shared/datasets/mnist`` next to the repository; where none of them has it, it is downloaded into
``./data`` (or ``--data``), as in torchvision's and PyTorch's examples.

Each script writes out its model and optimizer and hands them to ``fit``, with the library as
``torch`` (``import minitorch as torch``): the loop here calls nothing but that module and the
objects it is given, so the same loop trains a PyTorch model when handed ``torch`` itself.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from tqdm import tqdm

from minitorch.vision import datasets

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = REPO_ROOT.parent / "shared" / "datasets" / "mnist"  # where our machines and CI keep it


def holds_mnist(root: Path, prefix: str = "t10k") -> bool:
    """Whether MNIST's test files (``prefix="train"``: training files), gzipped or not, are in ``root``
    where ``datasets.MNIST`` looks for them: ``root/MNIST/raw``, ``root/MNIST`` or ``root`` itself."""
    folders = (root / "MNIST" / "raw", root / "MNIST", root)
    return all(any((folder / name).is_file() or (folder / f"{name}.gz").is_file() for folder in folders)
               for name in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"))


def find_mnist(data: Path | None) -> Path | None:
    """The first folder holding MNIST of ``--data`` (when given), ``./data`` and the shared datasets."""
    candidates = [data] if data is not None else []
    return next((root for root in [*candidates, Path("data"), SHARED_MNIST] if holds_mnist(root)), None)


def mnist_datasets(data: Path | None, download: bool, transform) -> tuple:
    """MNIST's (train, test) sets from the first folder that has them (``find_mnist``); where none has,
    download them into ``--data`` (default ``./data``) unless ``download`` is False.

    A folder with only the 10,000 test images (ours and CI's) gives the fixed 8,000 / 2,000 split of
    them, so that the example still trains on real digits. Without any MNIST, and without network,
    it says what is missing and where it looked, and exits with status 1.
    """
    root = find_mnist(data)
    if root is None:
        root = data if data is not None else Path("data")
        looked = ", ".join(str(p) for p in dict.fromkeys([root, Path("data"), SHARED_MNIST]))
        if not download:
            sys.exit(f"MNIST not found in {looked}, and --no-download was given.\n"
                     "Run without --no-download to fetch it, or point --data at a folder that has its .gz files.")
        try:
            datasets.MNIST(root, train=False, download=True)  # fetches the training files too
        except (RuntimeError, OSError) as error:  # no network, or no folder to write to
            sys.exit(f"MNIST not found in {looked}, and downloading it failed: {error}\n"
                     "Rerun with network access, or point --data at a folder that has MNIST's .gz files.")
    if not holds_mnist(root, "train"):
        print(f"MNIST from {root}: its 10,000 test images only, split into a fixed 8,000 to train on and "
              "2,000 to evaluate on\n(for the 60,000 training images, put MNIST's .gz files in ./data/MNIST/raw "
              "or point --data at them)")
        return datasets.mnist_test_split(root, transform=transform)
    train_set = datasets.MNIST(root, train=True, transform=transform)
    test_set = datasets.MNIST(root, train=False, transform=transform)
    print(f"MNIST from {root}: {len(train_set)} training and {len(test_set)} test images")
    return train_set, test_set


def plot_history(history: dict, path: Path, title: str) -> None:
    """Two panels: training and test loss, test accuracy; one point per epoch."""
    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history["train_loss"], "o-", label="train")
    ax_loss.plot(epochs, history["test_loss"], "o-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [100 * a for a in history["test_acc"]], "o-", color="C1")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def example_parser(description: str, *, epochs: int, lr: float, optimizer: str) -> argparse.ArgumentParser:
    """The options both examples take (their defaults are the example's); a script adds its own."""
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     description=description)
    parser.add_argument("--epochs", type=int, default=epochs, help="train up to this epoch")
    parser.add_argument("--batch-size", type=int, default=64, help="images per training step")
    parser.add_argument("--lr", type=float, default=lr, help=f"{optimizer}'s learning rate")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda where minitorch has a GPU backend")
    parser.add_argument("--data", type=Path, help="the MNIST folder; without it: ./data, then "
                        "../shared/datasets/mnist, else download into ./data")
    parser.add_argument("--no-download", action="store_true", help="never download MNIST")
    parser.add_argument("--out", type=Path, default=Path("runs"), help="where the checkpoint and plot go")
    parser.add_argument("--resume", action="store_true", help="go on from the checkpoint in --out")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and of the shuffling")
    parser.add_argument("--compile", action="store_true",
                        help="replay the training step's kernels with minitorch.compile (same numbers)")
    return parser


def train_one_epoch(step, model, loader, device, epoch: int) -> float:
    """One pass over the training set, ``step(images, labels)`` a batch; returns the mean training loss."""
    model.train()
    total_loss, count = 0.0, 0
    progress = tqdm(loader, desc=f"epoch {epoch}", leave=False, disable=None)  # no bar when not a terminal
    for images, labels in progress:
        images, labels = images.to(device), labels.to(device)
        loss = step(images, labels)
        total_loss += loss.item() * len(labels)
        count += len(labels)
        progress.set_postfix(loss=f"{loss.item():.4f}")
    return total_loss / count


def evaluate(model, loader, loss_fn, device, torch) -> tuple[float, float]:
    """Mean loss and accuracy on a held-out set."""
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            total_loss += loss_fn(logits, labels).item() * len(labels)
            correct += (logits.argmax(dim=1) == labels).sum().item()
            count += len(labels)
    return total_loss / count, correct / count


def fit(model, loss_fn, optimizer, train_loader, test_loader, args: argparse.Namespace, torch,
        name: str, title: str) -> None:
    """Train up to ``args.epochs``, evaluating, printing a line and saving ``<args.out>/<name>.pt``
    after every epoch; ``args.resume`` starts from that checkpoint. At the end, ``<name>.png``.

    The checkpoint holds the random number generator's state, so that the next epoch shuffles as an
    uninterrupted run would: a resumed run is the uninterrupted one bit for bit. With ``--compile``
    the step is compiled once, here, and its plans kept across the epochs.
    """
    def step(images, labels):
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss

    step = torch.compile(step) if args.compile else step  # captured on its 2nd call, replayed after
    device = torch.device(args.device)
    history = {"train_loss": [], "test_loss": [], "test_acc": []}
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = args.out / f"{name}.pt"
    if args.resume:
        checkpoint = torch.load(checkpoint_path)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        history = checkpoint["history"]
        torch.set_rng_state(checkpoint["rng_state"])
        print(f"resumed from {checkpoint_path} after epoch {len(history['train_loss'])}")

    for epoch in range(len(history["train_loss"]) + 1, args.epochs + 1):
        start = time.perf_counter()
        train_loss = train_one_epoch(step, model, train_loader, device, epoch)
        test_loss, test_acc = evaluate(model, test_loader, loss_fn, device, torch)
        history["train_loss"].append(train_loss)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        print(f"epoch {epoch}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
              f"test accuracy {100 * test_acc:.2f}% ({time.perf_counter() - start:.1f} s)")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "history": history,
                    "rng_state": torch.get_rng_state()}, checkpoint_path)

    plot_history(history, args.out / f"{name}.png", title)
    print(f"checkpoint: {checkpoint_path}, curves: {args.out / f'{name}.png'}")
