"""What the MNIST examples share that is not about training: where the data is, and the plot.

MNIST is looked for where the user points (``--data``), then in ``./data``, then in
``../shared/datasets/mnist`` next to the repository; where none of them has it, it is downloaded into
``./data`` (or ``--data``), as in torchvision's and PyTorch's examples.

The training itself (model, loop, evaluation, checkpoint) is written out in each script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

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
