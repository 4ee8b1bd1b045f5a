"""AlexNet (Dive into Deep Learning, "Deep Convolutional Neural Networks (AlexNet)"): five
convolutions (11x11 with stride 4 first), max pooling, ReLU, two 4096-unit layers with dropout.

The chapter resizes the 28x28 images to 224x224; on a 2-core CPU one epoch of that takes hours, so the
default here is 96x96 (the smallest side the layers accept is 67). ``--resize 224`` is the chapter's.

    python examples/gallery/alexnet.py [--lib torch] [--resize 224]
"""

from _gallery import fashion_mnist, setup, train, xavier_init

args, torch = setup("AlexNet on Fashion-MNIST.", epochs=10, lr=0.01, batch_size=128, resize=96)
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn

features = nn.Sequential(
    nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),
    nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),
    nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
    nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
    nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),
    nn.Flatten())
with torch.no_grad():  # the chapter's 6400 inputs at 224x224; here, whatever --resize leaves
    num_features = features(torch.zeros(1, 1, args.resize, args.resize)).shape[1]
net = nn.Sequential(
    features,
    nn.Linear(num_features, 4096), nn.ReLU(), nn.Dropout(p=0.5),
    nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5),
    nn.Linear(4096, 10))
net.apply(xavier_init(torch))
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=args.lr)
train(net, train_iter, test_iter, loss, trainer, args, torch)
