"""minitorch: a from-scratch, readable PyTorch.

Layers, each importing only from itself and the layers below it (bottom first)::

    kernels/          numba loops on NumPy arrays (no autograd)
    _core/            dtype, device, Size, strides, argument checks, threads (no Tensor)
    backends/         the array namespace of each device (NumPy + kernels on CPU, torch for CUDA)
    autograd/         Function/Primitive, saved tensors, the backward engine, grad modes
    _ops/             every op as a Function, one folder per family
    _tensor/, serialization/   class Tensor(TensorBase): its body names every method
                               (methods.py); printing, legacy, interop; save/load
    nn, optim, utils.data, vision, hub, viz, profiler, accelerator, cuda   (the public Tensor API)
    this file         re-exports

``parity_tests/test_layers.py`` checks every import, function-level ones included, and lists the
few exceptions with their reasons. The main one is PyTorch's too: ``_ops/`` and ``autograd/`` use
the Tensor class (``_tensor/tensor.py``: ``TensorBase``, the data model), since a Function makes
Tensors and a Tensor records its Function.

Every public name is written down: this file names each function (``exp = _checked(_unary.exp)``),
and ``Tensor``'s body each method, so ``grep -rn "def exp\\|exp = " minitorch`` finds both
(``parity_tests/test_names_written_down.py`` checks it).

``import minitorch`` imports neither torch nor compiles numba code.
"""

from __future__ import annotations

from ._core.dtype import (
    dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64,
    get_default_dtype, set_default_dtype, promote_types, result_type as _result_type,
)
from ._core.dtype import float32 as float, float64 as double, float16 as half
from ._core.dtype import int64 as long, int32 as int, int16 as short
from ._core.device import device, set_default_device, get_default_device
from ._core.size import Size
from ._tensor.conversions import clone
from ._tensor.methods import Tensor
from ._ops.creation.factories import (
    tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, eye, arange, linspace, logspace,
    zeros_like, ones_like, empty_like, full_like,
)
from ._ops import return_types
from ._core.strides import broadcast_shapes as _broadcast_shapes
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .autograd.function import is_anomaly_enabled, set_anomaly_enabled

# ---- the ops as functions, one name a line, by the _ops module that computes them. ``torch.f(x)``
# checks that ``x`` is a Tensor before the op runs (``torch.sum([1, 2])`` is PyTorch's TypeError):
# ``_checked`` (``_core/args.py: checks_tensor_input``) wraps the op for that; the methods
# (``_tensor/methods.py``) need no check, ``self`` being a Tensor. A few functions take their
# arguments more strictly than the method (``torch.reshape(x, 6)`` raises, ``x.reshape(6)`` does
# not): those are the ``_*_function`` forms. Some names are methods only, as in PyTorch
# (``x.view(2, 3)``, never ``torch.view``): repeat, view, view_as, reshape_as, expand, expand_as,
# unfold, sum_to_size.
from ._core.args import checks_tensor_input as _checked
from ._ops.indexing import advanced as _advanced
from ._ops.linalg import matmul as _matmul
from ._ops.linalg import products as _products
from ._ops.pointwise import binary as _binary
from ._ops.pointwise import lerp as _lerp
from ._ops.pointwise import selection as _selection
from ._ops.pointwise import compare as _compare
from ._ops.pointwise import unary as _unary
from ._ops.random import sampling as _sampling
from ._ops.reductions import reduce as _reduce
from ._ops.reductions import scan as _scan
from ._ops.reductions import softmax as _softmax
from ._ops.reductions import sort as _sort
from ._ops.shape import copies as _copies
from ._ops.shape import joins as _joins
from ._ops.shape import selecting_views as _selecting_views
from ._ops.shape import views as _views

# ---- pointwise math (_ops/pointwise/unary.py)
neg = _checked(_unary.neg)
exp = _checked(_unary.exp)
exp2 = _checked(_unary.exp2)
expm1 = _checked(_unary.expm1)
log = _checked(_unary.log)
log2 = _checked(_unary.log2)
log10 = _checked(_unary.log10)
log1p = _checked(_unary.log1p)
sqrt = _checked(_unary.sqrt)
rsqrt = _checked(_unary.rsqrt)
square = _checked(_unary.square)
reciprocal = _checked(_unary.reciprocal)
sin = _checked(_unary.sin)
cos = _checked(_unary.cos)
tan = _checked(_unary.tan)
asin = _checked(_unary.asin)
acos = _checked(_unary.acos)
atan = _checked(_unary.atan)
sinh = _checked(_unary.sinh)
cosh = _checked(_unary.cosh)
tanh = _checked(_unary.tanh)
sigmoid = _checked(_unary.sigmoid)
relu = _checked(_unary.relu)
abs = _checked(_unary.abs)
erf = _checked(_unary.erf)
sign = _checked(_unary.sign)
floor = _checked(_unary.floor)
ceil = _checked(_unary.ceil)
trunc = _checked(_unary.trunc)
negative = _checked(_unary.negative, "negative")
absolute = _checked(_unary.absolute, "absolute")
arcsin = _checked(_unary.arcsin, "arcsin")
arccos = _checked(_unary.arccos, "arccos")
arctan = _checked(_unary.arctan, "arctan")
fix = _checked(_unary.fix, "fix")
round = _checked(_unary.round)

# ---- arithmetic and other binary ops (_ops/pointwise/binary.py)
add = _checked(_binary.add)
arctan2 = _checked(_binary.arctan2, "arctan2")
atan2 = _checked(_binary.atan2)
div = _checked(_binary.div)
float_power = _checked(_binary.float_power)
floor_divide = _checked(_binary.floor_divide)
fmod = _checked(_binary.fmod)
frac = _checked(_binary.frac)
lerp = _checked(_lerp.lerp)  # _ops/pointwise/lerp.py
logit = _checked(_binary.logit)
mul = _checked(_binary.mul)
pow = _checked(_binary.pow)
remainder = _checked(_binary.remainder)
rsub = _checked(_binary.rsub)
sub = _checked(_binary.sub)
true_divide = _checked(_binary.true_divide, "true_divide")

# ---- selection: where, maximum, minimum, clamp, nan_to_num (_ops/pointwise/selection.py)
clamp = _checked(_selection.clamp)
clamp_max = _checked(_selection.clamp_max)
clamp_min = _checked(_selection.clamp_min)
clip = _checked(_selection.clip, "clip")
maximum = _checked(_selection.maximum)
minimum = _checked(_selection.minimum)
nan_to_num = _checked(_selection.nan_to_num)
where = _checked(_selection.where)

# ---- comparisons, logical and bitwise ops (_ops/pointwise/compare.py)
allclose = _checked(_compare.allclose)
bitwise_and = _checked(_compare.bitwise_and)
bitwise_left_shift = _checked(_compare.bitwise_left_shift)
bitwise_not = _checked(_compare.bitwise_not)
bitwise_or = _checked(_compare.bitwise_or)
bitwise_right_shift = _checked(_compare.bitwise_right_shift)
bitwise_xor = _checked(_compare.bitwise_xor)
eq = _checked(_compare.eq)
equal = _checked(_compare.equal)
ge = _checked(_compare.ge)
greater = _checked(_compare.greater, "greater")
greater_equal = _checked(_compare.greater_equal, "greater_equal")
gt = _checked(_compare.gt)
isclose = _checked(_compare.isclose)
isfinite = _checked(_compare.isfinite)
isinf = _checked(_compare.isinf)
isnan = _checked(_compare.isnan)
le = _checked(_compare.le)
less = _checked(_compare.less, "less")
less_equal = _checked(_compare.less_equal, "less_equal")
logical_and = _checked(_compare.logical_and)
logical_not = _checked(_compare.logical_not)
logical_or = _checked(_compare.logical_or)
logical_xor = _checked(_compare.logical_xor)
lt = _checked(_compare.lt)
ne = _checked(_compare.ne)
not_equal = _checked(_compare.not_equal, "not_equal")

# ---- reshaping views (_ops/shape/views.py)
broadcast_to = _checked(_views.broadcast_to)
flatten = _checked(_views.flatten)
permute = _checked(_views._permute_function, "permute")
reshape = _checked(_views._reshape_function, "reshape")
squeeze = _checked(_views.squeeze)
swapaxes = _checked(_views.swapaxes)
swapdims = _checked(_views.swapdims)
t = _checked(_views.t)
transpose = _checked(_views.transpose)
unflatten = _checked(_views.unflatten)
unsqueeze = _checked(_views.unsqueeze)

# ---- selecting views (_ops/shape/selecting_views.py)
as_strided = _checked(_selecting_views.as_strided)
diagonal = _checked(_selecting_views.diagonal)
narrow = _checked(_selecting_views.narrow)
select = _checked(_selecting_views.select)

# ---- reductions (_ops/reductions/reduce.py)
all = _checked(_reduce.all)
amax = _checked(_reduce.amax)
amin = _checked(_reduce.amin)
aminmax = _checked(_reduce.aminmax)
any = _checked(_reduce.any)
argmax = _checked(_reduce.argmax)
argmin = _checked(_reduce.argmin)
bincount = _checked(_reduce.bincount)
count_nonzero = _checked(_reduce.count_nonzero)
logsumexp = _checked(_reduce.logsumexp)
max = _checked(_reduce.max)
mean = _checked(_reduce.mean)
min = _checked(_reduce.min)
norm = _reduce.norm
prod = _checked(_reduce._prod_function)
std = _checked(_reduce.std)
sum = _checked(_reduce._sum_function)
var = _checked(_reduce.var)

# ---- sorting and selection (_ops/reductions/sort.py)
argsort = _checked(_sort.argsort)
kthvalue = _checked(_sort.kthvalue)
median = _checked(_sort.median)
mode = _checked(_sort.mode)
msort = _checked(_sort.msort)
sort = _checked(_sort.sort)
topk = _checked(_sort.topk)
unique = _checked(_sort.unique)

# ---- matmul (_ops/linalg/matmul.py)
matmul = _checked(_matmul.matmul)

# ---- products (_ops/linalg/products.py)
addbmm = _checked(_products.addbmm)
addmm = _checked(_products.addmm)
addmv = _checked(_products.addmv)
addr = _checked(_products.addr)
baddbmm = _checked(_products.baddbmm)
bmm = _checked(_products.bmm)
dot = _checked(_products.dot)
einsum = _products.einsum
ger = _checked(_products.ger, "ger")
inner = _checked(_products.inner)
kron = _checked(_products.kron)
mm = _checked(_products.mm)
mv = _checked(_products.mv)
outer = _checked(_products.outer)
tensordot = _products.tensordot
vdot = _checked(_products.vdot)

# ---- joins and splits (_ops/shape/joins.py)
atleast_1d = _joins.atleast_1d
atleast_2d = _joins.atleast_2d
atleast_3d = _joins.atleast_3d
cat = _joins.cat
chunk = _checked(_joins.chunk)
column_stack = _joins.column_stack
concat = _joins.concat
concatenate = _joins.concatenate
dstack = _joins.dstack
hstack = _joins.hstack
row_stack = _joins.row_stack
split = _joins.split
split_with_sizes = _checked(_joins.split_with_sizes)
stack = _joins.stack
tensor_split = _checked(_joins.tensor_split)
unbind = _checked(_joins.unbind)
unsafe_chunk = _checked(_joins.unsafe_chunk)
unsafe_split = _checked(_joins.unsafe_split)
unsafe_split_with_sizes = _checked(_joins.unsafe_split_with_sizes)
vstack = _joins.vstack

# ---- copies that move elements (_ops/shape/copies.py)
broadcast_tensors = _copies.broadcast_tensors
diag = _checked(_copies.diag)
diag_embed = _checked(_copies.diag_embed)
diagflat = _checked(_copies.diagflat)
flip = _checked(_copies._flip_function, "flip")
fliplr = _checked(_copies.fliplr)
flipud = _checked(_copies.flipud)
meshgrid = _copies.meshgrid
moveaxis = _checked(_copies.moveaxis, "moveaxis")
movedim = _checked(_copies.movedim)
repeat_interleave = _checked(_copies.repeat_interleave)
roll = _checked(_copies.roll)
tile = _checked(_copies._tile_function, "tile")
trace = _checked(_copies.trace)
tril = _checked(_copies.tril)
triu = _checked(_copies.triu)

# ---- advanced indexing (_ops/indexing/advanced.py)
argwhere = _checked(_advanced.argwhere)
gather = _checked(_advanced.gather)
index_add = _checked(_advanced.index_add)
index_copy = _checked(_advanced.index_copy)
index_fill = _checked(_advanced.index_fill)
index_put = _checked(_advanced.index_put)
index_put_ = _checked(_advanced.index_put_)
index_select = _checked(_advanced.index_select)
masked_fill = _checked(_advanced.masked_fill)
masked_scatter = _checked(_advanced.masked_scatter)
masked_select = _checked(_advanced.masked_select)
nonzero = _checked(_advanced.nonzero)
put = _checked(_advanced.put)
scatter = _checked(_advanced.scatter)
scatter_add = _checked(_advanced.scatter_add)
scatter_reduce = _checked(_advanced.scatter_reduce)
take = _checked(_advanced.take)
take_along_dim = _checked(_advanced.take_along_dim)

# ---- random sampling (_ops/random/sampling.py)
bernoulli = _checked(_sampling.bernoulli)
multinomial = _checked(_sampling.multinomial)
normal = _sampling.normal
rand = _sampling.rand
rand_like = _checked(_sampling.rand_like)
randint = _sampling.randint
randint_like = _checked(_sampling.randint_like)
randn = _sampling.randn
randn_like = _checked(_sampling.randn_like)
randperm = _sampling.randperm

# ---- softmax (_ops/reductions/softmax.py)
log_softmax = _checked(_softmax.log_softmax)
softmax = _checked(_softmax.softmax)

# ---- scans (_ops/reductions/scan.py)
cumprod = _checked(_scan.cumprod)
cumsum = _checked(_scan.cumsum)

cfloat = None  # complex dtypes are not supported


def result_type(tensor, other) -> dtype:  # noqa: F811 - PyTorch's keyword name
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


import builtins as _builtins

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
from ._ops.random.generator import (
    Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state,
)
from ._tensor.legacy import (
    FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor,
    set_default_tensor_type,
)
from ._tensor.tensor_str import set_printoptions, get_printoptions, printoptions

# ---- CPU threads (kernels/threading.py; numba applied lazily on the first kernel call)
from ._core.threads import set_num_threads, get_num_threads

# ---- optimizers and learning-rate schedulers (optim)
from . import optim

# ---- the profiler (torch.profiler; torch.autograd.profiler re-exports record_function and the older profile)
from . import profiler
from .autograd import profiler as _autograd_profiler  # makes minitorch.autograd.profiler an attribute

# ---- neural networks (nn: modules, functional, init, utils), and the functional ops PyTorch also
# has at top level (torch.max_pool2d, torch.dropout(x, p, train) ...)
from . import nn
from .nn._functional_aliases import (
    adaptive_avg_pool1d, avg_pool1d, bilinear, conv1d, conv2d, conv_transpose1d, conv_transpose2d,
    cosine_similarity, hardshrink, pairwise_distance, threshold, threshold_, celu, celu_, selu, selu_,
    dropout, dropout_, alpha_dropout, alpha_dropout_, feature_alpha_dropout, feature_alpha_dropout_,
    batch_norm, instance_norm, layer_norm, group_norm, rms_norm, embedding, max_pool1d, max_pool2d,
    adaptive_max_pool1d, binary_cross_entropy_with_logits, kl_div, hinge_embedding_loss, margin_ranking_loss,
    cosine_embedding_loss, poisson_nll_loss, abs_, acos_, relu_, addmv_, asin_, atan_, ceil_, clamp_,
    clamp_max_, clamp_min_, clip_, cos_, cosh_, detach_, erf_, exp2_, exp_, expm1_, fill_, floor_, frac_,
    log10_, log1p_, log2_, log_, logit_, nan_to_num_, neg_, reciprocal_, round_, rsqrt_, sigmoid_, sin_,
    sinh_, sqrt_, square_, tan_, tanh_, trunc_, zero_, detach, is_complex,
)

# ---- capture once, replay the kernels (_compile: torch.compile's API, docs/compile.md)
from ._compile import compile


# ---- graph drawing (viz): a tool, not part of the engine, so imported on first use
def __getattr__(name: str):
    if name == "viz":
        import importlib

        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'minitorch' has no attribute {name!r}")

# ---- GPUs (backends/torch_backend/; torch imported only with the first CUDA tensor), the
# device-agnostic accelerator API, and torch.backends' flags (backends/mps.py, cudnn.py ...)
from . import accelerator
from . import backends
from . import cuda
from .backends.cuda import get_float32_matmul_precision, set_float32_matmul_precision

# ---- data loading, saving, PyTorch interop (utils.data, serialization/__init__.py, _tensor/interop.py);
# ``minitorch.vision`` (torchvision's role) is imported explicitly: ``from minitorch.vision import datasets``
from . import utils
from .serialization import save, load
from . import hub
from ._tensor.interop import from_torch
