"""Table: reductions (dim int/tuple/None, keepdim), scans, sorting and counting."""

from __future__ import annotations

from hypothesis import strategies as st

from .libs import tensor
from .spec import ErrorCase, OpSpec, function_and_method, inplace_method, with_variant
from .strategies import ANY, FLOATS, INTS, NONZERO, Domain, custom, reduction, same_shape, shapes
from .table_shape import varargs

# prod's and cumprod's values: tiny magnitudes flushed to 0 (see Domain.flush; cumprod of
# [4.6e-257]: a second derivative of 1e239 against 0); zeros themselves are the point
PROD = Domain(-2, 2, flush=1e-3)

ALL = FLOATS + INTS
F = function_and_method
NONEMPTY = {"min_side": 1}            # max/min/median... of an empty dim raise
DIM_ONLY = {"allow_none": False, "allow_tuple": False}


def empty_error(name: str) -> ErrorCase:
    return ErrorCase(f"{name} of an empty tensor", lambda lib: getattr(lib, name)(lib.zeros(0)))


def bad_dim(name: str) -> ErrorCase:
    return ErrorCase(f"{name} over dim 2 of a 2-d tensor",
                     lambda lib: getattr(lib, name)(lib.ones(2, 3), 2))


def along_dim(k: bool = False, min_side: int = 0, **fixed):
    """One tensor with an int ``dim`` (and a valid ``k`` for topk), plus ``fixed`` kwargs."""
    def build(draw, dtype):
        shape = draw(shapes(min_side=min_side))
        dim = draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
        kwargs = {"dim": dim, **fixed}
        if k:
            size = shape[dim] if shape else 1
            kwargs["k"] = draw(st.integers(0, size))
        return (shape,), kwargs
    return build


def sum_to_size_args(draw, dtype):
    """A shape and a ``size`` it can be summed to: some leading dims dropped, some others set to
    1 (drawn down to 0-d, and the shape itself, where ``input`` comes back unchanged)."""
    shape = draw(shapes())
    lead = draw(st.integers(0, len(shape)))
    return (shape,), {"size": tuple(draw(st.sampled_from([s, 1])) for s in shape[lead:])}


def sum_to_size_error(what: str, call) -> ErrorCase:
    return ErrorCase(f"sum_to_size {what}", lambda lib: call(lib.ones(2, 3)))


SUM_TO_SIZE_ERRORS = (
    sum_to_size_error("to a size that does not expand to the input", lambda x: x.sum_to_size(4)),
    sum_to_size_error("to more dims than the input", lambda x: x.sum_to_size(1, 2, 3)),
    sum_to_size_error("to a negative size", lambda x: x.sum_to_size(-1, 3)),
    sum_to_size_error("without a size", lambda x: x.sum_to_size()),
    sum_to_size_error("with an int size=", lambda x: x.sum_to_size(size=3)),
    sum_to_size_error("with a float size", lambda x: x.sum_to_size(3.0)),
)

SUMS = [
    *F("sum", reduction(), dtypes=ALL, errors=(bad_dim("sum"),)),
    *with_variant(F("sum", reduction(dtype="float64"), dtypes=("float32", "int64")), "dtype"),
    OpSpec("Tensor.sum_to_size", varargs("sum_to_size", "size"), custom(sum_to_size_args),
           dtypes=ALL + ("bool",), errors=SUM_TO_SIZE_ERRORS),
    OpSpec("Tensor.sum_to_size", lambda lib, x, size: x.sum_to_size(size),
           custom(sum_to_size_args), variant="tuple", dtypes=ALL),
    OpSpec("Tensor.sum_to_size", lambda lib, x, size: x.sum_to_size(size=size),
           custom(sum_to_size_args), variant="size="),
    *F("mean", reduction(), errors=(ErrorCase("mean of an int tensor",
                                              lambda lib: lib.mean(tensor(lib, [1, 2]))),)),
    *F("prod", reduction(domain=PROD, allow_tuple=False), dtypes=ALL),
    *F("logsumexp", reduction(allow_none=False)),
    *F("var", reduction()),
    *with_variant(F("var", reduction(correction=0)), "correction=0"),
    *with_variant(F("var", reduction(allow_none=False, unbiased=False)), "unbiased=False"),
    *F("std", reduction(domain=NONZERO, unique=True)),
    *with_variant(F("std", reduction(domain=NONZERO, unique=True, correction=0)), "correction=0"),
    *F("norm", reduction(domain=NONZERO, unique=True, allow_tuple=False)),  # p='fro'
    *with_variant(F("norm", reduction(domain=NONZERO, unique=True, p=2)), "p=2"),
    *with_variant(F("norm", reduction(domain=NONZERO, p=1)), "p=1"),
    *with_variant(F("norm", reduction(domain=NONZERO, unique=True, p=3.0)), "p=3"),
    *with_variant(F("norm", reduction(domain=NONZERO, unique=True, min_side=1, p=float("inf"))),
                  "p=inf"),
    *F("all", reduction(allow_tuple=False), dtypes=("bool", "float32", "int64"), grad=False),
    *F("any", reduction(allow_tuple=False), dtypes=("bool", "float32", "int64"), grad=False),
    *F("count_nonzero", reduction(domain=Domain(-1, 1), keepdim=False), dtypes=ALL, grad=False),
    *F("cumsum", custom(along_dim()), dtypes=ALL),
    *F("cumprod", custom(along_dim(), domain=PROD), dtypes=ALL),
    # dtype=: the input is cast before the reduction, so the accumulation happens in that dtype
    *with_variant(F("prod", reduction(domain=PROD, allow_tuple=False, dtype="float64"),
                    dtypes=("float32", "int64")), "dtype"),
    *with_variant(F("mean", reduction(dtype="float64"), dtypes=("float32", "int64")), "dtype"),
    *with_variant(F("cumsum", custom(along_dim(dtype="float64")), dtypes=("float32", "int64")), "dtype"),
    *with_variant(F("cumprod", custom(along_dim(dtype="float64"), domain=PROD),
                    dtypes=("float32", "int64")), "dtype"),
    *with_variant(F("sum", reduction(dtype="int32"), dtypes=("float32", "int64"), grad=False), "int-dtype"),
    *with_variant(F("prod", reduction(domain=PROD, allow_tuple=False, dtype="int16"),
                    dtypes=("int32", "int64"), grad=False), "int-dtype"),
    *with_variant(F("cumsum", custom(along_dim(dtype="int32")), dtypes=("float32", "int64"), grad=False),
                  "int-dtype"),
]

def softmax_errors(name: str) -> tuple[ErrorCase, ...]:
    def x(lib, dtype=None):
        return tensor(lib, [1.0, 2.0] if dtype is None else [1, 2])

    return (ErrorCase(f"{name} of an int tensor", lambda lib: getattr(lib, name)(x(lib, "int"), 0)),
            ErrorCase(f"{name} with an integer dtype=", lambda lib: getattr(lib, name)(x(lib), 0, dtype=lib.int64)),
            ErrorCase(f"{name} with a string dtype=", lambda lib: getattr(lib, name)(x(lib), 0, dtype="float64")))


SOFTMAX = [
    spec
    for name in ("softmax", "log_softmax")
    for spec in [
        *F(name, custom(along_dim()), errors=softmax_errors(name)),
        # dtype=: the input is cast first, so an int tensor or float32 is computed in float64
        *with_variant(F(name, custom(along_dim(dtype="float64"))), "dtype"),
        # an int tensor with dtype=float64 (an int tensor alone raises): compared as a float64 result
        OpSpec(name, lambda lib, x, n=name, **kw: getattr(lib, n)((x * 3).to(lib.int64), **kw),
               custom(along_dim(dtype="float64")), variant="int-input-dtype", dtypes=("float64",), grad=False),
    ]
]

ORDER = {"unique": True}  # no ties: which index wins a tie is not part of the contract
NAMED = dict(allow_tuple=False, min_side=1, **ORDER)  # x.max() or x.max(dim, keepdim) -> (values, indices)
EXTREMA = [
    spec
    for name in ("max", "min")
    for spec in [
        *F(name, reduction(**NAMED), dtypes=ALL, errors=(empty_error(name), bad_dim(name))),
        *with_variant(F(name, same_shape(2, **ORDER),
                        dtypes=ALL), "binary"),
    ]
] + [
    *F("amax", reduction(**NONEMPTY, **ORDER), dtypes=ALL),
    *F("amin", reduction(**NONEMPTY, **ORDER), dtypes=ALL),
    *F("argmax", reduction(allow_tuple=False, **NONEMPTY, **ORDER), dtypes=ALL, grad=False),
    *F("argmin", reduction(allow_tuple=False, **NONEMPTY, **ORDER), dtypes=ALL, grad=False),
    *F("median", reduction(**NAMED), dtypes=ALL),
    *F("mode", custom(along_dim(min_side=1), domain=Domain(-2, 2)), dtypes=("int64", "float64"),
       grad=False),
    *F("sort", custom(along_dim(), **ORDER), dtypes=ALL),
    *with_variant(F("sort", custom(along_dim(descending=True), **ORDER), dtypes=ALL), "descending"),
    *F("argsort", custom(along_dim(), **ORDER), dtypes=ALL, grad=False),
    *with_variant(F("argsort", custom(along_dim(descending=True), **ORDER), dtypes=ALL, grad=False),
                  "descending"),
    *F("topk", custom(along_dim(k=True), **ORDER), dtypes=ALL),
    *with_variant(F("topk", custom(along_dim(k=True, largest=False), **ORDER), dtypes=ALL),
                  "smallest"),
]

SMALL_INTS = Domain(-2, 2)  # repeated values, so unique and bincount count something
COUNTING = [
    *F("unique", custom(lambda draw, dtype: ((draw(shapes()),), {}), domain=SMALL_INTS),
       dtypes=ALL, grad=False),
    *with_variant(F("unique", custom(lambda draw, dtype: ((draw(shapes()),), {
        "return_inverse": True, "return_counts": True}), domain=SMALL_INTS), dtypes=ALL,
        grad=False), "inverse-counts"),
    *F("bincount", custom(lambda draw, dtype: ((draw(shapes(1, 1)),), {}), domain=Domain(0, 6)),
       dtypes=("int64",), grad=False,
       errors=(ErrorCase("bincount of negative values",
                         lambda lib: lib.bincount(tensor(lib, [1, -1]))),)),
    OpSpec("bincount", lambda lib, x, w, **kw: lib.bincount(x, w, **kw),
           same_shape(2, (Domain(0, 6), ANY), dtypes=("int64", None), min_dims=1, max_dims=1,
                      minlength=3),
           variant="weights", grad=False),
]

SPECIAL = Domain(special=True)  # NaN and +-inf among the values
NAN_SEMANTICS = [
    # every NaN is a distinct value of its own for unique, sorted last, as in PyTorch
    *with_variant(F("unique", custom(lambda draw, dtype: ((draw(shapes()),), {}), domain=SPECIAL),
                    grad=False), "nan"),
    *with_variant(F("unique", custom(lambda draw, dtype: ((draw(shapes()),), {
        "return_inverse": True, "return_counts": True}), domain=SPECIAL), grad=False), "nan-inverse-counts"),
    # NaN sorts last (first when descending); a stable sort fixes the order of equal values
    *with_variant(F("sort", custom(along_dim(stable=True), domain=SPECIAL), grad=False), "nan"),
    *with_variant(F("sort", custom(along_dim(stable=True, descending=True), domain=SPECIAL), grad=False),
                  "nan-descending"),
    # max/min/amax/amin propagate NaN; argmax/argmin point at the first NaN
    *with_variant(F("amax", reduction(domain=SPECIAL, **NONEMPTY), grad=False), "nan"),
    *with_variant(F("amin", reduction(domain=SPECIAL, **NONEMPTY), grad=False), "nan"),
    *with_variant(F("argmax", reduction(domain=SPECIAL, allow_tuple=False, **NONEMPTY), grad=False), "nan"),
    *with_variant(F("argmin", reduction(domain=SPECIAL, allow_tuple=False, **NONEMPTY), grad=False), "nan"),
]

INPLACE_SCANS = [
    OpSpec("Tensor.cumsum_", inplace_method("cumsum_"), custom(along_dim()), inplace=True, dtypes=ALL),
    OpSpec("Tensor.cumprod_", inplace_method("cumprod_"), custom(along_dim(), domain=PROD), inplace=True,
           dtypes=ALL),
    OpSpec("Tensor.cumsum_", inplace_method("cumsum_"), custom(along_dim(dtype="float64")), inplace=True,
           variant="dtype", dtypes=("float64",)),
    *F("msort", custom(lambda d, t: ((d(shapes()),), {}), unique=True), dtypes=ALL, out=True),
]

TABLE = SUMS + SOFTMAX + EXTREMA + COUNTING + NAN_SEMANTICS + INPLACE_SCANS
