"""What the gallery's chapter programs share: the command line, the library switch, Fashion-MNIST and
the training loop (the textbook's ``d2l.train_ch3`` / ``d2l.train_ch6``).

Every program runs on minitorch by default and on PyTorch with ``--lib torch``: ``setup`` returns the
library as ``torch`` (``import minitorch as torch``), so the rest of the program reads the same for
both, as ``examples/side_by_side.py`` builds one LeNet from either library's ``nn``.

Fashion-MNIST is looked for in ``--data``, then ``./data``, then ``../shared/datasets/fashion-mnist``
next to the repository; where none has it, it is downloaded into ``--data`` (default ``./data``) and
its MD5 checked (``minitorch.vision.datasets.FashionMNIST.download``). The files are read by minitorch's
``FashionMNIST`` in both libraries (it hands out PIL images, as torchvision's does, and its reader also
takes the flat folder of .gz files that torchvision's does not); the transforms (``Resize``,
``ToTensor``) and the ``DataLoader`` are the chosen library's own: torchvision's with ``--lib torch``
where torchvision imports, else minitorch's transforms followed by a conversion to torch tensors.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
import types
from pathlib import Path

from minitorch.vision import datasets

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared" / "datasets" / "fashion-mnist"  # where our machines and CI keep it


def setup(description: str, *, epochs: int = 10, lr: float = 0.1, batch_size: int = 256,
          resize: int | None = None, limit: int | None = None,
          extra=None) -> tuple[argparse.Namespace, types.ModuleType]:
    """Parse the shared options (the defaults are the chapter's) and return ``(args, torch)``, where
    ``torch`` is minitorch or PyTorch, seeded and set to ``--threads`` threads. ``extra(parser)``
    adds a chapter's own options."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--lib", choices=["minitorch", "torch"], default="minitorch", help="which library trains")
    parser.add_argument("--epochs", type=int, default=epochs, help="passes over the training images")
    parser.add_argument("--lr", type=float, default=lr, help="learning rate")
    parser.add_argument("--batch-size", type=int, default=batch_size, help="images per training step")
    parser.add_argument("--limit", type=int, default=limit,
                        help="train on the first N training images and test on the first N // 5 test images")
    if resize is not None:
        parser.add_argument("--resize", type=int, default=resize, help="side of the (square) input images")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and of the batch order")
    parser.add_argument("--threads", type=int, help="CPU threads; None: the library's own default")
    parser.add_argument("--data", type=Path, help="the Fashion-MNIST folder; without it: ./data, then "
                        "../shared/datasets/fashion-mnist, else download into ./data")
    parser.add_argument("--no-download", action="store_true", help="never download Fashion-MNIST")
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    torch = importlib.import_module(args.lib)
    torch.manual_seed(args.seed)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    return args, torch


def holds_fashion_mnist(root: Path) -> bool:
    """Whether all four Fashion-MNIST files (gzipped or not) are where ``FashionMNIST`` looks in ``root``."""
    folders = (root / "FashionMNIST" / "raw", root / "FashionMNIST", root)
    return all(any((folder / name).is_file() or (folder / name[:-3]).is_file() for folder in folders)
               for name, _ in datasets.FashionMNIST.resources)


def find_fashion_mnist(data: Path | None) -> Path | None:
    """The first folder holding Fashion-MNIST of ``--data`` (when given), ``./data`` and the shared datasets."""
    candidates = [data] if data is not None else []
    return next((root for root in [*candidates, Path("data"), SHARED] if holds_fashion_mnist(root)), None)


def transforms_for(torch, resize: int | None):
    """``Compose([Resize(resize), ToTensor()])`` from the library's vision package (``Resize`` only
    when ``resize`` is given and not 28)."""
    if torch.__name__ == "minitorch":
        from minitorch.vision import transforms
    else:
        try:
            sys.path.insert(0, str(REPO_ROOT / "parity_tests" / "harness"))
            from torchvision_ref import (
                import_torchvision,  # torchvision without its compiled extension
            )

            transforms = import_torchvision().transforms
        except ImportError:  # no torchvision: minitorch's transforms, then a torch tensor
            from minitorch.vision import transforms

            steps = ([transforms.Resize(resize)] if resize not in (None, 28) else []) + [transforms.ToTensor()]
            return transforms.Compose([*steps, lambda x: torch.from_numpy(x.numpy())])
        finally:
            sys.path.pop(0)
    steps = [transforms.Resize(resize)] if resize not in (None, 28) else []
    return transforms.Compose([*steps, transforms.ToTensor()])


def fashion_mnist(args: argparse.Namespace, torch, resize: int | None = None):
    """Fashion-MNIST's (train, test) DataLoaders: 60,000 / 10,000 images, or ``--limit`` N / N // 5."""
    root = find_fashion_mnist(args.data)
    if root is None:
        root = args.data if args.data is not None else Path("data")
        if args.no_download:
            sys.exit(f"Fashion-MNIST not found in {root}, ./data or {SHARED}, and --no-download was given.")
        try:
            datasets.FashionMNIST(root, train=True, download=True)  # fetches all four files
        except (RuntimeError, OSError) as error:
            sys.exit(f"Fashion-MNIST not found, and downloading it failed: {error}")
    transform = transforms_for(torch, resize if resize is not None else getattr(args, "resize", None))
    train_set = datasets.FashionMNIST(root, train=True, transform=transform)
    test_set = datasets.FashionMNIST(root, train=False, transform=transform)
    data = torch.utils.data
    if args.limit is not None:
        train_set = data.Subset(train_set, range(min(args.limit, len(train_set))))
        test_set = data.Subset(test_set, range(min(max(args.limit // 5, 1), len(test_set))))
    print(f"Fashion-MNIST from {root}: {len(train_set)} training and {len(test_set)} test images, "
          f"{args.lib} {torch.__version__}, {torch.get_num_threads()} threads")
    return (data.DataLoader(train_set, args.batch_size, shuffle=True),
            data.DataLoader(test_set, args.batch_size))


def accuracy(y_hat, y) -> int:
    """How many of the rows of ``y_hat`` have their largest score at the label ``y``."""
    return int((y_hat.argmax(dim=1) == y).sum())


def evaluate(net, data_iter, torch) -> float:
    """The accuracy of ``net`` on ``data_iter``, in evaluation mode and without the graph."""
    if hasattr(net, "eval"):
        net.eval()
    correct = total = 0
    with torch.no_grad():
        for X, y in data_iter:
            correct += accuracy(net(X), y)
            total += len(y)
    return correct / total


def train(net, train_iter, test_iter, loss, updater, args, torch) -> None:
    """The textbook's training loop: ``args.epochs`` passes over ``train_iter``, each followed by an
    evaluation on ``test_iter``; one line per epoch, and a last line that the benchmark reads.

    ``loss`` returns the per-example losses (``reduction="none"``) so that scratch and concise chapters
    share the loop; ``updater`` is an optimizer or a function ``updater(batch_size)`` (the scratch
    chapters' ``sgd``). The seconds per epoch count the training pass with its data loading, not the
    evaluation; the last line gives their median over the epochs after the first (the first also
    compiles minitorch's numba kernels, and warms up PyTorch's), or the first's with one epoch.
    """
    seconds = []
    for epoch in range(args.epochs):
        if hasattr(net, "train"):
            net.train()
        total_loss = correct = total = 0
        start = time.perf_counter()
        for X, y in train_iter:
            y_hat = net(X)
            l = loss(y_hat, y)
            if isinstance(updater, torch.optim.Optimizer):
                updater.zero_grad()
                l.mean().backward()
                updater.step()
            else:
                l.sum().backward()
                updater(X.shape[0])
            total_loss += float(l.detach().sum())
            correct += accuracy(y_hat.detach(), y)
            total += len(y)
        seconds.append(time.perf_counter() - start)
        test_acc = evaluate(net, test_iter, torch)
        print(f"epoch {epoch + 1}: loss {total_loss / total:.4f}, train acc {100 * correct / total:.2f}%, "
              f"test acc {100 * test_acc:.2f}%, {seconds[-1]:.2f} s/epoch")
    steady = seconds[1:] or seconds  # the first epoch also compiles minitorch's kernels (numba)
    which = f"median of epochs 2..{len(seconds)}; the first took {seconds[0]:.3f} s" if seconds[1:] else "one epoch"
    print(f"done: loss {total_loss / total:.4f}, test acc {100 * test_acc:.2f}%, "
          f"{statistics.median(steady):.3f} s/epoch ({which}), {args.lib}, {torch.get_num_threads()} threads")


def xavier_init(torch):
    """The textbook's ``init_weights`` from chapter 7 on: Xavier-uniform weights of every Linear and Conv2d."""
    def init(m):
        if type(m) in (torch.nn.Linear, torch.nn.Conv2d):
            torch.nn.init.xavier_uniform_(m.weight)
    return init


__all__ = ["accuracy", "evaluate", "fashion_mnist", "setup", "train", "xavier_init"]
