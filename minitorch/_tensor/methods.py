"""``minitorch.Tensor``: the data model (``TensorBase``, ``_tensor/tensor.py``) with its methods.

The body of ``class Tensor`` below names every method, one per line, grouped by the module that
computes it: ``x.exp()`` is ``minitorch.exp(x)`` (``exp = _refuses_out(_unary.exp)``), ``x + y``
is ``minitorch.add(x, y)``, ``x.add_(y)`` computes ``add(x, y)`` and writes it back (``add_ =
_inplace(_binary.add)``; ``_ops/_inplace.py``). Each op is written once, as a function; the method
is that same function (or a thin wrapper that refuses ``out=``), so ``x.exp()`` costs no more than
``minitorch.exp(x)``. This file holds those two wrappers and the class; the methods that are not
ops are written beside it, one file per idea:

- ``conversions.py``: copies, casts and devices (``clone``, ``contiguous``, ``to``, ``cpu``,
  ``cuda``, ``type_as``, ``float()`` ...);
- ``inplace_writes.py``: the in-place writes that are not ops (``fill_``, ``zero_``, ``copy_``, ``t_``);
- ``operators.py``: what Python's operators add to the ops (operands declined with
  ``NotImplemented``, NumPy operands, ``&`` on bools, ``x.T``);
- ``python_protocol.py``: what Python and NumPy ask of a tensor (``len``, ``iter``, ``bool``,
  ``float``, ``repr``, pickling, ``deepcopy``) and the values out (``item``, ``tolist``, ``numpy``);
- ``legacy.py`` (``x.new_*``), ``interop.py`` (``to_torch``).
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from .._core import dtype as _dtype
from .._ops._inplace import write_inplace
from .._ops.indexing import advanced as _advanced
from .._ops.indexing import getitem as indexing
from .._ops.linalg import matmul as _matmul
from .._ops.linalg import products as _products
from .._ops.pointwise import binary as _binary
from .._ops.pointwise import binary as ew
from .._ops.pointwise import compare as _compare
from .._ops.pointwise import compare as cmp
from .._ops.pointwise import direct as _direct
from .._ops.pointwise import lerp as _lerp
from .._ops.pointwise import selection as _selection
from .._ops.pointwise import unary as _unary
from .._ops.pointwise.unary import unary
from .._ops.random import sampling as _sampling
from .._ops.reductions import reduce as _reduce
from .._ops.reductions import scan as _scan
from .._ops.reductions import softmax as _softmax
from .._ops.reductions import sort as _sort
from .._ops.shape import copies as _copies
from .._ops.shape import joins as _joins
from .._ops.shape import selecting_views as _selecting_views
from .._ops.shape import views as _views
from . import conversions as _conversions
from . import inplace_writes as _inplace_writes
from . import interop as _interop
from . import legacy as _legacy
from . import python_protocol as _python_protocol
from .conversions import cast_method
from .operators import (
    array_wrap,
    bitwise_operator,
    compare_array,
    conjugate_transpose,
    declines_arrays,
    invert,
    matrix_transpose,
    operand_or_not_implemented,
    pos,
    rtruediv,
    tensor_operand,
)
from .tensor import TensorBase, set_tensor_class


# ----------------------------------------------------------------------------- ops as methods
def _refuses_out(fn):
    """``fn`` as a Tensor method: PyTorch's methods take no ``out=`` (only ``torch.fn`` does), so a
    function with an ``out`` parameter is wrapped to refuse it with PyTorch's TypeError; any other
    function is the method itself."""
    if "out" not in inspect.signature(fn).parameters:
        return fn

    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        if "out" in kwargs:
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument 'out'")
        return fn(self, *args, **kwargs)

    return method


def _inplace(fn):
    """``x.op_(...)``: compute ``op(x, ...)`` then write it into ``x`` (``_ops/_inplace.py``)."""
    op = _refuses_out(fn)

    def method(self, *args, **kwargs):
        self._check_inplace()
        return write_inplace(self, op(self, *args, **kwargs))

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of :meth:`{fn.__name__}`."
    return method


class Tensor(TensorBase):
    """A multi-dimensional array with reverse-mode automatic differentiation (``torch.Tensor``).

    The data model (storage, shape, strides, version, ``grad``, ``grad_fn``) is ``TensorBase``
    (``_tensor/tensor.py``). This body names each method: most are the function of the same name
    in an ``_ops`` module (``x.exp()`` runs ``_ops/pointwise/unary.py: exp``), ``op_`` methods are
    ``_inplace(op)``, and the rest are written in ``_tensor/conversions.py`` (``to``, ``clone``,
    casts), ``inplace_writes.py`` (``fill_``, ``copy_`` ...), ``operators.py`` (Python's operators),
    ``legacy.py`` (``new_*``), ``python_protocol.py`` (``len``, ``item``, ``numpy``, ``repr``,
    pickling ...), ``interop.py`` and ``_ops/random/sampling.py`` (``normal_`` ...).
    ``parity_tests/test_names_written_down.py`` checks that no method is attached anywhere else.
    """

    __slots__ = ()

    # ---- pointwise math (_ops/pointwise/unary.py)
    neg = _refuses_out(_unary.neg)
    exp = _refuses_out(_unary.exp)
    exp2 = _refuses_out(_unary.exp2)
    expm1 = _refuses_out(_unary.expm1)
    log = _refuses_out(_unary.log)
    log2 = _refuses_out(_unary.log2)
    log10 = _refuses_out(_unary.log10)
    log1p = _refuses_out(_unary.log1p)
    sqrt = _refuses_out(_unary.sqrt)
    rsqrt = _refuses_out(_unary.rsqrt)
    square = _refuses_out(_unary.square)
    reciprocal = _refuses_out(_unary.reciprocal)
    sin = _refuses_out(_unary.sin)
    cos = _refuses_out(_unary.cos)
    tan = _refuses_out(_unary.tan)
    asin = _refuses_out(_unary.asin)
    acos = _refuses_out(_unary.acos)
    atan = _refuses_out(_unary.atan)
    sinh = _refuses_out(_unary.sinh)
    cosh = _refuses_out(_unary.cosh)
    tanh = _refuses_out(_unary.tanh)
    sigmoid = _refuses_out(_unary.sigmoid)
    relu = _refuses_out(_unary.relu)
    abs = _refuses_out(_unary.abs)
    erf = _refuses_out(_unary.erf)
    sign = _refuses_out(_unary.sign)
    floor = _refuses_out(_unary.floor)
    ceil = _refuses_out(_unary.ceil)
    trunc = _refuses_out(_unary.trunc)
    negative = _refuses_out(_unary.negative)
    absolute = _refuses_out(_unary.absolute)
    arcsin = _refuses_out(_unary.arcsin)
    arccos = _refuses_out(_unary.arccos)
    arctan = _refuses_out(_unary.arctan)
    fix = _refuses_out(_unary.fix)
    round = _refuses_out(_unary.round)
    # in place: x.op_(...) writes op(x, ...) into x
    neg_ = _inplace(_unary.neg)
    exp_ = _inplace(_unary.exp)
    exp2_ = _inplace(_unary.exp2)
    expm1_ = _inplace(_unary.expm1)
    log_ = _inplace(_unary.log)
    log2_ = _inplace(_unary.log2)
    log10_ = _inplace(_unary.log10)
    log1p_ = _inplace(_unary.log1p)
    sqrt_ = _inplace(_unary.sqrt)
    rsqrt_ = _inplace(_unary.rsqrt)
    square_ = _inplace(_unary.square)
    reciprocal_ = _inplace(_unary.reciprocal)
    sin_ = _inplace(_unary.sin)
    cos_ = _inplace(_unary.cos)
    tan_ = _inplace(_unary.tan)
    asin_ = _inplace(_unary.asin)
    acos_ = _inplace(_unary.acos)
    atan_ = _inplace(_unary.atan)
    sinh_ = _inplace(_unary.sinh)
    cosh_ = _inplace(_unary.cosh)
    tanh_ = _inplace(_unary.tanh)
    sigmoid_ = _inplace(_unary.sigmoid)
    relu_ = _inplace(_unary.relu)
    abs_ = _inplace(_unary.abs)
    erf_ = _inplace(_unary.erf)
    sign_ = _inplace(_unary.sign)
    floor_ = _inplace(_unary.floor)
    ceil_ = _inplace(_unary.ceil)
    trunc_ = _inplace(_unary.trunc)
    round_ = _inplace(_unary.round)

    # ---- arithmetic (_ops/pointwise/binary.py)
    add = _refuses_out(_binary.add)
    arctan2 = _refuses_out(_binary.arctan2)
    atan2 = _refuses_out(_binary.atan2)
    div = _refuses_out(_binary.div)
    float_power = _refuses_out(_binary.float_power)
    floor_divide = _refuses_out(_binary.floor_divide)
    fmod = _refuses_out(_binary.fmod)
    frac = _refuses_out(_binary.frac)
    lerp = _refuses_out(_lerp.lerp)
    logit = _refuses_out(_binary.logit)
    mul = _refuses_out(_binary.mul)
    pow = _refuses_out(_binary.pow)
    remainder = _refuses_out(_binary.remainder)
    sub = _refuses_out(_binary.sub)
    true_divide = _refuses_out(_binary.true_divide)
    # in place
    add_ = _direct.inplace(_inplace(_binary.add), np.add, "add_")
    sub_ = _direct.inplace(_inplace(_binary.sub), np.subtract, "sub_")
    mul_ = _direct.inplace(_inplace(_binary.mul), np.multiply, "mul_")
    div_ = _direct.inplace(_inplace(_binary.div), np.true_divide, "div_")
    true_divide_ = _inplace(_binary.true_divide)
    floor_divide_ = _inplace(_binary.floor_divide)
    remainder_ = _inplace(_binary.remainder)
    fmod_ = _inplace(_binary.fmod)
    pow_ = _inplace(_binary.pow)
    lerp_ = _inplace(_lerp.lerp)
    logit_ = _inplace(_binary.logit)
    frac_ = _inplace(_binary.frac)
    atan2_ = _inplace(_binary.atan2)

    # ---- selection: where, maximum, minimum, clamp, nan_to_num (_ops/pointwise/selection.py)
    clamp = _refuses_out(_selection.clamp)
    clamp_max = _selection.clamp_max
    clamp_min = _selection.clamp_min
    clip = _refuses_out(_selection.clip)
    maximum = _refuses_out(_selection.maximum)
    minimum = _refuses_out(_selection.minimum)
    nan_to_num = _refuses_out(_selection.nan_to_num)

    def where(self, condition, other):
        """``torch.where(condition, self, other)``: ``self`` where ``condition`` holds, else ``other``."""
        return _selection.where(condition, self, other)

    # in place
    clamp_ = _inplace(_selection.clamp)
    clip_ = _inplace(_selection.clip)
    clamp_min_ = _inplace(_selection.clamp_min)
    clamp_max_ = _inplace(_selection.clamp_max)
    nan_to_num_ = _inplace(_selection.nan_to_num)

    # ---- comparisons, logical and bitwise ops (_ops/pointwise/compare.py)
    allclose = _compare.allclose
    bitwise_and = _compare.bitwise_and
    bitwise_left_shift = _compare.bitwise_left_shift
    bitwise_not = _compare.bitwise_not
    bitwise_or = _compare.bitwise_or
    bitwise_right_shift = _compare.bitwise_right_shift
    bitwise_xor = _compare.bitwise_xor
    eq = _refuses_out(_compare.eq)
    equal = _compare.equal
    ge = _refuses_out(_compare.ge)
    greater = _refuses_out(_compare.greater)
    greater_equal = _refuses_out(_compare.greater_equal)
    gt = _refuses_out(_compare.gt)
    isclose = _compare.isclose
    isfinite = _compare.isfinite
    isinf = _compare.isinf
    isnan = _compare.isnan
    le = _refuses_out(_compare.le)
    less = _refuses_out(_compare.less)
    less_equal = _refuses_out(_compare.less_equal)
    logical_and = _refuses_out(_compare.logical_and)
    logical_not = _refuses_out(_compare.logical_not)
    logical_or = _refuses_out(_compare.logical_or)
    logical_xor = _refuses_out(_compare.logical_xor)
    lt = _refuses_out(_compare.lt)
    ne = _refuses_out(_compare.ne)
    not_equal = _refuses_out(_compare.not_equal)
    # in place
    eq_ = _inplace(_compare.eq)
    ne_ = _inplace(_compare.ne)
    lt_ = _inplace(_compare.lt)
    le_ = _inplace(_compare.le)
    gt_ = _inplace(_compare.gt)
    ge_ = _inplace(_compare.ge)
    logical_and_ = _inplace(_compare.logical_and)
    logical_or_ = _inplace(_compare.logical_or)
    logical_xor_ = _inplace(_compare.logical_xor)
    logical_not_ = _inplace(_compare.logical_not)
    bitwise_left_shift_ = _inplace(_compare.bitwise_left_shift)
    bitwise_right_shift_ = _inplace(_compare.bitwise_right_shift)

    # ---- reshaping views (_ops/shape/views.py)
    broadcast_to = _views.broadcast_to
    expand = _views.expand
    expand_as = _views.expand_as
    flatten = _views.flatten
    permute = _views.permute
    reshape = _views.reshape
    reshape_as = _views.reshape_as
    squeeze = _views.squeeze
    swapaxes = _views.swapaxes
    swapdims = _views.swapdims
    t = _views.t
    transpose = _views.transpose
    unflatten = _views.unflatten
    unsqueeze = _views.unsqueeze
    view = _views.view
    view_as = _views.view_as

    # ---- selecting views (_ops/shape/selecting_views.py)
    as_strided = _selecting_views.as_strided
    diagonal = _selecting_views.diagonal
    narrow = _selecting_views.narrow
    select = _selecting_views.select
    unfold = _selecting_views.unfold

    # ---- reductions (_ops/reductions/reduce.py)
    all = _refuses_out(_reduce.all)
    amax = _refuses_out(_reduce.amax)
    amin = _refuses_out(_reduce.amin)
    aminmax = _reduce.aminmax
    any = _refuses_out(_reduce.any)
    argmax = _reduce.argmax
    argmin = _reduce.argmin
    bincount = _reduce.bincount
    count_nonzero = _reduce.count_nonzero
    logsumexp = _refuses_out(_reduce.logsumexp)
    max = _refuses_out(_reduce.max)
    mean = _refuses_out(_reduce.mean)
    min = _refuses_out(_reduce.min)
    norm = _refuses_out(_reduce.norm)
    prod = _refuses_out(_reduce.prod)
    std = _refuses_out(_reduce.std)
    sum = _refuses_out(_reduce.sum)
    sum_to_size = _reduce.sum_to_size
    var = _refuses_out(_reduce.var)

    # ---- sorting and selection (_ops/reductions/sort.py)
    argsort = _sort.argsort
    kthvalue = _refuses_out(_sort.kthvalue)
    median = _refuses_out(_sort.median)
    mode = _refuses_out(_sort.mode)
    msort = _sort.msort
    sort = _refuses_out(_sort.sort)
    topk = _refuses_out(_sort.topk)
    unique = _sort.unique

    # ---- matmul (_ops/linalg/matmul.py)
    matmul = _refuses_out(_matmul.matmul)

    # ---- products (_ops/linalg/products.py)
    mm = _refuses_out(_products.mm)
    bmm = _refuses_out(_products.bmm)
    mv = _refuses_out(_products.mv)
    dot = _refuses_out(_products.dot)
    vdot = _refuses_out(_products.vdot)
    outer = _refuses_out(_products.outer)
    ger = _refuses_out(_products.ger)
    inner = _refuses_out(_products.inner)
    addmm = _refuses_out(_products.addmm)
    addmv = _refuses_out(_products.addmv)
    baddbmm = _refuses_out(_products.baddbmm)
    addbmm = _refuses_out(_products.addbmm)
    addr = _refuses_out(_products.addr)
    kron = _refuses_out(_products.kron)
    # in place
    addmm_ = _inplace(_products.addmm)
    addmv_ = _inplace(_products.addmv)
    baddbmm_ = _inplace(_products.baddbmm)
    addbmm_ = _inplace(_products.addbmm)
    addr_ = _inplace(_products.addr)

    # ---- joins and splits (_ops/shape/joins.py)
    def split(self, split_size, dim=0):
        """``torch.split(self, split_size, dim)``: the method takes no ``split_size_or_sections=``."""
        return _joins.split(self, split_size, dim)

    chunk = _joins.chunk
    split_with_sizes = _joins.split_with_sizes
    tensor_split = _joins.tensor_split
    unbind = _joins.unbind
    unsafe_chunk = _joins.unsafe_chunk
    unsafe_split = _joins.unsafe_split
    unsafe_split_with_sizes = _joins.unsafe_split_with_sizes

    # ---- copies that move elements (_ops/shape/copies.py)
    movedim = _copies.movedim
    moveaxis = _copies.moveaxis
    flip = _copies.flip
    fliplr = _copies.fliplr
    flipud = _copies.flipud
    roll = _copies.roll
    repeat = _copies.repeat
    tile = _copies.tile
    repeat_interleave = _copies.repeat_interleave
    tril = _refuses_out(_copies.tril)
    triu = _refuses_out(_copies.triu)
    diag_embed = _copies.diag_embed
    diag = _refuses_out(_copies.diag)
    diagflat = _copies.diagflat
    trace = _copies.trace
    # in place
    tril_ = _inplace(_copies.tril)
    triu_ = _inplace(_copies.triu)

    # ---- advanced indexing (_ops/indexing/advanced.py)
    argwhere = _advanced.argwhere
    gather = _refuses_out(_advanced.gather)
    index_add = _refuses_out(_advanced.index_add)
    index_copy = _refuses_out(_advanced.index_copy)
    index_fill = _advanced.index_fill
    index_put = _advanced.index_put
    index_select = _refuses_out(_advanced.index_select)
    masked_fill = _advanced.masked_fill
    masked_scatter = _advanced.masked_scatter
    masked_select = _refuses_out(_advanced.masked_select)
    nonzero = _refuses_out(_advanced.nonzero)
    put = _advanced.put
    scatter = _refuses_out(_advanced.scatter)
    scatter_add = _refuses_out(_advanced.scatter_add)
    scatter_reduce = _refuses_out(_advanced.scatter_reduce)
    take = _advanced.take
    take_along_dim = _refuses_out(_advanced.take_along_dim)
    # in place
    put_ = _inplace(_advanced.put)
    scatter_ = _inplace(_advanced.scatter)
    scatter_add_ = _inplace(_advanced.scatter_add)
    scatter_reduce_ = _inplace(_advanced.scatter_reduce)
    index_add_ = _inplace(_advanced.index_add)
    index_fill_ = _inplace(_advanced.index_fill)
    index_copy_ = _inplace(_advanced.index_copy)
    index_put_ = _inplace(_advanced.index_put)
    masked_fill_ = _inplace(_advanced.masked_fill)
    masked_scatter_ = _inplace(_advanced.masked_scatter)

    # ---- random sampling (_ops/random/sampling.py)
    bernoulli = _refuses_out(_sampling.bernoulli)
    multinomial = _refuses_out(_sampling.multinomial)

    # ---- softmax (_ops/reductions/softmax.py)
    log_softmax = _softmax.log_softmax
    softmax = _softmax.softmax

    # ---- scans (_ops/reductions/scan.py)
    cumprod = _refuses_out(_scan.cumprod)
    cumsum = _refuses_out(_scan.cumsum)
    # in place
    cumsum_ = _inplace(_scan.cumsum)
    cumprod_ = _inplace(_scan.cumprod)

    # ---- copies, casts and devices (_tensor/conversions.py)
    to = _conversions.to
    clone = _conversions.clone
    contiguous = _conversions.contiguous
    cpu = _conversions.cpu
    cuda = _conversions.cuda
    type_as = _conversions.type_as

    # ---- in-place writes that are not ops (_tensor/inplace_writes.py)
    fill_ = _inplace_writes.fill_
    zero_ = _inplace_writes.zero_
    copy_ = _inplace_writes.copy_
    t_ = _inplace_writes.t_

    # ---- x.new_* (_tensor/legacy.py)
    new_tensor = _legacy.new_tensor
    new_empty = _legacy.new_empty
    new_zeros = _legacy.new_zeros
    new_ones = _legacy.new_ones
    new_full = _legacy.new_full

    # ---- in-place sampling; PyTorch has no torch.normal_ (_ops/random/sampling.py)
    normal_ = _sampling.normal_
    uniform_ = _sampling.uniform_
    random_ = _sampling.random_
    bernoulli_ = _sampling.bernoulli_
    exponential_ = _sampling.exponential_
    geometric_ = _sampling.geometric_
    cauchy_ = _sampling.cauchy_
    log_normal_ = _sampling.log_normal_

    # ---- Python's protocol and the values out (_tensor/python_protocol.py)
    __len__ = _python_protocol.__len__
    __iter__ = _python_protocol.__iter__
    __bool__ = _python_protocol.__bool__
    __float__ = _python_protocol.__float__
    __int__ = _python_protocol.__int__
    __index__ = _python_protocol.__index__
    __repr__ = _python_protocol.__repr__
    __format__ = _python_protocol.__format__
    __reduce_ex__ = _python_protocol.__reduce_ex__
    __deepcopy__ = _python_protocol.__deepcopy__
    __array__ = _python_protocol.__array__
    item = _python_protocol.item
    tolist = _python_protocol.tolist
    numpy = _python_protocol.numpy

    # ---- PyTorch interop (_tensor/interop.py)
    def to_torch(self):
        """This tensor as a ``torch.Tensor`` sharing its memory (CPU)."""
        return _interop.to_torch(self)

    # ---- indexing (_ops/indexing/getitem.py)
    __getitem__ = indexing.getitem
    __setitem__ = indexing.setitem

    # ---- NumPy interplay (_tensor/operators.py: declines_arrays)
    __array_priority__ = 1000  # NumPy defers to the Tensor's operators
    __array_wrap__ = array_wrap

    # ---- arithmetic operators (_ops/pointwise/binary.py; two tensors that need no node: direct.py)
    __add__ = _direct.operator(ew.add, np.add, "__add__")
    __sub__ = _direct.operator(ew.sub, np.subtract, "__sub__")
    __mul__ = _direct.operator(ew.mul, np.multiply, "__mul__")
    __truediv__ = _direct.operator(ew.div, np.true_divide, "__truediv__")
    __floordiv__ = declines_arrays(lambda s, o: ew.floor_divide(s, o))
    __mod__ = declines_arrays(lambda s, o: ew.remainder(s, o))
    __pow__ = declines_arrays(lambda s, o: ew.pow(s, o))
    # Reflected forms run only when the left operand is not a Tensor: a number, or something
    # Python should be told we do not handle (``None ** x`` is then Python's TypeError).
    __radd__ = _direct.reflected(ew.add, np.add, "__radd__")
    __rsub__ = _direct.reflected(ew.rsub, np.subtract, "__rsub__")
    __rmul__ = _direct.reflected(ew.mul, np.multiply, "__rmul__")
    __rtruediv__ = rtruediv
    __rfloordiv__ = operand_or_not_implemented(lambda s, o: ew.floor_divide(o, s))
    __rmod__ = operand_or_not_implemented(lambda s, o: ew.remainder(o, s))
    __rpow__ = operand_or_not_implemented(lambda s, o: ew.pow(o, s))
    __matmul__ = tensor_operand(lambda s, o: _matmul.matmul(s, o))
    __rmatmul__ = tensor_operand(lambda s, o: _matmul.matmul(o, s))
    __neg__ = lambda s: unary("neg", s)
    __pos__ = pos
    __abs__ = lambda s: unary("abs", s)
    __iadd__ = _direct.inplace(declines_arrays(lambda s, o: s.add_(o)), np.add, "__iadd__")
    __isub__ = _direct.inplace(declines_arrays(lambda s, o: s.sub_(o)), np.subtract, "__isub__")
    __imul__ = _direct.inplace(declines_arrays(lambda s, o: s.mul_(o)), np.multiply, "__imul__")
    __itruediv__ = _direct.inplace(declines_arrays(lambda s, o: s.div_(o)), np.true_divide, "__itruediv__")
    __ipow__ = declines_arrays(lambda s, o: s.pow_(o))

    # ---- bitwise operators and comparisons (_ops/pointwise/compare.py)
    __invert__ = invert
    __and__ = bitwise_operator("and")
    __rand__ = __and__
    __or__ = bitwise_operator("or")
    __ror__ = __or__
    __xor__ = bitwise_operator("xor")
    __rxor__ = __xor__
    __lshift__ = operand_or_not_implemented(lambda s, o: cmp.bitwise_left_shift(s, o))
    __rshift__ = operand_or_not_implemented(lambda s, o: cmp.bitwise_right_shift(s, o))
    __rlshift__ = operand_or_not_implemented(lambda s, o: cmp.bitwise_left_shift(o, s))
    __rrshift__ = operand_or_not_implemented(lambda s, o: cmp.bitwise_right_shift(o, s))
    __ilshift__ = lambda s, o: s.bitwise_left_shift_(o)
    __irshift__ = lambda s, o: s.bitwise_right_shift_(o)
    __eq__ = compare_array(cmp.eq)
    __ne__ = compare_array(cmp.ne)
    __lt__ = lambda s, o: cmp.lt(s, o)
    __le__ = lambda s, o: cmp.le(s, o)
    __gt__ = lambda s, o: cmp.gt(s, o)
    __ge__ = lambda s, o: cmp.ge(s, o)
    __hash__ = TensorBase.__hash__  # a class that defines __eq__ must name its hash again

    # ---- transposes as properties (_tensor/operators.py; _ops/shape/views.py)
    T = property(lambda s: s.permute(tuple(range(s.dim() - 1, -1, -1))))
    mT = property(lambda s: matrix_transpose(s, "mT"))
    H = property(conjugate_transpose)
    mH = property(lambda s: matrix_transpose(s, "mH"))

    # ---- dtype casts (_tensor/conversions.py), last: in this body they hide the builtins float, int and bool
    float = cast_method(_dtype.float32)
    double = cast_method(_dtype.float64)
    half = cast_method(_dtype.float16)
    long = cast_method(_dtype.int64)
    int = cast_method(_dtype.int32)
    short = cast_method(_dtype.int16)
    char = cast_method(_dtype.int8)
    byte = cast_method(_dtype.uint8)
    bool = cast_method(_dtype.bool_)


set_tensor_class(Tensor)
