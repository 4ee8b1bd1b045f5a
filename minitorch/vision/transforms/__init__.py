"""Image transforms (``torchvision.transforms``) on PIL Images and on (..., C, H, W) tensors.

``transforms.functional`` holds each op as a function (PIL side: the Pillow call torchvision
makes; tensor side: minitorch's ops); this package holds the classes that draw random
parameters and call them. Random transforms draw from minitorch's default generator, so
``minitorch.manual_seed`` makes them reproducible.
"""

from . import functional, v2
from .functional import InterpolationMode
from .transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    ConvertImageDtype,
    Grayscale,
    Lambda,
    Normalize,
    Pad,
    PILToTensor,
    RandomApply,
    RandomCrop,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
    ToPILImage,
    ToTensor,
)

__all__ = ["CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "Grayscale", "InterpolationMode", "Lambda",
           "Normalize", "PILToTensor", "Pad", "RandomApply", "RandomCrop", "RandomGrayscale", "RandomHorizontalFlip",
           "RandomResizedCrop", "RandomRotation", "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor",
           "functional", "v2"]
