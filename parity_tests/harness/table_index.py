"""Table: indexing (basic, advanced, boolean, mixed), assignment through indices, and the
index ops (index_select, gather, scatter*, index_add/fill/put_, masked_*, take, nonzero, where).

Index arrays are drawn as NumPy arrays in the sample's kwargs and become tensors of the library
with :func:`lib_index`; values of the indexed tensor are drawn and laid out as usual.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .libs import tensor
from .spec import ErrorCase, OpSpec, function_and_method, in_place, with_variant
from .strategies import FLOATS, NONZERO, Domain, custom, shapes

F = function_and_method
TYPES = FLOATS + ("int64",)


def lib_index(lib, index):
    """Turn the NumPy arrays inside an index (tuple, list) into tensors of ``lib``."""
    if isinstance(index, np.ndarray):
        return tensor(lib, index)
    if isinstance(index, tuple):
        return tuple(lib_index(lib, i) for i in index)
    return index


def rng(draw) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def basic_index(draw, shape):
    """ints (negative too), slices with steps, None and Ellipsis."""
    parts = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "full"] if n else ["slice", "full"]))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            parts.append(slice(draw(st.none() | st.integers(-n - 1, n + 1)),
                               draw(st.none() | st.integers(-n - 1, n + 1)),
                               draw(st.none() | st.integers(1, 3))))
        else:
            parts.append(slice(None))
    # ``parts[d]`` was drawn for dim ``d``. An index after an Ellipsis applies to the trailing
    # dims, so it must be a suffix of the full list; one before it (or with no Ellipsis), a prefix.
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(parts)))
        parts = [Ellipsis] + parts[cut:] if draw(st.booleans()) else parts[:cut] + [Ellipsis]
    elif parts and draw(st.booleans()):
        parts = parts[:draw(st.integers(0, len(parts)))]
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)  # None adds a dim, consumes none
    return tuple(parts)


def advanced_index(draw, shape, unique=False):
    """An integer array (repeats unless ``unique``), a list, a boolean mask of one dim or of the
    whole tensor, or two integer arrays in adjacent dims, mixed with slices."""
    r = rng(draw)
    kinds = ["array", "list", "mask"] + (["full-mask"] if shape else []) + \
        (["two-arrays"] if len(shape) >= 2 else [])
    kind = draw(st.sampled_from(kinds)) if shape else "full-mask"
    if kind == "full-mask":
        return r.random(shape) < 0.5
    dim = draw(st.integers(0, len(shape) - 1))
    n = shape[dim]
    lead = (slice(None),) * dim
    if kind == "mask":
        return lead + (r.random(n) < 0.5,)
    k = min(n, draw(st.integers(0, 3))) if unique else (draw(st.integers(0, 3)) if n else 0)
    if kind == "list":
        return lead + ([int(i) for i in (r.permutation(n)[:k] if unique else r.integers(-n, n, k))],)
    pick = (lambda: r.permutation(n)[:k] - n * r.integers(0, 2)) if unique else (
        lambda: r.integers(-n, n, k) if n else np.zeros(0, dtype=np.int64))
    if kind == "two-arrays" and dim + 1 < len(shape):
        m = shape[dim + 1]
        k2 = k if not unique else min(k, m)
        first = (r.permutation(n)[:k2] if unique else pick()[:k2]).astype(np.int64)
        second = (r.permutation(m)[:k2] if unique else r.integers(0, max(m, 1), len(first)) % max(m, 1))
        if m == 0:
            return lead + (first[:0], np.zeros(0, dtype=np.int64))
        return lead + (first, second.astype(np.int64))
    return lead + (pick().astype(np.int64),)


def getitem(draw, shape, advanced=False):
    return (shape,), {"index": advanced_index(draw, shape) if advanced else basic_index(draw, shape)}


def setitem_sample(advanced: bool, scalar: bool = False):
    """``y = x.clone(); y[index] = value``: value shaped like ``x[index]`` (or broadcast)."""
    def build(draw, dtype):
        shape = draw(shapes(min_dims=1 if advanced else 0))
        index = advanced_index(draw, shape, unique=True) if advanced else basic_index(draw, shape)
        target = np.empty(shape)[index].shape
        if scalar:
            return (shape,), {"index": index, "value": 1.5}
        value_shape = target[draw(st.integers(0, len(target))):] if target else ()
        return (shape, value_shape), {"index": index}
    return custom(build)


def setitem(lib, x, *values, index, value=None):
    y = x.clone()
    y[lib_index(lib, index)] = values[0] if values else value
    return y


def along(draw, shape, dim_size_max=3):
    dim = draw(st.integers(-len(shape), len(shape) - 1)) if shape else 0
    return dim, (shape[dim] if shape else 1)


def index_select_args(draw, dtype):
    shape = draw(shapes(min_dims=1))
    dim, n = along(draw, shape)
    k = draw(st.integers(0, 4)) if n else 0
    return (shape,), {"dim": dim, "index": rng(draw).integers(0, max(n, 1), k) % max(n, 1)}


def gather_args(draw, dtype):
    shape = draw(shapes(min_dims=1, min_side=1))
    dim, n = along(draw, shape)
    index_shape = tuple(draw(st.integers(0, s)) for s in shape)
    return (shape,), {"dim": dim, "index": rng(draw).integers(0, n, index_shape)}


def scatter_args(unique: bool, src: bool = True, reduce=None):
    """Self, an index (no two writes to one place when ``unique``) and a ``src`` like the index."""
    def build(draw, dtype):
        shape = draw(shapes(min_dims=1, min_side=1))
        dim, n = along(draw, shape)
        index_shape = tuple(draw(st.integers(0, s)) for s in shape)
        r = rng(draw)
        if unique:
            full = list(shape)
            full[dim % max(len(shape), 1)] = n if shape else 1
            perms = np.argsort(r.random(tuple(full) if shape else ()), axis=dim if shape else None)
            index = perms[tuple(slice(0, s) for s in index_shape)] if shape else perms
        else:
            index = r.integers(0, n, index_shape)
        kwargs = {"dim": dim, "index": np.asarray(index, dtype=np.int64)}
        if reduce:
            kwargs["reduce"] = reduce
        if not src:
            return (shape,), {**kwargs, "value": -2.5}
        return (shape, index_shape), kwargs
    return build


def index_fn(name, method=False):
    """``lib.<name>(x, dim, index, *tensors, **kw)`` / ``x.<name>(dim, index, ...)``."""
    def call(lib, x, *tensors, dim, index, **kw):
        args = (dim, tensor(lib, index)) + tensors
        return getattr(x, name)(*args, **kw) if method else getattr(lib, name)(x, *args, **kw)
    return call


def index_op(name, sample, **flags):
    return [OpSpec(name, index_fn(name), sample, **flags),
            OpSpec(f"Tensor.{name}", index_fn(name, method=True), sample, **flags)]


def index_add_args(draw, dtype):
    shape = draw(shapes(min_dims=1, min_side=1))
    dim, n = along(draw, shape)
    k = draw(st.integers(0, 4))
    source = list(shape)
    source[dim] = k
    return (shape, tuple(source)), {"dim": dim, "index": rng(draw).integers(0, n, k)}


def index_add_alpha_args(draw, dtype):
    shape_list, kwargs = index_add_args(draw, dtype)
    return shape_list, {**kwargs, "alpha": 2.0}


def index_fill_args(draw, dtype):
    (shape,), kw = index_select_args(draw, dtype)
    return (shape,), {**kw, "value": -1.5}


def index_put_sample(accumulate):
    def build(draw, dtype):
        shape = draw(shapes(min_dims=1))
        r = rng(draw)
        k = draw(st.integers(0, 4)) if all(shape) else 0
        arrays = tuple((r.permutation(s)[:k] if not accumulate else r.integers(0, max(s, 1), k) % max(s, 1))
                       .astype(np.int64) for s in shape)
        m = min(len(a) for a in arrays)
        arrays = tuple(a[:m] for a in arrays)
        return (shape, (m,)), {"indices": arrays, "accumulate": accumulate}
    return custom(build)


def index_put(lib, x, values, indices, accumulate):
    return x.index_put_(tuple(tensor(lib, i) for i in indices), values, accumulate=accumulate)


def masked(**kwargs):
    """A tensor and a boolean mask broadcasting to its shape."""
    def build(draw, dtype):
        shape = draw(shapes())
        return (shape, shape[draw(st.integers(0, len(shape))):]), dict(kwargs)
    return custom(build, dtypes=(None, "bool"))


def take_args(draw, dtype):
    shape = draw(shapes(min_side=1))
    return (shape,), {"index": rng(draw).integers(0, int(np.prod(shape)), draw(shapes(0, 2)))}


INDEX_ERROR = ErrorCase("index 3 of a size-3 dim", lambda lib: lib.ones(3)[3])
SET = [
    OpSpec("Tensor.__getitem__", lambda lib, x, index: x[lib_index(lib, index)],
           custom(lambda d, t: getitem(d, d(shapes()))), dtypes=TYPES + ("bool",),
           errors=(INDEX_ERROR,
                   ErrorCase("too many indices", lambda lib: lib.ones(2)[0, 0]),
                   ErrorCase("float index tensor", lambda lib: lib.ones(2)[tensor(lib, [0.5])]),
                   ErrorCase("mask of the wrong shape", lambda lib: lib.ones(3)[tensor(lib, [True, False])]))),
    OpSpec("Tensor.__getitem__", lambda lib, x, index: x[lib_index(lib, index)],
           custom(lambda d, t: getitem(d, d(shapes(min_dims=1)), advanced=True)), variant="advanced",
           dtypes=TYPES + ("bool",)),
    OpSpec("Tensor.__setitem__", setitem, setitem_sample(advanced=False), dtypes=TYPES,
           errors=(ErrorCase("assign a shape-(3,) value into 2 elements",
                             lambda lib: lib.ones(4).__setitem__(slice(0, 2), lib.ones(3))),)),
    OpSpec("Tensor.__setitem__", setitem, setitem_sample(advanced=True), variant="advanced",
           dtypes=TYPES),
    OpSpec("Tensor.__setitem__", setitem, setitem_sample(advanced=True, scalar=True),
           variant="scalar"),
]

OPS = [
    *index_op("index_select", custom(index_select_args), dtypes=TYPES,
              errors=(ErrorCase("index_select with a float index",
                                lambda lib: lib.index_select(lib.ones(3), 0, tensor(lib, [0.0]))),)),
    *index_op("gather", custom(gather_args), dtypes=TYPES,
              errors=(ErrorCase("gather with an index of other ndim",
                                lambda lib: lib.gather(lib.ones(2, 2), 0, tensor(lib, [0]))),)),
    *index_op("scatter", custom(scatter_args(unique=True)), dtypes=TYPES),
    *with_variant(index_op("scatter", custom(scatter_args(unique=True, src=False))), "value"),
    *index_op("scatter_add", custom(scatter_args(unique=False)), dtypes=TYPES),
    *[spec for reduce in ("sum", "prod", "mean", "amax", "amin")
      for spec in with_variant(index_op("scatter_reduce", custom(
          scatter_args(unique=False, reduce=reduce), domain=NONZERO, unique=True),
          gradgrad=reduce in ("sum", "mean")), reduce)],
    *index_op("index_add", custom(index_add_args), dtypes=TYPES),
    *with_variant(index_op("index_add", custom(index_add_alpha_args)), "alpha"),
    *index_op("index_fill", custom(index_fill_args), dtypes=TYPES),
    OpSpec("Tensor.index_put_", index_put, index_put_sample(accumulate=False), inplace=True, dtypes=TYPES),
    OpSpec("Tensor.index_put_", index_put, index_put_sample(accumulate=True), inplace=True,
           variant="accumulate"),
    *F("masked_fill", masked(value=-1.0), dtypes=TYPES,
       errors=(ErrorCase("masked_fill with a float mask",
                         lambda lib: lib.ones(2).masked_fill(tensor(lib, [1.0, 0.0]), 0.0)),)),
    *F("masked_select", masked(), dtypes=TYPES),
    OpSpec("take", lambda lib, x, index: lib.take(x, tensor(lib, index)), custom(take_args),
           dtypes=TYPES),
    OpSpec("Tensor.take", lambda lib, x, index: x.take(tensor(lib, index)), custom(take_args)),
    *F("nonzero", custom(lambda d, t: ((d(shapes()),), {}), domain=Domain(-1, 1)), dtypes=TYPES,
       grad=False),
    *with_variant(F("nonzero", custom(lambda d, t: ((d(shapes()),), {"as_tuple": True}),
                                      domain=Domain(-1, 1)), dtypes=TYPES, grad=False), "as_tuple"),
    OpSpec("where", lambda lib, c: lib.where(c), custom(lambda d, t: ((d(shapes()),), {})),
           variant="condition", dtypes=("bool",), grad=False),
]


def index_copy_args(draw, dtype):
    """Like index_add's, with distinct indices (a repeated one writes in an unspecified order)."""
    shape = draw(shapes(min_dims=1, min_side=1))
    dim, n = along(draw, shape)
    k = draw(st.integers(0, n))
    source = list(shape)
    source[dim] = k
    return (shape, tuple(source)), {"dim": dim, "index": rng(draw).permutation(n)[:k]}


def masked_scatter_args(draw, dtype):
    """``x``, a mask broadcasting to x's shape and a ``source`` with at least as many elements as
    the mask selects (x's shape)."""
    shape = draw(shapes())
    return (shape, shape[draw(st.integers(0, len(shape))):], shape), {}


def index_inplace(name, sample, **flags):
    return OpSpec(f"Tensor.{name}", in_place(index_fn(name, method=True)), sample, inplace=True, **flags)


INPLACE = [
    index_inplace("index_add_", custom(index_add_args), dtypes=TYPES),
    index_inplace("index_add_", custom(index_add_alpha_args), variant="alpha"),
    index_inplace("index_copy_", custom(index_copy_args), dtypes=TYPES,
                  errors=(ErrorCase("index_copy_ with a source of other ndim",
                                    lambda lib: lib.ones(3, 2).index_copy_(0, tensor(lib, [0]), lib.ones(2))),)),
    index_inplace("index_fill_", custom(index_fill_args), dtypes=TYPES),
    index_inplace("scatter_add_", custom(scatter_args(unique=False)), dtypes=TYPES),
    OpSpec("Tensor.masked_scatter_", in_place(lambda lib, x, mask, source: x.masked_scatter_(mask, source)),
           custom(masked_scatter_args, dtypes=(None, "bool", None)), inplace=True, dtypes=TYPES,
           errors=(ErrorCase("masked_scatter_ with a float mask",
                             lambda lib: lib.ones(2).masked_scatter_(tensor(lib, [1.0, 0.0]), lib.ones(2))),)),
    *F("argwhere", custom(lambda d, t: ((d(shapes()),), {}), domain=Domain(-1, 1)), dtypes=TYPES + ("bool",),
       grad=False),
]

TABLE = SET + OPS + INPLACE
