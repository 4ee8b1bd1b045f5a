"""LeNet (Dive into Deep Learning, "Convolutional Neural Networks (LeNet)"): two convolutions with
sigmoid activations and average pooling, then three fully connected layers, as LeCun's 1998 network;
Xavier-initialised and trained with plain SGD at a large learning rate, as in the chapter.

    python examples/gallery/lenet.py [--lib torch]
"""

from _gallery import fashion_mnist, setup, train, xavier_init

args, torch = setup("LeNet on Fashion-MNIST.", epochs=10, lr=0.9, batch_size=256)
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(),
    nn.Linear(84, 10))
net.apply(xavier_init(torch))
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
