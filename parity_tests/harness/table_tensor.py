"""Table: Tensor attributes (shape, strides, flags), casts and conversions, in-place fills and
random fills, and printing."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .libs import device_for
from .spec import ErrorCase, OpSpec, inplace_method
from .strategies import FLOATS, Domain, custom, elementwise, no_tensors, shapes
from .table_creation import NO_INPUT, data_lists, in_range, kw

TYPES = FLOATS + ("int64", "bool")
any_tensor = elementwise()
matrix = custom(lambda d, t: ((d(shapes(2, 2)),), {}))
batch_of_matrices = custom(lambda d, t: ((d(shapes(2, 4)),), {}))
one_element = custom(lambda d, t: ((d(shapes(0, 3, 1, 1)),), {}))
ATTR = {"grad": False, "dtypes": TYPES}


def attribute(name: str, sample=any_tensor, **flags) -> OpSpec:
    """``x.<name>``: compared as returned (Size, int, bool, dtype, device...)."""
    return OpSpec(f"Tensor.{name}", lambda lib, x: getattr(x, name), sample, **{**ATTR, **flags})


def call0(name: str, sample=any_tensor, **flags) -> OpSpec:
    """``x.<name>()``."""
    return OpSpec(f"Tensor.{name}", lambda lib, x: getattr(x, name)(), sample, **{**ATTR, **flags})


def copy_args(draw, dtype):
    """A destination and a float64 source broadcasting to it."""
    shape = draw(shapes())
    return (shape, shape[draw(st.integers(0, len(shape))):]), {}


def tracked(lib, x):
    """A leaf requiring grad holding x's values, and a non-leaf computed from it."""
    leaf = x.detach().clone().requires_grad_()
    return leaf, leaf * 2


def cpu(x):
    return x.cpu() if hasattr(x, "cpu") else x


ATTRIBUTES = [
    attribute("shape"),
    call0("size"),
    OpSpec("Tensor.size", lambda lib, x, dim: x.size(dim), custom(lambda d, t: (
        (s := d(shapes(1)),), {"dim": d(st.integers(-len(s), len(s) - 1))})), variant="dim", **ATTR),
    call0("dim"),
    attribute("ndim"),
    call0("numel"),
    attribute("dtype"),
    attribute("device"),
    OpSpec("Tensor.is_leaf", lambda lib, x: (x.is_leaf, *(t.is_leaf for t in tracked(lib, x))),
           any_tensor, grad=False),
    OpSpec("Tensor.requires_grad", lambda lib, x: (x.requires_grad, *(t.requires_grad for t in tracked(lib, x))),
           any_tensor, grad=False),
    OpSpec("Tensor.grad", lambda lib, x: grad_after_backward(lib, x), any_tensor, grad=False),
    OpSpec("Tensor.grad_fn", lambda lib, x: (x.grad_fn, tracked(lib, x)[1].grad_fn,
                                             tracked(lib, x)[1].sum().grad_fn), any_tensor, grad=False),
    OpSpec("Tensor.grad_fn", lambda lib, x: tracked(lib, x)[1].grad_fn.next_functions[0][0],
           any_tensor, variant="next_functions", grad=False),
    attribute("T", matrix, grad=True),
    attribute("mT", batch_of_matrices, grad=True),
    call0("stride"),
    OpSpec("Tensor.stride", lambda lib, x, dim: x.stride(dim), custom(lambda d, t: (
        (s := d(shapes(1)),), {"dim": d(st.integers(-len(s), len(s) - 1))})), variant="dim", **ATTR),
    call0("storage_offset"),
    call0("is_contiguous"),
    OpSpec("Tensor.data_ptr", lambda lib, x: x[1:].data_ptr() - x.data_ptr() if x.numel() else 0,
           custom(lambda d, t: ((d(shapes(1, 3, 2)),), {})), **ATTR),
    call0("element_size"),
]


def grad_after_backward(lib, x):
    leaf = x.detach().clone().requires_grad_()
    before = leaf.grad
    (leaf * leaf).sum().backward()
    return before, leaf.grad


CASTS = [
    *[call0(name, custom(lambda d, t: ((d(shapes()),), {}), domain=Domain(0 if name == "byte" else -3, 3)),
            dtypes=FLOATS + ("int64", "bool"), tol={"float32": (1e-3, 1e-3)})
      for name in ("float", "double", "half", "long", "int", "short", "char", "byte", "bool")],
    OpSpec("Tensor.to", lambda lib, x, dtype: x.to(dtype), elementwise(dtype="float64"), dtypes=TYPES,
           grad=False),
    OpSpec("Tensor.to", lambda lib, x: x.to(dtype=lib.float64), any_tensor, variant="dtype-kw"),
    OpSpec("Tensor.to", lambda lib, x, y: x.to(y), elementwise(2, dtypes=(None, "int64")), variant="other",
           grad=False),
    OpSpec("Tensor.to", lambda lib, x: x.to(device_for(lib)), any_tensor, variant="device"),
    OpSpec("Tensor.to", lambda lib, x: cpu(x.to("cpu", lib.float64)), any_tensor, variant="cpu-dtype"),
    OpSpec("Tensor.type", lambda lib, x: x.type(lib.float64), any_tensor, dtypes=TYPES, grad=False),
    OpSpec("Tensor.type_as", lambda lib, x, y: x.type_as(y), elementwise(2, dtypes=(None, "int32")),
           dtypes=TYPES, grad=False,
           errors=(ErrorCase("type_as of a number", lambda lib: lib.ones(2).type_as(1)),)),
    OpSpec("Tensor.type_as", lambda lib, x, y: x.type_as(y), elementwise(2, dtypes=(None, "float64")),
           variant="float64", dtypes=FLOATS),
    OpSpec("Tensor.t_", inplace_method("t_"), custom(lambda d, t: ((d(shapes(0, 2)),), {})), inplace=True,
           dtypes=FLOATS + ("int64",),
           errors=(ErrorCase("t_ of a 3-d tensor", lambda lib: lib.ones(2, 3, 4).t_()),)),
    OpSpec("Tensor.numpy", lambda lib, x: cpu(x).numpy(), any_tensor, dtypes=TYPES, grad=False,
           errors=(ErrorCase("numpy() of a tensor that requires grad",
                             lambda lib: lib.ones(2, requires_grad=True).numpy()),)),
    OpSpec("Tensor.numpy", lambda lib, x: numpy_shares(lib, x), any_tensor, variant="shares-memory",
           dtypes=FLOATS, grad=False),
    call0("tolist", dtypes=TYPES),
    call0("item", one_element, dtypes=TYPES,
          errors=(ErrorCase("item() of two elements", lambda lib: lib.ones(2).item()),)),
    OpSpec("Tensor.__array__", lambda lib, x: np.asarray(cpu(x)), any_tensor, **ATTR),
    OpSpec("Tensor.__float__", lambda lib, x: float(x), one_element, **ATTR),
    OpSpec("Tensor.__int__", lambda lib, x: int(x), one_element, **ATTR),
    OpSpec("Tensor.__bool__", lambda lib, x: bool(x), one_element, **ATTR,
           errors=(ErrorCase("bool() of two elements", lambda lib: bool(lib.ones(2))),)),
    OpSpec("Tensor.__len__", lambda lib, x: len(x), custom(lambda d, t: ((d(shapes(1)),), {})), **ATTR,
           errors=(ErrorCase("len() of a 0-d tensor", lambda lib: len(lib.tensor(1.0))),)),
    OpSpec("Tensor.__iter__", lambda lib, x: list(x), custom(lambda d, t: ((d(shapes(1)),), {})),
           dtypes=FLOATS,
           errors=(ErrorCase("iterating a 0-d tensor", lambda lib: list(lib.tensor(1.0))),)),
    OpSpec("Tensor.detach", lambda lib, x: (x.detach(), x.detach().requires_grad), any_tensor,
           dtypes=TYPES, grad=False),
    OpSpec("Tensor.copy_", inplace_method("copy_"), custom(copy_args, dtypes=(None, "float64")),
           inplace=True, dtypes=FLOATS),
    OpSpec("Tensor.fill_", inplace_method("fill_"), elementwise(value=2.5), inplace=True, grad=False),
    OpSpec("Tensor.zero_", inplace_method("zero_"), any_tensor, inplace=True, dtypes=TYPES,
           grad=False),
]

BIG = custom(lambda d, t: ((d(st.sampled_from([(0,), (3, 4), (50, 50)])),), {}), vary_layout=False)
RANDOM = {"check": "random", "grad": False, "inplace": True}
RANDOM_FILLS = [
    OpSpec("Tensor.normal_", lambda lib, x: x.normal_(1.0, 2.0), BIG,
           random_check=in_range(-30, 30, 1.0, 2.0), **RANDOM),
    OpSpec("Tensor.uniform_", lambda lib, x: x.uniform_(-2.0, 3.0), BIG,
           random_check=in_range(-2, 3, 0.5), **RANDOM),
    OpSpec("Tensor.bernoulli_", lambda lib, x: x.bernoulli_(0.25), BIG,
           random_check=in_range(0, 1.01, 0.25), **RANDOM),
    OpSpec("Tensor.random_", lambda lib, x: x.random_(0, 7), BIG,
           random_check=in_range(0, 7, 3.0), **{**RANDOM, "dtypes": FLOATS + ("int64",)}),
    OpSpec("Tensor.exponential_", lambda lib, x: x.exponential_(2.0), BIG,
           random_check=in_range(0, 100, 0.5, 0.5), **RANDOM),
]


def numpy_shares(lib, x):
    y = cpu(x).clone()
    y.numpy()[...] = 7.0  # writes through: numpy() shares memory
    return y


def printed(lib, data, dtype=None, requires_grad=False):
    x = lib.tensor(data, dtype=dtype, requires_grad=requires_grad)
    return repr(x), repr(x * 2) if requires_grad else str(x)


quarter = st.sampled_from([-2.0, -0.5, 0.0, 0.25, 1.0, 3.75, 100.0])
PRINTING = [
    OpSpec("Tensor.__repr__", printed, kw(data=data_lists()), grad=False, dtypes=NO_INPUT),
    OpSpec("Tensor.__repr__", printed, kw(data=st.lists(quarter, max_size=6), dtype=st.sampled_from(
        ["float32", "float64", "int64"])), variant="dtype", grad=False, dtypes=NO_INPUT),
    OpSpec("Tensor.__repr__", printed, kw(data=st.lists(quarter, min_size=1, max_size=4),
                                          requires_grad=st.just(True)),
           variant="grad_fn", grad=False, dtypes=NO_INPUT),
]

DTYPE_NAMES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")


def promote_types(lib, type1, type2):
    return lib.promote_types(getattr(lib, type1), getattr(lib, type2))


def result_type_args(draw, dtype):
    """Two tensors of any dims (0-d ones rank below dimensioned ones) and the other's dtype."""
    return (draw(shapes()), draw(shapes())), {}


PROMOTION = [
    OpSpec("promote_types", promote_types,
           no_tensors(st.fixed_dictionaries({"type1": st.sampled_from(DTYPE_NAMES),
                                             "type2": st.sampled_from(DTYPE_NAMES)})),
           dtypes=("float32",), grad=False,
           errors=(ErrorCase("promote_types of a string", lambda lib: lib.promote_types("float32", lib.int64)),)),
    OpSpec("promote_types", lambda lib: (lib.promote_types(float, lib.int32), lib.promote_types(lib.int8, int),
                                         lib.promote_types(bool, lib.uint8), lib.promote_types(float, float)),
           no_tensors(st.just({})), variant="python-types", dtypes=("float32",), grad=False),
    *[OpSpec("result_type", lambda lib, x, y: lib.result_type(x, y),
             custom(result_type_args, dtypes=(None, other)), variant=other, dtypes=TYPES, grad=False)
      for other in ("int32", "uint8", "float64", "bool")],
    OpSpec("result_type", lambda lib, x, scalar: lib.result_type(x, scalar),
           custom(lambda d, t: ((d(shapes()),), {"scalar": d(st.sampled_from([2, 2.5, True]))})),
           variant="scalar", dtypes=TYPES, grad=False),
    OpSpec("is_tensor", lambda lib, x: (lib.is_tensor(x), lib.is_tensor(cpu(x).tolist()), lib.is_tensor(1.0),
                                        lib.is_tensor(np.zeros(2)), lib.is_tensor(x.dtype)),
           any_tensor, **ATTR),
]

TABLE = ATTRIBUTES + CASTS + RANDOM_FILLS + PRINTING + PROMOTION
