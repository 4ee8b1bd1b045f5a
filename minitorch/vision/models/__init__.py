"""``minitorch.vision.models``: torchvision's classification architectures, with its module names.

``models.resnet18(weights="IMAGENET1K_V1")`` downloads torchvision's checkpoint into torch's hub
cache (``minitorch.hub.get_dir()``) and loads it without torch; ``weights=None`` (the default)
gives a randomly initialised model, initialised as torchvision does. Every model's
``state_dict()`` has torchvision's keys in torchvision's order, and its output matches
torchvision's for the same weights.
"""

from ._api import (
    Weights,
    WeightsEnum,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
)
from .alexnet import *
from .densenet import *
from .googlenet import *
from .mobilenetv2 import *
from .resnet import *
from .vgg import *
