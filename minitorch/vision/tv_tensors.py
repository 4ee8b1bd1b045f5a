"""``tv_tensors``: Tensor subclasses that tell ``transforms.v2`` what a tensor is (here: ``Image``).

As in torchvision, ops on an ``Image`` return plain Tensors; the v2 transforms re-wrap their
results, so an ``Image`` stays an ``Image`` through a pipeline.
"""

from __future__ import annotations

from typing import Any

from .._ops.creation.factories import as_tensor
from .._tensor.methods import Tensor  # the class with the methods (not TensorBase)
from ._pil import is_pil_image

__all__ = ["Image", "TVTensor"]


class TVTensor(Tensor):
    """The base of the typed tensors; ``wrap`` gives a plain tensor the type without copying."""

    @classmethod
    def wrap(cls, tensor: Tensor) -> Any:
        out = tensor._alias()  # same memory, history and version counter
        out.__class__ = cls
        return out

    def as_plain_tensor(self) -> Tensor:
        """The same data as a plain ``Tensor`` (``tensor.as_subclass(torch.Tensor)`` in PyTorch)."""
        out = self._alias()
        out.__class__ = Tensor
        return out


class Image(TVTensor):
    """An image tensor of shape (..., C, H, W); a PIL Image is converted with ``pil_to_tensor``
    and a 2-d tensor gains a channel dimension."""

    def __new__(cls, data: Any, *, dtype=None, device=None, requires_grad: bool | None = None) -> Image:  # noqa: PYI034
        if is_pil_image(data):
            from .transforms.functional import pil_to_tensor

            data = pil_to_tensor(data)
        tensor = as_tensor(data, dtype=dtype, device=device)
        if requires_grad is not None:
            tensor = tensor.detach().requires_grad_(requires_grad)
        if tensor.dim() < 2:
            raise ValueError(f"Tensor must be 2D or higher, got {tensor.dim()}D tensor.")
        if tensor.dim() == 2:
            tensor = tensor.unsqueeze(0)
        return cls.wrap(tensor)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __repr__(self) -> str:
        """As PyTorch prints a Tensor subclass: ``Image([...], dtype=torch.uint8, )``."""
        plain = repr(self.as_plain_tensor())  # "tensor(...)", continuation lines indented by 7
        body = plain[len("tensor("):-1].replace("\n" + " " * len("tensor("), "\n" + " " * len("Image("))
        return f"Image({body}, )"
