"""conv2d's argument forms and entry checks, shared by the convolution modules.

``kernels/conv.py`` (the dispatch and the large-map algorithms) and ``kernels/conv_small.py`` (the
1x1 and small-map paths) both check a convolution's shapes here before they allocate or loop
(see kernels/checks.py for why every entry checks), and read x and w in their common dtype.
"""

import numpy as np

from .checks import check_at_most, check_output_size, check_shape, check_window
from .im2col import Padding4, conv_output_size

Pair = tuple[int, int]
Padding = tuple[int, int] | Padding4


def as_padding4(padding: Padding) -> Padding4:
    """Normalise ``(ph, pw)`` or ``((top, bottom), (left, right))`` to the explicit form."""
    ph, pw = padding
    if isinstance(ph, int) and isinstance(pw, int):
        return ((ph, ph), (pw, pw))
    return (tuple(ph), tuple(pw))  # type: ignore[return-value]


def _output_size(x_shape, w_shape, stride: Pair, pad: Padding4, dilation: Pair) -> Pair:
    oH = conv_output_size(x_shape[2], w_shape[2], stride[0], pad[0][0], pad[0][1], dilation[0])
    oW = conv_output_size(x_shape[3], w_shape[3], stride[1], pad[1][0], pad[1][1], dilation[1])
    return oH, oW


def _check_conv(op: str, input_shape, weight_shape, stride: Pair, pad: Padding4, dilation: Pair,
                groups: int) -> Pair:
    """What every conv loop assumes of x (N, C_in, H, W) and w (C_out, C_in/groups, kH, kW) (see
    kernels/checks.py); returns the output's (oH, oW)."""
    check_shape(op, "input", input_shape, (None,) * 4)
    check_shape(op, "weight", weight_shape, (None,) * 4)
    check_window(op, weight_shape[2:], stride, pad, dilation)
    C_out, C_in_g = weight_shape[:2]
    if int(groups) != groups or groups < 1 or C_out % groups or input_shape[1] != C_in_g * groups:
        raise RuntimeError(
            f"{op}: weight of shape {tuple(weight_shape)} with groups={groups} expects input with "
            f"{C_in_g * groups} channels (and C_out divisible by groups), but got input of shape "
            f"{tuple(input_shape)}")
    return _output_size(input_shape, weight_shape, stride, pad, dilation)


def _check_forward(x, w, stride: Pair, pad: Padding4, dilation: Pair, groups: int, bias=None) -> Pair:
    """``_check_conv`` for a forward, which also needs a non-empty output and a (C_out,) bias."""
    out = _check_conv("conv2d", x.shape, w.shape, stride, pad, dilation, groups)
    check_output_size("conv2d", x.shape[2:], out)
    if bias is not None:
        check_shape("conv2d", "bias", bias.shape, (w.shape[0],))
    return out


def _check_direct_weight_grad(op: str, gy, x, weight_shape, stride: Pair, pad: Padding4, dilation: Pair) -> Pair:
    """What the direct weight-gradient kernels (one group: kernels/conv_few_channels.py and
    kernels/conv_stem_grad.py) assume before their tables index x_pad and gy: x (N, C_in, H, W),
    gy (N, C_out, oH, oW) for a weight (C_out, C_in, kH, kW), a valid window, and gy no larger
    than the output those give. Returns the padded input's (Hp, Wp)."""
    check_shape(op, "weight", weight_shape, (None,) * 4)
    check_shape(op, "input", x.shape, (None, weight_shape[1], None, None))
    check_shape(op, "gy", gy.shape, (x.shape[0], weight_shape[0], None, None))
    check_window(op, weight_shape[2:], stride, pad, dilation)
    (pT, pB), (pL, pR) = pad
    kH, kW = weight_shape[2:]
    Hp, Wp = x.shape[2] + pT + pB, x.shape[3] + pL + pR
    check_at_most(op, "gy's spatial size", gy.shape[2:], ((Hp - dilation[0] * (kH - 1) - 1) // stride[0] + 1,
                                                         (Wp - dilation[1] * (kW - 1) - 1) // stride[1] + 1))
    return Hp, Wp


def _as_matrices(x, w, groups):
    """x contiguous and w as (G, C_out/G, C_in/G*kH*kW), both in their common dtype (float32
    stays float32 end to end)."""
    dtype = np.result_type(x.dtype, w.dtype)
    C_out = w.shape[0]
    w_mat = np.ascontiguousarray(w, dtype=dtype).reshape(groups, C_out // groups, -1)
    return np.ascontiguousarray(x, dtype=dtype), w_mat
