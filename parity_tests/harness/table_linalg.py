"""Table: linear algebra (matmul family, einsum) and matrix views (t, transpose, diag, tril...)."""

from __future__ import annotations

from hypothesis import strategies as st

from .spec import ErrorCase, OpSpec, function_and_method, inplace_method, with_variant
from .strategies import FLOATS, custom, shapes

F = function_and_method
side = st.integers(0, 4)


def shaped(build):
    """A sample from ``build(draw) -> (shapes, kwargs)``, values anywhere in the default domain."""
    return custom(lambda draw, dtype: build(draw))


def matmul_shapes(draw):
    """Every matmul case: 1-d.1-d, 2-d.1-d, 1-d.2-d, 2-d.2-d and batched with broadcast batches."""
    n, k, m = draw(side), draw(side), draw(side)
    left = draw(st.sampled_from([(k,), (n, k)]))
    right = draw(st.sampled_from([(k,), (k, m)]))
    batch = draw(st.sampled_from([(), (2,), (3, 1)]))
    if batch:
        left = batch + (left if len(left) == 2 else (n, k))
        right = draw(st.sampled_from([(1,) * len(batch), batch[-1:], ()])) + (k, m)
    return (left, right), {}


def mm_shapes(draw):
    n, k, m = draw(side), draw(side), draw(side)
    return ((n, k), (k, m)), {}


def bmm_shapes(draw):
    b, n, k, m = draw(side), draw(side), draw(side), draw(side)
    return ((b, n, k), (b, k, m)), {}


def addmm_shapes(draw):
    n, k, m = draw(side), draw(side), draw(side)
    bias = draw(st.sampled_from([(n, m), (m,), (1, m), ()]))
    return (bias, (n, k), (k, m)), draw(st.sampled_from([{}, {"beta": 0.5, "alpha": 2.0}]))


def baddbmm_shapes(draw):
    b, n, k, m = draw(side), draw(side), draw(side), draw(side)
    bias = draw(st.sampled_from([(b, n, m), (n, m), (1, m)]))
    return (bias, (b, n, k), (b, k, m)), draw(st.sampled_from([{}, {"beta": 0.5, "alpha": 2.0}]))


EQUATIONS = {  # equation: shapes as functions of sizes (i, j, k)
    "ij,jk->ik": lambda i, j, k: ((i, j), (j, k)),
    "bij,bjk->bik": lambda i, j, k: ((2, i, j), (2, j, k)),
    "i,i->": lambda i, j, k: ((i,), (i,)),
    "i,j->ij": lambda i, j, k: ((i,), (j,)),
    "ij->ji": lambda i, j, k: ((i, j),),
    "ii->i": lambda i, j, k: ((i, i),),
    "ij->": lambda i, j, k: ((i, j),),
    "...ij,...jk->...ik": lambda i, j, k: ((3, i, j), (1, j, k)),
    "bhqd,bhkd->bhqk": lambda i, j, k: ((1, 2, i, k), (1, 2, j, k)),
}


def einsum_shapes(draw):
    equation = draw(st.sampled_from(sorted(EQUATIONS)))
    return EQUATIONS[equation](draw(side), draw(side), draw(side)), {"equation": equation}


def matrix_and(**draws):
    """A matrix (or batch of matrices) plus drawn kwargs."""
    def build(draw):
        return (draw(shapes(2, 3)),), {k: draw(v) for k, v in draws.items()}
    return build


def mv_shapes(draw):
    n, k = draw(side), draw(side)
    return ((n, k), (k,)), {}


def dot_shapes(draw):
    k = draw(side)
    return ((k,), (k,)), {}


def transpose_args(draw):
    shape = draw(shapes(1, 4))
    dim = st.integers(-len(shape), len(shape) - 1)
    return (shape,), {"dim0": draw(dim), "dim1": draw(dim)}


def diag_shapes(draw):
    return (draw(shapes(1, 2)),), {"diagonal": draw(st.integers(-2, 2))}


def shape_error(name: str, *shapes_: tuple[int, ...]) -> ErrorCase:
    return ErrorCase(f"{name} of shapes {shapes_}",
                     lambda lib: getattr(lib, name)(*[lib.ones(s) for s in shapes_]))


LINALG = [
    *F("matmul", shaped(matmul_shapes), out=True, errors=(shape_error("matmul", (2, 3), (4, 2)),
                                                          shape_error("matmul", (), (2,)))),
    OpSpec("Tensor.__matmul__", lambda lib, x, y: x @ y, shaped(matmul_shapes)),
    OpSpec("Tensor.__rmatmul__", lambda lib, x, y: y.__rmatmul__(x), shaped(matmul_shapes)),
    *F("mm", shaped(mm_shapes), out=True, dtypes=FLOATS + ("int64",),
       errors=(shape_error("mm", (2, 3), (2, 3)), shape_error("mm", (2,), (2, 3)))),
    *F("bmm", shaped(bmm_shapes), errors=(shape_error("bmm", (2, 2, 3), (3, 3, 2)),)),
    *F("mv", shaped(mv_shapes),
       errors=(shape_error("mv", (2, 3), (2,)),)),
    *F("dot", shaped(dot_shapes),
       errors=(shape_error("dot", (2,), (3,)), shape_error("dot", (2, 2), (2, 2)))),
    *F("outer", shaped(lambda d: (((d(side),), (d(side),)), {}))),
    *F("addmm", shaped(addmm_shapes)),
    *F("baddbmm", shaped(baddbmm_shapes)),
    OpSpec("einsum", lambda lib, *ts, equation: lib.einsum(equation, *ts), shaped(einsum_shapes),
           errors=(ErrorCase("einsum with mismatched operand count",
                             lambda lib: lib.einsum("ij,jk->ik", lib.ones(2, 2))),)),
    OpSpec("einsum", lambda lib, x, y: lib.einsum("ij,jk", [x, y]), shaped(mm_shapes),
           variant="list-implicit-output"),
    *F("t", shaped(lambda d: ((d(shapes(0, 2)),), {})), dtypes=FLOATS + ("int64",),
       errors=(ErrorCase("t of a 3-d tensor", lambda lib: lib.t(lib.ones(2, 2, 2))),)),
    *F("transpose", shaped(transpose_args),
       dtypes=FLOATS + ("int64",),
       errors=(ErrorCase("transpose with dim out of range",
                         lambda lib: lib.ones(2, 3).transpose(0, 2)),)),
    *F("diag", shaped(diag_shapes), dtypes=FLOATS + ("int64",)),
    *F("diagonal", shaped(matrix_and(offset=st.integers(-2, 2), dim1=st.just(0),
                                     dim2=st.just(-1)))),
    *with_variant(F("diagonal", shaped(matrix_and())), "default"),
    *F("trace", shaped(lambda d: ((d(shapes(2, 2)),), {})), dtypes=FLOATS + ("int64",),
       errors=(ErrorCase("trace of a 1-d tensor", lambda lib: lib.trace(lib.ones(3))),)),
    *F("tril", shaped(matrix_and(diagonal=st.integers(-2, 2))), dtypes=FLOATS + ("int64",)),
    *F("triu", shaped(matrix_and(diagonal=st.integers(-2, 2))), dtypes=FLOATS + ("int64",)),
    *with_variant(F("tril", shaped(matrix_and())), "default"),
]


def inplace_product(shapes_of):
    """``self`` of the product's full shape (an in-place op cannot broadcast it), the factors,
    and alpha/beta drawn."""
    def build(draw):
        b, n, k, m = draw(side), draw(side), draw(side), draw(side)
        return shapes_of(b, n, k, m), draw(st.sampled_from([{}, {"beta": 0.5, "alpha": 2.0}]))
    return shaped(build)


def inplace(name, sample, **flags):
    return OpSpec(f"Tensor.{name}", inplace_method(name), sample, inplace=True, **flags)


INPLACE = [
    inplace("addbmm_", inplace_product(lambda b, n, k, m: ((n, m), (b, n, k), (b, k, m)))),
    inplace("addr_", inplace_product(lambda b, n, k, m: ((n, m), (n,), (m,)))),
    inplace("baddbmm_", inplace_product(lambda b, n, k, m: ((b, n, m), (b, n, k), (b, k, m)))),
    inplace("triu_", shaped(matrix_and(diagonal=st.integers(-2, 2))), dtypes=FLOATS + ("int64",)),
    OpSpec("Tensor.mH", lambda lib, x: x.mH, shaped(matrix_and()), dtypes=FLOATS + ("int64",),
           errors=(ErrorCase("mH of a 1-d tensor", lambda lib: lib.ones(3).mH),)),
]

TABLE = LINALG + INPLACE
