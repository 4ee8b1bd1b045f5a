"""What the MNIST examples share that is not about training: where the data is, and the plot.

The training itself (model, loop, evaluation, checkpoint) is written out in each script.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from minitorch.vision import datasets

REPO_ROOT = Path(__file__).resolve().parents[1]


def default_data_root() -> Path:
    """The shared MNIST folder next to the repository if there is one, else ``./data``."""
    shared = REPO_ROOT.parent / "shared" / "datasets" / "mnist"
    return shared if shared.is_dir() else Path("data")


def mnist_datasets(root: Path, download: bool, transform) -> tuple:
    """MNIST's (train, test) sets; without the 60,000 training images (and no ``download``), the fixed
    8,000 / 2,000 split of the 10,000 test images, so that the example still trains on real digits."""
    try:
        train_set = datasets.MNIST(root, train=True, download=download, transform=transform)
        test_set = datasets.MNIST(root, train=False, download=download, transform=transform)
        print(f"MNIST from {root}: {len(train_set)} training and {len(test_set)} test images")
        return train_set, test_set
    except (RuntimeError, OSError) as error:  # files missing, or the download failed
        print(f"MNIST's 60,000 training images are not in {root} ({error}).\n"
              "Falling back to MNIST's 10,000 test images, split into a fixed 8,000 to train on "
              "and 2,000 to evaluate on.\n"
              "For the full dataset, add --download (needs network) or point --data at a folder that has it.")
        return datasets.mnist_test_split(root, transform=transform)


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
