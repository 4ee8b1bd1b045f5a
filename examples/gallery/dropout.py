"""Dropout (Dive into Deep Learning, "Dropout"): an MLP with two hidden layers of 256 units and
dropout after each (probability 0.2, then 0.5). ``dropout_layer`` is the chapter's from-scratch
version; the network uses ``nn.Dropout``, which does the same in training mode and nothing in
evaluation mode (``net.eval()``, which the evaluation switches on).

    python examples/gallery/dropout.py [--lib torch] [--scratch]
"""

from _gallery import fashion_mnist, setup, train

args, torch = setup("An MLP with dropout on Fashion-MNIST.", epochs=10, lr=0.5, batch_size=256,
                    extra=lambda p: p.add_argument("--scratch", action="store_true",
                                                   help="use dropout_layer below instead of nn.Dropout"))
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn
dropout1, dropout2 = 0.2, 0.5


def dropout_layer(X, dropout):
    """Zero each element with probability ``dropout``, and scale the others by 1 / (1 - dropout)."""
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


class ScratchDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, X):
        return dropout_layer(X, self.p) if self.training else X


Dropout = ScratchDropout if args.scratch else nn.Dropout
net = nn.Sequential(nn.Flatten(),
                    nn.Linear(784, 256), nn.ReLU(), Dropout(dropout1),
                    nn.Linear(256, 256), nn.ReLU(), Dropout(dropout2),
                    nn.Linear(256, 10))


def init_weights(m):
    if type(m) is nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
