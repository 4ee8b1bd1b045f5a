"""Table: shape and view ops (view, reshape, squeeze, permute, expand, cat, split...)."""

from __future__ import annotations

import math

from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .spec import ErrorCase, OpSpec, function_and_method, with_variant
from .strategies import ANY, FLOATS, Domain, custom, no_tensors, shapes

F = function_and_method
TYPES = FLOATS + ("int64", "bool")  # moving data around works for every dtype


def shaped(build, **flags):
    """A sample from ``build(draw, shape) -> (shapes, kwargs)`` for a drawn input ``shape``."""
    min_dims = flags.pop("min_dims", 0)
    return custom(lambda draw, dtype: build(draw, draw(shapes(min_dims=min_dims))), **flags)


def varargs(name: str, key: str):
    """``x.<name>(*sizes)`` (sizes as varargs; a tuple when there are none, as for 0-d)."""
    def call(lib, x, **kwargs):
        sizes = kwargs[key]
        return getattr(x, name)(*sizes) if sizes else getattr(x, name)(tuple(sizes))
    return call


def axis(draw, ndim: int, extra: int = 0) -> int:
    """A valid (possibly negative) dim of an ``ndim``-d tensor (``extra`` more for unsqueeze)."""
    n = max(ndim + extra, 1)
    return draw(st.integers(-n, n - 1))


def reshape_target(draw, shape) -> tuple[int, ...]:
    numel = math.prod(shape)
    options = [(-1,), tuple(reversed(shape)), shape + (1,), (1,) + shape, (numel,)]
    if len(shape) >= 2:
        options.append((shape[0] * shape[1],) + shape[2:])
    if numel > 0 and shape:
        i = draw(st.integers(0, len(shape) - 1))
        options.append(shape[:i] + (-1,) + shape[i + 1:])
    return draw(st.sampled_from(options))


def resolved(target, shape) -> tuple[int, ...]:
    if -1 not in target:
        return target
    known = math.prod(t for t in target if t != -1)
    return tuple(math.prod(shape) // known if t == -1 else t for t in target)


def view_args(draw, shape):
    return (shape,), {"shape": reshape_target(draw, shape)}


def as_args(draw, shape):
    return (shape, resolved(reshape_target(draw, shape), shape)), {}


def flatten_args(draw, shape):
    a, b = sorted([axis(draw, len(shape)) % max(len(shape), 1), axis(draw, len(shape)) % max(len(shape), 1)])
    return (shape,), {"start_dim": a, "end_dim": b}


def unflatten_args(draw, shape):
    dim = axis(draw, len(shape))
    n = shape[dim]
    sizes = draw(st.sampled_from([(n,), (n, 1), (1, -1), (-1, 1)] + ([(2, n // 2)] if n % 2 == 0 and n else [])))
    return (shape,), {"dim": dim, "sizes": sizes}


def squeeze_args(draw, shape):
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none" or not shape:
        return (shape,), {}
    if choice == "int":
        return (shape,), {"dim": axis(draw, len(shape))}
    return (shape,), {"dim": tuple(draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True)))}


def ones_shape(draw, shape):
    """``shape`` with some dims set to 1 (for squeeze and expand)."""
    return tuple(draw(st.sampled_from([s, 1])) for s in shape)


def permutation(draw, shape):
    return (shape,), {"dims": tuple(draw(st.permutations(range(len(shape)))))}


def movedim_args(draw, shape):
    if not shape:
        return (shape,), {"source": 0, "destination": -1}
    n = len(shape)
    k = draw(st.integers(1, n))
    src = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
    dst = draw(st.lists(st.integers(-n, -1), min_size=k, max_size=k, unique=True))
    if k == 1 and draw(st.booleans()):
        return (shape,), {"source": src[0], "destination": dst[0]}
    return (shape,), {"source": tuple(src), "destination": tuple(dst)}


def expand_args(draw, shape):
    base = ones_shape(draw, shape)
    target = tuple(draw(st.sampled_from([s, -1])) if b == s else s for b, s in zip(base, shape))
    lead = tuple(draw(st.lists(st.integers(0, 3), max_size=2)))
    return (base,), {"size": lead + target}


def expand_as_args(draw, shape):
    base = ones_shape(draw, shape)
    return (base, shape), {}


def repeat_args(draw, shape):
    reps = tuple(draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape) + 2)))
    return (shape,), {"repeats": reps}


def repeat_interleave_args(draw, shape):
    kwargs = {"repeats": draw(st.integers(0, 3))}
    if shape and draw(st.booleans()):
        kwargs["dim"] = axis(draw, len(shape))
    return (shape,), kwargs


def tile_args(draw, shape):
    return (shape,), {"dims": tuple(draw(st.lists(st.integers(0, 3), max_size=4)))}


def narrow_args(draw, shape):
    dim = axis(draw, len(shape))
    start = draw(st.integers(0, shape[dim]))
    return (shape,), {"dim": dim, "start": start, "length": draw(st.integers(0, shape[dim] - start))}


def unfold_args(draw, shape):
    dim = axis(draw, len(shape))
    n = shape[dim] if shape else 1
    return (shape,), {"dimension": dim, "size": draw(st.integers(0, n)), "step": draw(st.integers(1, 3))}


def flip_args(draw, shape):
    return (shape,), {"dims": tuple(draw(st.lists(st.integers(0, max(len(shape) - 1, 0)), unique=True,
                                                 max_size=len(shape))))}


def roll_args(draw, shape):
    if not shape or draw(st.booleans()):
        return (shape,), {"shifts": draw(st.integers(-5, 5))}
    dims = tuple(draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True)))
    return (shape,), {"shifts": tuple(draw(st.integers(-5, 5)) for _ in dims), "dims": dims}


def chunk_args(draw, shape):
    return (shape,), {"chunks": draw(st.integers(1, 4)), "dim": axis(draw, len(shape))}


def split_args(draw, shape):
    dim = axis(draw, len(shape))
    n = shape[dim]
    if draw(st.booleans()):
        return (shape,), {"sections": draw(st.integers(1, 4)), "dim": dim}
    cut = draw(st.integers(0, n))
    return (shape,), {"sections": [cut, n - cut], "dim": dim}


def split_size_args(draw, shape):
    return (shape,), {"split_size": draw(st.integers(1, 4)), "dim": axis(draw, len(shape))}


def split_sizes_args(draw, shape):
    dim = axis(draw, len(shape))
    n = shape[dim]
    cut = draw(st.integers(0, n))
    sizes = [cut, n - cut] if draw(st.booleans()) else [n]
    return (shape,), {"split_sizes": sizes, "dim": dim}


def unbind_args(draw, shape):
    return (shape,), {"dim": axis(draw, len(shape))}


def joinable(stack: bool = False, count: int = 3):
    """Tensors agreeing in all dims but the join dim (all dims when ``stack``), and ``dim``."""
    def build(draw, dtype):
        shape = draw(shapes(min_dims=0 if stack else 1))
        n = draw(st.integers(1, count))
        dim = axis(draw, len(shape), extra=1 if stack else 0)
        if stack:
            return (shape,) * n, {"dim": dim}
        parts = [shape[:dim % len(shape)] + (draw(st.integers(0, 3)),) + shape[dim % len(shape) + 1:]
                 for _ in range(n)]
        return tuple(parts), {"dim": dim}
    return custom(build)


def stackable(min_dims: int = 0):
    def build(draw, dtype):
        n = draw(st.integers(1, 3))
        shape = draw(shapes(min_dims=min_dims, max_dims=2))
        return (shape,) * n, {}
    return custom(build)


def meshgrid_args(draw, dtype):
    n = draw(st.integers(1, 3))
    return tuple((draw(st.integers(0, 3)),) for _ in range(n)), {"indexing": draw(st.sampled_from(["ij", "xy"]))}


broadcastable = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=4)
VIEW_ERROR = ErrorCase("view of a transposed tensor across its strides",
                       lambda lib: lib.ones(2, 3).t().view(6))

SHAPE = [
    OpSpec("Tensor.view", varargs("view", "shape"), custom(lambda d, t: view_args(d, d(shapes())), vary_layout=False),
           dtypes=TYPES, errors=(VIEW_ERROR, ErrorCase("view to a wrong numel", lambda lib: lib.ones(2, 3).view(4)))),
    OpSpec("Tensor.view", lambda lib, x, shape: x.view(shape), custom(lambda d, t: view_args(d, d(shapes())), vary_layout=False),
           variant="tuple"),
    OpSpec("Tensor.view_as", lambda lib, x, y: x.view_as(y), custom(lambda d, t: as_args(d, d(shapes())), vary_layout=False)),
    OpSpec("Tensor.reshape", varargs("reshape", "shape"), shaped(view_args), dtypes=TYPES),
    OpSpec("reshape", lambda lib, x, shape: lib.reshape(x, shape), shaped(view_args),
           errors=(ErrorCase("reshape with two -1", lambda lib: lib.reshape(lib.ones(4), (-1, -1))),)),
    OpSpec("Tensor.reshape_as", lambda lib, x, y: x.reshape_as(y), shaped(as_args)),
    *F("flatten", shaped(flatten_args), dtypes=TYPES),
    *with_variant(F("flatten", shaped(lambda d, s: ((s,), {}))), "default"),
    *F("unflatten", shaped(unflatten_args, min_dims=1)),
    *F("squeeze", shaped(lambda d, s: squeeze_args(d, ones_shape(d, s))), dtypes=TYPES),
    *F("unsqueeze", shaped(lambda d, s: ((s,), {"dim": axis(d, len(s), extra=1)})), dtypes=TYPES,
       errors=(ErrorCase("unsqueeze at dim 3 of a 1-d tensor", lambda lib: lib.ones(2).unsqueeze(3)),)),
    *F("swapaxes", shaped(lambda d, s: ((s,), {"axis0": axis(d, len(s)), "axis1": axis(d, len(s))}), min_dims=1)),
    OpSpec("permute", lambda lib, x, dims: lib.permute(x, dims), shaped(permutation), dtypes=TYPES,
           errors=(ErrorCase("permute with repeated dims", lambda lib: lib.ones(2, 3).permute(0, 0)),)),
    OpSpec("Tensor.permute", varargs("permute", "dims"), shaped(permutation)),
    *F("movedim", shaped(movedim_args)),
    OpSpec("Tensor.expand", varargs("expand", "size"), shaped(expand_args), dtypes=TYPES,
           errors=(ErrorCase("expand a size-2 dim to 3", lambda lib: lib.ones(2).expand(3)),)),
    OpSpec("Tensor.expand", lambda lib, x, size: x.expand(size), shaped(expand_args), variant="tuple"),
    OpSpec("Tensor.expand_as", lambda lib, x, y: x.expand_as(y), shaped(expand_as_args)),
    OpSpec("broadcast_to", lambda lib, x, size: lib.broadcast_to(x, size), shaped(expand_args)),
    OpSpec("Tensor.broadcast_to", lambda lib, x, size: x.broadcast_to(size), shaped(expand_args)),
    OpSpec("Tensor.repeat", varargs("repeat", "repeats"), shaped(repeat_args), dtypes=TYPES,
           errors=(ErrorCase("repeat with fewer sizes than dims", lambda lib: lib.ones(2, 2).repeat(2)),)),
    *F("repeat_interleave", shaped(repeat_interleave_args)),
    OpSpec("repeat_interleave", lambda lib, x, r: lib.repeat_interleave(x, r, dim=0),
           custom(lambda d, t: (((n := d(st.integers(0, 4)), 2), (n,)), {}), domain=(ANY, Domain(0, 3)),
                  dtypes=(None, "int64")),
           variant="tensor-repeats"),
    *F("tile", shaped(tile_args)),
    OpSpec("Tensor.contiguous", lambda lib, x: (x.contiguous(), x.contiguous().is_contiguous()), shaped(lambda d, s: ((s,), {})), dtypes=TYPES),
    *F("clone", shaped(lambda d, s: ((s,), {})), dtypes=TYPES),
    *F("narrow", shaped(narrow_args, min_dims=1), dtypes=TYPES),
    OpSpec("Tensor.unfold", lambda lib, x, **kw: x.unfold(**kw), shaped(unfold_args)),
    *F("flip", shaped(flip_args), dtypes=TYPES),
    *F("roll", shaped(roll_args), dtypes=TYPES),
    *F("chunk", shaped(chunk_args, min_dims=1)),
    OpSpec("Tensor.split", lambda lib, x, sections, dim: x.split(sections, dim), shaped(split_args, min_dims=1)),
    OpSpec("split", lambda lib, x, sections, dim: lib.split(x, sections, dim), shaped(split_args, min_dims=1),
           errors=(ErrorCase("split sections not summing to the size",
                         lambda lib: lib.ones(4).split([1, 2])),)),
    *F("split_with_sizes", shaped(split_sizes_args, min_dims=1),
       errors=(ErrorCase("split_with_sizes of an int", lambda lib: lib.split_with_sizes(lib.ones(4), 2)),)),
    # not views to autograd, but the same parts, values and gradients (test_grad_fn_names.py: the rest)
    *F("unsafe_split", shaped(split_size_args, min_dims=1),
       errors=(ErrorCase("unsafe_split of a list", lambda lib: lib.unsafe_split(lib.ones(4), [1, 3])),)),
    *F("unsafe_split_with_sizes", shaped(split_sizes_args, min_dims=1)),
    *F("unsafe_chunk", shaped(chunk_args, min_dims=1)),
    *F("unbind", shaped(unbind_args, min_dims=1)),
    OpSpec("cat", lambda lib, *ts, dim: lib.cat(ts, dim=dim), joinable(), dtypes=TYPES,
           errors=(ErrorCase("cat of mismatched shapes", lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)])),
                   ErrorCase("cat of an empty list", lambda lib: lib.cat([])))),
    OpSpec("cat", lambda lib, *ts, dim: lib.cat(list(ts), dim), joinable(count=2), variant="list"),
    OpSpec("concat", lambda lib, *ts, dim: lib.concat(ts, dim=dim), joinable()),
    OpSpec("stack", lambda lib, *ts, dim: lib.stack(ts, dim=dim), joinable(stack=True), dtypes=TYPES,
           errors=(ErrorCase("stack of different shapes", lambda lib: lib.stack([lib.ones(2), lib.ones(3)])),)),
    OpSpec("hstack", lambda lib, *ts: lib.hstack(ts), stackable()),
    OpSpec("vstack", lambda lib, *ts: lib.vstack(ts), stackable()),
    OpSpec("broadcast_shapes", lambda lib, shapes: lib.broadcast_shapes(*shapes),
           no_tensors(broadcastable.map(lambda b: {"shapes": b.input_shapes})), dtypes=("float32",), grad=False,
           errors=(ErrorCase("broadcast_shapes of (2,) and (3,)", lambda lib: lib.broadcast_shapes((2,), (3,))),)),
    OpSpec("meshgrid", lambda lib, *ts, indexing: lib.meshgrid(*ts, indexing=indexing), custom(meshgrid_args)),
]


def as_strided_args(draw, shape):
    """A size, a stride (0 and overlapping ones too) and an offset that stay inside x's storage
    (x contiguous: its storage is its numel)."""
    numel = math.prod(shape)
    ndim = draw(st.integers(0, 3))
    size = tuple(draw(st.integers(0, 3)) for _ in range(ndim))
    stride = tuple(draw(st.integers(0, 3)) for _ in range(ndim))
    reach = sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else -1
    if reach >= numel:  # too far: one element, or none of an empty x
        size, stride, reach = ((), (), 0) if numel else ((0,), (1,), -1)
    offset = draw(st.integers(0, numel - 1 - reach)) if reach >= 0 else 0
    return (shape,), {"size": size, "stride": stride, "storage_offset": offset}


MORE = [
    *F("swapdims", shaped(lambda d, s: ((s,), {"dim0": axis(d, len(s)), "dim1": axis(d, len(s))}), min_dims=1),
       dtypes=TYPES),
    *F("as_strided", shaped(as_strided_args, vary_layout=False, allow_expand=False), dtypes=TYPES,
       errors=(ErrorCase("as_strided past the storage", lambda lib: lib.ones(4).as_strided((3,), (2,))),
               ErrorCase("as_strided with a negative stride",
                         lambda lib: lib.ones(4).as_strided((2,), (-1,), 3)))),
]

TABLE = SHAPE + MORE
