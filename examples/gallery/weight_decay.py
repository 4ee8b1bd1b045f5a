"""Weight decay (Dive into Deep Learning, "Weight Decay"), on Fashion-MNIST: the MLP of the MLP
chapter, with an L2 penalty on its weights but not its biases, given to ``optim.SGD`` as two
parameter groups (the chapter's concise version). ``--wd 0`` trains without it; with a training set of
a few hundred images (``--limit 500``) the gap between training and test accuracy shrinks with it.

    python examples/gallery/weight_decay.py [--lib torch] [--wd 1e-3]
"""

from _gallery import fashion_mnist, setup, train

args, torch = setup("An MLP with weight decay on Fashion-MNIST.", epochs=10, lr=0.1, batch_size=256,
                    extra=lambda p: p.add_argument("--wd", type=float, default=1e-3, help="weight decay"))
wd = args.wd
train_iter, test_iter = fashion_mnist(args, torch)
nn = torch.nn

net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
for m in net:
    if type(m) is nn.Linear:
        nn.init.normal_(m.weight, std=0.01)

weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
biases = [p for name, p in net.named_parameters() if name.endswith("bias")]
trainer = torch.optim.SGD([{"params": weights, "weight_decay": wd}, {"params": biases}], lr=args.lr)
loss = nn.CrossEntropyLoss(reduction="none")
print(f"weight decay {wd}; the squared norm of the weights starts at "
      f"{sum(float((w ** 2).sum()) for w in weights):.3f}")
train(net, train_iter, test_iter, loss, trainer, args, torch)
print(f"and ends at {sum(float((w.detach() ** 2).sum()) for w in weights):.3f}")
