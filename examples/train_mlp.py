"""Train a multi-layer perceptron on MNIST with minitorch and SGD, written as a PyTorch script.

    python examples/train_mlp.py                         # 5 epochs: SGD, lr 0.05, momentum 0.9, batch 64
    python examples/train_mlp.py --epochs 8 --resume     # go on from runs/mlp.pt up to epoch 8

The same program as train_lenet.py with a different model and optimizer: fully connected layers on the
flattened 28x28 image, trained by the same loop (``_common.fit``). Outputs ``mlp.pt`` (checkpoint after every epoch, with the random number
generator's state, so that ``--resume`` goes on exactly as if uninterrupted) and ``mlp.png`` (curves)
under ``--out``; without MNIST's training images it trains on a fixed 8,000 / 2,000 split of the test set.
"""

from _common import example_parser, fit, mnist_datasets

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


def main():
    parser = example_parser("Train an MLP on MNIST.", epochs=5, lr=0.05, optimizer="SGD")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD's momentum")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set, test_set = mnist_datasets(args.data, not args.no_download, transform)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = MLP().to(device)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, test_loader, args, torch,
        name="mlp", title="MLP on MNIST (minitorch)")


if __name__ == "__main__":
    main()
