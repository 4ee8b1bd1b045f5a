"""Softmax regression, concise (Dive into Deep Learning, "Concise Implementation of Softmax
Regression"): ``nn.Flatten`` and one ``nn.Linear``, ``nn.CrossEntropyLoss`` (which takes the raw
scores and applies log-softmax itself, without overflow) and ``optim.SGD``.

    python examples/gallery/softmax_concise.py [--lib torch]
"""

from _gallery import fashion_mnist, setup, train

args, torch = setup("Softmax regression (concise) on Fashion-MNIST.", epochs=10, lr=0.1, batch_size=256)
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn

net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def init_weights(m):
    if type(m) is nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
