"""Train LeNet-5 on MNIST with minitorch, written as a PyTorch script.

    python examples/train_lenet.py                          # 3 epochs: Adam, lr 2e-3, batch 64
    python examples/train_lenet.py --epochs 5 --resume      # go on from runs/lenet.pt up to epoch 5

After every epoch it prints the loss and the test accuracy and saves a checkpoint (``lenet.pt``,
with the random number generator's state, so that a resumed run is the uninterrupted one bit for
bit); at the end it plots the curves (``lenet.png``), both under ``--out``. MNIST is looked for in
``--data``, ``./data`` and ``../shared/datasets/mnist``, and downloaded into ``./data`` where none has
it; with only its 10,000 test images at hand, it says so and trains on a fixed 8,000 / 2,000 split of
them. The loop, the checkpoints and the plot are ``_common.fit``'s, shared with ``train_mlp.py``.
Replace ``minitorch`` by ``torch`` (and ``minitorch.vision`` by ``torchvision``) and the same program
runs on PyTorch: ``fit`` is handed the library as ``torch``.
"""

from _common import example_parser, fit, mnist_datasets

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


def main():
    parser = example_parser("Train LeNet-5 on MNIST.", epochs=3, lr=2e-3, optimizer="Adam")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set, test_set = mnist_datasets(args.data, not args.no_download, transform)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = LeNet().to(device)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, test_loader, args, torch,
        name="lenet", title="LeNet-5 on MNIST (minitorch)")


if __name__ == "__main__":
    main()
