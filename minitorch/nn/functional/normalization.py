"""Normalisation: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``, ``normalize``
(``torch.nn.functional``).

All share one step, ``(x - mean) / sqrt(var + eps)`` with the *biased* variance over
the normalised dims, composed from Tensor ops (so double backward works), then an
optional per-channel affine ``* weight + bias``. ``batch_norm`` in training also
updates ``running_mean``/``running_var`` in place, outside autograd, with the
*unbiased* variance, as PyTorch does:
``running = (1 - momentum) * running + momentum * batch_stat``.

``batch_norm`` of a floating ``(N, C, *)`` input is the exception: one primitive,
``NativeBatchNorm`` (PyTorch's ``native_batch_norm``), because it sits after every convolution
of a ResNet or DenseNet and the composition cost 3-4x PyTorch's time.
"""

from __future__ import annotations

import math
import operator

import numpy as np

import minitorch as torch
from minitorch import Tensor

from ..._core import capture as _capture
from ..._ops._out import _legacy
from ..._ops._tensor_args import tensor_args
from ...autograd.function import Primitive
from ...backends import backend_of
from ._checked import LIMIT as _LIMIT

__all__ = [
    "batch_norm",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "local_response_norm",
    "normalize",
    "rms_norm",
]


def _standardize(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(x - mean) / sqrt(var + eps)`` over ``dims``; also returns mean and biased var (keepdim)."""
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dims, keepdim=True)
    return centered * torch.rsqrt(var + eps), mean, var


def _channel_shape(input: Tensor) -> list[int]:
    """``(1, C, 1, ..., 1)``: a per-channel vector broadcast against an ``(N, C, *)`` input."""
    return [1, input.shape[1]] + [1] * (input.dim() - 2)


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, shape) -> Tensor:
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _verify_batch_size(size) -> None:
    if size[0] * math.prod(size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


# Calls whose checks passed and that are NativeBatchNorm's, by everything the checks read: the
# arrays' shapes and dtypes (None for an absent tensor) and ``training``. A
# network's BatchNorm layers call with the same ones every step; the checks were ~40% of the
# functional's Python (benchmarks/bench_layers.py). Cleared past _checked.LIMIT keys.
_NATIVE_CALLS: set = set()


@tensor_args("input", optional=("running_mean", "running_var", "weight", "bias"))
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``, statistics per channel over ``(N, *)``.

    Training: batch statistics, and running stats ``<- (1 - momentum) * running + momentum * batch``
    (unbiased variance: ``Var * n / (n - 1)``). Evaluation: the running statistics.
    """
    if training is not True and training is not False:  # PyTorch's argument parser: a bool only
        kind = type(training)
        name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        raise TypeError(f"batch_norm(): argument 'training' (position 6) must be bool, not {name}")
    key = (input._data.shape, input._data.dtype, training,
           None if running_mean is None else (running_mean._data.shape, running_mean._data.dtype),
           None if running_var is None else (running_var._data.shape, running_var._data.dtype),
           None if weight is None else (weight._data.shape, weight._data.dtype),
           None if bias is None else (bias._data.shape, bias._data.dtype))
    if key in _NATIVE_CALLS:
        return NativeBatchNorm.apply(input, weight, bias, _raw(running_mean), _raw(running_var), training,
                                     momentum, eps)
    if training:
        _verify_batch_size(input.shape)
    channels = input.shape[1] if input.dim() > 1 else 0
    for name, stat in (("running_mean", running_mean), ("running_var", running_var),
                       ("weight", weight), ("bias", bias)):
        if stat is not None and stat.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {stat.numel()}")
    if not training:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        if running_var is None:
            raise RuntimeError("running_var must be defined in evaluation mode")
    if input.dtype in (torch.float32, torch.float64):  # a half input may have float parameters
        for stat in (weight, bias, running_mean, running_var):
            if stat is not None and stat.dtype is not input.dtype:
                raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of {_legacy(input.dtype)}")
    if channels == 0 and (weight is not None or bias is not None):  # PyTorch's error, from its per-channel loop
        raise IndexError("select(): index 0 out of range for tensor of size [0] at dimension 0")
    if input.dim() >= 2 and input.dtype.is_floating_point and input.numel():
        # In training the backend updates the running statistics in place, without a version
        # bump: PyTorch's kernel writes them behind autograd's back too (their _version stays 0).
        if len(_NATIVE_CALLS) >= _LIMIT:
            _NATIVE_CALLS.clear()
        _NATIVE_CALLS.add(key)
        return NativeBatchNorm.apply(input, weight, bias, _raw(running_mean), _raw(running_var), training,
                                     momentum, eps)
    shape = _channel_shape(input)
    dims = (0, *range(2, input.dim()))
    if training:
        y, mean, var = _standardize(input, dims, eps)
        if running_mean is not None or running_var is not None:
            n = input.numel() // channels
            with torch.no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(mean.reshape(-1).to(running_mean.dtype) * momentum)
                if running_var is not None:
                    unbiased = var.reshape(-1).to(running_var.dtype) * (n / (n - 1))
                    running_var.mul_(1 - momentum).add_(unbiased * momentum)
    else:
        y = (input - running_mean.reshape(shape)) * torch.rsqrt(running_var.reshape(shape) + eps)
    return _affine(y, weight, bias, shape)


def _raw(t: Tensor | None):
    return None if t is None else t._data


class NativeBatchNorm(Primitive):
    """y = (x - mean) * invstd * w + b;  dx = invstd * (g*w - mean(g*w) - xhat * mean(g*w * xhat))

    ``batch_norm`` as one op (PyTorch's ``native_batch_norm``), forward and backward fused.
    Forward: the backend's ``batch_norm`` (kernels/normalization.py on the CPU) computes the
    per-channel ``mean`` and ``invstd = 1 / sqrt(var + eps)`` (batch statistics in training,
    running ones in evaluation), writes ``y = (x - mean) * invstd * w + b`` and, in training,
    updates the running statistics in place. Backward, the closed form (``xhat = (x - mean) *
    invstd``, ``M`` values per channel)::

        gb = sum(g),  gw = sum(g * xhat)
        gx = invstd * (g*w - mean(g*w) - xhat * mean(g*w * xhat))     (training)
        gx = invstd * g*w                                             (evaluation)

    in one backend call. Written as Tensor ops, the same step was ten passes over the
    activation and 3.7x PyTorch's time (benchmarks/bench_hotspots.py). Under
    ``create_graph=True`` the backward is those Tensor ops instead, with ``mean`` and ``invstd``
    recomputed from ``x`` so that they are differentiated too: double backward works, but its
    nodes are the ops' own (``MulBackward0``...), not PyTorch's ``NativeBatchNormBackwardBackward0``.
    """

    node_name = "NativeBatchNormBackward0"
    reason = "node: and speed, one fused backend call each way (benchmarks/bench_hotspots.py: 3.7x -> 0.7x torch)"

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        y, mean, invstd = backend_of(x).batch_norm(x, weight, bias, running_mean, running_var, training,
                                                   momentum, eps)
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.training, ctx.eps = training, eps
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, invstd = ctx.saved_tensors
        mask = tuple(ctx.needs_input_grad[:3])
        if torch.is_grad_enabled():
            grads = _batch_norm_backward(g, x, weight, mean, invstd, ctx.training, ctx.eps)
        else:
            raw = _capture.call(backend_of(g._data).batch_norm_backward, g._data, x._data, _raw(weight),
                                mean._data, invstd._data, ctx.training, mask)
            grads = tuple(None if r is None else x._wrap_result(r) for r in raw)
        return (*(gr if m else None for gr, m in zip(grads, mask)), None, None, None, None, None)


def _batch_norm_backward(g: Tensor, x: Tensor, weight: Tensor | None, mean: Tensor, invstd: Tensor,
                         training: bool, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """NativeBatchNorm's backward in differentiable Tensor ops (for ``create_graph=True``)."""
    shape, dims = _channel_shape(x), (0, *range(2, x.dim()))
    if training:  # the statistics are functions of x: recompute them so they get gradients
        centered = x - x.mean(dims, keepdim=True)
        invstd = torch.rsqrt((centered * centered).mean(dims, keepdim=True) + eps)
        xhat = centered * invstd
    else:
        invstd = invstd.reshape(shape)
        xhat = (x - mean.reshape(shape)) * invstd
    gxhat = g if weight is None else g * weight.reshape(shape)
    if training:
        gx = invstd * (gxhat - gxhat.mean(dims, keepdim=True) - xhat * (gxhat * xhat).mean(dims, keepdim=True))
    else:
        gx = gxhat * invstd
    return gx, (g * xhat).sum(dims), g.sum(dims)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """``batch_norm`` of each sample on its own: statistics per ``(n, c)`` over the spatial dims."""
    if use_input_stats:
        _verify_spatial_size(input.shape)
    shape = _channel_shape(input)
    dims = tuple(range(2, input.dim()))
    if not use_input_stats:
        y = (input - running_mean.reshape(shape)) * torch.rsqrt(running_var.reshape(shape) + eps)
        return _affine(y, weight, bias, shape)
    y, mean, var = _standardize(input, dims, eps)
    n = math.prod(input.shape[2:])
    with torch.no_grad():
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(mean.mean(0).reshape(-1) * momentum)
        if running_var is not None:
            running_var.mul_(1 - momentum).add_((var * (n / (n - 1))).mean(0).reshape(-1) * momentum)
    return _affine(y, weight, bias, shape)


def _verify_spatial_size(size) -> None:
    if math.prod(size[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")


def _normalized_shape(op: str, input: Tensor, normalized_shape, separator: str = ", ") -> tuple[int, ...]:
    """``normalized_shape`` as a tuple, checked against the last dims of ``input`` (PyTorch's errors)."""
    try:
        shape = (operator.index(normalized_shape),) if not isinstance(normalized_shape, (tuple, list)) else tuple(
            operator.index(s) for s in normalized_shape)
    except TypeError:
        raise TypeError(f"{op}(): argument 'normalized_shape' (position 2) must be tuple of ints, "
                        f"not {type(normalized_shape).__name__}") from None
    k = len(shape)
    if input.dim() < k or tuple(input.shape[input.dim() - k:]) != shape:
        size = ", ".join(map(str, input.shape))
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{separator}{', '.join(map(str, shape))}], but got input of size[{size}]")
    return shape


@tensor_args("input", optional=("weight", "bias"))
def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`` over the last ``len(normalized_shape)`` dims."""
    shape = _normalized_shape("layer_norm", input, normalized_shape)
    k = len(shape)
    y, _, _ = _standardize(input, tuple(range(input.dim() - k, input.dim())), eps)
    return _affine(y, weight, bias, shape)


@tensor_args("input", optional=("weight",))
def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``y = x / sqrt(mean(x^2) + eps) * weight`` over the last ``len(normalized_shape)`` dims."""
    if isinstance(normalized_shape, (tuple, list)) and input.dim() < len(normalized_shape):
        raise ValueError(f"Input tensor must have at least {len(normalized_shape)} dimensions, but got {input.dim()}")
    shape = _normalized_shape("rms_norm", input, normalized_shape, separator="")
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    y = input * torch.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return _affine(y, weight, None, shape)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Split the C channels into ``num_groups`` groups; standardise each (n, group) over its channels
    and spatial dims; then the per-channel affine. An empty batch (N = 0) gives an empty result."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}")
    _verify_batch_size([n * c // num_groups, num_groups, *input.shape[2:]])
    grouped = input.reshape(n, num_groups, c // num_groups * math.prod(input.shape[2:]))  # n may be 0
    y, _, _ = _standardize(grouped, (2,), eps)
    return _affine(y.reshape(input.shape), weight, bias, _channel_shape(input))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """``y = x / max(||x||_p, eps)`` along ``dim``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    y = input / denom
    if out is not None:
        return out.copy_(y)
    return y


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """``y = x / (k + alpha/size * s)^beta``, ``s`` the sum of ``x^2`` over ``size`` neighbouring channels."""
    if input.dim() < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    sq = (input * input).unsqueeze(1)  # (N, 1, C, *): pad and sum along the channel dim
    c = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    pad_shape = list(sq.shape)
    zeros_before = torch.zeros(*pad_shape[:2], before, *pad_shape[3:], dtype=input.dtype)
    zeros_after = torch.zeros(*pad_shape[:2], after, *pad_shape[3:], dtype=input.dtype)
    padded = torch.cat([zeros_before, sq, zeros_after], 2)
    window = sum(padded.narrow(2, i, c) for i in range(size)) / size
    div = (window.squeeze(1) * alpha + k) ** beta
    return input / div
