"""DenseNet (Dive into Deep Learning, "Densely Connected Networks (DenseNet)"): dense blocks in which
every convolution (batch norm, ReLU, 3x3 conv: ``conv_block``) sees the concatenation of all the
block's earlier outputs, and transition layers (1x1 convolution, average pooling) that halve the
channels and the side. 96x96 inputs, as in the chapter (``--resize``).

    python examples/gallery/densenet.py [--lib torch]
"""

from _gallery import fashion_mnist, setup, train, xavier_init

args, torch = setup("DenseNet on Fashion-MNIST.", epochs=10, lr=0.1, batch_size=256, resize=96)
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn


def conv_block(in_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, in_channels, num_channels):
        super().__init__()
        self.net = nn.Sequential(*[conv_block(num_channels * i + in_channels, num_channels)
                                   for i in range(num_convs)])

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)  # each block's output joins its input, channel-wise
        return X


def transition_block(in_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, num_channels, kernel_size=1),
                         nn.AvgPool2d(kernel_size=2, stride=2))


b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                   nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
num_channels, growth_rate = 64, 32
blks = []
for i, num_convs in enumerate([4, 4, 4, 4]):
    blks.append(DenseBlock(num_convs, num_channels, growth_rate))
    num_channels += num_convs * growth_rate
    if i != 3:  # a transition layer between dense blocks halves the channels
        blks.append(transition_block(num_channels, num_channels // 2))
        num_channels //= 2
net = nn.Sequential(b1, *blks, nn.BatchNorm2d(num_channels), nn.ReLU(),
                    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(num_channels, 10))
net.apply(xavier_init(torch))
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
