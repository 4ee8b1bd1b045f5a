"""Vision datasets (``torchvision.datasets``): images come out as PIL Images when Pillow is installed."""

from .cifar import CIFAR10, CIFAR100
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST, check_md5, mnist_test_split
from .vision import StandardTransform, VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "MNIST", "DatasetFolder", "FashionMNIST", "ImageFolder", "StandardTransform",
           "VisionDataset", "check_md5", "mnist_test_split"]
