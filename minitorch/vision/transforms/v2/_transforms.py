"""The v2 transforms learners use, with torchvision 0.28's parameters, random draws and pass-through.

The image ops are the v1 ``functional`` ones (PIL side: Pillow; tensor side: minitorch's ops);
what v2 adds is in ``Transform``: whole samples in, one ``make_params`` draw per call, and
``tv_tensors.Image`` kept as such.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...._core import dtype as _dtype
from ...._ops.creation.factories import as_tensor, empty, from_numpy
from ...._ops.random.sampling import randint, randperm
from ...._tensor.methods import Tensor
from ..._pil import is_pil_image
from ...tv_tensors import Image
from .. import functional as F
from ..functional import InterpolationMode, interpolation_mode
from ..transforms import _check_sequence_input, _setup_angle, _setup_size
from ._transform import RandomApplyTransform, Transform, is_pure_tensor


def _interpolation(value: Any) -> InterpolationMode:
    """An ``InterpolationMode`` from itself, its string value (``"bilinear"``) or a Pillow constant."""
    if isinstance(value, str):
        modes = {m.value: m for m in InterpolationMode}
        if value not in modes:
            raise ValueError(f"Invalid interpolation mode: '{value}'. Supported string values are: {list(modes)}.")
        return modes[value]
    return interpolation_mode(value)


def _query_size(flat_inputs: list[Any]) -> tuple[int, int]:
    """The (H, W) that all images of the sample share."""
    sizes = {tuple(F.get_dimensions(inpt)[1:]) for inpt in flat_inputs
             if is_pure_tensor(inpt) or isinstance(inpt, Image) or is_pil_image(inpt)}
    if not sizes:
        raise TypeError("No image, video, mask, bounding box of keypoint was found in the sample")
    if len(sizes) > 1:
        raise ValueError(f"Found multiple HxW dimensions in the sample: {sorted(sizes)}")
    h, w = sizes.pop()
    return h, w


def _fill(fill: Any) -> Any:
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg, only Numbers, tuples, lists and dicts are allowed.")
    return fill if fill is None or isinstance(fill, (int, float)) else [float(v) for v in fill]


def _check_padding(padding: Any, padding_mode: str) -> None:
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in [1, 2, 4]:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")


# --- containers and conversions -------------------------------------------------------------------

class Compose(Transform):
    """Apply ``transforms`` in order to the whole sample."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        self.transforms = transforms

    def forward(self, *inputs: Any) -> Any:
        needs_unpacking = len(inputs) > 1
        for t in self.transforms:
            outputs = t(*inputs)
            inputs = outputs if needs_unpacking else (outputs,)
        return outputs

    def extra_repr(self) -> str:
        return "\n".join(f"    {t}" for t in self.transforms)


class RandomApply(Transform):
    """With probability ``p`` (one draw: ``rand(1) >= p`` skips), apply all of ``transforms``."""

    def __init__(self, transforms: Sequence[Callable], p: float = 0.5) -> None:
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables or a `nn.ModuleList`")
        if not transforms:
            raise ValueError("Pass at least one transform")
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        self.transforms, self.p = transforms, p

    def forward(self, *inputs: Any) -> Any:
        from ...._ops.random.sampling import rand

        needs_unpacking = len(inputs) > 1
        if rand(1) >= self.p:
            return inputs if needs_unpacking else inputs[0]
        for t in self.transforms:
            outputs = t(*inputs)
            inputs = outputs if needs_unpacking else (outputs,)
        return outputs

    def extra_repr(self) -> str:
        return "\n".join(f"    {t}" for t in self.transforms)


class ToImage(Transform):
    """PIL Image, (H, W[, C]) ndarray or plain tensor -> ``tv_tensors.Image`` (C, H, W), values unchanged."""

    def transforms_leaf(self, inpt: Any) -> bool:
        return is_pure_tensor(inpt) or is_pil_image(inpt) or isinstance(inpt, np.ndarray)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Image:
        if isinstance(inpt, np.ndarray):
            return Image(from_numpy(np.ascontiguousarray(np.atleast_3d(inpt).transpose((2, 0, 1)))))
        return Image(inpt)


class ToPureTensor(Transform):
    """``tv_tensors.Image`` -> plain Tensor (same data)."""

    def transforms_leaf(self, inpt: Any) -> bool:
        return isinstance(inpt, Image)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Tensor:
        return inpt.as_plain_tensor()


class PILToTensor(Transform):
    """PIL Image -> (C, H, W) tensor of the same values."""

    def transforms_leaf(self, inpt: Any) -> bool:
        return is_pil_image(inpt)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Tensor:
        return F.pil_to_tensor(inpt)


class ToPILImage(Transform):
    """Tensor, ``Image`` or ndarray -> PIL Image (``F.to_pil_image``)."""

    def __init__(self, mode: str | None = None) -> None:
        super().__init__()
        self.mode = mode

    def transforms_leaf(self, inpt: Any) -> bool:
        return isinstance(inpt, (Tensor, np.ndarray))

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.to_pil_image(inpt.as_plain_tensor() if isinstance(inpt, Image) else inpt, mode=self.mode)


def to_dtype(image: Tensor, dtype, scale: bool = False) -> Tensor:
    """``image.to(dtype)``; with ``scale``, full intensity maps to full intensity (int -> float
    multiplies by ``1 / max``, float -> int by ``max + 1 - 1e-3`` and truncates)."""
    if image.dtype is dtype:
        return image
    if not scale:
        return image.to(dtype)
    if not image.is_floating_point() and dtype.is_floating_point:
        return image.to(dtype).mul_(1.0 / F.F_t.max_value(image.dtype))
    return F.convert_image_dtype(image, dtype)


class ToDtype(Transform):
    """Convert images and the first plain tensor to ``dtype`` (a dict maps types, or ``"others"``,
    to dtypes); ``scale=True`` rescales values as ``to_dtype``."""

    def __init__(self, dtype: Any, scale: bool = False) -> None:
        super().__init__()
        if not isinstance(dtype, (dict, _dtype.dtype)):
            raise ValueError(f"dtype must be a dict or a torch.dtype, got {type(dtype)} instead")  # noqa: TRY004
        self.dtype, self.scale = dtype, scale

    def transforms_leaf(self, inpt: Any) -> bool:
        return isinstance(inpt, Tensor)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if isinstance(self.dtype, dict):
            if type(inpt) in self.dtype:
                dtype = self.dtype[type(inpt)]
            elif "others" in self.dtype:
                dtype = self.dtype["others"]
            else:
                raise ValueError(f"No dtype was specified for type {type(inpt)}. If you only need to convert the "
                                 "dtype of images or videos, you can just pass e.g. dtype=torch.float32.")
            if dtype is None:
                return inpt
        else:
            if not (is_pure_tensor(inpt) or isinstance(inpt, Image)):
                return inpt
            dtype = self.dtype
        return self.call_kernel(to_dtype, inpt, dtype, self.scale)

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


class Lambda(Transform):
    """``lambd(leaf)`` on every leaf of the sample that is an instance of ``types`` (default: all)."""

    def __init__(self, lambd: Callable[[Any], Any], *types: type) -> None:
        super().__init__()
        self.lambd, self.types = lambd, types or (object,)

    def transforms_leaf(self, inpt: Any) -> bool:
        return True

    def needs_transform_list(self, flat_inputs: list[Any]) -> list[bool]:
        return [True] * len(flat_inputs)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.lambd(inpt) if isinstance(inpt, self.types) else inpt

    def extra_repr(self) -> str:
        name = getattr(self.lambd, "__name__", None)
        return ", ".join(([name] if name else []) + [f"types={[t.__name__ for t in self.types]}"])


class Normalize(Transform):
    """Per channel ``(x[c] - mean[c]) / std[c]`` on float tensor images (PIL Images are refused)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        super().__init__()
        self.mean, self.std, self.inplace = list(mean), list(std), inplace

    def check_inputs(self, flat_inputs: list[Any]) -> None:
        if any(is_pil_image(inpt) for inpt in flat_inputs):
            raise TypeError(f"{type(self).__name__}() does not support PIL images.")

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.call_kernel(F.normalize, inpt, mean=self.mean, std=self.std, inplace=self.inplace)


# --- geometry -------------------------------------------------------------------------------------

class RandomHorizontalFlip(RandomApplyTransform):
    """With probability ``p``, mirror left to right."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.call_kernel(F.hflip, inpt)


class RandomVerticalFlip(RandomApplyTransform):
    """With probability ``p``, mirror top to bottom."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.call_kernel(F.vflip, inpt)


class Resize(Transform):
    """Resize to ``size`` ([h, w], or [n] / n for the shorter side), as ``F.resize``."""

    def __init__(self, size: int | Sequence[int] | None, interpolation: Any = "bilinear", max_size: int | None = None,
                 antialias: bool | None = True) -> None:
        super().__init__()
        if isinstance(size, int):
            size = [size]
        elif isinstance(size, Sequence) and len(size) in {1, 2}:
            size = list(size)
        elif size is None:
            if not isinstance(max_size, int):
                raise ValueError(  # noqa: TRY004 - torchvision's exception
                    f"max_size must be an integer when size is None, but got {max_size} instead.")
        else:
            raise ValueError(f"size can be an integer, a sequence of one or two integers, or None, but got {size} "
                             "instead.")
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        size = self.size
        if size is None:  # only max_size: the longer side becomes max_size
            h, w = F.get_dimensions(inpt)[1:]
            new_short = int(self.max_size * min(h, w) / max(h, w))  # type: ignore[operator]
            size = [self.max_size, new_short] if w <= h else [new_short, self.max_size]
            return self.call_kernel(F.resize, inpt, size, _interpolation(self.interpolation), antialias=self.antialias)
        return self.call_kernel(F.resize, inpt, size, _interpolation(self.interpolation), self.max_size,
                                self.antialias)


class CenterCrop(Transform):
    """The central ``size`` window."""

    def __init__(self, size: int | Sequence[int]) -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.call_kernel(F.center_crop, inpt, self.size)


class Pad(Transform):
    """Pad the borders, as ``F.pad``."""

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        super().__init__()
        _check_padding(padding, padding_mode)
        self.padding = padding if isinstance(padding, int) else list(padding)
        self.fill, self._fill, self.padding_mode = fill, _fill(fill), padding_mode

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.call_kernel(F.pad, inpt, self.padding, self._fill, self.padding_mode)


class RandomCrop(Transform):
    """Pad (``padding``; ``pad_if_needed`` pads both sides of a too-small dimension), then cut a
    ``size`` window at a uniformly random position."""

    def __init__(self, size: int | Sequence[int], padding: Any = None, pad_if_needed: bool = False, fill: Any = 0,
                 padding_mode: str = "constant") -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        if pad_if_needed or padding is not None:
            if padding is not None:
                _check_padding(padding, padding_mode)
            elif padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
                raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        # stored as [left, right, top, bottom], as torchvision's v2 does
        self.padding = None
        if padding:
            left, top, right, bottom = F._padding_ltrb(padding)
            self.padding = [left, right, top, bottom]
        self.pad_if_needed, self.fill, self._fill, self.padding_mode = pad_if_needed, fill, _fill(fill), padding_mode

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        padded_height, padded_width = _query_size(flat_inputs)
        pad_left, pad_right, pad_top, pad_bottom = self.padding or [0, 0, 0, 0]
        padded_height += pad_top + pad_bottom
        padded_width += pad_left + pad_right
        cropped_height, cropped_width = self.size
        if self.pad_if_needed:
            if padded_height < cropped_height:
                diff = cropped_height - padded_height
                pad_top, pad_bottom, padded_height = pad_top + diff, pad_bottom + diff, padded_height + 2 * diff
            if padded_width < cropped_width:
                diff = cropped_width - padded_width
                pad_left, pad_right, padded_width = pad_left + diff, pad_right + diff, padded_width + 2 * diff
        if padded_height < cropped_height or padded_width < cropped_width:
            raise ValueError(f"Required crop size {(cropped_height, cropped_width)} is larger than "
                             f"{'padded ' if self.padding is not None else ''}input image size "
                             f"{(padded_height, padded_width)}.")
        padding = [pad_left, pad_top, pad_right, pad_bottom]
        top = int(randint(0, padded_height - cropped_height + 1, size=())) if padded_height > cropped_height else 0
        left = int(randint(0, padded_width - cropped_width + 1, size=())) if padded_width > cropped_width else 0
        return {"needs_crop": padded_height > cropped_height or padded_width > cropped_width, "top": top,
                "left": left, "height": cropped_height, "width": cropped_width, "needs_pad": any(padding),
                "padding": padding}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if params["needs_pad"]:
            inpt = self.call_kernel(F.pad, inpt, params["padding"], self._fill, self.padding_mode)
        if params["needs_crop"]:
            inpt = self.call_kernel(F.crop, inpt, params["top"], params["left"], params["height"], params["width"])
        return inpt


class RandomResizedCrop(Transform):
    """A random window (area ``scale`` of the image, aspect ratio ``ratio``), resized to ``size``."""

    def __init__(self, size: int | Sequence[int], scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0), interpolation: Any = "bilinear",
                 antialias: bool | None = True) -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        if not isinstance(scale, Sequence) or len(scale) != 2:
            raise TypeError("Scale should be a sequence of two floats.")
        if not isinstance(ratio, Sequence) or len(ratio) != 2:
            raise TypeError("Ratio should be a sequence of two floats.")
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)")
        self.scale, self.ratio, self.interpolation, self.antialias = scale, ratio, interpolation, antialias
        self._log_ratio = as_tensor(self.ratio).log()

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = _query_size(flat_inputs)
        area = height * width
        low, high = float(self._log_ratio[0]), float(self._log_ratio[1])
        for _ in range(10):
            target_area = area * empty(1).uniform_(self.scale[0], self.scale[1]).item()
            aspect_ratio = empty(1).uniform_(low, high).exp().item()
            w = round(math.sqrt(target_area * aspect_ratio))
            h = round(math.sqrt(target_area / aspect_ratio))
            if 0 < w <= width and 0 < h <= height:
                i = int(randint(0, height - h + 1, size=(1,)).item())
                j = int(randint(0, width - w + 1, size=(1,)).item())
                break
        else:
            in_ratio = float(width) / float(height)
            if in_ratio < min(self.ratio):
                w, h = width, round(width / min(self.ratio))
            elif in_ratio > max(self.ratio):
                h, w = height, round(height * max(self.ratio))
            else:
                w, h = width, height
            i, j = (height - h) // 2, (width - w) // 2
        return {"top": i, "left": j, "height": h, "width": w}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.call_kernel(F.resized_crop, inpt, params["top"], params["left"], params["height"],
                                params["width"], self.size, _interpolation(self.interpolation), self.antialias)


class RandomRotation(Transform):
    """Rotate by an angle uniform in ``degrees`` (d means [-d, d])."""

    def __init__(self, degrees: Any, interpolation: Any = "nearest", expand: bool = False,
                 center: Sequence[float] | None = None, fill: Any = 0) -> None:
        super().__init__()
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        self.interpolation, self.expand = interpolation, expand
        self.fill, self._fill = fill, _fill(fill)
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return {"angle": empty(1).uniform_(self.degrees[0], self.degrees[1]).item()}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.call_kernel(F.rotate, inpt, params["angle"], _interpolation(self.interpolation), self.expand,
                                self.center, self._fill)


# --- colour ---------------------------------------------------------------------------------------

class Grayscale(Transform):
    """To greyscale with ``num_output_channels`` (1, or 3 equal channels)."""

    def __init__(self, num_output_channels: int = 1) -> None:
        super().__init__()
        self.num_output_channels = num_output_channels

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.call_kernel(F.rgb_to_grayscale, inpt, self.num_output_channels)


class ColorJitter(Transform):
    """Brightness, contrast, saturation and hue changed by random factors in a random order
    (``None`` or 0 leaves one unchanged)."""

    def __init__(self, brightness: Any = None, contrast: Any = None, saturation: Any = None, hue: Any = None) -> None:
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value: Any, name: str, center: float = 1.0, bound: tuple[float, float] = (0, float("inf")),
                     clip_first_on_zero: bool = True) -> tuple[float, float] | None:
        if value is None:
            return None
        if isinstance(value, (int, float)):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - value, center + value]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, Sequence) and len(value) == 2:
            value = [float(v) for v in value]
        else:
            raise TypeError(f"{name}={value} should be a single number or a sequence with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound} and increasing, but got {value}.")
        return None if value[0] == value[1] == center else (float(value[0]), float(value[1]))

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        fn_idx = randperm(4)

        def draw(bounds: tuple[float, float] | None) -> float | None:
            return None if bounds is None else float(empty(1).uniform_(bounds[0], bounds[1]).item())

        return {"fn_idx": fn_idx, "brightness_factor": draw(self.brightness), "contrast_factor": draw(self.contrast),
                "saturation_factor": draw(self.saturation), "hue_factor": draw(self.hue)}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        ops = {0: (F.adjust_brightness, params["brightness_factor"]), 1: (F.adjust_contrast, params["contrast_factor"]),
               2: (F.adjust_saturation, params["saturation_factor"]), 3: (F.adjust_hue, params["hue_factor"])}
        for fn_id in params["fn_idx"].tolist():
            op, factor = ops[fn_id]
            if factor is not None:
                inpt = self.call_kernel(op, inpt, factor)
        return inpt
