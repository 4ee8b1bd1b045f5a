"""Hypothesis strategies: shapes, values inside an op's domain, layouts, and whole op samples.

A :class:`Sample` is everything one call of an op needs, independent of the library: the NumPy
arrays of its tensor arguments, the layout each is presented in, and its other keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .libs import CONTIGUOUS, Layout

FLOATS = ("float32", "float64")
INTS = ("int64",)  # int32 appears in the promotion and cast entries


@dataclass(frozen=True)
class Domain:
    """Values an op is tested on: ``[lo, hi]``, kept ``gap`` away from its kinks and poles."""

    lo: float = -3.0
    hi: float = 3.0
    avoid: tuple[float, ...] = ()
    gap: float = 0.1
    special: bool = False  # also NaN and +-inf (for isnan, nan_to_num...)
    # floats with |x| < flush become 0: for ops whose gradients divide by x (prod: g * p / x),
    # where the second derivative 1/x - x/x**2 at x = 1e-128 is rounding noise of 1e109 in both
    # libraries, not a value to compare (found by the thorough profile); 0 itself stays in
    flush: float = 0.0

    def push(self, x: float) -> float:
        for p in self.avoid:
            if abs(x - p) < self.gap:
                x = p + self.gap if x >= p else p - self.gap
        return x

    def elements(self, dtype: str, unique: bool = False, count: int = 0) -> st.SearchStrategy:
        """Values of ``dtype`` in the domain; with ``unique``, from a range that holds at least
        ``count`` distinct integers (the number the caller will draw)."""
        if dtype == "bool":
            return st.booleans()
        if dtype.startswith(("int", "uint")):
            bound = 100 if unique else 8  # distinct values need a wider range
            lo = max(int(np.ceil(self.lo * (bound / 8 if unique else 1))), 0 if dtype == "uint8" else -bound)
            hi = max(min(int(np.floor(self.hi * (bound / 8 if unique else 1))), bound), lo)
            values = self._integers(lo, hi)
            if unique and len(values) < count:
                # The scaled domain holds fewer distinct values than the sample needs (three 4x4x4
                # tensors are 192 values; Domain(-2, 2) scales to 51): widen it, up first, within
                # the dtype's range, rather than ask hypothesis for the impossible.
                info = np.iinfo(dtype)
                hi = min(int(info.max), hi + (count - len(values)) + len(self.avoid))
                lo = max(int(info.min), lo - max(0, count - len(self._integers(lo, hi))) - len(self.avoid))
                values = self._integers(lo, hi)
            return st.sampled_from(values)
        width = {"float16": 16, "float32": 32, "float64": 64}[dtype]
        lo, hi = _representable(self.lo, dtype, up=True), _representable(self.hi, dtype, up=False)
        floats = st.floats(lo, hi, width=width, allow_nan=False, allow_infinity=False)
        floats = floats.map(self.push) if self.avoid else floats
        if self.flush:
            floats = floats.map(lambda x: 0.0 * x if abs(x) < self.flush else x)  # keeps -0.0
        if self.special:
            return st.one_of(floats, st.sampled_from([float("nan"), float("inf"), float("-inf")]))
        return floats


    def _integers(self, lo: int, hi: int) -> list[int]:
        return [v for v in range(lo, hi + 1) if all(abs(v - p) >= self.gap for p in self.avoid)]


def _representable(x: float, dtype: str, up: bool) -> float:
    """The nearest ``dtype`` value to ``x`` on the inside of the interval."""
    y = np.array(x, dtype=dtype)
    if (float(y) < x) if up else (float(y) > x):
        y = np.nextafter(y, np.array(np.inf if up else -np.inf, dtype=dtype))
    return float(y)


ANY = Domain()
POSITIVE = Domain(0.1, 4.0)
NONZERO = Domain(avoid=(0.0,))
UNIT = Domain(-0.9, 0.9)  # open interval (-1, 1), for asin/acos/atanh-like ops


@dataclass
class Sample:
    """One call of an op: tensor arrays (in argument order), their layouts, other kwargs."""

    arrays: list[np.ndarray]
    layouts: list[Layout]
    kwargs: dict[str, Any] = field(default_factory=dict)
    seed: int = 0  # for the random grad_outputs and second-order directions

    def __repr__(self) -> str:
        arrays = ", ".join(f"{a.dtype}{list(a.shape)} {layout!r}: {a.tolist()!r}"
                           for a, layout in zip(self.arrays, self.layouts))
        return f"Sample(arrays=[{arrays}], kwargs={self.kwargs!r})"


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 4
           ) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes including 0-d, size-0 and size-1 dims."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcast_shapes(n: int, min_dims: int = 0, max_dims: int = 3, min_side: int = 0,
                     max_side: int = 4) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """``n`` mutually broadcastable shapes."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda bs: bs.input_shapes)


@st.composite
def arrays(draw: Any, dtype: str, shape: tuple[int, ...], domain: Domain = ANY,
           unique: bool = False) -> np.ndarray:
    """An array of ``dtype`` with values in ``domain`` (all distinct if ``unique``)."""
    count = int(np.prod(shape, dtype=np.int64)) if unique else 0
    return draw(hnp.arrays(np.dtype(dtype), shape, elements=domain.elements(dtype, unique, count),
                           unique=unique))


@st.composite
def layouts(draw: Any, shape: tuple[int, ...], allow_expand: bool = True) -> Layout:
    """Contiguous, permuted, strided-slice or (when allowed) expanded presentation of ``shape``."""
    kinds = ["contiguous"]
    if len(shape) >= 2:
        kinds.append("permuted")
    if len(shape) >= 1:
        kinds.append("sliced")
    if allow_expand and any(s > 1 for s in shape):
        kinds.append("expanded")
    kind = draw(st.sampled_from(kinds))
    if kind == "permuted":
        perm = draw(st.permutations(range(len(shape))))
        return Layout("permuted", perm=tuple(perm))
    if kind == "sliced":
        return Layout("sliced", start=draw(st.integers(0, 1)))
    if kind == "expanded":
        dim = draw(st.sampled_from([d for d, s in enumerate(shape) if s > 1]))
        return Layout("expanded", dim=dim)
    return CONTIGUOUS


def present(array: np.ndarray, layout: Layout) -> np.ndarray:
    """The array as the op sees it: an expanded layout repeats the first slice along its dim."""
    if layout.kind != "expanded":
        return array
    first = np.take(array, [0], axis=layout.dim)
    return np.ascontiguousarray(np.broadcast_to(first, array.shape))


InputDtypes = tuple[str | None, ...]


@st.composite
def tensors(draw: Any, dtype: str, shape_list: tuple[tuple[int, ...], ...],
            domain: Domain | tuple[Domain, ...] = ANY, unique: bool = False,
            dtypes: InputDtypes = (), vary_layout: bool = True, allow_expand: bool = True,
            kwargs: dict[str, Any] | None = None) -> Sample:
    """A :class:`Sample` of tensors with the given shapes.

    ``domain`` is one Domain or one per input; ``dtypes`` overrides the tested dtype per input
    (None keeps it); ``unique`` makes all values of all inputs distinct (no ties for max, sort,
    maximum...), which also rules out expanded layouts.
    """
    n = len(shape_list)
    domains = domain if isinstance(domain, tuple) else (domain,) * n
    input_dtypes = [(dtypes[i] if i < len(dtypes) and dtypes[i] else dtype) for i in range(n)]
    if unique:
        sizes = [int(np.prod(s, dtype=np.int64)) for s in shape_list]
        pool = draw(arrays(dtype, (sum(sizes),), domains[0], unique=True))
        offsets = np.cumsum([0] + sizes)
        out = [pool[offsets[i]:offsets[i + 1]].reshape(s).astype(input_dtypes[i])
               for i, s in enumerate(shape_list)]
        allow_expand = False
    else:
        out = [draw(arrays(input_dtypes[i], s, domains[i])) for i, s in enumerate(shape_list)]
    chosen = [draw(layouts(s, allow_expand)) if vary_layout else CONTIGUOUS for s in shape_list]
    out = [present(a, lay) for a, lay in zip(out, chosen)]
    seed = draw(st.integers(0, 2**31 - 1))
    return Sample(out, chosen, dict(kwargs or {}), seed)


SampleFn = Callable[[str], st.SearchStrategy[Sample]]


def elementwise(n: int = 1, domain: Domain | tuple[Domain, ...] = ANY, unique: bool = False,
                dtypes: InputDtypes = (), max_dims: int = 3, **kwargs: Any) -> SampleFn:
    """``n`` mutually broadcastable tensors (one tensor when ``n == 1``); fixed ``kwargs``."""
    def sample(dtype: str) -> st.SearchStrategy[Sample]:
        shape_lists = (shapes(max_dims=max_dims).map(lambda s: (s,)) if n == 1
                       else broadcast_shapes(n, max_dims=max_dims))
        return shape_lists.flatmap(lambda sl: tensors(dtype, sl, domain, unique, dtypes,
                                                      kwargs=kwargs))
    return sample


def with_scalar(domain: Domain = ANY, scalar: st.SearchStrategy | None = None,
                name: str = "other") -> SampleFn:
    """One tensor plus a Python scalar kwarg ``name`` (float, or int for integer dtypes)."""
    def sample(dtype: str) -> st.SearchStrategy[Sample]:
        numbers = scalar if scalar is not None else (
            domain.elements("int64") if dtype.startswith(("int", "uint")) or dtype == "bool"
            else domain.elements("float64").map(lambda v: round(v, 3)).map(domain.push))
        return st.tuples(shapes(), numbers).flatmap(
            lambda sv: tensors(dtype, (sv[0],), domain, kwargs={name: sv[1]}))
    return sample


def dims_for(ndim: int, allow_none: bool = True, allow_tuple: bool = True
             ) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """A ``dim`` argument: None, an int (negative too), or a tuple of distinct dims."""
    options: list[st.SearchStrategy] = []
    if allow_none:
        options.append(st.none())
    if ndim > 0:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                    unique=True).map(tuple))
    else:
        options.append(st.sampled_from([0, -1]))  # a 0-d tensor accepts dim 0 / -1
    return st.one_of(options)


def reduction(domain: Domain = ANY, unique: bool = False, allow_none: bool = True,
              allow_tuple: bool = True, keepdim: bool = True, min_side: int = 0,
              dtypes: InputDtypes = (), **fixed: Any) -> SampleFn:
    """One tensor plus ``dim`` (int, tuple or None) and ``keepdim`` kwargs."""
    def sample(dtype: str) -> st.SearchStrategy[Sample]:
        @st.composite
        def draw_sample(draw: Any) -> Sample:
            shape = draw(shapes(min_side=min_side))
            kwargs = dict(fixed)
            dim = draw(dims_for(len(shape), allow_none, allow_tuple))
            if dim is not None:
                kwargs["dim"] = dim
                if keepdim:
                    kwargs["keepdim"] = draw(st.booleans())
            return draw(tensors(dtype, (shape,), domain, unique, dtypes, kwargs=kwargs))
        return draw_sample()
    return sample


def custom(build: Callable[[Any, str], tuple[tuple[tuple[int, ...], ...], dict[str, Any]]],
           domain: Domain | tuple[Domain, ...] = ANY, unique: bool = False,
           dtypes: InputDtypes = (), vary_layout: bool = True, allow_expand: bool = True
           ) -> SampleFn:
    """A sample whose shapes and kwargs come from ``build(draw, dtype) -> (shapes, kwargs)``."""
    def sample(dtype: str) -> st.SearchStrategy[Sample]:
        @st.composite
        def draw_sample(draw: Any) -> Sample:
            shape_list, kwargs = build(draw, dtype)
            return draw(tensors(dtype, tuple(shape_list), domain, unique, dtypes, vary_layout,
                                allow_expand, kwargs))
        return draw_sample()
    return sample


def fixed(*shape_list: tuple[int, ...], domain: Domain | tuple[Domain, ...] = ANY,
          unique: bool = False, dtypes: InputDtypes = (), **kwargs: Any) -> SampleFn:
    """Tensors of fixed shapes (values and layouts still drawn), fixed kwargs."""
    return custom(lambda draw, dtype: (shape_list, kwargs), domain, unique, dtypes)


def no_tensors(kwargs: st.SearchStrategy[dict[str, Any]]) -> SampleFn:
    """A sample without tensor arguments (creation functions): only kwargs."""
    def sample(dtype: str) -> st.SearchStrategy[Sample]:
        return st.tuples(kwargs, st.integers(0, 2**31 - 1)).map(
            lambda ks: Sample([], [], ks[0], ks[1]))
    return sample


def same_shape(n: int, domain: Domain | tuple[Domain, ...] = ANY, unique: bool = False,
               dtypes: InputDtypes = (), min_dims: int = 0, max_dims: int = 3,
               **kwargs: Any) -> SampleFn:
    """``n`` tensors of one shape (no broadcasting), fixed ``kwargs``."""
    def build(draw: Any, dtype: str) -> tuple[tuple[tuple[int, ...], ...], dict[str, Any]]:
        shape = draw(shapes(min_dims, max_dims))
        return (shape,) * n, dict(kwargs)
    return custom(build, domain, unique, dtypes)


def at_least(n: int, **kwargs) -> settings:
    """Hypothesis settings of ``n`` examples, or the profile's count where that is larger: a test
    that needs more than the ``ci`` profile's few examples still scales up under ``dev`` and
    ``thorough`` (a plain ``settings(max_examples=n)`` would pin it at ``n`` in every profile)."""
    return settings(max_examples=max(n, settings().max_examples), **kwargs)
