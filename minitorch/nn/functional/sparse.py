"""Lookup tables: ``embedding``, ``one_hot`` (``torch.nn.functional``)."""

from __future__ import annotations

import minitorch as torch
from minitorch import Tensor

from ..._core.args import check_storage_size
from ..._ops._tensor_args import tensor_args

__all__ = ["embedding", "one_hot"]


def _renorm_rows(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """In place, outside autograd: rows of ``weight`` named in ``indices`` whose norm exceeds
    ``max_norm`` are scaled by ``max_norm / (norm + 1e-7)`` (PyTorch's ``embedding_renorm_``)."""
    with torch.no_grad():
        rows = torch.unique(indices.reshape(-1))
        norms = weight[rows].norm(norm_type, 1)
        scale = torch.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).to(weight.dtype)
        weight[rows] = weight[rows] * scale.unsqueeze(1)


@tensor_args("input", "weight")
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """``y[..., :] = weight[input[...], :]``;  ``d(weight)[i]`` = sum of ``g`` at the positions
    where ``input == i``.

    The gradient of the row ``padding_idx`` is zero; ``scale_grad_by_freq`` divides each position's
    gradient by how often its index occurs in ``input``. Both scale the gradient without touching
    the values: ``y = rows + (rows - rows.detach()) * (s - 1)`` has value ``rows`` and gradient ``s * g``.
    """
    if input.dtype not in (torch.int64, torch.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got torch.{_legacy_name(input.dtype)} instead (while checking arguments for embedding)")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
            padding_idx = num + padding_idx
    if input.numel() and bool(((input < 0) | (input >= num)).any()):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    flat = input.reshape(-1).long()
    rows = weight.index_select(0, flat)
    if padding_idx is not None or scale_grad_by_freq:
        s = torch.ones(flat.shape, dtype=weight.dtype, device=weight.device)
        if scale_grad_by_freq:
            s = s / torch.bincount(flat, minlength=num)[flat].to(weight.dtype)
        if padding_idx is not None:
            s = s.masked_fill(flat == padding_idx, 0.0)
        rows = rows + (rows - rows.detach()) * (s - 1).unsqueeze(1)
    return rows.reshape(*input.shape, weight.shape[1])


def _legacy_name(dt) -> str:
    return {torch.float32: "FloatTensor", torch.float64: "DoubleTensor", torch.float16: "HalfTensor",
            torch.int16: "ShortTensor", torch.int8: "CharTensor", torch.uint8: "ByteTensor",
            torch.bool: "BoolTensor"}.get(dt, str(dt))


@tensor_args("tensor", op="one_hot")
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``y[..., c] = 1`` where ``tensor[...] == c``, else 0; int64 of shape ``(*tensor.shape, num_classes)``."""
    if tensor.dtype is not torch.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if bool((tensor < 0).any()):
            raise RuntimeError("Class values must be non-negative.")
        largest = int(tensor.max())
        if num_classes == -1:
            num_classes = largest + 1
        elif largest >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    # the result, the ``arange`` and the bool comparison, checked first: 10**9 classes is PyTorch's RuntimeError
    check_storage_size((*tensor.shape, num_classes), 8 + 1, extra_bytes=8 * num_classes)
    classes = torch.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()
