"""Train LeNet-5 on MNIST with minitorch, written as a PyTorch script.

    python examples/train_lenet.py                          # 3 epochs: Adam, lr 2e-3, batch 64
    python examples/train_lenet.py --epochs 5 --resume      # go on from runs/lenet.pt up to epoch 5

After every epoch it prints the loss and the test accuracy and saves a checkpoint (``lenet.pt``,
with the random number generator's state, so that a resumed run is the uninterrupted one bit for
bit); at the end it plots the curves (``lenet.png``), both under ``--out``. MNIST is looked for in
``--data``, ``./data`` and ``../shared/datasets/mnist``, and downloaded into ``./data`` where none has
it; with only its 10,000 test images at hand, it says so and trains on a fixed 8,000 / 2,000 split of
them. Replace ``minitorch`` by ``torch`` (and ``minitorch.vision`` by
``torchvision``) and the same program runs on PyTorch.
"""

import argparse
import time
from pathlib import Path

from _common import mnist_datasets, plot_history
from tqdm import tqdm

import minitorch as torch
import minitorch.nn.functional as F
from minitorch import nn, optim
from minitorch.utils.data import DataLoader
from minitorch.vision import transforms


class LeNet(nn.Module):
    """LeNet-5: two convolution + max-pool stages, then three fully connected layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)  # 1x28x28 -> 6x28x28
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)  # 6x14x14 -> 16x10x10
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # -> 6x14x14
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> 16x5x5
        x = torch.flatten(x, 1)  # -> 400
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)  # 10 logits; CrossEntropyLoss applies the softmax


def train_one_epoch(model, loader, loss_fn, optimizer, device, epoch, compile=False):
    """One pass over the training set; returns the mean training loss."""
    model.train()

    def step(images, labels):
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss

    step = torch.compile(step) if compile else step  # captured on its 2nd call, replayed after
    total_loss, count = 0.0, 0
    progress = tqdm(loader, desc=f"epoch {epoch}", leave=False, disable=None)  # no bar when not a terminal
    for images, labels in progress:
        images, labels = images.to(device), labels.to(device)
        loss = step(images, labels)
        total_loss += loss.item() * len(labels)
        count += len(labels)
        progress.set_postfix(loss=f"{loss.item():.4f}")
    return total_loss / count


@torch.no_grad()
def evaluate(model, loader, loss_fn, device):
    """Mean loss and accuracy on a held-out set."""
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        total_loss += loss_fn(logits, labels).item() * len(labels)
        correct += (logits.argmax(dim=1) == labels).sum().item()
        count += len(labels)
    return total_loss / count, correct / count


def main():
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     description="Train LeNet-5 on MNIST.")
    parser.add_argument("--epochs", type=int, default=3, help="train up to this epoch")
    parser.add_argument("--batch-size", type=int, default=64, help="images per training step")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda where minitorch has a GPU backend")
    parser.add_argument("--data", type=Path, help="the MNIST folder; without it: ./data, then "
                        "../shared/datasets/mnist, else download into ./data")
    parser.add_argument("--no-download", action="store_true", help="never download MNIST")
    parser.add_argument("--out", type=Path, default=Path("runs"), help="where the checkpoint and plot go")
    parser.add_argument("--resume", action="store_true", help="go on from the checkpoint in --out")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and of the shuffling")
    parser.add_argument("--compile", action="store_true",
                        help="replay the training step's kernels with minitorch.compile (same numbers)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set, test_set = mnist_datasets(args.data, not args.no_download, transform)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = LeNet().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    history = {"train_loss": [], "test_loss": [], "test_acc": []}
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = args.out / "lenet.pt"
    if args.resume:
        checkpoint = torch.load(checkpoint_path)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        history = checkpoint["history"]
        torch.set_rng_state(checkpoint["rng_state"])  # the next epoch shuffles as an uninterrupted run would
        print(f"resumed from {checkpoint_path} after epoch {len(history['train_loss'])}")

    for epoch in range(len(history["train_loss"]) + 1, args.epochs + 1):
        start = time.perf_counter()
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device, epoch, args.compile)
        test_loss, test_acc = evaluate(model, test_loader, loss_fn, device)
        history["train_loss"].append(train_loss)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        print(f"epoch {epoch}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
              f"test accuracy {100 * test_acc:.2f}% ({time.perf_counter() - start:.1f} s)")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "history": history,
                    "rng_state": torch.get_rng_state()}, checkpoint_path)

    plot_history(history, args.out / "lenet.png", "LeNet-5 on MNIST (minitorch)")
    print(f"checkpoint: {checkpoint_path}, curves: {args.out / 'lenet.png'}")


if __name__ == "__main__":
    main()
