"""What every loss shares: the ``reduction`` argument ('none', 'mean', 'sum'), PyTorch's legacy
``size_average`` / ``reduce`` flags, applying the reduction, the gradient it sends back to each
element, and an optional per-element ``weight``."""

from __future__ import annotations

import warnings

from minitorch import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's ``_Reduction.legacy_get_string``: the old flags win over ``reduction`` when given."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    new = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{new}' instead.")
    return new


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """'none': the per-element loss; 'mean': its average; 'sum': its total."""
    _check_reduction(reduction)
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def _per_element(g: Tensor, shape, reduction: str, count) -> Tensor:
    """The gradient ``_reduce``'s output ``g`` sends to each element of the unreduced loss
    (``count``: what 'mean' divided by)."""
    if reduction == "none":
        return g
    return (g / count if reduction == "mean" else g).expand(shape)


def _weighted(loss: Tensor, weight: Tensor | None) -> Tensor:
    return loss if weight is None else loss * weight
