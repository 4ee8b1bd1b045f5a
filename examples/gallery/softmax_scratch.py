"""Softmax regression from scratch (Dive into Deep Learning, "Implementation of Softmax Regression
from Scratch"): a 784 x 10 weight matrix, the softmax and the cross-entropy written out, and
minibatch SGD by hand.

    python examples/gallery/softmax_scratch.py               # minitorch, 10 epochs (about 83% test accuracy)
    python examples/gallery/softmax_scratch.py --lib torch   # the same program on PyTorch
"""

from _gallery import fashion_mnist, setup, train

args, torch = setup("Softmax regression from scratch on Fashion-MNIST.", epochs=10, lr=0.1, batch_size=256)
train_iter, test_iter = fashion_mnist(args, torch)

num_inputs, num_outputs = 784, 10
W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)  # minus the row's largest: no overflow
    return X_exp / X_exp.sum(dim=1, keepdim=True)


def net(X):
    return softmax(torch.matmul(X.reshape(-1, num_inputs), W) + b)


def cross_entropy(y_hat, y):
    """Minus the log of the probability given to the right class, one per example."""
    return -torch.log(y_hat[range(len(y_hat)), y])


def sgd(batch_size):
    """One step down the gradient of the summed loss, divided by the batch size."""
    with torch.no_grad():
        for param in (W, b):
            param -= args.lr * param.grad / batch_size
            param.grad.zero_()


train(net, train_iter, test_iter, cross_entropy, sgd, args, torch)
