"""VGG-11 (Dive into Deep Learning, "Networks Using Blocks (VGG)"): five blocks of 3x3 convolutions
and a 2x2 max pooling each, then three fully connected layers. As in the chapter, the channels are
divided by ``--ratio`` 4 (16, 32, 64, 128, 128 instead of 64 ... 512) so that it trains in reasonable
time; the chapter's 224x224 inputs are 96x96 here by default (``--resize``; at least 32).

    python examples/gallery/vgg.py [--lib torch] [--resize 224] [--ratio 1]
"""

from _gallery import fashion_mnist, setup, train, xavier_init

args, torch = setup("VGG-11 on Fashion-MNIST.", epochs=10, lr=0.05, batch_size=128, resize=96,
                    extra=lambda p: p.add_argument("--ratio", type=int, default=4, help="channels divided by"))
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


conv_arch = [(1, 64), (1, 128), (2, 256), (2, 512), (2, 512)]
blocks, in_channels = [], 1
for num_convs, out_channels in conv_arch:
    blocks.append(vgg_block(num_convs, in_channels, out_channels // args.ratio))
    in_channels = out_channels // args.ratio
side = args.resize // 2 ** len(conv_arch)  # each block halves the side: 224 -> 7, 96 -> 3
net = nn.Sequential(
    *blocks, nn.Flatten(),
    nn.Linear(in_channels * side * side, 4096), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(4096, 10))
net.apply(xavier_init(torch))
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
