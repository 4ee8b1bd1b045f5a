"""End-to-end parity of the classic CNN architectures (Dive into Deep Learning, chapters 7-8).

Each architecture is written once, as a function of the library (``torch`` or ``minitorch``), so
the same code builds both models. The minitorch model loads torch's ``state_dict``; both get the
same float64 input; then the outputs, the input gradient, every parameter gradient (by name) and,
after a training-mode forward, BatchNorm's running statistics must agree to 1e-10 relative.
Widths and input sizes are tiny: the point is the wiring (parallel branches, concatenation,
shortcuts, train/eval), not the arithmetic of each layer, which test_nn_* checks op by op.
A float32 training check runs 5 SGD steps on a tiny ResNet in both libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch

TOL = 1e-10


# ----------------------------------------------------------------------------- architectures


def lenet(lib: Any) -> Any:
    """LeNet-5 (sigmoid, average pooling) on 1x28x28."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def alexnet(lib: Any) -> Any:
    """AlexNet-style: large strided conv, ReLU, overlapping max pooling, dropout, linear head; 1x32x32."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=5, stride=2, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(8, 12, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(12, 12, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(),
        nn.Linear(12 * 3 * 3, 32), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(32, 32), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(32, 10))


def vgg_block(lib: Any, num_convs: int, in_channels: int, out_channels: int) -> Any:
    """VGG block: num_convs 3x3 same-padding convs with ReLU, then 2x2 max pooling."""
    nn = lib.nn
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(lib: Any) -> Any:
    """Two VGG blocks and a linear head; 1x16x16."""
    nn = lib.nn
    return nn.Sequential(vgg_block(lib, 1, 1, 4), vgg_block(lib, 2, 4, 8), nn.Flatten(),
                         nn.Linear(8 * 4 * 4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 10))


def nin_block(lib: Any, in_channels: int, out_channels: int, kernel_size: int, stride: int,
              padding: int) -> Any:
    """NiN block: one spatial conv followed by two 1x1 convs (a per-pixel MLP), ReLUs between."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def nin(lib: Any) -> Any:
    """NiN: blocks, max pooling, a 10-channel block and global average pooling as the head; 1x20x20."""
    nn = lib.nn
    return nn.Sequential(
        nin_block(lib, 1, 6, kernel_size=5, stride=2, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(lib, 6, 8, kernel_size=3, stride=1, padding=1),
        nn.Dropout(0.5),
        nin_block(lib, 8, 10, kernel_size=3, stride=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten())


def inception(lib: Any, in_channels: int, c1: int, c2: tuple[int, int], c3: tuple[int, int],
              c4: int) -> Any:
    """GoogLeNet Inception block: four parallel branches concatenated along channels.

    1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | 3x3 max pool -> 1x1; every branch keeps the spatial size.
    """
    nn, F = lib.nn, lib.nn.functional

    class Inception(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.b1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
            self.b2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
            self.b2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
            self.b3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
            self.b3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
            self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
            self.b4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)

        def forward(self, x: Any) -> Any:
            b1 = F.relu(self.b1_1(x))
            b2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
            b3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
            b4 = F.relu(self.b4_2(self.b4_1(x)))
            return lib.cat((b1, b2, b3, b4), dim=1)

    return Inception()


def googlenet(lib: Any) -> Any:
    """A GoogLeNet stem, two Inception blocks, global average pooling and a linear head; 1x16x16."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        inception(lib, 8, 4, (4, 6), (2, 3), 3),
        inception(lib, 16, 4, (6, 8), (2, 4), 4),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.Linear(20, 10))


def residual(lib: Any, in_channels: int, num_channels: int, use_1x1conv: bool = False,
             strides: int = 1) -> Any:
    """ResNet residual block: y = relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)).

    The shortcut is the identity, or a strided 1x1 conv when the shape changes.
    """
    nn, F = lib.nn, lib.nn.functional

    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1,
                                   stride=strides)
            self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
            self.conv3 = (nn.Conv2d(in_channels, num_channels, kernel_size=1, stride=strides)
                          if use_1x1conv else None)
            self.bn1 = nn.BatchNorm2d(num_channels)
            self.bn2 = nn.BatchNorm2d(num_channels)

        def forward(self, x: Any) -> Any:
            y = F.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            if self.conv3 is not None:
                x = self.conv3(x)
            return F.relu(y + x)

    return Residual()


def resnet(lib: Any) -> Any:
    """A tiny ResNet: stem (conv-BN-ReLU-maxpool), an identity block, a stride-2 block with a
    1x1 shortcut, global average pooling, linear head; 1x16x16."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, kernel_size=3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        residual(lib, 4, 4),
        residual(lib, 4, 8, use_1x1conv=True, strides=2),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.Linear(8, 10))


def conv_block(lib: Any, in_channels: int, num_channels: int) -> Any:
    """DenseNet's pre-activation conv block: BN, ReLU, 3x3 conv."""
    nn = lib.nn
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1))


def dense_block(lib: Any, num_convs: int, in_channels: int, num_channels: int) -> Any:
    """DenseNet dense block: each conv block's output is concatenated to its input along channels."""
    nn = lib.nn

    class DenseBlock(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(*[conv_block(lib, in_channels + i * num_channels, num_channels)
                                       for i in range(num_convs)])

        def forward(self, x: Any) -> Any:
            for blk in self.net:
                x = lib.cat((x, blk(x)), dim=1)
            return x

    return DenseBlock()


def transition_block(lib: Any, in_channels: int, num_channels: int) -> Any:
    """DenseNet transition layer: BN, ReLU, 1x1 conv to fewer channels, 2x2 average pooling."""
    nn = lib.nn
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, num_channels, kernel_size=1),
                         nn.AvgPool2d(kernel_size=2, stride=2))


def densenet(lib: Any) -> Any:
    """A tiny DenseNet: stem, dense block, transition, dense block, BN-ReLU, global pool; 1x16x16."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, kernel_size=3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        dense_block(lib, 2, 4, 3),    # 4 + 2*3 = 10 channels
        transition_block(lib, 10, 5),
        dense_block(lib, 2, 5, 3),    # 5 + 2*3 = 11 channels
        nn.BatchNorm2d(11), nn.ReLU(),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.Linear(11, 10))


# ----------------------------------------------------------------------------- comparison

# (name, builder, input shape, modes): "eval" checks the deterministic model (dropout off, BN on
# running statistics), "train" also compares BN's running statistics after the forward.
ARCHITECTURES: list[tuple[str, Callable[[Any], Any], tuple[int, ...], tuple[str, ...]]] = [
    ("lenet", lenet, (2, 1, 28, 28), ("eval", "train")),
    ("alexnet", alexnet, (2, 1, 32, 32), ("eval",)),
    ("vgg", vgg, (2, 1, 16, 16), ("eval",)),
    ("vgg_block", lambda lib: vgg_block(lib, 2, 3, 4), (2, 3, 8, 8), ("eval", "train")),
    ("nin", nin, (2, 1, 20, 20), ("eval",)),
    ("nin_block", lambda lib: nin_block(lib, 3, 4, 3, 2, 1), (2, 3, 9, 9), ("train",)),
    ("googlenet", googlenet, (2, 1, 16, 16), ("eval", "train")),
    ("inception", lambda lib: inception(lib, 3, 2, (2, 3), (1, 2), 2), (2, 3, 6, 6), ("train",)),
    ("resnet", resnet, (3, 1, 16, 16), ("eval", "train")),
    ("residual_1x1_stride2", lambda lib: residual(lib, 3, 6, use_1x1conv=True, strides=2),
     (3, 3, 7, 7), ("eval", "train")),
    ("residual_identity", lambda lib: residual(lib, 3, 3), (3, 3, 6, 6), ("eval", "train")),
    ("densenet", densenet, (3, 1, 16, 16), ("eval", "train")),
    ("dense_block", lambda lib: dense_block(lib, 2, 3, 2), (3, 3, 6, 6), ("eval", "train")),
    ("transition_block", lambda lib: transition_block(lib, 5, 3), (3, 5, 6, 6), ("eval", "train")),
]

CASES = [pytest.param(name, build, shape, mode, id=f"{name}-{mode}")
         for name, build, shape, modes in ARCHITECTURES for mode in modes]


def _np(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy()  # torch and minitorch tensors alike


def _close(actual: Any, expected: Any, what: str, tol: float = TOL, scale: float = 0.0) -> None:
    """Relative agreement; entries near zero are judged against the tensor's (or ``scale``'s) size."""
    a, e = _np(actual), _np(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    scale = max(scale, float(np.abs(e).max()) if e.size else 0.0)
    np.testing.assert_allclose(a, e, rtol=tol, atol=tol * scale, err_msg=what)


def _randomize_bn(model: Any, seed: int) -> None:
    """Non-trivial BN affine parameters and running statistics, so eval mode exercises them."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(1 + 0.5 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.5 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.3 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))


def _pair(build: Callable[[Any], Any], dtype: torch.dtype) -> tuple[Any, Any]:
    """The same architecture in torch and minitorch, minitorch holding torch's weights."""
    torch.manual_seed(0)
    tm = build(torch).to(dtype)
    _randomize_bn(tm, seed=1)
    mm = build(minitorch).to(getattr(minitorch, str(dtype).removeprefix("torch.")))
    result = mm.load_state_dict(tm.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    return tm, mm


@pytest.mark.parametrize("name, build, shape, mode", CASES)
def test_architecture_forward_backward(name: str, build: Callable[[Any], Any],
                                       shape: tuple[int, ...], mode: str) -> None:
    tm, mm = _pair(build, torch.float64)
    tm.train(mode == "train")
    mm.train(mode == "train")
    if mode == "train":
        # dropout would draw different masks in the two libraries
        assert not any(isinstance(m, torch.nn.Dropout) for m in tm.modules())
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    tx = torch.tensor(x, requires_grad=True)
    mx = minitorch.tensor(x, requires_grad=True)

    ty, my = tm(tx), mm(mx)
    _close(my, ty, f"{name} output")

    # a random cotangent: sum() would make BN's training-mode input gradient vanish
    w = rng.standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    (my * minitorch.tensor(w)).sum().backward()
    _close(mx.grad, tx.grad, f"{name} input grad")

    tparams, mparams = dict(tm.named_parameters()), dict(mm.named_parameters())
    assert list(mparams) == list(tparams)
    # A conv bias followed by training-mode BN has an exactly-zero gradient that both libraries
    # compute as rounding noise (~1e-15), so gradients are judged against the largest one.
    grad_scale = max(float(tp.grad.abs().max()) for tp in tparams.values())
    for pname, tp in tparams.items():
        assert mparams[pname].grad is not None, f"{name}: no grad for {pname}"
        _close(mparams[pname].grad, tp.grad, f"{name} grad of {pname}", scale=grad_scale)

    tbufs, mbufs = dict(tm.named_buffers()), dict(mm.named_buffers())
    assert list(mbufs) == list(tbufs)
    for bname, tb in tbufs.items():
        _close(mbufs[bname], tb, f"{name} buffer {bname} after {mode} forward")

    if mode == "train":  # then inference on the statistics just updated
        tm.eval()
        mm.eval()
        with torch.no_grad(), minitorch.no_grad():
            _close(mm(mx), tm(tx), f"{name} eval output after a training step")


# ----------------------------------------------------------------------------- training


def test_resnet_sgd_training_float32() -> None:
    """5 SGD steps (momentum, weight decay) on a tiny ResNet from identical weights and batches."""
    tm, mm = _pair(resnet, torch.float32)
    tm.train()
    mm.train()
    topt = torch.optim.SGD(tm.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    mopt = minitorch.optim.SGD(mm.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    tloss_fn, mloss_fn = torch.nn.CrossEntropyLoss(), minitorch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    tlosses, mlosses = [], []
    for _ in range(5):
        x = rng.standard_normal((8, 1, 16, 16)).astype(np.float32)
        y = rng.integers(0, 10, size=8)
        tl = tloss_fn(tm(torch.tensor(x)), torch.tensor(y))
        ml = mloss_fn(mm(minitorch.tensor(x)), minitorch.tensor(y))
        topt.zero_grad()
        mopt.zero_grad()
        tl.backward()
        ml.backward()
        topt.step()
        mopt.step()
        tlosses.append(tl.item())
        mlosses.append(ml.item())
    np.testing.assert_allclose(mlosses, tlosses, rtol=1e-5)
    assert tlosses[-1] != tlosses[0]  # the weights did change
    mstate = mm.state_dict()
    for key, tv in tm.state_dict().items():
        _close(mstate[key], tv, f"state {key} after training", tol=1e-4)
