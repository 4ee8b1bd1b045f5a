"""Shape ops (``_ops/shape/copies.py``, ``_ops/shape/joins.py``) against torch: values, shapes, dtypes, views vs copies,
first and second gradients (float64, contiguous and non-contiguous inputs), error parity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from harness.strategies import at_least
from hypothesis import given
from hypothesis import strategies as st

import minitorch

LIBS = (minitorch, torch)
SETTINGS = at_least(15, deadline=None)


# ----------------------------------------------------------------------------- helpers
def to_np(t):
    return np.asarray(t.detach().numpy())


def assert_same(m, t, what="", tol=1e-10):
    """Same structure, shapes, dtypes and values."""
    if isinstance(t, (tuple, list)):
        assert isinstance(m, (tuple, list)) and len(m) == len(t), (what, type(m), len(m), len(t))
        for i, (a, b) in enumerate(zip(m, t)):
            assert_same(a, b, f"{what}[{i}]", tol)
        return
    if t is None:
        assert m is None or not to_np(m).any(), (what, m)
        return
    assert m is not None, (what, "minitorch gave None, torch", t)
    assert tuple(m.shape) == tuple(t.shape), (what, m.shape, t.shape)
    assert str(m.dtype) == str(t.dtype), (what, m.dtype, t.dtype)
    np.testing.assert_allclose(to_np(m), to_np(t), rtol=tol, atol=tol, err_msg=what)


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def make_input(lib, a: np.ndarray, layout: str):
    """A float64 leaf holding ``a``, and the tensor the op sees: ``a`` itself or a non-contiguous view of it."""
    if layout == "T" and a.ndim >= 2:
        leaf = lib.tensor(np.ascontiguousarray(a.swapaxes(0, -1)), requires_grad=True)
        return leaf, leaf.transpose(0, -1)
    if layout == "step" and a.ndim >= 1:
        big = np.repeat(a, 2, axis=0)
        leaf = lib.tensor(big, requires_grad=True)
        return leaf, leaf[::2]
    leaf = lib.tensor(a, requires_grad=True)
    return leaf, leaf


def check_op(fn, arrays, layout="contig", grad=True, seed=0):
    """``fn(lib, *tensors)`` in minitorch and torch: outputs, first gradients, second gradients.

    Second gradients differentiate ``<dx, v>`` w.r.t. the inputs *and* the upstream gradient,
    so even linear ops (whose gradient does not depend on the input) check the backward's backward.
    """
    rng = np.random.default_rng(seed)
    results = {}
    for lib in LIBS:
        pairs = [make_input(lib, a, layout) for a in arrays]
        leaves, xs = [p[0] for p in pairs], [p[1] for p in pairs]
        out = fn(lib, *xs)
        results[lib] = {"out": out}
        outs = [o for o in _flat(out) if o.requires_grad]
        if not grad or not outs:
            continue
        r = np.random.default_rng(seed)
        gs = [lib.tensor(r.standard_normal(tuple(o.shape)), requires_grad=True) for o in outs]
        dx = lib.autograd.grad(outs, leaves, gs, create_graph=True, allow_unused=True)
        results[lib]["dx"] = dx
        vs = [lib.tensor(r.standard_normal(tuple(l.shape))) for l in leaves]
        terms = [(d * v).sum() for d, v in zip(dx, vs) if d is not None and d.requires_grad]
        if terms:
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            results[lib]["ddx"] = lib.autograd.grad(total, leaves + gs, allow_unused=True)
    m, t = results[minitorch], results[torch]
    assert_same(m["out"], t["out"], "forward")
    for key in ("dx", "ddx"):
        if key in m and key in t:
            assert_same(m[key], t[key], key)
        else:  # torch may skip the graph for empty/zero gradients; then the other side must be zero
            for g in (m.get(key) or t.get(key) or ()):
                assert g is None or not to_np(g).any(), (key, g)
    del rng


def same_error(fn):
    """Both libraries raise the same exception type with the same message."""
    errs = []
    for lib in LIBS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(lib)
        except Exception as e:  # noqa: BLE001
            errs.append((type(e).__name__, str(e).splitlines()[0]))
        else:
            errs.append(None)
    assert errs[0] == errs[1], errs
    assert errs[1] is not None


@st.composite
def arrays(draw, min_dims=1, max_dims=3, shape=None, min_side=0):
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(min_side, 4), min_size=min_dims, max_size=max_dims)))
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).standard_normal(shape)


layouts = st.sampled_from(["contig", "T", "step"])


# ----------------------------------------------------------------------------- cat / stack
@SETTINGS
@given(st.data(), layouts)
def test_cat(data, layout):
    shape = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = data.draw(st.integers(1, 3))
    arrs = []
    for _ in range(n):
        s = list(shape)
        s[dim] = data.draw(st.integers(0, 3))
        arrs.append(np.random.default_rng(len(arrs)).standard_normal(s))
    check_op(lambda lib, *xs: lib.cat(xs, dim), arrs, layout)
    check_op(lambda lib, *xs: lib.concat(list(xs), dim=dim), arrs, layout)


def test_cat_promotion_and_legacy_empty():
    for lib in LIBS:
        pass
    for dts in [("float32", "float64"), ("int64", "float32"), ("bool", "int8"), ("int32", "int64")]:
        ms = [minitorch.ones(2, 2, dtype=getattr(minitorch, d)) for d in dts]
        ts = [torch.ones(2, 2, dtype=getattr(torch, d)) for d in dts]
        assert_same(minitorch.cat(ms, 1), torch.cat(ts, 1))
        assert_same(minitorch.stack(ms), torch.stack(ts))
    # Legacy: 1-d empty tensors are skipped whatever the other shapes.
    a = np.arange(6.0).reshape(2, 3)
    check_op(lambda lib, e, x: lib.cat([e, x, e], 1), [np.zeros(0), a])
    check_op(lambda lib, e, f: lib.cat([e, f]), [np.zeros(0), np.zeros(0)])


@SETTINGS
@given(arrays(max_dims=3), st.integers(1, 3), st.data(), layouts)
def test_stack_family(a, n, data, layout):
    dim = data.draw(st.integers(-a.ndim - 1, a.ndim))
    arrs = [a + i for i in range(n)]
    check_op(lambda lib, *xs: lib.stack(xs, dim), arrs, layout)
    check_op(lambda lib, *xs: lib.hstack(xs), arrs, layout)
    check_op(lambda lib, *xs: lib.vstack(xs), arrs, layout)
    check_op(lambda lib, *xs: lib.dstack(xs), arrs, layout)
    check_op(lambda lib, *xs: lib.column_stack(xs), arrs, layout)


def test_atleast():
    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        a = np.ones(shape)
        for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
            check_op(lambda lib, x: getattr(lib, name)(x), [a])  # noqa: B023  (called here, in the loop)
            check_op(lambda lib, x: getattr(lib, name)(x, x), [a])  # noqa: B023


# ----------------------------------------------------------------------------- split family
@SETTINGS
@given(arrays(min_dims=1), st.data(), layouts)
def test_split_chunk_unbind(a, data, layout):
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    size = a.shape[dim]
    step = data.draw(st.integers(1 if size else 0, 4))
    check_op(lambda lib, x: lib.split(x, step, dim), [a], layout)
    check_op(lambda lib, x: x.split(step, dim=dim), [a], layout)
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))
    sections = [b - c for b, c in zip(cuts + [size], [0] + cuts)]
    check_op(lambda lib, x: lib.split(x, sections, dim), [a], layout)
    chunks = data.draw(st.integers(1, 5))
    check_op(lambda lib, x: lib.chunk(x, chunks, dim), [a], layout)
    check_op(lambda lib, x: lib.unbind(x, dim), [a], layout)
    check_op(lambda lib, x: lib.tensor_split(x, chunks, dim), [a], layout)
    indices = data.draw(st.lists(st.integers(-size - 1, size + 1), max_size=3))
    check_op(lambda lib, x: lib.tensor_split(x, indices, dim), [a], layout)


@SETTINGS
@given(arrays(min_dims=1), st.data(), layouts)
def test_split_with_sizes_and_the_unsafe_splits(a, data, layout):
    """``split_with_sizes`` and ``unsafe_split``/``unsafe_chunk``/``unsafe_split_with_sizes``: the
    values and gradients of ``split``'s, on every layout (the unsafe outputs' autograd semantics:
    test_grad_fn_names.py)."""
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    size = a.shape[dim]
    step = data.draw(st.integers(1 if size else 0, 4))
    check_op(lambda lib, x: lib.unsafe_split(x, step, dim), [a], layout)
    check_op(lambda lib, x: x.unsafe_split(step, dim=dim), [a], layout)
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))
    sections = [b - c for b, c in zip(cuts + [size], [0] + cuts)]
    check_op(lambda lib, x: lib.split_with_sizes(x, sections, dim), [a], layout)
    check_op(lambda lib, x: x.split_with_sizes(tuple(sections), dim=dim), [a], layout)
    check_op(lambda lib, x: lib.unsafe_split_with_sizes(x, sections, dim), [a], layout)
    chunks = data.draw(st.integers(1, 5))
    check_op(lambda lib, x: lib.unsafe_chunk(x, chunks, dim), [a], layout)
    check_op(lambda lib, x: x.unsafe_chunk(chunks, dim), [a], layout)


def test_split_returns_views():
    x = minitorch.zeros(4, 3)
    parts = minitorch.split(x, 2)
    parts[1][0, 0] = 5.0
    assert x[2, 0].item() == 5.0
    minitorch.unbind(x)[3][1] = 7.0
    assert x[3, 1].item() == 7.0


# ----------------------------------------------------------------------------- movement
@SETTINGS
@given(arrays(min_dims=0, max_dims=4), st.data(), layouts)
def test_flip_roll_movedim(a, data, layout):
    nd = max(a.ndim, 1)
    dims = data.draw(st.lists(st.integers(-nd, nd - 1), unique_by=lambda d: d % nd, max_size=a.ndim))
    check_op(lambda lib, x: lib.flip(x, dims), [a], layout)
    if a.ndim:
        check_op(lambda lib, x: x.flip(*dims) if dims else x.flip(()), [a], layout)
        check_op(lambda lib, x: lib.flipud(x), [a], layout)
    if a.ndim >= 2:
        check_op(lambda lib, x: lib.fliplr(x), [a], layout)
    shifts = data.draw(st.lists(st.integers(-6, 6), min_size=len(dims), max_size=len(dims)))
    if dims:
        check_op(lambda lib, x: lib.roll(x, shifts, dims), [a], layout)
    s = data.draw(st.integers(-7, 7))
    check_op(lambda lib, x: lib.roll(x, s), [a], layout)
    if a.ndim:
        check_op(lambda lib, x: x.roll(s, 0), [a], layout)
        dst = data.draw(st.permutations(range(a.ndim)))[: len(dims)]
        check_op(lambda lib, x: lib.movedim(x, dims, dst), [a], layout)
        check_op(lambda lib, x: lib.moveaxis(x, 0, -1), [a], layout)


@SETTINGS
@given(arrays(min_dims=0, max_dims=3), st.data(), layouts)
def test_repeat_tile(a, data, layout):
    extra = data.draw(st.integers(0, 2))
    reps = data.draw(st.lists(st.integers(0, 3), min_size=a.ndim + extra, max_size=a.ndim + extra))
    check_op(lambda lib, x: x.repeat(*reps) if reps else x.repeat(()), [a], layout)
    check_op(lambda lib, x: x.repeat(reps), [a], layout)
    tdims = data.draw(st.lists(st.integers(0, 3), max_size=4))
    check_op(lambda lib, x: lib.tile(x, tdims), [a], layout)


@SETTINGS
@given(arrays(min_dims=0, max_dims=3), st.data(), layouts)
def test_repeat_interleave(a, data, layout):
    r = data.draw(st.integers(0, 3))
    check_op(lambda lib, x: lib.repeat_interleave(x, r), [a], layout)
    if a.ndim:
        dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
        reps = data.draw(st.lists(st.integers(0, 3), min_size=a.shape[dim], max_size=a.shape[dim]))
        check_op(lambda lib, x: lib.repeat_interleave(x, lib.tensor(reps, dtype=lib.int64), dim), [a], layout)
        check_op(lambda lib, x: x.repeat_interleave(r, dim=dim, output_size=r * a.shape[dim]), [a], layout)
        check_op(lambda lib, x: lib.repeat_interleave(x, lib.tensor([r]), dim), [a], layout)
    counts = data.draw(st.lists(st.integers(0, 3), max_size=4))
    assert_same(minitorch.repeat_interleave(minitorch.tensor(counts, dtype=minitorch.int64)),
                torch.repeat_interleave(torch.tensor(counts, dtype=torch.int64)))


def test_meshgrid_broadcast_tensors():
    a, b, c = np.arange(3.0), np.arange(2.0) + 5, np.array(7.0)
    for indexing in ("ij", "xy"):
        check_op(lambda lib, x, y: lib.meshgrid(x, y, indexing=indexing), [a, b])  # noqa: B023  (called here)
        check_op(lambda lib, x, y, z: lib.meshgrid([x, y, z], indexing=indexing), [a, b, c])  # noqa: B023
        check_op(lambda lib, x: lib.meshgrid(x, indexing=indexing), [a])  # noqa: B023
    with pytest.warns(UserWarning, match="indexing argument"):
        minitorch.meshgrid(minitorch.ones(2), minitorch.ones(3))
    check_op(lambda lib, x, y, z: lib.broadcast_tensors(x, y, z),
             [np.ones((2, 1)), np.arange(3.0), np.array(2.0)])


# ----------------------------------------------------------------------------- triangles and diagonals
@SETTINGS
@given(arrays(min_dims=2, max_dims=4), st.integers(-4, 4), layouts)
def test_tril_triu(a, k, layout):
    check_op(lambda lib, x: lib.tril(x, k), [a], layout)
    check_op(lambda lib, x: x.triu(diagonal=k), [a], layout)
    check_op(lambda lib, x: (x * 1).tril_(k), [a], layout)
    for dt in ("int64", "bool"):
        m, t = minitorch.tensor(a > 0).to(getattr(minitorch, dt)), torch.tensor(a > 0).to(getattr(torch, dt))
        assert_same(minitorch.triu(m, k), torch.triu(t, k))


@SETTINGS
@given(arrays(min_dims=1, max_dims=2), st.integers(-4, 4), layouts)
def test_diag_trace(a, k, layout):
    check_op(lambda lib, x: lib.diag(x, k), [a], layout)
    check_op(lambda lib, x: lib.diagflat(x, k), [a], layout)
    if a.ndim == 2:
        check_op(lambda lib, x: lib.trace(x), [a], layout)
        check_op(lambda lib, x: lib.diag_embed(x, k), [a], layout)
        check_op(lambda lib, x: lib.diag_embed(x, k, 0, 2), [a], layout)
        check_op(lambda lib, x: x.diag_embed(k, -1, 0), [a], layout)
    assert_same(minitorch.trace(minitorch.ones(3, 2, dtype=minitorch.int32)),
                torch.trace(torch.ones(3, 2, dtype=torch.int32)))


def test_copies_do_not_alias():
    x = minitorch.arange(6.0).reshape(2, 3)
    for y in (minitorch.flip(x, ()), minitorch.roll(x, 0, 0), x.repeat(1, 1), minitorch.cat([x]),
              minitorch.tril(x, 5), minitorch.diag(x)):
        y.fill_(-1.0)
    assert x.min().item() == 0.0 if hasattr(x, "min") else x.sum().item() == 15.0


# ----------------------------------------------------------------------------- errors
ERRORS = [
    lambda L: L.cat([]),
    lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 3, 1)]),
    lambda L: L.cat([L.zeros(2, 3), L.zeros(3, 3)], 1),
    lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 4)], 0),
    lambda L: L.cat([L.zeros(()), L.zeros(())]),
    lambda L: L.cat([L.zeros(2, 3)], 2),
    lambda L: L.cat([L.zeros(1, 0), L.zeros(2, 3)], 0),
    lambda L: L.stack([]),
    lambda L: L.stack([L.zeros(2), L.zeros(3)]),
    lambda L: L.stack([L.zeros(2)], -3),
    lambda L: L.split(L.zeros(5), 0),
    lambda L: L.split(L.zeros(5), [1, 1]),
    lambda L: L.split(L.zeros(5), [6, -1]),
    lambda L: L.split(L.zeros(5), -1),
    lambda L: L.chunk(L.zeros(5), 0),
    lambda L: L.chunk(L.zeros(()), 1),
    lambda L: L.unbind(L.zeros(())),
    lambda L: L.flip(L.zeros(2, 3), (0, 0)),
    lambda L: L.flip(L.zeros(2, 3), (2,)),
    lambda L: L.fliplr(L.zeros(3)),
    lambda L: L.flipud(L.zeros(())),
    lambda L: L.roll(L.zeros(3, 4), (1, 2), (0,)),
    lambda L: L.roll(L.zeros(3, 4), (1, 2)),
    lambda L: L.roll(L.zeros(3), [], []),
    lambda L: L.zeros(2, 3).repeat(2),
    lambda L: L.zeros(2, 3).repeat(-1, 2),
    lambda L: L.tile(L.zeros(2, 3), (-1,)),
    lambda L: L.repeat_interleave(L.zeros(3), -1),
    lambda L: L.repeat_interleave(L.zeros(3), L.tensor([1, 2])),
    lambda L: L.repeat_interleave(L.zeros(3), L.tensor([1, -2, 1])),
    lambda L: L.repeat_interleave(L.zeros(3), L.tensor([[1, 2, 1]])),
    lambda L: L.repeat_interleave(L.zeros(2, 3), L.tensor([1, 2]), dim=0, output_size=4),
    lambda L: L.movedim(L.zeros(2, 3), (0, 1), (0,)),
    lambda L: L.movedim(L.zeros(2, 3), (0, 0), (0, 1)),
    lambda L: L.movedim(L.zeros(2, 3), (0, 1), (1, 1)),
    lambda L: L.meshgrid(indexing="ij"),
    lambda L: L.meshgrid(L.zeros(2), L.zeros(3, dtype=L.float64), indexing="ij"),
    lambda L: L.meshgrid(L.zeros(2), L.zeros(3), indexing="foo"),
    lambda L: L.broadcast_tensors(L.zeros(2), L.zeros(3)),
    lambda L: L.tril(L.zeros(3)),
    lambda L: L.triu(L.zeros(())),
    lambda L: L.diag(L.zeros(2, 3, 4)),
    lambda L: L.diag(L.zeros(())),
    lambda L: L.trace(L.zeros(3)),
    lambda L: L.diag_embed(L.zeros(3), 0, 0, 0),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    same_error(ERRORS[i])


def test_grad_fn_names():
    names = {}
    for lib in LIBS:
        x = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        names[lib] = [f(lib, x).grad_fn.name() for f in (
            lambda L, x: L.cat([x, x]), lambda L, x: L.stack([x, x]), lambda L, x: L.flip(x, (0,)),
            lambda L, x: L.roll(x, 1, 0), lambda L, x: x.repeat(2, 1), lambda L, x: L.tril(x),
            lambda L, x: L.triu(x), lambda L, x: L.diag(x[0]),
        )]
    assert names[minitorch] == names[torch]
