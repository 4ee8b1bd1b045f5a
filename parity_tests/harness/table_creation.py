"""Table: tensor creation (deterministic ones by value, random ones by shape, dtype, range,
moments and reproducibility under manual_seed), dtypes, default dtype, seeds and generators."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from .libs import device_for
from .spec import ErrorCase, OpSpec, scenario
from .strategies import ANY, FLOATS, Domain, custom, no_tensors, shapes

sizes = shapes(max_dims=3, max_side=4)
any_dtype = st.sampled_from([None, "float32", "float64", "int64", "int32", "bool"])
float_dtype = st.sampled_from([None, "float32", "float64"])
NO_INPUT = ("float32",)  # creation entries run once: their dtype comes from kwargs


def kw(**strategies: st.SearchStrategy) -> Any:
    """A no-tensor sample whose kwargs are drawn from ``strategies``."""
    return no_tensors(st.fixed_dictionaries(strategies))


def data_lists(draw_dtypes=("int64", "float64", "bool"), min_dims: int = 0) -> st.SearchStrategy[Any]:
    """Nested Python lists (or a scalar) of ints, floats or bools, as tutorials write them."""
    def build(args):
        shape, dtype, seed = args
        r = np.random.default_rng(seed)
        values = {"int64": lambda: r.integers(-5, 5, shape), "bool": lambda: r.random(shape) < 0.5,
                  "float64": lambda: np.round(r.standard_normal(shape), 3)}[dtype]()
        return np.asarray(values).tolist()
    return st.tuples(shapes(min_dims, 3), st.sampled_from(draw_dtypes), st.integers(0, 2**31)).map(build)


def on_device(name: str, varargs: bool = False):
    """``lib.<name>(..., device=<test device>)``: sizes as varargs when ``varargs``."""
    def call(lib, *tensors, size=None, dtype=None, **kwargs):
        if dtype is not None:
            kwargs["dtype"] = dtype
        if size is None:
            args: tuple = ()
        else:
            args = tuple(size) if varargs and len(size) else (size,)  # zeros(()) for 0-d
        return getattr(lib, name)(*tensors, *args, device=device_for(lib), **kwargs)
    return call


def in_range(lo: float, hi: float, mean: float | None = None, std: float | None = None):
    """A random_check: values in ``[lo, hi)``, and the moments when the sample is large."""
    def check(values: np.ndarray, kwargs: dict) -> None:
        v = values.astype(np.float64)
        assert v.size == 0 or (v.min() >= lo and v.max() < hi), f"values outside [{lo}, {hi})"
        # Five standard errors: a correct sampler fails this about once in two million draws.
        spread = std if std is not None else (hi - lo) / 12 ** 0.5
        if v.size >= 2000 and mean is not None:
            assert abs(v.mean() - mean) < 5 * spread / v.size ** 0.5, f"mean {v.mean()} far from {mean}"
        if v.size >= 2000 and std is not None:
            assert abs(v.std() - std) < 5 * std * (2 / v.size) ** 0.5, f"std {v.std()} far from {std}"
    return check


def is_permutation(values: np.ndarray, kwargs: dict) -> None:
    assert sorted(values.tolist()) == list(range(kwargs["n"])), "not a permutation"


BIG = st.sampled_from([(), (0,), (3, 4), (50, 50)])  # (50, 50): large enough for the moments
RANDOM = {"check": "random", "grad": False, "dtypes": NO_INPUT}

DETERMINISTIC = [
    OpSpec("tensor", lambda lib, data, dtype=None: lib.tensor(data, dtype=dtype, device=device_for(lib)),
           kw(data=data_lists(), dtype=st.none()), grad=False, dtypes=NO_INPUT,
           errors=(ErrorCase("ragged nested lists", lambda lib: lib.tensor([[1, 2], [3]])),)),
    OpSpec("tensor", lambda lib, data, dtype=None: lib.tensor(data, dtype=dtype, device=device_for(lib)),
           kw(data=data_lists(), dtype=any_dtype), variant="dtype", grad=False, dtypes=NO_INPUT),
    OpSpec("tensor", lambda lib, data: lib.tensor(data, requires_grad=True),
           kw(data=data_lists(("float64",))), variant="requires_grad", grad=False, dtypes=NO_INPUT),
    OpSpec("tensor", lambda lib, data: lib.tensor(np.asarray(data)), kw(data=data_lists()),
           variant="numpy", grad=False, dtypes=NO_INPUT),
    OpSpec("tensor", lambda lib, data: lib.tensor([1, 2.5]) + lib.tensor(3) * lib.tensor([True, False]),
           kw(data=st.none()), variant="inference", grad=False, dtypes=NO_INPUT),
    OpSpec("as_tensor", lambda lib, data, dtype=None: lib.as_tensor(data, dtype=dtype),
           kw(data=data_lists(), dtype=any_dtype), grad=False, dtypes=NO_INPUT),
    OpSpec("from_numpy", lambda lib, data: shares_memory(lib, np.asarray(data)),
           kw(data=data_lists(("int64", "float64"))), grad=False, dtypes=NO_INPUT,
           errors=(ErrorCase("from_numpy of a list", lambda lib: lib.from_numpy([1, 2])),)),
    *[OpSpec(name, lambda lib, data, name=name: getattr(lib, name)(data),
             kw(data=data_lists(("int64",) if name == "ByteTensor" else ("int64", "float64"), 1)),
             grad=False, dtypes=NO_INPUT)
      for name in ("Tensor", "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor")],
    OpSpec("BoolTensor", lambda lib, data: lib.BoolTensor(data), kw(data=data_lists(("bool",), 1)),
           grad=False, dtypes=NO_INPUT),
    OpSpec("Tensor", lambda lib, size: lib.Tensor(*size), kw(size=sizes.filter(len)), variant="sizes",
           check="meta", grad=False, dtypes=NO_INPUT),
    OpSpec("zeros", on_device("zeros", varargs=True), kw(size=sizes, dtype=any_dtype), grad=False,
           dtypes=NO_INPUT, errors=(ErrorCase("negative size", lambda lib: lib.zeros(-1)),)),
    OpSpec("zeros", on_device("zeros"), kw(size=sizes.map(list), dtype=any_dtype), variant="list",
           grad=False, dtypes=NO_INPUT),
    OpSpec("ones", on_device("ones", varargs=True), kw(size=sizes, dtype=any_dtype), grad=False,
           dtypes=NO_INPUT),
    OpSpec("ones", on_device("ones"), kw(size=sizes, dtype=float_dtype, requires_grad=st.just(True)),
           variant="tuple-requires_grad", grad=False, dtypes=NO_INPUT),
    OpSpec("empty", on_device("empty", varargs=True), kw(size=sizes, dtype=any_dtype), check="meta",
           grad=False, dtypes=NO_INPUT),
    OpSpec("full", on_device("full"), kw(size=sizes, fill_value=st.sampled_from([1.5, 2, True]),
                                         dtype=st.none()), grad=False, dtypes=NO_INPUT),
    OpSpec("full", on_device("full"), kw(size=sizes, fill_value=st.just(3), dtype=any_dtype),
           variant="dtype", grad=False, dtypes=NO_INPUT),
    OpSpec("eye", on_device("eye"), kw(n=st.integers(0, 4), dtype=any_dtype), grad=False,
           dtypes=NO_INPUT),
    OpSpec("eye", on_device("eye"), kw(n=st.integers(0, 4), m=st.integers(0, 4)), variant="n-m",
           grad=False, dtypes=NO_INPUT),
    OpSpec("arange", on_device("arange"), kw(end=st.integers(0, 10)), grad=False, dtypes=NO_INPUT,
           errors=(ErrorCase("arange with step 0", lambda lib: lib.arange(0, 5, 0)),)),
    OpSpec("arange", on_device("arange"), kw(start=st.integers(-5, 0), end=st.integers(0, 10),
                                             step=st.sampled_from([1, 2, 3])), variant="start-step",
           grad=False, dtypes=NO_INPUT),
    OpSpec("arange", on_device("arange"), kw(start=st.sampled_from([0, 0.5, -1.0]), end=st.just(3.0),
                                             step=st.sampled_from([0.5, 0.25, 1.0])),
           variant="float", grad=False, dtypes=NO_INPUT),
    OpSpec("arange", on_device("arange"), kw(end=st.integers(1, 5), dtype=float_dtype),
           variant="dtype", grad=False, dtypes=NO_INPUT),
    OpSpec("linspace", on_device("linspace"), kw(start=st.sampled_from([-1.0, 0, 2.5]),
                                                 end=st.sampled_from([1.0, 10, -3.0]),
                                                 steps=st.integers(0, 7), dtype=float_dtype),
           grad=False, dtypes=NO_INPUT),
    OpSpec("logspace", on_device("logspace"), kw(start=st.sampled_from([-1.0, 0]),
                                                 end=st.sampled_from([1.0, 2]), steps=st.integers(0, 5),
                                                 base=st.sampled_from([10.0, 2.0])),
           grad=False, dtypes=NO_INPUT),
]

LIKE = [
    *[OpSpec(name, on_device(name), custom(lambda d, t: ((d(sizes),), {})), grad=False,
             dtypes=FLOATS + ("int64",), check="meta" if name == "empty_like" else "values")
      for name in ("zeros_like", "ones_like", "empty_like")],
    OpSpec("zeros_like", on_device("zeros_like"), custom(lambda d, t: ((d(sizes),), {"dtype": "float64"})),
           variant="dtype", grad=False),
    OpSpec("full_like", on_device("full_like"), custom(lambda d, t: ((d(sizes),), {"fill_value": 2.5})),
           grad=False),
    OpSpec("rand_like", on_device("rand_like"), custom(lambda d, t: ((d(BIG),), {})),
           random_check=in_range(0, 1, 0.5), **{**RANDOM, "dtypes": FLOATS}),
    OpSpec("randn_like", on_device("randn_like"), custom(lambda d, t: ((d(BIG),), {})),
           random_check=in_range(-10, 10, 0.0, 1.0), **{**RANDOM, "dtypes": FLOATS}),
    OpSpec("randint_like", on_device("randint_like"), custom(lambda d, t: ((d(BIG),), {"high": 5})),
           random_check=in_range(0, 5, 2.0), **{**RANDOM, "dtypes": FLOATS + ("int64",)}),
    *[OpSpec(f"Tensor.new_{name}", lambda lib, x, size, name=name, **kw: getattr(x, f"new_{name}")(size, **kw),
             custom(lambda d, t, name=name: ((d(sizes),), {"size": d(sizes), **({"fill_value": 1.5} if name == "full" else {})})),
             grad=False, dtypes=FLOATS + ("int64",), check="meta" if name == "empty" else "values")
      for name in ("ones", "zeros", "full", "empty")],
    OpSpec("Tensor.new_tensor", lambda lib, x, data: x.new_tensor(data),
           custom(lambda d, t: ((d(sizes),), {"data": d(data_lists())})), grad=False,
           dtypes=FLOATS + ("int64",)),
]

RANDOM_OPS = [
    OpSpec("rand", on_device("rand", varargs=True), kw(size=BIG, dtype=float_dtype),
           random_check=in_range(0, 1, 0.5), **RANDOM),
    OpSpec("randn", on_device("randn", varargs=True), kw(size=BIG, dtype=float_dtype),
           random_check=in_range(-10, 10, 0.0, 1.0), **RANDOM),
    OpSpec("randn", on_device("randn"), kw(size=BIG), variant="tuple",
           random_check=in_range(-10, 10, 0.0, 1.0), **RANDOM),
    OpSpec("randint", lambda lib, size: lib.randint(-3, 4, size, device=device_for(lib)), kw(size=BIG),
           random_check=in_range(-3, 4, 0.0), **RANDOM),
    OpSpec("randint", lambda lib, size, dtype: lib.randint(10, size, dtype=dtype, device=device_for(lib)),
           kw(size=BIG, dtype=st.just("int32")),
           variant="high-dtype", random_check=in_range(0, 10, 4.5), **RANDOM),
    OpSpec("randperm", on_device("randperm"), kw(n=st.integers(0, 20)), random_check=is_permutation,
           **RANDOM),
    OpSpec("normal", lambda lib, **kw: lib.normal(2.0, 3.0, size=kw["size"], device=device_for(lib)),
           kw(size=BIG), random_check=in_range(-40, 40, 2.0, 3.0), **RANDOM),
    OpSpec("normal", lambda lib, mean, std: lib.normal(mean, std),
           custom(lambda d, t: ((s := d(BIG), s), {}), domain=(ANY, Domain(0.1, 2))),
           variant="tensors", **{**RANDOM, "dtypes": FLOATS}),
]


def shares_memory(lib, array):
    t = lib.from_numpy(array)
    array += 1  # visible through the tensor: from_numpy shares memory
    return t


def reproducible(lib, seed):
    lib.manual_seed(seed)
    a = lib.rand(5)
    lib.manual_seed(seed)
    return lib.equal(a, lib.rand(5)), lib.initial_seed()


def with_generator(lib, seed):
    g = lib.Generator().manual_seed(seed)
    a = lib.randn(4, generator=g)
    g.manual_seed(seed)
    b = lib.randn(4, generator=g)
    return lib.equal(a, b), g.initial_seed(), isinstance(g, lib.Generator)


def fresh_seed(lib, seed):
    s = lib.seed()
    return isinstance(s, int), lib.initial_seed() == s


def default_dtype(lib, dtype):
    before = lib.get_default_dtype()
    lib.set_default_dtype(dtype)  # call_op has made the dtype name lib's dtype
    try:
        return before, lib.get_default_dtype(), lib.tensor([1.5]), lib.ones(2), lib.tensor([1, 2]) / 2
    finally:
        lib.set_default_dtype(before)


def dtype_alias(name):
    def call(lib, x):
        dtype = getattr(lib, name)
        return dtype, x.to(dtype), lib.tensor([1, 0], dtype=dtype), dtype.is_floating_point
    return call


seeds = kw(seed=st.integers(0, 2**31 - 1))
STATE = [
    scenario("manual_seed", reproducible, seeds, dtypes=NO_INPUT),
    scenario("initial_seed", reproducible, seeds, dtypes=NO_INPUT),
    scenario("Generator", with_generator, seeds, dtypes=NO_INPUT),
    scenario("seed", fresh_seed, seeds, dtypes=NO_INPUT),
    scenario("set_default_dtype", default_dtype, kw(dtype=st.sampled_from(["float64", "float32"])),
             dtypes=NO_INPUT, errors=(ErrorCase("set_default_dtype(int64)",
                                                lambda lib: lib.set_default_dtype(lib.int64)),)),
    scenario("get_default_dtype", default_dtype, kw(dtype=st.just("float64")), dtypes=NO_INPUT),
    *[scenario(name, dtype_alias(name), custom(lambda d, t: ((d(sizes),), {}), domain=Domain(0, 3)),
               dtypes=("float32",))
      for name in ("float32", "float", "float64", "double", "float16", "half", "int64", "long",
                   "int32", "int", "int16", "int8", "uint8", "bool")],
]

TABLE = DETERMINISTIC + LIKE + RANDOM_OPS + STATE
