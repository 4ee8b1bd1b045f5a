"""``minitorch.vision``: image datasets and transforms in the style of torchvision.

``import minitorch.vision as torchvision`` lets tutorial code such as
``torchvision.datasets.MNIST(root, train=True, transform=torchvision.transforms.ToTensor())`` run.

Deliberate difference: torchvision hands PIL Images to transforms; minitorch does not depend
on PIL, so datasets return images as uint8 tensors (H x W, or H x W x C) and ``ToTensor``
accepts those as well as NumPy arrays.
"""

from . import datasets, transforms  # noqa: F401
