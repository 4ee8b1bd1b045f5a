"""The CUDA backend: arrays are torch tensors on a CUDA device, with NumPy's names and signatures.

Every entry of ``backends/cpu.py`` has a counterpart here that takes and returns
``torch.Tensor`` s, so a ``Primitive.forward`` written as ``xp = backend_of(a); xp.exp(a)``
runs unchanged on the GPU. The translation is mostly names (``axis`` -> ``dim``,
``keepdims`` -> ``keepdim``, ``concatenate`` -> ``cat``) and NumPy dtypes -> torch dtypes.

The backend is one namespace (this package), written in one file per kind of op:

- ``convert.py``: the device, NumPy dtypes <-> torch dtypes, NumPy arrays and scalars in
  (``_t``), host copies (``to_numpy``, ``from_numpy``);
- ``elementwise.py``: the ufuncs (``out=``, ``dtype=``), ``where``, ``clip``, ``round``;
- ``reductions.py``: reductions and scans over NumPy's ``axis``, sorting, counting, segment sums;
- ``creation.py``, ``movement.py``, ``indexing.py``, ``linalg.py``: new tensors; joining,
  flipping, tiling; gathers and the in-place writes at index-array keys; ``matmul``, ``einsum``;
- ``memory.py``: storage, strides, addresses, layout;
- ``nn.py``, ``optim.py``: the ops that ``backends/cpu.py`` takes from ``kernels/`` (convolution,
  pooling, batch norm, relu, sigmoid; the fused SGD and Adam updates), here torch's own.

No tensor here ever requires grad: minitorch's own autograd records the graph, torch is
only the array library. torch is imported when this package is, i.e. when the first CUDA
tensor is made (``backends.get_backend``); ``import minitorch`` does not import it.

Fake CUDA: with the environment variable ``MINITORCH_FAKE_CUDA=1`` the "CUDA" arrays are torch
*CPU* tensors. Tensors still report ``device='cuda:0'`` and ``minitorch.cuda.is_available()``
is True, so the parity suite and the examples exercise this whole backend on a machine
without a GPU (``MINITORCH_FAKE_CUDA=1 python -m pytest parity_tests --device cuda``).
"""

from __future__ import annotations

import torch

from .convert import (
    _TORCH_OF_NP,
    FAKE,
    astype,
    device,
    from_numpy,
    numpy_dtype,
    to_numpy,
    torch_dtype,
)
from .creation import (
    arange,
    asarray,
    ascontiguousarray,
    copy,
    copyto,
    empty,
    eye,
    full,
    linspace,
    ones,
    zeros,
)
from .elementwise import (
    abs,
    add,
    arccos,
    arcsin,
    arctan,
    arctan2,
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    ceil,
    clip,
    cos,
    cosh,
    equal,
    erf,
    exp,
    exp2,
    expm1,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    greater,
    greater_equal,
    invert,
    isfinite,
    isinf,
    isnan,
    left_shift,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    multiply,
    nan_to_num,
    negative,
    not_equal,
    power,
    reciprocal,
    remainder,
    right_shift,
    rint,
    round,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
    where,
)
from .indexing import index_put, index_reduce_at, nonzero, put_along_axis, take, take_along_axis
from .linalg import einsum, matmul
from .memory import (
    address,
    as_strided,
    element_strides,
    is_c_contiguous,
    is_f_contiguous,
    storage_of,
)
from .movement import (
    broadcast_to,
    concatenate,
    flip,
    moveaxis,
    repeat,
    roll,
    stack,
    tile,
    tril,
    triu,
)
from .nn import (
    adaptive_avg_pool2d,
    adaptive_avg_pool2d_backward,
    adaptive_max_pool2d,
    avg_pool2d,
    avg_pool2d_backward,
    batch_norm,
    batch_norm_backward,
    col2im,
    conv2d,
    conv2d_input_grad,
    conv2d_weight_grad,
    im2col,
    log_softmax,
    log_softmax_backward,
    max_pool2d,
    max_pool2d_backward,
    relu,
    sigmoid,
    sigmoid_backward,
    threshold_backward,
)
from .optim import adam_step, add_scaled, add_scaled_all
from .reductions import (
    add_reduceat,
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    bincount,
    count_nonzero,
    cumprod,
    cumsum,
    mean,
    prod,
    sort,
    sum,
    sum_leading,
)

name = "cuda"
ndarray = torch.Tensor
