"""Batch normalization (Dive into Deep Learning, "Batch Normalization"): the chapter's LeNet with a
``BatchNorm2d`` after each convolution and a ``BatchNorm1d`` after each hidden linear layer, which
lets it train at learning rate 1.0. ``batch_norm`` below is the chapter's from-scratch version
(``--scratch`` uses it); ``nn.BatchNorm2d`` / ``nn.BatchNorm1d`` do the same, and keep running means
for evaluation mode.

    python examples/gallery/batchnorm.py [--lib torch] [--scratch]
"""

from _gallery import fashion_mnist, setup, train, xavier_init

args, torch = setup("LeNet with batch normalization on Fashion-MNIST.", epochs=10, lr=1.0, batch_size=256,
                    extra=lambda p: p.add_argument("--scratch", action="store_true",
                                                   help="use the BatchNorm below instead of nn's"))
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum, training):
    if not training:  # evaluation: the running statistics
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        dims = (0,) if X.dim() == 2 else (0, 2, 3)  # per feature, or per channel over all pixels
        mean = X.mean(dim=dims, keepdim=True)
        var = ((X - mean) ** 2).mean(dim=dims, keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        with torch.no_grad():
            moving_mean.mul_(1.0 - momentum).add_(momentum * mean)
            moving_var.mul_(1.0 - momentum).add_(momentum * var)
    return gamma * X_hat + beta


class BatchNorm(nn.Module):
    def __init__(self, num_features, num_dims):
        super().__init__()
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.register_buffer("moving_mean", torch.zeros(shape))
        self.register_buffer("moving_var", torch.ones(shape))

    def forward(self, X):
        return batch_norm(X, self.gamma, self.beta, self.moving_mean, self.moving_var,
                          eps=1e-5, momentum=0.1, training=self.training)


if args.scratch:
    def BatchNorm2d(n): return BatchNorm(n, num_dims=4)
    def BatchNorm1d(n): return BatchNorm(n, num_dims=2)
else:
    BatchNorm2d, BatchNorm1d = nn.BatchNorm2d, nn.BatchNorm1d
net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5), BatchNorm2d(6), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), BatchNorm2d(16), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(16 * 4 * 4, 120), BatchNorm1d(120), nn.Sigmoid(),
    nn.Linear(120, 84), BatchNorm1d(84), nn.Sigmoid(),
    nn.Linear(84, 10))
net.apply(xavier_init(torch))
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
