"""Vision datasets (``torchvision.datasets``)."""

from .mnist import MNIST, FashionMNIST, check_md5, mnist_test_split  # noqa: F401
