"""``transforms.v2``: transforms over whole samples (an image with its label, a dict...), as
``torchvision.transforms.v2``. See ``_transform.Transform`` for which parts of a sample are
transformed; ``ToImage`` + ``ToDtype(float32, scale=True)`` replace v1's ``ToTensor``.
"""

from ..functional import InterpolationMode
from . import functional
from ._transform import Transform
from ._transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    Grayscale,
    Lambda,
    Normalize,
    Pad,
    PILToTensor,
    RandomApply,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomVerticalFlip,
    Resize,
    ToDtype,
    ToImage,
    ToPILImage,
    ToPureTensor,
)

__all__ = ["CenterCrop", "ColorJitter", "Compose", "Grayscale", "InterpolationMode", "Lambda", "Normalize",
           "PILToTensor", "Pad", "RandomApply", "RandomCrop", "RandomHorizontalFlip", "RandomResizedCrop",
           "RandomRotation", "RandomVerticalFlip", "Resize", "ToDtype", "ToImage", "ToPILImage", "ToPureTensor",
           "Transform", "functional"]
