"""VGG (Simonyan & Zisserman 2014, "Very Deep Convolutional Networks"), as ``torchvision.models.vgg``:
stacks of 3x3 convolutions (+ BatchNorm in the ``_bn`` variants) and ReLU, separated by 2x2 max-pooling
(``features``, built from a configuration list: a number is a convolution's output channels, "M" a
pool), adaptive average pooling to 7x7, and three fully connected layers (``classifier``)."""

from typing import Any

from ... import nn
from ..._tensor.methods import Tensor
from ._api import WeightsEnum, register_model
from ._utils import _ovewrite_named_param, handle_legacy_interface
from ._weights import RECIPES, imagenet1k

__all__ = [
    "VGG",
    "VGG11_BN_Weights",
    "VGG11_Weights",
    "VGG13_BN_Weights",
    "VGG13_Weights",
    "VGG16_BN_Weights",
    "VGG16_Weights",
    "VGG19_BN_Weights",
    "VGG19_Weights",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
]


class VGG(nn.Module):
    """``classifier(flatten(avgpool(features(x))))``; inputs of at least 32x32 pixels."""

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x)).flatten(1)
        return self.classifier(x)


def make_layers(cfg: list[str | int], batch_norm: bool = False) -> nn.Sequential:
    """The ``features`` stack of a configuration: ``conv3x3 [-> BatchNorm] -> ReLU`` per number, max-pool per "M"."""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, int(v), kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(int(v)), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = int(v)
    return nn.Sequential(*layers)


cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def _vgg(cfg: str, batch_norm: bool, weights: WeightsEnum | None, progress: bool, **kwargs: Any) -> VGG:
    if weights is not None:
        kwargs["init_weights"] = False
        if weights.meta["categories"] is not None:
            _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


_RECIPE = f"{RECIPES}#alexnet-and-vgg"
_URL = "https://download.pytorch.org/models/"

class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet1k(_URL + "vgg11-8a719046.pth", 132863336, (32, 32), 69.02, 88.628, _RECIPE)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet1k(_URL + "vgg11_bn-6002323d.pth", 132868840, (32, 32), 70.37, 89.81, _RECIPE)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet1k(_URL + "vgg13-19584684.pth", 133047848, (32, 32), 69.928, 89.246, _RECIPE)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet1k(_URL + "vgg13_bn-abd245e5.pth", 133053736, (32, 32), 71.586, 90.374, _RECIPE)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet1k(_URL + "vgg16-397923af.pth", 138357544, (32, 32), 71.592, 90.382, _RECIPE)
    # The SSD authors' conversion of the original Caffe weights: only ``features`` is meaningful (no
    # categories, the classifier is not trained), inputs in [0, 255] scale minus the mean.
    IMAGENET1K_FEATURES = imagenet1k(_URL + "vgg16_features-amdegroot-88682ab5.pth", 138357544, (32, 32),
                                     float("nan"), float("nan"), "https://github.com/amdegroot/ssd.pytorch#training-ssd",
                                     categories=None, mean=(0.48235, 0.45882, 0.40784),
                                     std=(1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0))
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet1k(_URL + "vgg16_bn-6c64b313.pth", 138365992, (32, 32), 73.36, 91.516, _RECIPE)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet1k(_URL + "vgg19-dcbb9e9d.pth", 143667240, (32, 32), 72.376, 90.876, _RECIPE)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet1k(_URL + "vgg19_bn-c79401a0.pth", 143678248, (32, 32), 74.218, 91.842, _RECIPE)
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG11_Weights.IMAGENET1K_V1))
def vgg11(*, weights: VGG11_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration "A"). ``weights``: a ``VGG11_Weights`` member, its name, or None."""
    return _vgg("A", False, VGG11_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG11_BN_Weights.IMAGENET1K_V1))
def vgg11_bn(*, weights: VGG11_BN_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration "A") with BatchNorm. ``weights``: a ``VGG11_BN_Weights`` member, its name, or None."""
    return _vgg("A", True, VGG11_BN_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG13_Weights.IMAGENET1K_V1))
def vgg13(*, weights: VGG13_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13 (configuration "B"). ``weights``: a ``VGG13_Weights`` member, its name, or None."""
    return _vgg("B", False, VGG13_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG13_BN_Weights.IMAGENET1K_V1))
def vgg13_bn(*, weights: VGG13_BN_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-13 (configuration "B") with BatchNorm. ``weights``: a ``VGG13_BN_Weights`` member, its name, or None."""
    return _vgg("B", True, VGG13_BN_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG16_Weights.IMAGENET1K_V1))
def vgg16(*, weights: VGG16_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 (configuration "D"). ``weights``: a ``VGG16_Weights`` member, its name, or None."""
    return _vgg("D", False, VGG16_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG16_BN_Weights.IMAGENET1K_V1))
def vgg16_bn(*, weights: VGG16_BN_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 (configuration "D") with BatchNorm. ``weights``: a ``VGG16_BN_Weights`` member, its name, or None."""
    return _vgg("D", True, VGG16_BN_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG19_Weights.IMAGENET1K_V1))
def vgg19(*, weights: VGG19_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19 (configuration "E"). ``weights``: a ``VGG19_Weights`` member, its name, or None."""
    return _vgg("E", False, VGG19_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG19_BN_Weights.IMAGENET1K_V1))
def vgg19_bn(*, weights: VGG19_BN_Weights | None = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-19 (configuration "E") with BatchNorm. ``weights``: a ``VGG19_BN_Weights`` member, its name, or None."""
    return _vgg("E", True, VGG19_BN_Weights.verify(weights), progress, **kwargs)
