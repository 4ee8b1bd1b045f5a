"""The functional ops PyTorch also exposes at top level (``torch.max_pool2d``, ``torch.dropout`` ...).

Older code and books call them there. Most are ``nn.functional``'s functions under the same name;
the rest have ATen's signatures, which differ from ``nn.functional``'s, and are written out here:

- dropouts take ``(input, p, train)``, all required (``torch.dropout(x, 0.5, True)``);
- ``batch_norm`` / ``instance_norm`` take ``(input, weight, bias, running_mean, running_var, ...)``;
- ``embedding`` takes ``(weight, indices)``, in that order, and ``padding_idx=-1`` for none;
- losses take ``reduction`` as an int (ATen's enum: 1 mean, 2 sum, anything else none) and, as
  PyTorch's Python binding does, reduce nothing when it is omitted;
- ``max_pool1d/2d`` return no indices and ``adaptive_max_pool1d`` always returns them;
- the in-place ``torch.exp_(x)``-style functions call the ``Tensor`` method.

The list is PyTorch's: every callable of ``dir(torch)`` that minitorch implements in
``nn.functional`` or as a ``Tensor`` method (``parity_tests/test_api_signatures.py`` checks it).
"""

from __future__ import annotations

from .._core.args import tensor_argument as _tensor_argument
from .._tensor.methods import Tensor
from . import functional as _F  # private, so that ``import *`` in __init__ does not export it

# ----------------------------------------------------------------------------- same as nn.functional
adaptive_avg_pool1d = _F.adaptive_avg_pool1d
avg_pool1d = _F.avg_pool1d
bilinear = _F.bilinear
conv1d = _F.conv1d
conv2d = _F.conv2d
conv_transpose1d = _F.conv_transpose1d
conv_transpose2d = _F.conv_transpose2d
cosine_similarity = _F.cosine_similarity
hardshrink = _F.hardshrink
pairwise_distance = _F.pairwise_distance


# ----------------------------------------------------------------------------- ATen's signatures
def _check_dropout(p: float) -> None:
    if not 0 <= p <= 1:  # ATen's check: a RuntimeError (nn.functional's is a ValueError)
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")


def _reduction(reduction, op: str) -> str:
    """ATen's reduction enum as ``nn.functional``'s string."""
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{op}(): argument 'reduction' must be int, not {type(reduction).__name__}")
    return {1: "mean", 2: "sum"}.get(reduction, "none")


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``y = x if x > threshold else value``."""
    _tensor_argument("threshold", input)
    return _F.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """``threshold`` in place."""
    _tensor_argument("threshold_", input)
    return _F.threshold_(input, threshold, value)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``y = max(0, x) + min(0, alpha (exp(x / alpha) - 1))``."""
    _tensor_argument("celu", input)
    return _F.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``celu`` in place."""
    _tensor_argument("celu_", input)
    return _F.celu(input, alpha, inplace=True)


def selu(input: Tensor) -> Tensor:
    """``y = scale (max(0, x) + min(0, alpha (exp(x) - 1)))``."""
    _tensor_argument("selu", input)
    return _F.selu(input)


def selu_(input: Tensor) -> Tensor:
    """``selu`` in place."""
    _tensor_argument("selu_", input)
    return _F.selu(input, inplace=True)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``F.dropout(input, p, training=train)``: zero each element with probability ``p``, scale the rest by ``1/(1-p)``."""
    _tensor_argument("dropout", input)
    _check_dropout(p)
    return _F.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``dropout`` in place."""
    _tensor_argument("dropout_", input)
    _check_dropout(p)
    return _F.dropout(input, p, train, inplace=True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``F.alpha_dropout(input, p, training=train)``."""
    _tensor_argument("alpha_dropout", input)
    _check_dropout(p)
    return _F.alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``alpha_dropout`` in place."""
    _tensor_argument("alpha_dropout_", input)
    _check_dropout(p)
    return _F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``F.feature_alpha_dropout(input, p, training=train)``."""
    _tensor_argument("feature_alpha_dropout", input)
    _check_dropout(p)
    return _F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``feature_alpha_dropout`` in place."""
    _tensor_argument("feature_alpha_dropout_", input)
    _check_dropout(p)
    return _F.feature_alpha_dropout(input, p, train, inplace=True)


def batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool) -> Tensor:
    """``F.batch_norm`` with ATen's argument order (``cudnn_enabled`` is accepted and ignored)."""
    return _F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float,
                  eps: float, cudnn_enabled: bool) -> Tensor:
    """``F.instance_norm`` with ATen's argument order (``cudnn_enabled`` is accepted and ignored)."""
    return _F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """``F.layer_norm`` (``cudnn_enable`` is accepted and ignored)."""
    return _F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """``F.group_norm`` (``cudnn_enabled`` is accepted and ignored)."""
    return _F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input: Tensor, normalized_shape, weight=None, eps=None) -> Tensor:
    """``F.rms_norm``: ``y = x / sqrt(mean(x^2) + eps) * weight``."""
    return _F.rms_norm(input, normalized_shape, weight, eps)


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """``F.embedding(indices, weight)``: the rows of ``weight`` at ``indices``; a negative ``padding_idx`` is none."""
    if isinstance(weight, Tensor) and weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    return _F.embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def max_pool1d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """``F.max_pool1d`` (an empty ``stride`` means ``kernel_size``); no indices."""
    return _F.max_pool1d(input, kernel_size, stride if stride != () else None, padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """``F.max_pool2d`` (an empty ``stride`` means ``kernel_size``); no indices."""
    return _F.max_pool2d(input, kernel_size, stride if stride != () else None, padding, dilation, ceil_mode)


def adaptive_max_pool1d(input: Tensor, output_size):
    """``F.adaptive_max_pool1d(..., return_indices=True)``: ``(values, indices)``."""
    return _F.adaptive_max_pool1d(input, output_size, return_indices=True)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None, pos_weight=None,
                                     reduction: int = 0) -> Tensor:
    """``F.binary_cross_entropy_with_logits`` with ATen's int ``reduction`` (omitted: none, as PyTorch's binding);
    unlike it, ATen broadcasts the input to the target's shape (the shape of its result buffer)."""
    _tensor_argument("binary_cross_entropy_with_logits", input)
    _tensor_argument("binary_cross_entropy_with_logits", target, "target", 2)
    if target.shape != input.shape:
        from .._core.size import Size
        from .._core.strides import broadcast_shapes

        shape = broadcast_shapes(tuple(input.shape), tuple(target.shape))
        if shape != tuple(target.shape):
            raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast shape {list(shape)}")
        input = input.expand(Size(shape))
    return _F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction(reduction, "binary_cross_entropy_with_logits"),
        pos_weight=pos_weight)


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """``F.kl_div`` with ATen's int ``reduction`` (1 is the plain mean, without ``F.kl_div``'s warning)."""
    mode = _reduction(reduction, "kl_div")
    loss = _F.kl_div(input, target, reduction="none", log_target=log_target)
    return loss if mode == "none" else (loss.mean() if mode == "mean" else loss.sum())


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0) -> Tensor:
    """``F.hinge_embedding_loss`` with ATen's int ``reduction``."""
    return _F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction, "hinge_embedding_loss"))


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    """``F.margin_ranking_loss`` with ATen's int ``reduction``."""
    return _F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction(reduction, "margin_ranking_loss"))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    """``F.cosine_embedding_loss`` with ATen's int ``reduction``."""
    return _F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction(reduction, "cosine_embedding_loss"))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """``F.poisson_nll_loss`` with every argument required and ATen's int ``reduction``."""
    return _F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction(reduction, "poisson_nll_loss"))


# ----------------------------------------------------------------------------- torch.exp_(x) is x.exp_()
def _method(name: str):
    """``torch.<name>(input, ...)``: the Tensor method of that name."""

    def call(input: Tensor, *args, **kwargs) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``input.{name}(...)``: the Tensor method."
    return call


abs_ = _method("abs_")
acos_ = _method("acos_")
relu_ = _method("relu_")
addmv_ = _method("addmv_")
asin_ = _method("asin_")
atan_ = _method("atan_")
ceil_ = _method("ceil_")
clamp_ = _method("clamp_")
clamp_max_ = _method("clamp_max_")
clamp_min_ = _method("clamp_min_")
clip_ = _method("clip_")
cos_ = _method("cos_")
cosh_ = _method("cosh_")
detach_ = _method("detach_")
erf_ = _method("erf_")
exp2_ = _method("exp2_")
exp_ = _method("exp_")
expm1_ = _method("expm1_")
fill_ = _method("fill_")
floor_ = _method("floor_")
frac_ = _method("frac_")
log10_ = _method("log10_")
log1p_ = _method("log1p_")
log2_ = _method("log2_")
log_ = _method("log_")
logit_ = _method("logit_")
nan_to_num_ = _method("nan_to_num_")
neg_ = _method("neg_")
reciprocal_ = _method("reciprocal_")
round_ = _method("round_")
rsqrt_ = _method("rsqrt_")
sigmoid_ = _method("sigmoid_")
sin_ = _method("sin_")
sinh_ = _method("sinh_")
sqrt_ = _method("sqrt_")
square_ = _method("square_")
tan_ = _method("tan_")
tanh_ = _method("tanh_")
trunc_ = _method("trunc_")
zero_ = _method("zero_")


detach = _method("detach")
is_complex = _method("is_complex")
