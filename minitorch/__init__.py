"""minitorch: a from-scratch, readable PyTorch.

Layers, each importing only from itself and the layers below it (bottom first)::

    kernels/          numba loops on NumPy arrays (no autograd)
    _core/            dtype, device, Size, strides, argument checks, threads (no Tensor)
    backends/         the array namespace of each device (NumPy + kernels on CPU, torch for CUDA)
    autograd/         Function/Primitive, saved tensors, the backward engine, grad modes
    _ops/             every op as a Function, one folder per family
    _tensor/, serialization/   the Tensor's methods, printing, legacy, interop; save/load
    nn, optim, utils.data, vision, hub, viz, accelerator, cuda   (the public Tensor API)
    this file         re-exports

``parity_tests/test_layers.py`` checks every import, function-level ones included, and lists the
few exceptions with their reasons. The main one is PyTorch's too: ``_ops/`` and ``autograd/`` use
the Tensor class (``_tensor/tensor.py``), since a Function makes Tensors and a Tensor records its
Function.

``import minitorch`` imports neither torch nor compiles numba code.
"""

from __future__ import annotations

from ._core.dtype import (  # noqa: F401
    dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64,
    get_default_dtype, set_default_dtype, promote_types, result_type as _result_type,
)
from ._core.dtype import float32 as float, float64 as double, float16 as half  # noqa: F401
from ._core.dtype import int64 as long, int32 as int, int16 as short  # noqa: F401
from ._core.device import device, set_default_device, get_default_device  # noqa: F401
from ._core.size import Size  # noqa: F401
from ._tensor.tensor import Tensor  # noqa: F401
from ._ops.creation.factories import (  # noqa: F401
    tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, eye, arange, linspace, logspace,
    zeros_like, ones_like, empty_like, full_like,
)
from ._ops._table import *  # noqa: F401,F403
from ._ops import return_types  # noqa: F401,E402  (torch.return_types: max, sort, topk ...)
from ._core.strides import broadcast_shapes as _broadcast_shapes
from ._tensor.methods import _bind, clone  # noqa: F401
from . import autograd  # noqa: F401
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled  # noqa: F401
from .autograd.function import is_anomaly_enabled, set_anomaly_enabled  # noqa: F401,E402

_bind()
del _bind

cfloat = None  # complex dtypes are not supported


def result_type(tensor, other) -> dtype:
    """The dtype ``tensor op other`` would have (``torch.result_type``)."""
    for x in (tensor, other):
        if not isinstance(x, (Tensor, _builtins.bool, _builtins.int, _builtins.float)):
            raise TypeError(f"result_type(): argument must be Tensor or Number, not {type(x).__name__}")
    return _result_type(tensor, other)


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of ``shapes`` broadcast to."""
    for s in shapes:
        if not isinstance(s, (builtins_int, tuple, list)):
            raise RuntimeError(  # noqa: TRY004 - PyTorch's type
                f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}")
        for n in ((s,) if isinstance(s, builtins_int) else s):
            if not isinstance(n, builtins_int):
                raise TypeError(f"broadcast_shapes(): a size must be an int, not {type(n).__name__}")
            if n < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
    return Size(_broadcast_shapes(*[(s,) if isinstance(s, builtins_int) else tuple(s) for s in shapes]))


import builtins as _builtins  # noqa: E402

builtins_int = _builtins.int


def is_tensor(obj) -> _builtins.bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> builtins_int:
    from ._core.args import tensor_argument

    return tensor_argument("numel", input).numel()


def is_floating_point(input: Tensor) -> _builtins.bool:
    from ._core.args import tensor_argument

    return tensor_argument("is_floating_point", input).is_floating_point()


__version__ = "0.1.0"

# ---- random numbers, legacy constructors, printing (creation/random/printing)
from ._ops.random.generator import (  # noqa: E402,F401
    Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state,
)
from ._tensor.legacy import (  # noqa: E402,F401
    FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor,
    set_default_tensor_type,
)
from ._tensor.tensor_str import set_printoptions, get_printoptions, printoptions  # noqa: E402,F401

# ---- CPU threads (kernels/threading.py; numba applied lazily on the first kernel call)
from ._core.threads import set_num_threads, get_num_threads  # noqa: E402,F401

# ---- optimizers and learning-rate schedulers (optim)
from . import optim  # noqa: E402,F401

# ---- neural networks (nn: modules, functional, init, utils), and the functional ops PyTorch also
# has at top level (torch.max_pool2d, torch.dropout(x, p, train) ...)
from . import nn  # noqa: E402,F401
from .nn._functional_aliases import *  # noqa: E402,F401,F403


# ---- graph drawing (viz): a tool, not part of the engine, so imported on first use
def __getattr__(name: str):
    if name == "viz":
        import importlib

        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'minitorch' has no attribute {name!r}")

# ---- GPUs (backends/torch_backend.py; torch imported only with the first CUDA tensor), the
# device-agnostic accelerator API, and torch.backends' flags (backends/mps.py, cudnn.py ...)
from . import accelerator
from . import backends
from . import cuda  # noqa: E402,F401
from .backends.cuda import get_float32_matmul_precision, set_float32_matmul_precision  # noqa: E402,F401

# ---- data loading, saving, PyTorch interop (utils.data, serialization/__init__.py, _tensor/interop.py);
# ``minitorch.vision`` (torchvision's role) is imported explicitly: ``from minitorch.vision import datasets``
from . import utils  # noqa: E402,F401
from .serialization import save, load  # noqa: E402,F401
from . import hub  # noqa: E402,F401  (load_state_dict_from_url: torch.hub's cache, loaded by load)
from ._tensor.interop import from_torch, _bind as _bind_interop  # noqa: E402,F401

_bind_interop()
del _bind_interop
