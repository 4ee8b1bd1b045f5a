"""``minitorch.vision``: image datasets, transforms, I/O and utilities in the style of torchvision.

``import minitorch.vision as torchvision`` lets tutorial code such as
``torchvision.datasets.MNIST(root, train=True, transform=torchvision.transforms.ToTensor())`` run.
Datasets return PIL Images, as torchvision's, when Pillow is installed (it comes with matplotlib);
without it they return uint8 tensors (H x W or H x W x C), which ``transforms.ToTensor`` accepts
too. Pillow is imported only when an image is decoded or converted.
"""

from . import datasets, io, models, transforms, tv_tensors, utils

__all__ = ["__version__", "datasets", "io", "transforms", "tv_tensors", "utils"]
__version__ = "0.28.0"  # the torchvision release whose API this follows
