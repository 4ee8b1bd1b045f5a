"""ResNet-18 (Dive into Deep Learning, "Residual Networks (ResNet)"): residual blocks that add
their input to two 3x3 convolutions with batch normalization (a 1x1 convolution matches the shapes
where the block halves the side and doubles the channels), four stages of two blocks, global average
pooling. 96x96 inputs, as in the chapter (``--resize``).

    python examples/gallery/resnet.py [--lib torch]
"""

from _gallery import fashion_mnist, setup, train, xavier_init

args, torch = setup("ResNet-18 on Fashion-MNIST.", epochs=10, lr=0.05, batch_size=256, resize=96)
train_iter, test_iter = fashion_mnist(args, torch)
nn, F = torch.nn, torch.nn.functional


class Residual(nn.Module):
    def __init__(self, in_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(in_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


def resnet_block(in_channels, num_channels, num_residuals, first_block=False):
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(in_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blocks.append(Residual(num_channels, num_channels))
    return nn.Sequential(*blocks)


b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                   nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
net = nn.Sequential(b1,
                    resnet_block(64, 64, 2, first_block=True),
                    resnet_block(64, 128, 2),
                    resnet_block(128, 256, 2),
                    resnet_block(256, 512, 2),
                    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 10))
net.apply(xavier_init(torch))
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
