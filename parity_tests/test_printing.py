"""Printing vs PyTorch: ``repr``/``str`` of tensors must be the same string, character for character.

Hypothesis draws tensors of every printable dtype, shapes up to 4-d (some large enough to be
summarised with ``...``), and values that steer PyTorch's formatter into each of its modes:
integers, fixed point, scientific notation (large, tiny, mixed magnitudes), nan/inf, negative zero.
Print options (precision, threshold, edgeitems, linewidth, sci_mode, profiles) are varied too.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from harness.strategies import at_least
from hypothesis import given
from hypothesis import strategies as st

import minitorch

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]

shapes = st.one_of(
    st.lists(st.integers(0, 5), min_size=0, max_size=4),
    st.lists(st.integers(1, 40), min_size=1, max_size=3),  # often more than 1000 elements: summarised
).map(tuple)

value_kinds = st.sampled_from(["int", "normal", "large", "small", "mixed", "special", "negzero"])


def values_for(kind: str, shape: tuple, seed: int) -> np.ndarray:
    r = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if kind == "int":
        v = r.integers(-1000, 1000, n).astype(np.float64)
    elif kind == "normal":
        v = r.standard_normal(n) * 10
    elif kind == "large":
        v = r.standard_normal(n) * 1e9
    elif kind == "small":
        v = r.standard_normal(n) * 1e-6
    elif kind == "mixed":
        v = r.standard_normal(n) * 10.0 ** r.integers(-8, 8, n)
    elif kind == "special":
        v = r.choice([np.nan, np.inf, -np.inf, 0.0, 1.5, -2.0, 3.0], n)
    else:
        v = r.choice([-0.0, 0.0, 1.0, -1.0], n)
    return v.reshape(shape)


def as_dtype(v: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bool":
        return np.nan_to_num(v) > 0
    if dtype.startswith(("int", "uint")):
        lo, hi = max(np.iinfo(dtype).min, -2**53), min(np.iinfo(dtype).max, 2**53)
        return np.clip(np.nan_to_num(v, posinf=hi, neginf=lo), lo, hi).astype(dtype)
    with np.errstate(over="ignore"):
        return v.astype(dtype)


def both(array: np.ndarray):
    array = np.asarray(array)
    return torch.from_numpy(array.copy()), minitorch.from_numpy(array.copy())


def assert_same_print(t, m) -> None:
    assert repr(m) == repr(t), f"\nminitorch:\n{m!r}\ntorch:\n{t!r}"
    assert str(m) == str(t)


@at_least(300, derandomize=True, deadline=None)
@given(shape=shapes, kind=value_kinds, dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**31))
def test_repr_matches_torch(shape, kind, dtype, seed):
    t, m = both(as_dtype(values_for(kind, shape, seed), dtype))
    assert_same_print(t, m)


@at_least(60, derandomize=True, deadline=None)
@given(shape=shapes, kind=value_kinds, seed=st.integers(0, 2**31),
       options=st.fixed_dictionaries({
           "precision": st.sampled_from([None, 0, 2, 6]),
           "threshold": st.sampled_from([None, 5, 100]),
           "edgeitems": st.sampled_from([None, 0, 1, 2]),
           "linewidth": st.sampled_from([None, 40, 120]),
           "sci_mode": st.sampled_from([None, True, False]),
       }))
def test_print_options_match_torch(shape, kind, seed, options):
    t, m = both(values_for(kind, shape, seed).astype(np.float32))
    try:
        torch.set_printoptions(**options)
        minitorch.set_printoptions(**options)
        assert_same_print(t, m)
    finally:
        torch.set_printoptions(profile="default")
        minitorch.set_printoptions(profile="default")


@pytest.mark.parametrize("profile", ["default", "short", "full"])
def test_profiles(profile):
    t, m = both(np.linspace(-3, 3, 2000).reshape(40, 50))
    try:
        torch.set_printoptions(profile=profile)
        minitorch.set_printoptions(profile=profile)
        assert_same_print(t, m)
        assert minitorch.get_printoptions() == torch._tensor_str.get_printoptions()
    finally:
        torch.set_printoptions(profile="default")
        minitorch.set_printoptions(profile="default")


def test_printoptions_context_restores():
    m = minitorch.tensor([1.123456])
    with minitorch.printoptions(precision=2):
        assert repr(m) == "tensor([1.12])"
    assert repr(m) == "tensor([1.1235])"


@pytest.mark.parametrize("make", [
    lambda L: L.tensor(3.5), lambda L: L.tensor(-0.0), lambda L: L.tensor(7), lambda L: L.tensor(True),
    lambda L: L.tensor(float("nan")), lambda L: L.tensor(1e-10, dtype=L.float64),
    lambda L: L.zeros(0), lambda L: L.zeros(2, 0), lambda L: L.zeros(0, dtype=L.int64),
    lambda L: L.zeros(0, 3, dtype=L.bool), lambda L: L.zeros(3, 0, 2, dtype=L.float64),
    lambda L: L.ones(2, 3, requires_grad=True), lambda L: L.ones(2, dtype=L.float64, requires_grad=True),
    lambda L: L.ones(2, 3, requires_grad=True) * 2, lambda L: L.ones(3, requires_grad=True).sum(),
    lambda L: (L.ones(3, dtype=L.float64, requires_grad=True) + 1).exp(),
    lambda L: L.arange(12).reshape(3, 4)[:, 1], lambda L: L.arange(24.).reshape(2, 3, 4).permute(2, 0, 1),
    lambda L: L.tensor([1e20, 1.0, -1e-20]), lambda L: L.tensor([123456789.0, 1.5]),
    lambda L: L.tensor([[1e-5, 1.0], [float("inf"), -float("inf")]]),
    lambda L: L.full((3, 100), 1.5, dtype=L.float64, requires_grad=True),
], ids=lambda f: "")
def test_special_cases(make):
    assert_same_print(make(torch), make(minitorch))


def test_default_dtype_changes_suffix():
    try:
        torch.set_default_dtype(torch.float64)
        minitorch.set_default_dtype(minitorch.float64)
        for make in (lambda L: L.tensor([1.5, 2.0]), lambda L: L.tensor([1.5], dtype=L.float32),
                     lambda L: L.zeros(0), lambda L: L.zeros(0, dtype=L.float32)):
            assert_same_print(make(torch), make(minitorch))
    finally:
        torch.set_default_dtype(torch.float32)
        minitorch.set_default_dtype(minitorch.float32)


def test_size_and_dtype_repr():
    assert repr(minitorch.Size([2, 3])) == repr(torch.Size([2, 3]))
    assert repr(minitorch.Size([])) == repr(torch.Size([]))
    assert repr(minitorch.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape)
    for name in DTYPES:
        assert repr(getattr(minitorch, name)) == repr(getattr(torch, name))
        assert str(getattr(minitorch, name)) == str(getattr(torch, name))


def test_format_of_zero_dim():
    assert f"{minitorch.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}"
