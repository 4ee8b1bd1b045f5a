"""Table: arithmetic, math, comparison and logic ops (elementwise, broadcasting)."""

from __future__ import annotations

import operator

from hypothesis import strategies as st

from .libs import tensor
from .spec import (
    ErrorCase,
    OpSpec,
    augmented_operator,
    binary_operator,
    fn,
    function_and_method,
    in_place,
    inplace_method,
    with_variant,
)
from .strategies import (
    ANY,
    FLOATS,
    INTS,
    NONZERO,
    POSITIVE,
    UNIT,
    Domain,
    custom,
    elementwise,
    shapes,
    with_scalar,
)

ALL = FLOATS + INTS
SPECIAL = Domain(special=True)  # with NaN and +-inf
unary = elementwise            # one tensor
binary = lambda **kw: elementwise(2, **kw)
ternary = lambda **kw: elementwise(3, **kw)
DIV = (ANY, NONZERO)  # numerator anywhere, denominator away from 0
F = function_and_method


def broadcast_into(domain: Domain | tuple[Domain, ...] = ANY):
    """``x`` and an ``other`` that broadcasts to x's shape (for in-place ops)."""
    def build(draw, dtype):
        shape = draw(shapes())
        kept = draw(st.integers(0, len(shape)))
        other = tuple(draw(st.sampled_from([s, 1])) for s in shape[len(shape) - kept:])
        return (shape, other), {}
    return custom(build, domain)


SCALARS = st.sampled_from([2.0, 0.5, -1.5, 3])


def scalar_first(domain: Domain = ANY, scalar: st.SearchStrategy = SCALARS):
    return with_scalar(domain, scalar)


def arithmetic(name: str, sym: str, domain=ANY, int_domain=None, dtypes=ALL, **flags) -> list[OpSpec]:
    """``lib.name``/``Tensor.name`` (tensor and scalar ``other``), ``x <sym> y``, ``s <sym> x``."""
    op = OPS[sym]
    other = domain[1] if isinstance(domain, tuple) else domain
    first = domain[0] if isinstance(domain, tuple) else domain
    return [
        *F(name, binary(domain=domain), dtypes=dtypes, out=True, **flags),
        *with_variant(F(name, with_scalar(other), dtypes=dtypes, **flags), "scalar"),
        OpSpec(f"Tensor.__{sym}__", binary_operator(op), binary(domain=domain), dtypes=dtypes, **flags),
        OpSpec(f"Tensor.__{sym}__", binary_operator(op), with_scalar(other), variant="scalar",
               dtypes=dtypes, **flags),
        OpSpec(f"Tensor.__r{sym}__", binary_operator(op, reflected=True), with_scalar(first),
               dtypes=dtypes, **flags),
    ]


OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
       "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow}


def promotion(name: str, domain=ANY) -> list[OpSpec]:
    """PyTorch's type promotion: int tensor with float tensor, int tensor with float scalar."""
    return [
        OpSpec(name, fn(name), binary(domain=domain, dtypes=("int64", None)), variant="int-float",
               dtypes=FLOATS),
        OpSpec(name, fn(name), with_scalar(domain if not isinstance(domain, tuple) else domain[1],
                                           st.sampled_from([2.5, -0.5])),
               variant="int-tensor-float-scalar", dtypes=INTS, grad=False),
    ]


def cast_error(name: str) -> ErrorCase:
    return ErrorCase(f"{name} writes a float result into an int tensor",
                     lambda lib: getattr(tensor(lib, [1, 2]), name)(tensor(lib, [0.5, 1.5])))


def shape_error(name: str) -> ErrorCase:
    return ErrorCase(f"{name} of shapes (2,3) and (4,)",
                     lambda lib: getattr(lib, name)(tensor(lib, [[1.0] * 3] * 2), tensor(lib, [1.0] * 4)))


INPLACE = [
    OpSpec(f"Tensor.{name}_", inplace_method(f"{name}_"), broadcast_into(domain), inplace=True,
           dtypes=dtypes, errors=(cast_error(f"{name}_"),) if name != "div" else ())
    for name, domain, dtypes in [("add", ANY, ALL), ("sub", ANY, ALL), ("mul", ANY, ALL),
                                 ("div", DIV, FLOATS), ("pow", (POSITIVE, ANY), FLOATS)]
] + [
    OpSpec(f"Tensor.__i{sym}__", augmented_operator(op), broadcast_into(domain), inplace=True,
           dtypes=FLOATS)
    for sym, op, domain in [("add", operator.iadd, ANY), ("sub", operator.isub, ANY),
                            ("mul", operator.imul, ANY), ("truediv", operator.itruediv, DIV)]
]

ARITHMETIC = [
    *arithmetic("add", "add", errors=(shape_error("add"),)),
    *with_variant(F("add", binary(alpha=2), dtypes=ALL), "alpha"),
    *promotion("add"),
    OpSpec("add", fn("add"), binary(dtypes=("int32", None)), variant="int32-int64", dtypes=("int64",)),
    OpSpec("mul", fn("mul"), binary(dtypes=("int32", "uint8")), variant="int32-uint8", dtypes=("int32",)),
    *arithmetic("sub", "sub"),
    *with_variant(F("sub", binary(alpha=-0.5)), "alpha"),
    *arithmetic("mul", "mul"),
    *promotion("mul"),
    *arithmetic("div", "truediv", domain=DIV),
    *promotion("div", domain=DIV),
    *with_variant(F("div", binary(domain=DIV, rounding_mode="floor"), dtypes=ALL, gradgrad=False), "floor"),
    *with_variant(F("div", binary(domain=DIV, rounding_mode="trunc"), dtypes=ALL, gradgrad=False), "trunc"),
    *F("true_divide", binary(domain=DIV), dtypes=ALL, out=True),
    *F("floor_divide", binary(domain=DIV), dtypes=ALL, grad=False),
    OpSpec("Tensor.__floordiv__", binary_operator(operator.floordiv), binary(domain=DIV),
           dtypes=ALL, grad=False),
    OpSpec("Tensor.__rfloordiv__", binary_operator(operator.floordiv, reflected=True),
           with_scalar(NONZERO), dtypes=ALL, grad=False),
    *F("remainder", binary(domain=DIV), dtypes=ALL, out=True, gradgrad=False),
    OpSpec("Tensor.__mod__", binary_operator(operator.mod), binary(domain=DIV), dtypes=ALL),
    OpSpec("Tensor.__rmod__", binary_operator(operator.mod, reflected=True), with_scalar(NONZERO),
           dtypes=ALL, grad=False),
    *F("pow", binary(domain=(POSITIVE, ANY)), out=True),
    *with_variant(F("pow", with_scalar(NONZERO, st.sampled_from([2, 3, 0, 1, -1.0, 2.0]), "exponent")),
                  "scalar-exponent"),
    *with_variant(F("pow", with_scalar(POSITIVE, st.sampled_from([0.5, -1.5, 2.5]), "exponent")),
                  "fractional-exponent"),
    *with_variant(F("pow", binary(domain=(Domain(-4, 4), Domain(0, 3))), dtypes=INTS), "int"),
    # negative integer exponents of a tensor: 1 -> 1, -1 -> +-1, any other base -> 0 (NumPy raises)
    *with_variant(F("pow", binary(domain=(Domain(-3, 3), Domain(-3, 3))), dtypes=INTS, grad=False),
                  "int-negative-exponent"),
    OpSpec("Tensor.__rpow__", binary_operator(operator.pow, reflected=True),
           with_scalar(Domain(-3, 3), st.sampled_from([2, -1, 1, 0, 3])), variant="int-negative-exponent",
           dtypes=INTS, grad=False),
    # a Python int outside an integer dtype's range wraps as C++ converts it (int32 + 2**40 adds 0)
    OpSpec("add", fn("add"), with_scalar(Domain(-3, 3), st.sampled_from([2**40, -(2**40), 2**63 - 1, 2**63, 300])),
           variant="wrapping-int-scalar", dtypes=INTS, grad=False,
           errors=(ErrorCase("an int scalar beyond 64 bits",
                             lambda lib: tensor(lib, [1, 2]) + 2**64),)),
    OpSpec("pow", lambda lib, x, **kw: lib.pow(kw["other"], x), scalar_first(),
           variant="scalar-base"),
    OpSpec("Tensor.__pow__", binary_operator(operator.pow), binary(domain=(POSITIVE, ANY))),
    OpSpec("Tensor.__pow__", binary_operator(operator.pow),
           with_scalar(ANY, st.sampled_from([2, 3, 0.0, -1.0])), variant="scalar", dtypes=FLOATS),
    OpSpec("Tensor.__rpow__", binary_operator(operator.pow, reflected=True), scalar_first()),
    OpSpec("Tensor.__neg__", lambda lib, x: -x, unary(), dtypes=ALL),
    *INPLACE,
]

MATH = [
    *F("abs", unary(domain=NONZERO), dtypes=ALL, out=True),
    *F("neg", unary(), dtypes=ALL, out=True),
    *F("exp", unary(), out=True),
    *F("exp2", unary()),
    *F("expm1", unary()),
    *F("log", unary(domain=POSITIVE), out=True),
    *F("log2", unary(domain=POSITIVE)),
    *F("log10", unary(domain=POSITIVE)),
    *F("log1p", unary(domain=Domain(-0.9, 3))),
    *F("sqrt", unary(domain=POSITIVE), out=True),
    *F("rsqrt", unary(domain=POSITIVE)),
    *F("square", unary(), dtypes=ALL),
    *F("sin", unary(), out=True),
    *F("cos", unary()),
    *F("tan", unary(domain=Domain(-1.3, 1.3))),
    *F("asin", unary(domain=UNIT)),
    *F("acos", unary(domain=UNIT)),
    *F("atan", unary()),
    *F("atan2", binary(domain=(ANY, NONZERO))),
    *F("sinh", unary()),
    *F("cosh", unary()),
    *F("tanh", unary(), out=True),
    *F("sigmoid", unary()),
    *F("relu", unary(domain=NONZERO), dtypes=ALL),
    *F("floor", unary(), dtypes=ALL, out=True),
    *F("ceil", unary(), dtypes=ALL),
    *F("round", unary(), dtypes=ALL),
    *with_variant(F("round", unary(decimals=1)), "decimals"),
    *F("trunc", unary(), dtypes=ALL),
    *F("frac", unary()),
    *F("sign", unary(domain=NONZERO), dtypes=ALL),
    # NaN: sign(NaN) is 0 in PyTorch (NumPy: NaN), abs's gradient there is 0, relu's passes g
    *with_variant(F("sign", unary(domain=SPECIAL)), "special"),
    *with_variant(F("abs", unary(domain=SPECIAL), gradgrad=False), "special"),
    *with_variant(F("relu", unary(domain=SPECIAL), gradgrad=False), "special"),
    *F("clamp", unary(domain=Domain(avoid=(-1.0, 1.0)), min=-1.0, max=1.0), dtypes=FLOATS, out=True),
    *with_variant(F("clamp", unary(domain=Domain(avoid=(0.5,)), min=0.5)), "min"),
    *with_variant(F("clamp", unary(domain=Domain(avoid=(0.5,)), max=0.5)), "max"),
    *with_variant(F("clamp", unary(domain=Domain(avoid=(-2, 2)), min=-2, max=2), dtypes=INTS), "int"),
    OpSpec("clamp", lambda lib, x, a, b: lib.clamp(x, lib.minimum(a, b), lib.maximum(a, b)),
           ternary(unique=True), variant="tensor-bounds"),
    *F("clip", unary(domain=Domain(avoid=(-1.0, 1.0)), min=-1.0, max=1.0)),
    *F("maximum", binary(unique=True), dtypes=ALL, out=True),
    *F("minimum", binary(unique=True), dtypes=ALL),
    *F("lerp", ternary()),
    *with_variant(F("lerp", binary(weight=0.25)), "scalar-weight"),
    *F("reciprocal", unary(domain=NONZERO), dtypes=ALL),
    *F("erf", unary()),
    *F("logit", unary(domain=Domain(0.05, 0.95))),
    *with_variant(F("logit", unary(domain=Domain(0.0, 1.0, avoid=(0.1, 0.9)), eps=0.1)), "eps"),
    *F("where", ternary(dtypes=("bool", None, None)), dtypes=ALL, out=True, tensor_method=False),
    OpSpec("Tensor.where", lambda lib, c, x, y: x.where(c, y), ternary(dtypes=("bool", None, None))),
    OpSpec("where", lambda lib, c, x, **kw: lib.where(c, x, kw["other"]),
           elementwise(2, dtypes=("bool", None), other=0.0), variant="scalar"),
    *F("nan_to_num", unary(domain=SPECIAL)),
    *with_variant(F("nan_to_num", unary(domain=SPECIAL, nan=1.0, posinf=9.0, neginf=-9.0)), "values"),
    *F("isnan", unary(domain=SPECIAL), grad=False, bool_output=True),
    *F("isinf", unary(domain=SPECIAL), grad=False, bool_output=True),
    *F("isfinite", unary(domain=SPECIAL), grad=False, bool_output=True),
]

COMPARE = {"dtypes": ALL, "grad": False, "bool_output": True}
COMPARISON = [
    spec
    for name in ("eq", "ne", "lt", "le", "gt", "ge")
    for spec in [
        *F(name, binary(), out=True, **COMPARE),
        *with_variant(F(name, with_scalar(ANY, st.sampled_from([0, 1.5, -1.0])), **COMPARE), "scalar"),
        OpSpec(f"Tensor.__{name}__", binary_operator(getattr(operator, name)), binary(), **COMPARE),
        OpSpec(f"Tensor.__{name}__", binary_operator(getattr(operator, name)),
               with_scalar(ANY, st.sampled_from([0, 1.5])), variant="scalar", **COMPARE),
    ]
]

LOGIC_DTYPES = ("bool", "float32", "int64")
BITWISE = {"dtypes": ("bool", "int64"), "grad": False}
LOGIC = [
    *[spec for name in ("logical_and", "logical_or", "logical_xor")
      for spec in F(name, binary(), dtypes=LOGIC_DTYPES, grad=False, bool_output=True)],
    *F("logical_not", unary(), dtypes=LOGIC_DTYPES, grad=False, bool_output=True),
    *[OpSpec(f"Tensor.__{sym}__", binary_operator(OPS_BIT), binary(), **BITWISE)
      for sym, OPS_BIT in (("and", operator.and_), ("or", operator.or_), ("xor", operator.xor))],
    OpSpec("Tensor.__invert__", lambda lib, x: ~x, unary(), **BITWISE),
    OpSpec("Tensor.__and__", binary_operator(operator.and_), binary(), variant="float-error",
           dtypes=("bool",), grad=False,
           errors=(ErrorCase("& of float tensors",
                             lambda lib: tensor(lib, [1.0]) & tensor(lib, [0.0])),)),
    *F("equal", binary(), dtypes=ALL, grad=False),
    OpSpec("equal", lambda lib, x: lib.equal(x, x.clone()), unary(), variant="clone", dtypes=ALL,
           grad=False),
    *F("allclose", binary(), grad=False),
    OpSpec("allclose", lambda lib, x: lib.allclose(x, x * (1 + 1e-9)), unary(), variant="close",
           grad=False),
    *F("isclose", binary(), grad=False, bool_output=True),
    *with_variant(F("isclose", binary(rtol=0.5, atol=0.5), grad=False), "tolerances"),
    OpSpec("isclose", lambda lib, x: lib.isclose(x, x, equal_nan=True), unary(domain=SPECIAL),
           variant="equal_nan", grad=False),
]

SHIFT_DOMAIN = (Domain(-100, 100), Domain(-2, 70))  # counts past the bit width and negative ones too
SHIFT = {"dtypes": ("int64", "int32"), "grad": False}
SHIFTS = [
    *F("bitwise_left_shift", binary(domain=SHIFT_DOMAIN), **SHIFT),
    *F("bitwise_right_shift", binary(domain=SHIFT_DOMAIN), **SHIFT),
    *with_variant(F("bitwise_left_shift", with_scalar(Domain(-100, 100), st.sampled_from([0, 3, 31, 40, 64, -1])),
                    **SHIFT), "scalar"),
    OpSpec("Tensor.__lshift__", binary_operator(operator.lshift), binary(domain=SHIFT_DOMAIN), **SHIFT,
           errors=(ErrorCase("<< of a float tensor", lambda lib: tensor(lib, [1.0]) << 1),)),
    OpSpec("Tensor.__rshift__", binary_operator(operator.rshift), binary(domain=SHIFT_DOMAIN), **SHIFT,
           errors=(ErrorCase(">> of bool tensors", lambda lib: tensor(lib, [True]) >> tensor(lib, [False])),)),
    OpSpec("Tensor.__rlshift__", binary_operator(operator.lshift, reflected=True),
           with_scalar(Domain(0, 40), st.sampled_from([1, -3, 7])), **SHIFT),
    OpSpec("Tensor.__rrshift__", binary_operator(operator.rshift, reflected=True),
           with_scalar(Domain(0, 70), st.sampled_from([1024, -1024, 7])), **SHIFT),
    OpSpec("Tensor.__ilshift__", augmented_operator(operator.ilshift), broadcast_into(SHIFT_DOMAIN), inplace=True,
           **SHIFT),
    OpSpec("Tensor.__irshift__", augmented_operator(operator.irshift), broadcast_into(SHIFT_DOMAIN), inplace=True,
           **SHIFT),
]


def ternary_into(draw, dtype):
    """``x`` with an ``end`` and a ``weight`` that broadcast to x's shape (``lerp_``)."""
    shape = draw(shapes())
    others = [shape[len(shape) - draw(st.integers(0, len(shape))):] for _ in range(2)]
    return (shape, *others), {}


def inplace_entry(name: str, sample, dtypes=ALL, cast=False, **flags) -> OpSpec:
    """``x.<name>_(...)``; ``cast``: a float result into an int ``x`` raises torch's error."""
    return OpSpec(f"Tensor.{name}_", inplace_method(f"{name}_"), sample, inplace=True, dtypes=dtypes,
                  errors=(cast_error(f"{name}_"),) if cast else (), **flags)


BIT = {"dtypes": ("bool", "int64", "int32"), "grad": False}
MORE = [
    *[spec for name in ("bitwise_and", "bitwise_or", "bitwise_xor")
      for spec in [*F(name, binary(), out=True, **BIT),
                   *with_variant(F(name, with_scalar(Domain(-9, 9), st.sampled_from([0, 5, -3])),
                                   dtypes=("int64",), grad=False), "scalar")]],
    *F("bitwise_not", unary(), out=True, **BIT,
       errors=(ErrorCase("bitwise_not of a float tensor", lambda lib: lib.bitwise_not(tensor(lib, [1.0]))),)),
    *F("clamp_min", unary(domain=Domain(avoid=(0.5,)), min=0.5), dtypes=ALL),
    *F("clamp_max", unary(domain=Domain(avoid=(0.5,)), max=0.5), dtypes=ALL),
    *with_variant(F("clamp_min", binary(unique=True)), "tensor"),
    *with_variant(F("clamp_max", binary(unique=True)), "tensor"),
    # float_power computes in float64 whatever the inputs
    *F("float_power", binary(domain=(POSITIVE, ANY)), dtypes=ALL, out=True),
    *with_variant(F("float_power", with_scalar(NONZERO, st.sampled_from([2, -1, 0.5]), "exponent")),
                  "scalar-exponent"),
    *F("fmod", binary(domain=DIV), dtypes=ALL, out=True, gradgrad=False),
    *with_variant(F("fmod", with_scalar(ANY, st.sampled_from([1.5, -2.0, 3]))), "scalar"),
]

# in-place forms: the result, written into x (same storage, version bumped), x's dtype kept
INPLACE_MORE = [
    inplace_entry("atan2", broadcast_into((ANY, NONZERO)), dtypes=FLOATS, cast=True),
    *[inplace_entry(name, broadcast_into(), grad=False) for name in ("eq", "ne", "lt", "le", "gt", "ge")],
    *[inplace_entry(name, with_scalar(ANY, st.sampled_from([0, 1.5])), variant="scalar", grad=False)
      for name in ("eq", "lt")],
    *[inplace_entry(name, broadcast_into(), dtypes=LOGIC_DTYPES, grad=False)
      for name in ("logical_and", "logical_or", "logical_xor")],
    inplace_entry("logical_not", unary(), dtypes=LOGIC_DTYPES, grad=False),
    inplace_entry("remainder", broadcast_into(DIV), cast=True, gradgrad=False),
    inplace_entry("fmod", broadcast_into(DIV), cast=True, gradgrad=False),
    inplace_entry("floor_divide", broadcast_into(DIV), cast=True, grad=False),
    inplace_entry("lerp", custom(ternary_into), dtypes=FLOATS),
    OpSpec("Tensor.lerp_", in_place(lambda lib, x, end: x.lerp_(end, 0.25)), broadcast_into(),
           variant="scalar-weight", inplace=True),
    inplace_entry("sign", unary(domain=NONZERO)),
    inplace_entry("bitwise_left_shift", broadcast_into(SHIFT_DOMAIN), **SHIFT),
    inplace_entry("bitwise_right_shift", broadcast_into(SHIFT_DOMAIN), **SHIFT),
]

TABLE = ARITHMETIC + MATH + COMPARISON + LOGIC + SHIFTS + MORE + INPLACE_MORE
