"""Activations: ``relu`` ... ``gelu``, ``softplus``, ``softmax``/``log_softmax`` (``torch.nn.functional``).

Every activation is a composition of Tensor ops, so its first and second
derivatives come from the ops' own backward formulas. Two habits keep the
gradients finite: a branch that ``where`` discards still gets a zero gradient,
and ``0 * inf`` is NaN, so the argument of ``exp`` in a discarded branch is
clamped first (``softplus``, ``elu``, ``logsigmoid``). Kinks take PyTorch's
one-sided derivative: ``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``,
``hardtanh'`` is 0 at both bounds.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable

import minitorch as torch
from minitorch import Tensor

from ..._ops._out import _legacy
from ..._ops._tensor_args import tensor_args

__all__ = [
    "celu",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "leaky_relu",
    "leaky_relu_",
    "log_softmax",
    "logsigmoid",
    "mish",
    "relu",
    "relu6",
    "relu_",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
]


def _floating_kernel(kernel: str) -> Callable:
    """Decorator: PyTorch's CPU ``kernel`` for this activation exists for floating dtypes only;
    an integer or bool ``input`` raises its NotImplementedError. ``input`` must be a Tensor."""

    def decorate(fn: Callable) -> Callable:
        fn = tensor_args("input")(fn)

        @functools.wraps(fn)
        def checked(input, *args, **kwargs):
            if isinstance(input, Tensor) and not input.dtype.is_floating_point:
                raise NotImplementedError(f"\"{kernel}\" not implemented for '{_legacy(input.dtype)}'")
            return fn(input, *args, **kwargs)

        return checked

    return decorate


def _no_bool(input: Tensor, message: str) -> None:
    if isinstance(input, Tensor) and input.dtype is torch.bool:
        raise RuntimeError(message)


def _source(input: Tensor, inplace: bool) -> Tensor:
    """What an activation computes from: ``input``, or a clone when ``input`` is about to be
    overwritten in place while autograd records, so that the tensors the backward saved are not
    the ones the write replaces (PyTorch's in-place kernels save their output instead)."""
    if inplace and input.requires_grad and torch.is_grad_enabled():
        return input.clone()
    return input


def _result(input: Tensor, y: Tensor, inplace: bool) -> Tensor:
    """Out of place: ``y``; in place: ``y`` written into ``input`` (autograd records the write)."""
    if not inplace:
        return y
    return input.copy_(y)


# ----------------------------------------------------------------------------- rectifiers
@tensor_args("input")
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``y = max(x, 0)``;  ``dx = g * (x > 0)`` (0 at ``x = 0``, as PyTorch)."""
    _no_bool(input, "Boolean inputs not supported for relu")
    return input.relu_() if inplace else torch.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


@tensor_args("input")
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """``y = clamp(x, min_val, max_val)``;  ``dx = g`` where ``min_val < x < max_val`` (0 on the bounds)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    _no_bool(input, "Bool inputs not supported for hardtanh")
    y = torch.where(input <= min_val, min_val, torch.where(input >= max_val, max_val, input))
    return _result(input, y, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``y = min(max(x, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


@_floating_kernel("leaky_relu_cpu")
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``y = x if x > 0 else negative_slope * x``."""
    return _result(input, torch.where(input > 0, input, input * negative_slope), inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


@tensor_args("input")
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``y = x if x > threshold else value``."""
    return _result(input, torch.where(input > threshold, input, value), inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return globals()["threshold"](input, threshold, value, inplace=True)


# ----------------------------------------------------------------------------- exponential family
@_floating_kernel("elu_cpu")
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``y = x if x > 0 else alpha * (exp(x) - 1)``."""
    x = _source(input, inplace)
    negative = torch.expm1(x.clamp(max=0)) * alpha
    return _result(input, torch.where(x > 0, x, negative), inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@_floating_kernel("elu_cpu")
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``y = scale * elu(x, alpha)`` with the self-normalising constants of Klambauer et al."""
    return _result(input, elu(_source(input, inplace), _SELU_ALPHA) * _SELU_SCALE, inplace)


@_floating_kernel("elu_cpu")
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``y = x if x > 0 else alpha * (exp(x / alpha) - 1)``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    x = _source(input, inplace)
    negative = torch.expm1(x.clamp(max=0) / alpha) * alpha
    return _result(input, torch.where(x > 0, x, negative), inplace)


@_floating_kernel("softplus_cpu")
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``y = log(1 + exp(beta * x)) / beta``, and ``y = x`` where ``beta * x > threshold``."""
    z = input * beta
    soft = torch.log1p(torch.exp(z.clamp(max=threshold))) / beta
    return torch.where(z > threshold, input, soft)


@_floating_kernel("log_sigmoid_cpu")
def logsigmoid(input: Tensor) -> Tensor:
    """``y = log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|))``, without overflow on either side."""
    negative = input - torch.log1p(torch.exp(input.clamp(max=0)))
    positive = -torch.log1p(torch.exp(-input.clamp(min=0)))
    return torch.where(input < 0, negative, positive)


def sigmoid(input: Tensor) -> Tensor:
    """``y = 1 / (1 + exp(-x))``;  ``dx = g * y * (1 - y)``."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """``y = tanh(x)``;  ``dx = g * (1 - y^2)``."""
    return input.tanh()


@_floating_kernel("silu_cpu")
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``y = x * sigmoid(x)`` (swish)."""
    x = _source(input, inplace)
    return _result(input, x * torch.sigmoid(x), inplace)


@_floating_kernel("mish_cpu")
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``y = x * tanh(softplus(x))``."""
    x = _source(input, inplace)
    return _result(input, x * torch.tanh(softplus(x)), inplace)


_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


@_floating_kernel("GeluKernelImpl")
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """'none': ``y = x * Phi(x) = x/2 * (1 + erf(x / sqrt(2)))``;
    'tanh': ``y = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``."""
    if approximate == "none":
        return input * 0.5 * (1 + torch.erf(input * _SQRT_HALF))
    if approximate == "tanh":
        return input * 0.5 * (1 + torch.tanh((input + 0.044715 * input * input * input) * _SQRT_2_OVER_PI))
    raise RuntimeError("approximate argument must be either none or tanh.")


@_floating_kernel("hardsigmoid_cpu")
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``y = relu6(x + 3) / 6``;  ``dx = g / 6`` where ``-3 < x < 3``."""
    return _result(input, relu6(input + 3) / 6, inplace)


@_floating_kernel("hardswish_cpu")
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``y = x * relu6(x + 3) / 6``."""
    x = _source(input, inplace)
    return _result(input, x * relu6(x + 3) / 6, inplace)


def softsign(input: Tensor) -> Tensor:
    """``y = x / (1 + |x|)``."""
    return input / (1 + input.abs())


def tanhshrink(input: Tensor) -> Tensor:
    """``y = x - tanh(x)``."""
    return input - input.tanh()


@_floating_kernel("softshrink_check")
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``y = x - lambd`` if ``x > lambd``, ``x + lambd`` if ``x < -lambd``, else 0."""
    return torch.where(input > lambd, input - lambd, torch.where(input < -lambd, input + lambd, 0.0))


@_floating_kernel("hardshrink_cpu")
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``y = x`` where ``|x| > lambd``, else 0."""
    return torch.where((input > lambd) | (input < -lambd), input, 0.0)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``y = a * sigmoid(b)``, where ``a``, ``b`` are the two halves of ``x`` along ``dim``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {dim % input.dim()} is size {input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * torch.sigmoid(b)


# ----------------------------------------------------------------------------- softmax family
def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's legacy rule for ``dim=None``: dim 0 for 0-, 1- and 3-d inputs, else dim 1."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(name: str, input: Tensor, dim, stacklevel: int) -> int:
    """F.softmax's ``dim=None``: PyTorch's legacy implicit choice, with its warning."""
    return _softmax_dim(name, input.dim(), stacklevel + 1) if dim is None else dim


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``y = exp(x - max) / sum(exp(x - max))`` along ``dim``;  ``dx = y * (g - sum(g * y))``."""
    # A method call, as PyTorch's Python-level F.softmax makes (a non-tensor: AttributeError).
    return input.softmax(_softmax_input("softmax", input, dim, _stacklevel), dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``y = x - max - log(sum(exp(x - max)))`` along ``dim``;  ``dx = g - softmax(x) * sum(g)``
    (one primitive, ``LogSoftmax``)."""
    return input.log_softmax(_softmax_input("log_softmax", input, dim, _stacklevel), dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``y = softmax(-x)``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)
