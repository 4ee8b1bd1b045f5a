"""Classification losses: by class index (``nll_loss``, ``cross_entropy``, with their label
checks), binary (``binary_cross_entropy``, ``binary_cross_entropy_with_logits``), and the
divergence between two distributions, ``kl_div``."""

from __future__ import annotations

import math
import warnings

import numpy as np

import minitorch as torch
from minitorch import Tensor

from ...._core import capture as _capture
from ...._ops._out import _legacy
from ...._ops._tensor_args import tensor_args
from ...._ops.pointwise.binary import DivScalar, MulScalar
from ....autograd.function import Function, Primitive
from ....backends import backend_of
from ..activation import log_softmax, logsigmoid
from ._reduction import (
    _REDUCTIONS,
    _check_reduction,
    _legacy_reduction,
    _per_element,
    _reduce,
    _weighted,
)

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "kl_div", "nll_loss"]


def _class_dim_checks(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    if target.dtype not in (torch.int64, torch.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_name(target.dtype)}")
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() == 1:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif target.dim() >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]}).")
    elif input.dim() == 2 and target.dim() != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif input.dim() > 2 and tuple(target.shape) != tuple(input.shape[:1]) + tuple(input.shape[2:]):
        expected = [input.shape[0], *input.shape[2:]]
        raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
    n_classes = input.shape[0 if input.dim() == 1 else 1]
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}")


def _type_name(dt) -> str:
    return {torch.float32: "Float", torch.float64: "Double", torch.int32: "Int", torch.int16: "Short",
            torch.int8: "Char", torch.bool: "Bool", torch.float16: "Half"}.get(dt, str(dt))


def _any_equal(a, value: int) -> bool:
    """Whether any element of the array ``a`` equals ``value`` (a value ``nll_loss`` branches on)."""
    return bool((a == value).any())


def _out_of_range(a, n: int) -> bool:
    """Whether an element of the array ``a`` lies outside ``[0, n)``."""
    return bool((a < 0).any() or (a >= n).any())


def _out_of_range_kept(a, ignore_index: int, n: int) -> bool:
    """Whether an element of ``a`` other than ``ignore_index`` lies outside ``[0, n)``."""
    return bool(((a != ignore_index) & ((a < 0) | (a >= n))).any())


@tensor_args("input", "target", optional=("weight",))
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """``loss_i = -w[y_i] * x[i, y_i]``, 0 where ``y_i == ignore_index``;  'mean' = ``sum(loss) / sum(w[y_i])``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _class_dim_checks(input, target, weight)
    class_dim = 0 if input.dim() == 1 else 1
    n_classes = input.shape[class_dim]
    if target.dtype is not torch.int64:  # (long() of an int64 target parses its arguments for nothing)
        target = target.long()
    if weight is None and target.numel() and not _capture.value(_any_equal, target._data, ignore_index):
        # The common case (no weights, nothing ignored) in fewer ops: the mean over kept
        # entries is a plain mean, and the bounds are the target's min and max.
        if _capture.value(_out_of_range, target._data, n_classes):
            bad = (target < 0) | (target >= n_classes)
            raise IndexError(f"Target {int(target[bad][0])} is out of bounds.")
        return NllLoss.apply(input, target=target._data, w=None, class_dim=class_dim, reduction=reduction)
    keep = target != ignore_index
    safe = torch.where(keep, target, 0)
    if _capture.value(_out_of_range_kept, target._data, ignore_index, n_classes):
        bad = keep & ((target < 0) | (target >= n_classes))
        raise IndexError(f"Target {int(target[bad][0])} is out of bounds.")
    w = keep.to(input.dtype) if weight is None else weight[safe] * keep
    if weight is not None and weight.requires_grad:  # PyTorch's node has no gradient for the weight
        picked = input.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
        loss = -picked * w
        return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.sum() / w.sum()
    return NllLoss.apply(input, target=safe._data, w=w._data, class_dim=class_dim, reduction=reduction,
                          keep=keep._data)


class NllLoss(Primitive):
    """``loss_i = -w_i * x[i, y_i]``, reduced ('mean': divided by ``sum(w)``, no ``w``: all ones);
    ``dx = -w_i * g_i`` at ``[i, y_i]``, 0 elsewhere.

    ``dx`` is ``-w_i * g_i`` scattered to ``[i, y_i]``, zeros elsewhere and at the ignored entries
    (``keep`` false), also when every entry is ignored and 'mean' divides by a zero ``sum(w)``.
    The target, weights and mask are keyword arguments (arrays): like PyTorch's
    ``NllLossBackward0``, the node's only edge is the input. A Primitive (its forward one pick
    and one sum on the arrays), where in Tensor ops it was six ops (unsqueeze, gather, squeeze,
    neg, sum, div) inside a Function: cross_entropy's forward, see docs/performance-notes.md.
    """

    node_name = "NllLossBackward0"
    reason = "node: and speed, nll_loss's forward one op instead of six (benchmarks/bench_overhead.py)"

    @staticmethod
    def forward(ctx, x, *, target, w, class_dim, reduction, keep=None):
        xp = backend_of(x)
        index_shape = target.shape[:class_dim] + (1,) + target.shape[class_dim:]
        index = target.reshape(index_shape)
        if x.ndim == 2:  # (N, C): one fancy index (take_along_axis builds index grids, 3x the time)
            loss = -x[xp.arange(target.shape[0]), target]
        else:
            loss = -xp.take_along_axis(x, index, class_dim).reshape(target.shape)
        if w is not None:
            loss = loss * w
        count = math.prod(target.shape) if w is None else xp.asarray(xp.sum(w))  # (an array: compile's slot)
        ctx.target, ctx.index, ctx.w, ctx.keep, ctx.count = target, index, w, keep, count
        ctx.class_dim, ctx.reduction, ctx.input_shape = class_dim, reduction, x.shape
        ctx.save_for_backward(x)  # as PyTorch's node: writing into the input in place fails backward
        if reduction == "none":
            return loss
        total = xp.sum(loss, axis=tuple(range(loss.ndim)), keepdims=False, dtype=None)  # as Tensor.sum
        if reduction == "sum":
            return xp.asarray(total)
        with np.errstate(divide="ignore", invalid="ignore"):  # every entry ignored: NaN, as torch, silently
            return xp.asarray(total / count)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018 - unpacked for its check: the input was not written in place
        return NllLossBackward.apply(g, target=ctx.target, index=ctx.index, w=ctx.w, keep=ctx.keep, count=ctx.count,
                                      class_dim=ctx.class_dim, reduction=ctx.reduction, input_shape=ctx.input_shape)


class NllLossBackward(Primitive):
    """y = zeros(x.shape) with -w_i * g_i ('mean': / sum(w)) put at [i, y_i];  dg = nll_loss(gg).

    nll_loss's gradient as one op, PyTorch's ``nll_loss_backward`` (node
    ``NllLossBackwardBackward0``): it is linear in ``g``, so its own gradient is ``nll_loss`` of
    ``gg`` with the same targets, weights and reduction (``derivatives.yaml``). In Tensor ops it
    was six (div, expand, neg, new_zeros, unsqueeze, scatter) in the backward of every
    cross-entropy loss. Ignored entries (``keep`` false) get 0, not 0 * (g / 0) = NaN.
    """

    node_name = "NllLossBackwardBackward0"
    reason = "speed: cross_entropy's backward one op instead of six (benchmarks/bench_overhead.py)"

    @staticmethod
    def forward(ctx, g, *, target, index, w, keep, count, class_dim, reduction, input_shape):
        xp = backend_of(g)
        ctx.target, ctx.w, ctx.keep, ctx.class_dim, ctx.reduction = target, w, keep, class_dim, reduction
        with np.errstate(divide="ignore", invalid="ignore"):  # every entry ignored: g / 0, masked below
            per = -(g / count if reduction == "mean" else g)
            per = xp.broadcast_to(per, target.shape)
            if w is not None:
                per = per * w
        if keep is not None:
            per = xp.where(keep, per, xp.zeros((), dtype=per.dtype))
        dx = xp.zeros(input_shape, dtype=g.dtype)
        if dx.ndim == 2:  # (N, C), as NllLoss's forward
            dx[xp.arange(target.shape[0]), target] = per
        else:
            xp.put_along_axis(dx, index, per.reshape(index.shape), class_dim)
        return dx

    @staticmethod
    def backward(ctx, gg):
        return NllLoss.apply(gg, target=ctx.target, w=ctx.w, class_dim=ctx.class_dim, reduction=ctx.reduction,
                              keep=ctx.keep)


@tensor_args("input", "target", optional=("weight",))
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Class indices: ``nll_loss(log_softmax(x))``; probabilities: ``loss_n = -sum_c w_c p_nc log_softmax(x)_nc``.

    ``label_smoothing`` ``e`` mixes the target with the uniform distribution: ``(1 - e) * target + e / C``.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.dim() == 0 and not target.dtype.is_floating_point:  # a 0-d input can only be a probability
        raise RuntimeError("Expected floating point type for target with class probabilities, "
                           f"got {_legacy(target.dtype)}")
    class_dim = 0 if input.dim() == 1 else 1
    n_classes = input.shape[class_dim]
    logp = log_softmax(input, class_dim)
    w_shape = [1] * input.dim()
    if input.dim() > 0:
        w_shape[class_dim] = n_classes
    w = None if weight is None else weight.reshape(w_shape)

    # The composites below are PyTorch's C++ ones, node for node (``MulBackward1``/``DivBackward1``
    # are its multiplications and divisions by a number), so that ``next_functions`` walks alike.
    if target.dtype.is_floating_point and target.shape == input.shape:  # class probabilities
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        if reduction == "none":
            return -_weighted(logp * target, w).sum(class_dim)
        total = -_weighted(logp * target, w).sum()
        batch = input.numel() / n_classes if n_classes else 0.0  # no classes: 0 / 0, NaN as in PyTorch
        return DivScalar.apply(total, batch) if reduction == "mean" else total

    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    ignored = target == ignore_index
    smooth = (-_weighted(logp, w).sum(class_dim)).masked_fill(ignored, 0.0)
    if reduction == "none":
        smooth_red = smooth
    elif reduction == "sum":
        smooth_red = smooth.sum()
    elif weight is None:
        smooth_red = smooth.sum() / (~ignored).sum()
    else:
        smooth_red = smooth.sum() / weight[target[~ignored]].sum()
    return MulScalar.apply(nll, 1 - label_smoothing) + MulScalar.apply(smooth_red, label_smoothing / n_classes)


def _bce_elementwise(x: Tensor, y: Tensor) -> Tensor:
    """``-(y max(log x, -100) + (1 - y) max(log(1 - x), -100))``: PyTorch's clamped logs."""
    return -(y * torch.log(x).clamp(min=-100) + (1 - y) * torch.log(1 - x).clamp(min=-100))


class BinaryCrossEntropy(Function):
    """loss = -w * (y * max(log x, -100) + (1 - y) * max(log(1 - x), -100)), then ``reduction``;
    dx = g * (x - y) / max((1 - x) * x, eps) * w (/ n for 'mean');  dy = -g * log(x / (1 - x)) * w (/ n).

    These are PyTorch's formulas and order of operations, finite in x where x is 0 or 1 (a saturated
    sigmoid), where the gradient of the clamped logs would be 0 * inf = NaN. ``eps`` is
    PyTorch's ``EPSILON``, the float32 1e-12. One node for the loss and its reduction, as in PyTorch.
    """

    node_name = "BinaryCrossEntropyBackward0"
    reason = "node"
    eps = 9.999999960041972e-13  # float(numpy.float32(1e-12))

    @staticmethod
    def forward(ctx, x, y, reduction, *, weight):
        # The weight is a keyword, not an input: PyTorch's node has edges for x and y only.
        ctx.save_for_backward(x, y)
        ctx.reduction, ctx.weight = reduction, weight
        return _reduce(_weighted(_bce_elementwise(x, y), weight), reduction)

    @staticmethod
    def backward(ctx, g):
        (x, y), w = ctx.saved_tensors, ctx.weight

        def scaled(d):  # PyTorch's order: the elementwise gradient, times the weight, over n for 'mean'
            d = d if w is None else d * w
            return d / x.numel() if ctx.reduction == "mean" else d

        dx = scaled(g * (x - y) / ((1 - x) * x).clamp(min=BinaryCrossEntropy.eps)) if ctx.needs_input_grad[0] else None
        dy = scaled(-torch.log(x / (1 - x)) * g) if ctx.needs_input_grad[1] else None
        return dx, dy, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """``loss = -w * (y log(x) + (1 - y) log(1 - x))``, each log clamped at -100 as PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
            "is deprecated. Please ensure they have the same size.")
    if bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if bool(((target < 0) | (target > 1)).any()):
        raise RuntimeError("all elements of target should be between 0 and 1")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_type_name(target.dtype)} but expected {_type_name(input.dtype)}")
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        weight = weight.expand(input.shape)
    if weight is not None and weight.requires_grad:  # then a composite, so the weight gets its gradient
        return _reduce(_weighted(_bce_elementwise(input, target), weight), reduction)
    return BinaryCrossEntropy.apply(input, target, reduction, weight=weight)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``loss = -w * (pos_weight * y * log(sigmoid(x)) + (1 - y) * log(sigmoid(-x)))``, via stable logsigmoid."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if (weight is not None and weight.requires_grad) or (pos_weight is not None and pos_weight.requires_grad):
        return _reduce(_weighted(_bce_with_logits(input, target, pos_weight), weight), reduction)
    return _BinaryCrossEntropyWithLogits.apply(input, target, reduction, weight=weight, pos_weight=pos_weight)


def _bce_with_logits(input: Tensor, target: Tensor, pos_weight: Tensor | None) -> Tensor:
    """``-(pos_weight y log(sigmoid(x)) + (1 - y) log(sigmoid(-x)))`` via the stable logsigmoid."""
    log_p, log_1mp = logsigmoid(input), logsigmoid(-input)
    positive = target * log_p if pos_weight is None else pos_weight * target * log_p
    return -(positive + (1 - target) * log_1mp)


class _BinaryCrossEntropyWithLogits(Function):
    """``loss = -w (p y log s(x) + (1 - y) log s(-x))``, reduced (``s`` = sigmoid, ``p`` = pos_weight);
    ``dx = w ((1 - y) s(x) - p y s(-x))``, ``dy = -w (p log s(x) - log s(-x))``."""

    node_name = "BinaryCrossEntropyWithLogitsBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, input, target, reduction, *, weight, pos_weight):
        ctx.save_for_backward(input, target)
        ctx.reduction, ctx.weight, ctx.pos_weight = reduction, weight, pos_weight
        return _reduce(_weighted(_bce_with_logits(input, target, pos_weight), weight), reduction)

    @staticmethod
    def backward(ctx, g):
        from minitorch.autograd.engine import sum_to_size

        input, target = ctx.saved_tensors
        per = _weighted(_per_element(g, input.shape, ctx.reduction, input.numel()), ctx.weight)
        p = 1 if ctx.pos_weight is None else ctx.pos_weight
        grad_input = per * ((1 - target) * torch.sigmoid(input) - p * target * torch.sigmoid(-input))
        grad_target = None
        if ctx.needs_input_grad[1]:
            grad_target = sum_to_size(-per * (p * logsigmoid(input) - logsigmoid(-input)), target.shape)
        return sum_to_size(grad_input, input.shape), grad_target, None


@tensor_args("input", "target")
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """``loss = y * (log(y) - x)`` (0 where ``y == 0``);  ``log_target``: ``exp(y) * (y - x)``.
    'batchmean': ``sum / N``."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.")
    if reduction not in (*_REDUCTIONS, "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = torch.exp(target) * (target - input)
    else:  # PyTorch's xlogy(y, y) - y * x: y log y -> 0 as y -> 0
        loss = target * torch.log(torch.where(target > 0, target, 1.0)) - target * input
    if reduction == "batchmean":  # PyTorch divides by the batch size as a (wrapped) tensor: DivBackward0
        return loss.sum() / torch.tensor(input.shape[0], dtype=loss.dtype) if input.dim() else loss.sum()
    return _reduce(loss, reduction)
