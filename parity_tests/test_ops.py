"""Parity of every op in the table with torch: forward, gradients, second gradients, out=.

The tests are generated from the op table, one test function per table family and kind of check
(``test_forward_elementwise``, ``test_gradients_reduce``...), parametrized over its entries; each
draws its inputs with hypothesis from the entry's sample strategy, already inside the op's domain.

One function per family rather than one for the whole table: hypothesis (6.170) chains a settings
object per parametrized call of a derandomized test, and a ~950-long chain overflows the stack.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from harness.checks import check_forward, check_gradients, check_out
from harness.libs import CONTIGUOUS, Layout
from harness.spec import OpSpec
from harness.strategies import Sample
from harness.table import FAMILIES
from hypothesis import given, settings
from hypothesis import strategies as st

CHUNK = 300  # parametrized calls per generated test function (see the module docstring)


def forward_test(params: list) -> Callable:
    @pytest.mark.parametrize("spec, dtype", params)
    @given(data=st.data())
    def test_forward(spec: OpSpec, dtype: str, data: st.DataObject) -> None:
        check_forward(spec, data.draw(spec.sample(dtype), label="sample"), dtype)
    return test_forward


def gradients_test(params: list) -> Callable:
    @pytest.mark.parametrize("spec", params)
    @given(data=st.data())
    def test_gradients(spec: OpSpec, data: st.DataObject) -> None:
        check_gradients(spec, data.draw(spec.sample("float64"), label="sample"))
    return test_gradients


def out_test(params: list) -> Callable:
    @pytest.mark.parametrize("spec", params)
    @settings(max_examples=3)
    @given(data=st.data())
    def test_out(spec: OpSpec, data: st.DataObject) -> None:
        dtype = "float32" if "float32" in spec.dtypes else spec.dtypes[0]
        check_out(spec, data.draw(spec.sample(dtype), label="sample"))
    return test_out


def define(kind: str, family: str, params: list, make: Callable[[list], Callable]) -> None:
    for part in range(0, len(params), CHUNK):
        suffix = f"_{part // CHUNK + 1}" if part else ""
        globals()[f"test_{kind}_{family}{suffix}"] = make(params[part:part + CHUNK])


for _family, _specs in FAMILIES.items():
    _tested = [s for s in _specs if s.sample is not None]
    define("forward", _family, [pytest.param(s, d, id=f"{s.id}-{d}") for s in _tested
                                for d in s.dtypes], forward_test)
    define("gradients", _family, [pytest.param(s, id=s.id) for s in _tested if s.grad],
           gradients_test)
    define("out", _family, [pytest.param(s, id=s.id) for s in _tested if s.out], out_test)


# Inputs the thorough profile found, pinned: (op id, sample) checked by check_gradients.
FOUND = [
    # other / x is x.reciprocal() * other in PyTorch: the gradient of 0 / 1e-177 is
    # 0 * -(1e177)**2 = NaN (minitorch divided: -0)
    ("Tensor.__rtruediv__", Sample([np.array(9.0810896e-177)], [CONTIGUOUS], {"other": 0.0})),
    # prod at two zeros: the second derivative is the product of the rest, not 0
    ("prod", Sample([np.array([0.0, 0.0])], [CONTIGUOUS])),
    # prod of a 0-d tensor is x itself: d(x / x)/dx = 1/x - x/x**2 was NaN at x = 1e-308
    ("prod", Sample([np.array(1.11253693e-308)], [CONTIGUOUS], seed=4696085)),
    # var of one element has no degrees of freedom: PyTorch's gradient is g * NaN, a function of g
    # alone, so the second derivative is 0 (minitorch: inf * (x - mean(x)), NaN)
    ("var", Sample([np.array([0.0])], [CONTIGUOUS])),
    # cumsum's gradient is a fresh array with negative strides; permuting it read strides cached
    # before its storage was made (a contiguous copy): "strides is incompatible with shape"
    ("cumsum", Sample([np.array([[0.0], [0.0]])], [Layout("permuted", perm=(0, 1))], {"dim": 0})),
]


@pytest.mark.parametrize("op_id, sample", FOUND, ids=[op_id for op_id, _ in FOUND])
def test_gradients_found_by_the_thorough_profile(op_id: str, sample: Sample) -> None:
    (spec,) = [s for specs in FAMILIES.values() for s in specs if s.id == op_id]
    check_gradients(spec, sample)


@pytest.mark.parametrize("shapes", [((), (4, 3)), ((3,), ()), ((), ()), ((), (3,), (4,)), ((3,), (3,), (1,)),
                                    ((2, 3), (3,), (2,)), ((2, 2, 3), (3,), (1,)), ((2, 3), (4,))],
                         ids=["0d_input", "0d_weight", "both_0d", "0d_input_with_bias", "1d_weight_with_bias",
                              "2d_input_1d_weight_with_bias", "3d_input_1d_weight_with_bias", "1d_weight_mismatch"])
def test_linear_of_a_0d_or_vector_argument_raises_as_torch(shapes) -> None:
    """``F.linear`` names itself when an argument is 0-d (matmul would name matmul); a 1-d weight
    with a bias is refused as PyTorch's ``addmm`` refuses it; a vector that does not fit names mv."""
    import torch

    import minitorch

    seen = {}
    for lib in (minitorch, torch):
        args = [lib.ones(s) for s in shapes]
        with pytest.raises(Exception) as info:
            lib.nn.functional.linear(*args)
        seen[lib] = (type(info.value), str(info.value))
    assert seen[minitorch] == seen[torch]


@pytest.mark.parametrize("input_shape, transposed", [((3,), False), ((2, 3), False), ((4, 2, 3), False),
                                                     ((4, 3, 2), True), ((5, 4, 2, 3), False), ((5, 4, 3, 2), True)])
@pytest.mark.parametrize("bias_shape", [(), (1,), (1, 1), (5,), None])
def test_linear_of_a_vector_weight_as_torch(input_shape, transposed, bias_shape) -> None:
    """A 1-d weight: PyTorch's ``linear`` refuses it only where it takes ``addmm`` (a 2-d input, or
    a contiguous input with a 1-d bias); elsewhere it is ``matmul`` and an in-place ``add_`` of the
    bias, which must fit the product's shape. The same result shape, or exception and message."""
    import torch

    import minitorch

    seen = {}
    for lib in (minitorch, torch):
        x = lib.ones(input_shape)
        x = x.transpose(-1, -2) if transposed else x
        bias = None if bias_shape is None else lib.ones(bias_shape)
        try:
            seen[lib] = tuple(lib.nn.functional.linear(x, lib.ones(3), bias).shape)
        except Exception as e:  # noqa: BLE001 - the exception is what is compared
            seen[lib] = (type(e).__name__, str(e))
    assert seen[minitorch] == seen[torch]


def _lerp_operands(lib, weight_shape):
    """float64 input (2, 3), end (3,) and a weight of ``weight_shape`` (None: the number 0.7), all
    requiring grad, so that every gradient is summed back over a broadcast dim."""
    rng = np.random.default_rng(7)
    x = lib.tensor(rng.standard_normal((2, 3)), dtype=lib.float64, requires_grad=True)
    end = lib.tensor(rng.standard_normal(3), dtype=lib.float64, requires_grad=True)
    if weight_shape is None:
        return x, end, 0.7
    w = lib.tensor(rng.uniform(-0.5, 1.5, weight_shape), dtype=lib.float64, requires_grad=True)
    return x, end, w


LERP_WEIGHTS = [None, (), (2, 1), (4, 1, 1)]


@pytest.mark.parametrize("weight_shape", LERP_WEIGHTS, ids=["number", "0d", "column", "batch"])
def test_lerp_is_one_node_with_torchs_gradients(weight_shape) -> None:
    """``lerp`` records ``LerpBackward0`` (a number weight) or ``LerpBackward1`` (a tensor weight)
    with torch's edges; its values (within 1 ulp: torch uses a fused multiply-add) and its first and
    second gradients for input, end and weight (float64, rtol 1e-12) are torch's."""
    import torch

    import minitorch

    seen = {}
    for lib in (minitorch, torch):
        x, end, w = _lerp_operands(lib, weight_shape)
        y = lib.lerp(x, end, w)
        node = y.grad_fn
        leaves = [t for t in (x, end, w) if isinstance(t, lib.Tensor)]
        grads = lib.autograd.grad((y * y).sum(), leaves, create_graph=True)
        grads2 = lib.autograd.grad(sum((g * g).sum() for g in grads), leaves, allow_unused=True)
        seen[lib] = (node.name(), [None if n is None else n.name() for n, _ in node.next_functions],
                     y.detach().numpy(), [g.detach().numpy() for g in grads],
                     [None if g is None else g.numpy() for g in grads2])
    ours, theirs = seen[minitorch], seen[torch]
    assert ours[:2] == theirs[:2]
    assert ours[0] == ("LerpBackward0" if weight_shape is None else "LerpBackward1")
    np.testing.assert_allclose(ours[2], theirs[2], rtol=0, atol=4e-16)
    for a, b in zip(ours[3] + ours[4], theirs[3] + theirs[4]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("weight_shape", LERP_WEIGHTS, ids=["number", "0d", "column", "batch"])
def test_lerp_gradcheck(weight_shape) -> None:
    import minitorch

    x, end, w = _lerp_operands(minitorch, weight_shape)
    inputs = (x, end) if weight_shape is None else (x, end, w)
    fn = (lambda a, b: minitorch.lerp(a, b, w)) if weight_shape is None else minitorch.lerp
    assert minitorch.autograd.gradcheck(fn, inputs)
    assert minitorch.autograd.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("weight_shape", [None, (), (2, 1)], ids=["number", "0d", "column"])
def test_lerp_in_place_and_out_as_torch(weight_shape) -> None:
    """``lerp_`` of a non-leaf records torch's node over the old history (saved input kept as it
    was before the write); ``out=`` writes the values and records nothing."""
    import torch

    import minitorch

    seen = {}
    for lib in (minitorch, torch):
        x, end, w = _lerp_operands(lib, weight_shape)
        y = x * 1
        y.lerp_(end, w)
        names = [y.grad_fn.name()] + [None if n is None else n.name() for n, _ in y.grad_fn.next_functions]
        leaves = [t for t in (x, end, w) if isinstance(t, lib.Tensor)]
        grads = [g.numpy() for g in lib.autograd.grad((y * y).sum(), leaves)]
        out = lib.empty(2, 3, dtype=lib.float64)
        with lib.no_grad():
            result = lib.lerp(x, end, w, out=out)
        seen[lib] = (names, y._version, grads, out.numpy(), result is out, out.grad_fn)
    ours, theirs = seen[minitorch], seen[torch]
    assert ours[:2] == theirs[:2] and ours[4:] == theirs[4:]
    for a, b in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=0, atol=4e-16)


@pytest.mark.parametrize("call", [
    lambda lib: lib.lerp(lib.ones(3), lib.ones(3), lib.ones(3, dtype=lib.int64)),
    lambda lib: lib.lerp(lib.ones(3), lib.ones(3, dtype=lib.float64), 0.5),
    lambda lib: lib.lerp(lib.ones(3, dtype=lib.int64), lib.ones(3, dtype=lib.int64), 0.5),
    lambda lib: lib.lerp(lib.ones(3, dtype=lib.int32), lib.ones(3, dtype=lib.int32), lib.ones(3, dtype=lib.int32)),
    lambda lib: lib.lerp(lib.ones(3), lib.ones(2), 0.5),
    lambda lib: lib.lerp(lib.ones(3), lib.ones(3), lib.ones(2)),
], ids=["weight_dtype", "end_dtype", "long_scalar", "int_tensor", "end_shape", "weight_shape"])
def test_lerp_errors_as_torch(call) -> None:
    import torch

    import minitorch

    seen = {}
    for lib in (minitorch, torch):
        with pytest.raises(Exception) as info:
            call(lib)
        seen[lib] = (type(info.value), str(info.value))
    assert seen[minitorch] == seen[torch]


@pytest.mark.parametrize("shapes", [((3,), (4,)), ((2, 3), (4,)), ((6, 5, 2, 3), (4,)), ((0, 3), (4,)),
                                    ((4,), (2, 3)), ((2, 3), (4, 2)), ((4,), (6, 5, 2, 3)), ((5, 2, 3), (5, 4, 2)),
                                    ((2, 3), (5, 4, 2)), ((2, 5, 2, 3), (5, 4, 2)), ((5, 2, 3), (4, 2))],
                         ids=["dot", "mv", "mv_folded", "mv_empty", "row_mm", "mm", "row_bmm", "bmm",
                              "matrix_bmm", "broadcast_bmm", "folded_mm"])
def test_matmul_inner_dim_mismatch_raises_as_torch(shapes) -> None:
    """The error names the kernel PyTorch's ``matmul`` calls for these dims (dot, mv, mm, bmm)."""
    import torch

    import minitorch

    seen = {}
    for lib in (minitorch, torch):
        with pytest.raises(Exception) as info:
            lib.matmul(*[lib.ones(s) for s in shapes])
        seen[lib] = (type(info.value), str(info.value))
    assert seen[minitorch] == seen[torch]
