"""A multilayer perceptron, concise (Dive into Deep Learning, "Concise Implementation of Multilayer
Perceptrons"): ``Flatten``, ``Linear(784, 256)``, ``ReLU``, ``Linear(256, 10)``.

    python examples/gallery/mlp_concise.py [--lib torch]
"""

from _gallery import fashion_mnist, setup, train

args, torch = setup("A multilayer perceptron (concise) on Fashion-MNIST.", epochs=10, lr=0.1, batch_size=256)
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn

net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def init_weights(m):
    if type(m) is nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
