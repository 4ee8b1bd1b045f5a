"""Network in Network (Dive into Deep Learning, "Network in Network (NiN)"): blocks of one
convolution followed by two 1x1 convolutions (a per-pixel MLP), no fully connected layer at all; the
last block has one channel per class and a global average pooling turns it into the ten scores.

The chapter's 224x224 inputs are 96x96 here by default (``--resize``; at least 67).

    python examples/gallery/nin.py [--lib torch] [--resize 224]
"""

from _gallery import fashion_mnist, setup, train, xavier_init

args, torch = setup("NiN on Fashion-MNIST.", epochs=10, lr=0.1, batch_size=128, resize=96)
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


net = nn.Sequential(
    nin_block(1, 96, kernel_size=11, strides=4, padding=0),
    nn.MaxPool2d(3, stride=2),
    nin_block(96, 256, kernel_size=5, strides=1, padding=2),
    nn.MaxPool2d(3, stride=2),
    nin_block(256, 384, kernel_size=3, strides=1, padding=1),
    nn.MaxPool2d(3, stride=2),
    nn.Dropout(0.5),
    nin_block(384, 10, kernel_size=3, strides=1, padding=1),
    nn.AdaptiveAvgPool2d((1, 1)),
    nn.Flatten())
net.apply(xavier_init(torch))
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
