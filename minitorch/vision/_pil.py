"""Pillow, imported only when an image is decoded, encoded or converted.

``import minitorch`` must work without Pillow; datasets hand out PIL Images only when it is
installed (their fallback is a uint8 tensor), and ``io`` / ``utils.save_image`` need it.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any


def pil_available() -> bool:
    """Whether Pillow can be imported."""
    return importlib.util.find_spec("PIL") is not None


def require_pil(what: str) -> Any:
    """The ``PIL.Image`` module, or an ImportError that says ``what`` needs Pillow."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(f"{what} needs Pillow: pip install pillow") from e
    return Image


def is_pil_image(obj: Any) -> bool:
    """Whether ``obj`` is a PIL Image (without importing Pillow: no Pillow, no PIL Images)."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(obj, module.Image)


def dataset_image(array: Any) -> Any:
    """What a dataset hands out for a uint8 (H, W) or (H, W, 3) array: a PIL Image (mode L or RGB)
    as torchvision does, or - without Pillow - the array as a uint8 tensor."""
    import numpy as np

    array = np.ascontiguousarray(array, dtype=np.uint8)
    if pil_available():
        from PIL import Image

        return Image.fromarray(array)
    from .._ops.creation.factories import from_numpy

    return from_numpy(array)
