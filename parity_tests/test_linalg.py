"""Matrix products and einsum (``_ops/linalg/products.py``) against torch: values, dtypes,
first and second gradients (float64, contiguous and non-contiguous inputs), error parity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from harness.strategies import at_least
from hypothesis import given
from hypothesis import strategies as st
from test_shape import LIBS, assert_same, check_op, same_error

import minitorch

SETTINGS = at_least(15, deadline=None)
layouts = st.sampled_from(["contig", "T", "step"])
sizes = st.integers(0, 4)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check(fn, arrays, layout="contig"):
    check_op(fn, arrays, layout)


@SETTINGS
@given(sizes, sizes, sizes, sizes, layouts)
def test_mm_bmm_mv_dot(n, k, m, b, layout):
    check(lambda L, x, y: L.mm(x, y), [rand(n, k), rand(k, m, seed=1)], layout)
    check(lambda L, x, y: x.mm(y), [rand(n, k), rand(k, m, seed=1)], layout)
    check(lambda L, x, y: L.bmm(x, y), [rand(b, n, k), rand(b, k, m, seed=1)], layout)
    check(lambda L, x, y: L.mv(x, y), [rand(n, k), rand(k, seed=1)], layout)
    check(lambda L, x, y: L.dot(x, y), [rand(k), rand(k, seed=1)], layout)
    check(lambda L, x, y: L.vdot(x, y), [rand(k), rand(k, seed=1)], layout)
    check(lambda L, x, y: L.outer(x, y), [rand(n), rand(m, seed=1)], layout)
    check(lambda L, x, y: x.ger(y), [rand(n), rand(m, seed=1)], layout)
    check(lambda L, x, y: L.inner(x, y), [rand(n, k), rand(m, k, seed=1)], layout)
    check(lambda L, x, y: L.inner(x, y), [rand(k), rand(k, seed=1)], layout)


@SETTINGS
@given(sizes, sizes, sizes, st.integers(1, 3), st.sampled_from([0, 1, 0.5, -2.0]),
       st.sampled_from([1, 2.5, 0]), st.booleans(), layouts)
def test_add_products(n, k, m, b, beta, alpha, bcast, layout):
    inp = rand(m) if bcast else rand(n, m)
    check(lambda L, i, x, y: L.addmm(i, x, y, beta=beta, alpha=alpha), [inp, rand(n, k, seed=1), rand(k, m, seed=2)], layout)
    check(lambda L, i, x, y: i.addmm(x, y, alpha=alpha), [rand(n, m), rand(n, k, seed=1), rand(k, m, seed=2)], layout)
    check(lambda L, i, x, y: L.addmv(i, x, y, beta=beta, alpha=alpha), [rand(n), rand(n, k, seed=1), rand(k, seed=2)], layout)
    binp = rand(m) if bcast else rand(b, n, m)
    check(lambda L, i, x, y: L.baddbmm(i, x, y, beta=beta, alpha=alpha), [binp, rand(b, n, k, seed=1), rand(b, k, m, seed=2)], layout)
    check(lambda L, i, x, y: L.addbmm(i, x, y, beta=beta, alpha=alpha), [inp, rand(b, n, k, seed=1), rand(b, k, m, seed=2)], layout)
    check(lambda L, i, x, y: L.addr(i, x, y, beta=beta, alpha=alpha), [inp, rand(n, seed=1), rand(m, seed=2)], layout)
    check(lambda L, i, x, y: (i * 1).addmm_(x, y, beta=beta, alpha=alpha), [rand(n, m), rand(n, k, seed=1), rand(k, m, seed=2)], layout)


def test_addmm_beta_zero_ignores_nan():
    for L in LIBS:
        y = L.addmm(L.full((2, 2), float("nan")), L.ones(2, 3), L.ones(3, 2), beta=0)
        assert not y.isnan().any()


# ----------------------------------------------------------------------------- einsum
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 1)]),
    ("i,i->", [(3,), (3,)]), ("i,j->ij", [(2,), (3,)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]),
    ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->j", [(2, 2, 3)]), ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("...ij->...ji", [(2, 3)]), ("...ij->...ji", [(4, 2, 3)]), ("...i,...i", [(2, 3), (4, 1, 3)]),
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("Ab,ba", [(2, 3), (3, 2)]), ("i j , j k -> i k", [(2, 3), (3, 4)]), ("ij,j->i", [(3, 1), (4,)]),
    ("i->", [(0,)]), ("ij,jk->ik", [(0, 3), (3, 2)]), ("iji->j", [(2, 3, 2)]), ("ij,jj->i", [(2, 3), (3, 3)]),
    ("ab,cd->", [(2, 3), (1, 2)]), ("...", [()]), ("i...->...", [(2, 3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EQUATIONS)
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_einsum(eq, shapes, layout):
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    check(lambda L, *xs: L.einsum(eq, *xs), arrays, layout)
    check(lambda L, *xs: L.einsum(eq, list(xs)), arrays, layout)


def test_einsum_sublist_and_ints():
    check(lambda L, x, y: L.einsum(x, [0, 1], y, [1, 2], [0, 2]), [rand(2, 3), rand(3, 4)])
    check(lambda L, x, y: L.einsum(x, [0, 1], y, [1, 2]), [rand(2, 3), rand(3, 4)])
    check(lambda L, x, y: L.einsum(x, [Ellipsis, 1], y, [1, 2], [Ellipsis, 2]), [rand(5, 2, 3), rand(3, 4)])
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    assert_same(minitorch.einsum("ij,jk", minitorch.tensor(a), minitorch.tensor(b)),
                torch.einsum("ij,jk", torch.tensor(a), torch.tensor(b)))


@SETTINGS
@given(st.lists(sizes, min_size=2, max_size=3), st.lists(sizes, min_size=1, max_size=2), layouts)
def test_tensordot_kron(sa, sb, layout):
    a = rand(*sa)
    b = rand(*([sa[-1]] + sb), seed=1)
    check(lambda L, x, y: L.tensordot(x, y, 1), [a, b], layout)
    check(lambda L, x, y: L.tensordot(x, y, ([len(sa) - 1], [0])), [a, b], layout)
    check(lambda L, x, y: L.tensordot(x, y, 0), [a, rand(*sb, seed=1)], layout)
    # torch's kron backward fails on non-contiguous inputs ("view size is not compatible").
    check(lambda L, x, y: L.kron(x, y), [a, rand(*sb, seed=1)])


def test_grad_fn_names():
    names = {}
    for L in LIBS:
        m = L.ones(2, 2, dtype=L.float64, requires_grad=True)
        v = L.ones(2, dtype=L.float64, requires_grad=True)
        b = L.ones(2, 2, 2, dtype=L.float64, requires_grad=True)
        names[L] = [y.grad_fn.name() for y in (
            L.mm(m, m), L.bmm(b, b), L.dot(v, v), L.outer(v, v), L.addmm(m, m, m), L.addmv(v, m, v),
            L.baddbmm(b, b, b), L.addbmm(m, b, b), L.addr(m, v, v))]
    assert names[minitorch] == names[torch]


F64 = "float64"
ERRORS = [
    lambda L: L.mm(L.zeros(3), L.zeros(3, 3)),
    lambda L: L.mm(L.zeros(3, 3), L.zeros(3)),
    lambda L: L.mm(L.zeros(2, 3), L.zeros(4, 5)),
    lambda L: L.mm(L.zeros(2, 3), L.zeros(3, 5, dtype=L.float64)),
    lambda L: L.mm(L.zeros(2, 3, dtype=L.int64), L.zeros(3, 5)),
    lambda L: L.mm(L.zeros(2, 3, dtype=L.int32), L.zeros(3, 5)),
    lambda L: L.matmul(L.zeros(2, 3, dtype=L.float64), L.zeros(3, 5)),
    lambda L: L.bmm(L.zeros(2, 3), L.zeros(2, 3, 4)),
    lambda L: L.bmm(L.zeros(2, 2, 3), L.zeros(2, 3)),
    lambda L: L.bmm(L.zeros(2, 2, 3), L.zeros(3, 3, 4)),
    lambda L: L.bmm(L.zeros(2, 2, 3), L.zeros(2, 4, 4)),
    lambda L: L.bmm(L.zeros(2, 2, 3), L.zeros(2, 3, 4, dtype=L.float64)),
    lambda L: L.mv(L.zeros(2, 3), L.zeros(4)),
    lambda L: L.mv(L.zeros(3), L.zeros(3)),
    lambda L: L.mv(L.zeros(2, 3), L.zeros(3, 1)),
    lambda L: L.mv(L.zeros(2, 3), L.zeros(3, dtype=L.float64)),
    lambda L: L.dot(L.zeros(3), L.zeros(4)),
    lambda L: L.dot(L.zeros(3, 1), L.zeros(3)),
    lambda L: L.dot(L.zeros(3), L.zeros(3, dtype=L.float64)),
    lambda L: L.outer(L.zeros(3, 1), L.zeros(3)),
    lambda L: L.inner(L.zeros(2, 3), L.zeros(4, 2)),
    lambda L: L.inner(L.zeros(3), L.zeros(3, dtype=L.float64)),
    lambda L: L.addmm(L.zeros(3, 5), L.zeros(2, 3), L.zeros(3, 5)),
    lambda L: L.addmm(L.zeros(2, 5, dtype=L.float64), L.zeros(2, 3), L.zeros(3, 5)),
    lambda L: L.addmm(L.zeros(2, 5), L.zeros(2, 3), L.zeros(4, 5)),
    lambda L: L.addmm(L.zeros(2, 5), L.zeros(2, 3, 3), L.zeros(3, 5)),
    lambda L: L.addmv(L.zeros(3), L.zeros(2, 3), L.zeros(3)),
    lambda L: L.baddbmm(L.zeros(3, 2, 4), L.zeros(2, 2, 3), L.zeros(2, 3, 4)),
    lambda L: L.addbmm(L.zeros(2, 4), L.zeros(2, 2, 3), L.zeros(3, 3, 4)),
    lambda L: L.einsum("ij,jk->ik", L.zeros(2, 3), L.zeros(4, 4)),
    lambda L: L.einsum("ij,jk->ik", L.zeros(2, 3), L.zeros(3, 4, dtype=L.float64)),
    lambda L: L.einsum("ij->", L.zeros(2, 3, 4)),
    lambda L: L.einsum("ij->k", L.zeros(2, 3)),
    lambda L: L.einsum("ii->i", L.zeros(2, 3)),
    lambda L: L.einsum("ij->ii", L.zeros(2, 3)),
    lambda L: L.einsum("ij", L.zeros(2, 3), L.zeros(3)),
    lambda L: L.einsum("ij,j", L.zeros(2, 3)),
    lambda L: L.einsum("i.j", L.zeros(2, 3)),
    lambda L: L.einsum("ij->i->j", L.zeros(2, 3)),
    lambda L: L.einsum("i1", L.zeros(2, 3)),
    lambda L: L.einsum("ij->j..", L.zeros(2, 3)),
    lambda L: L.einsum("ijk...", L.zeros(2, 3)),
    lambda L: L.einsum("......", L.zeros(2, 3)),
    lambda L: L.tensordot(L.zeros(2, 3), L.zeros(4, 4), 1),
    lambda L: L.tensordot(L.zeros(2, 3), L.zeros(4, 4), ([1], [0])),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    same_error(ERRORS[i])
