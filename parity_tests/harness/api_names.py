"""The public names of API.md's sections "Tensor creation", "Tensor operations" and "Autograd",
parsed by hand: top-level functions and attributes as ``name``, submodule functions as
``autograd.name``, Tensor methods, properties and dunders as ``Tensor.name``.

Every name must have an entry in the op table (test_coverage.py), unless it is listed in
``EXCLUDED`` with the reason it is not tested there.
"""

from __future__ import annotations


def _tensor(*names: str) -> list[str]:
    return [f"Tensor.{n}" for n in names]


def _both(*names: str) -> list[str]:
    """Names that are both ``lib.<name>`` functions and ``Tensor.<name>`` methods."""
    return [*names, *_tensor(*names)]


TENSOR_CREATION = [
    "tensor", "as_tensor", "from_numpy",
    "Tensor", "FloatTensor", "LongTensor", "IntTensor", "ByteTensor", "DoubleTensor", "BoolTensor",
    "zeros", "ones", "empty", "full", "eye", "arange", "linspace", "rand", "randn", "randint",
    "randperm", "normal", "logspace", "zeros_like", "ones_like", "empty_like", "full_like",
    "rand_like", "randn_like", "randint_like",
    *_tensor("new_ones", "new_zeros", "new_full", "new_empty", "new_tensor"),
    "float32", "float", "float64", "double", "float16", "half", "int64", "long", "int32", "int",
    "int16", "int8", "uint8", "bool", "get_default_dtype", "set_default_dtype",
    "manual_seed", "Generator", "seed", "initial_seed",
    "Size",
    *_tensor("shape", "size", "dim", "ndim", "numel", "dtype", "device", "is_leaf",
             "requires_grad", "grad", "grad_fn", "T", "mT", "stride", "storage_offset",
             "is_contiguous", "data_ptr", "element_size"),
]

ARITHMETIC = [
    *_tensor("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
             "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__",
             "__rpow__", "__matmul__", "__rmatmul__", "__neg__"),
    *_both("add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "pow"),
    *_tensor("add_", "sub_", "mul_", "div_", "pow_", "__iadd__", "__isub__", "__imul__",
             "__itruediv__"),
]

MATH = _both(
    "abs", "neg", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
    "square", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
    "sigmoid", "relu", "floor", "ceil", "round", "trunc", "frac", "sign", "clamp", "clip",
    "maximum", "minimum", "lerp", "reciprocal", "erf", "logit", "where", "nan_to_num", "isnan",
    "isinf", "isfinite")

COMPARISON_AND_LOGIC = [
    *_both("eq", "ne", "lt", "le", "gt", "ge"),
    *_tensor("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"),
    *_both("logical_and", "logical_or", "logical_not", "logical_xor"),
    *_tensor("__and__", "__or__", "__xor__", "__invert__"),
    *_both("equal", "allclose", "isclose"),
]

REDUCTIONS = _both(
    "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "norm",
    "logsumexp", "all", "any", "cumsum", "cumprod", "median", "mode", "sort", "argsort", "topk",
    "unique", "count_nonzero", "bincount")

LINEAR_ALGEBRA = [
    *_both("matmul", "mm", "bmm", "mv", "dot", "outer", "addmm", "baddbmm"), "einsum",
    *_both("t", "transpose", "diag", "diagonal", "trace", "tril", "triu"),
]

SHAPES_AND_VIEWS = [
    *_tensor("view", "view_as", "reshape_as", "expand", "expand_as", "repeat", "contiguous",
             "unfold"),
    *_both("reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "swapaxes", "permute",
           "movedim", "broadcast_to", "repeat_interleave", "tile", "clone", "narrow", "flip",
           "roll", "chunk", "split", "unbind"),
    "cat", "concat", "stack", "hstack", "vstack", "broadcast_shapes", "meshgrid",
]

INDEXING = [
    *_tensor("__getitem__", "__setitem__", "index_put_"),
    *_both("index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "index_add",
           "index_fill", "masked_fill", "masked_select", "take", "nonzero"),
]

CASTS_AND_CONVERSION = [
    *_tensor("to", "type", "float", "double", "half", "long", "int", "short", "char", "byte",
             "bool", "numpy", "tolist", "item", "__array__", "__float__", "__int__", "__bool__",
             "__len__", "__iter__", "clone", "detach", "copy_", "fill_", "zero_", "normal_",
             "uniform_", "bernoulli_", "random_", "exponential_", "__repr__"),
]

AUTOGRAD = [
    *_tensor("requires_grad", "requires_grad_", "backward", "retain_grad", "register_hook",
             "is_leaf", "grad_fn", "data", "detach", "detach_"),
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
    "autograd.grad", "autograd.Function", "autograd.gradcheck", "autograd.gradgradcheck",
    "autograd.detect_anomaly", "autograd.set_detect_anomaly",
]

API_NAMES: list[str] = sorted(set(
    TENSOR_CREATION + ARITHMETIC + MATH + COMPARISON_AND_LOGIC + REDUCTIONS + LINEAR_ALGEBRA
    + SHAPES_AND_VIEWS + INDEXING + CASTS_AND_CONVERSION + AUTOGRAD))

# Not a name but a deliberate gap: float16 is tested by casts (Tensor.half, the float16 dtype
# entry) only, not in the dtype sweeps of the ops, because torch computes half ops on CPU in
# float32 and rounds once, so per-op parity would need per-op tolerances.
EXCLUDED: dict[str, str] = {
    "Size": "a tuple subclass, not an op; every shape-returning entry (Tensor.shape, "
            "Tensor.size, broadcast_shapes) checks that the result is a Size",
}
