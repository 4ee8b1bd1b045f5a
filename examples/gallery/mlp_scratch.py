"""A multilayer perceptron from scratch (Dive into Deep Learning, "Implementation of Multilayer
Perceptrons"): one hidden layer of 256 ReLU units, the parameters as plain tensors, the ReLU as
``max(X, 0)``, SGD by hand.

    python examples/gallery/mlp_scratch.py [--lib torch]
"""

from _gallery import fashion_mnist, setup, train

args, torch = setup("A multilayer perceptron from scratch on Fashion-MNIST.", epochs=10, lr=0.1, batch_size=256)
train_iter, test_iter = fashion_mnist(args, torch)

num_inputs, num_hiddens, num_outputs = 784, 256, 10
W1 = (torch.randn(num_inputs, num_hiddens) * 0.01).requires_grad_()
b1 = torch.zeros(num_hiddens, requires_grad=True)
W2 = (torch.randn(num_hiddens, num_outputs) * 0.01).requires_grad_()
b2 = torch.zeros(num_outputs, requires_grad=True)
params = [W1, b1, W2, b2]


def relu(X):
    return torch.max(X, torch.zeros_like(X))


def net(X):
    H = relu(X.reshape(-1, num_inputs) @ W1 + b1)
    return H @ W2 + b2


loss = torch.nn.CrossEntropyLoss(reduction="none")


def sgd(batch_size):
    with torch.no_grad():
        for param in params:
            param -= args.lr * param.grad / batch_size
            param.grad.zero_()


train(net, train_iter, test_iter, loss, sgd, args, torch)
