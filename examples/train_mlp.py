"""Train a multi-layer perceptron on MNIST with minitorch and SGD, written as a PyTorch script.

    python examples/train_mlp.py                         # 5 epochs: SGD, lr 0.05, momentum 0.9, batch 64
    python examples/train_mlp.py --epochs 8 --resume     # go on from runs/mlp.pt up to epoch 8

The same program as train_lenet.py with a different model and optimizer: fully connected layers on the
flattened 28x28 image. Outputs ``mlp.pt`` (checkpoint after every epoch, with the random number
generator's state, so that ``--resume`` goes on exactly as if uninterrupted) and ``mlp.png`` (curves)
under ``--out``; without MNIST's training images it trains on a fixed 8,000 / 2,000 split of the test set.
"""

import argparse
import time
from pathlib import Path

from _common import mnist_datasets, plot_history
from tqdm import tqdm

import minitorch as torch
from minitorch import nn, optim
from minitorch.utils.data import DataLoader
from minitorch.vision import transforms


class MLP(nn.Module):
    """784 -> 256 -> 128 -> 10, ReLU between the layers."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),  # 1x28x28 -> 784
            nn.Linear(28 * 28, 256),
            nn.ReLU(),
            nn.Linear(256, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        return self.layers(x)


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
                                     description="Train an MLP on MNIST.")
    parser.add_argument("--epochs", type=int, default=5, help="train up to this epoch")
    parser.add_argument("--batch-size", type=int, default=64, help="images per training step")
    parser.add_argument("--lr", type=float, default=0.05, help="SGD's learning rate")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD's momentum")
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

    model = MLP().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    history = {"train_loss": [], "test_loss": [], "test_acc": []}
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = args.out / "mlp.pt"
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

    plot_history(history, args.out / "mlp.png", "MLP on MNIST (minitorch)")
    print(f"checkpoint: {checkpoint_path}, curves: {args.out / 'mlp.png'}")


if __name__ == "__main__":
    main()
