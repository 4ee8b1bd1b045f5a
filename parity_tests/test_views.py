"""Views vs PyTorch: chains of 1-4 view ops on random shapes must give the same geometry.

After every op both libraries must agree on shape, ``stride()``, ``storage_offset()``,
``is_contiguous()`` and values; an op torch refuses (``view`` across non-mergeable dims) must be
refused by minitorch with the same exception type. A write through the final view must reach the
base exactly when it does in torch (``reshape`` copies only when it must).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)


def draw_op(draw, shape):
    """One view op valid for ``shape``, as (name, args)."""
    n = len(shape)
    options = ["transpose", "permute", "narrow", "slice", "unsqueeze", "view", "reshape", "flatten", "T"]
    if n >= 1:
        options += ["select", "unfold", "squeeze", "expand"]
    if n >= 2:
        options += ["diagonal"]
    if n == 2:
        options += ["t"]
    name = draw(st.sampled_from(options))
    if name == "transpose":
        return name, (draw(st.integers(-n, n - 1)), draw(st.integers(-n, n - 1)))
    if name == "permute":
        return name, (tuple(draw(st.permutations(range(n)))),)
    if name == "narrow":
        d = draw(st.integers(0, n - 1))
        start = draw(st.integers(0, shape[d]))
        return name, (d, start, draw(st.integers(0, shape[d] - start)))
    if name == "slice":
        d = draw(st.integers(0, n - 1))
        return name, (d, draw(st.integers(0, shape[d])), draw(st.integers(0, shape[d] + 1)), draw(st.integers(1, 3)))
    if name == "select":
        d = draw(st.integers(0, n - 1))
        m = max(shape[d], 1)  # an empty dim: torch's IndexError is compared too
        return name, (d, draw(st.integers(-m, m - 1)))
    if name == "unsqueeze":
        return name, (draw(st.integers(-n - 1, n)),)
    if name == "squeeze":
        return name, (draw(st.integers(-n, n - 1)),) if draw(st.booleans()) else ()
    if name == "expand":
        return name, (tuple(draw(st.integers(1, 3)) if s == 1 else s for s in shape),)
    if name == "diagonal":
        return name, (draw(st.integers(-2, 2)), 0, n - 1)
    if name == "unfold":
        d = draw(st.integers(0, n - 1))
        return name, (d, draw(st.integers(1, max(shape[d], 1))), draw(st.integers(1, 3)))
    if name in ("view", "reshape"):
        numel = int(np.prod(shape))
        choices = [(numel,), (-1,), tuple(shape[:-2]) + (shape[-2] * shape[-1],) if n >= 2 else (numel,)]
        if shape[0] % 2 == 0:
            choices.append((2, shape[0] // 2) + tuple(shape[1:]))
        choices.append((1,) + tuple(shape) + (1,))
        return name, (draw(st.sampled_from(choices)),)
    if name == "flatten":
        return name, (draw(st.integers(0, n - 1)), n - 1)
    return name, ()


def apply(lib_tensor, name, args):
    if name == "slice":
        d, start, stop, step = args
        key = (slice(None),) * d + (slice(start, stop, step),)
        return lib_tensor[key]
    if name == "T":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib_tensor.T
    return getattr(lib_tensor, name)(*args)


def overlapping(t) -> bool:
    span = 1
    for st_, n in sorted((st_, n) for n, st_ in zip(t.shape, t.stride()) if n > 1):
        if st_ < span:
            return True
        span += st_ * (n - 1)
    return False


def geometry(t):
    # Known gap: an empty view past the end of its storage reports offset 0 (NumPy cannot point there).
    offset = t.storage_offset() if t.numel() else None
    return tuple(t.shape), tuple(t.stride()), offset, t.is_contiguous()


def layout(t):
    """Shape and the strides of the dims of size > 1 (the stride of a size-1 dim, or of any dim of an
    empty tensor, addresses nothing; minitorch reports NumPy's there, a known difference)."""
    return tuple(t.shape), tuple(st_ for n, st_ in zip(t.shape, t.stride()) if n > 1 and t.numel())


@given(shape=shapes, data=st.data())
def test_view_chains_match_torch(shape, data):
    base_np = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    ref, got = torch.tensor(base_np), minitorch.tensor(base_np)
    ref_base, got_base = ref, got
    for _ in range(data.draw(st.integers(1, 4))):
        name, args = draw_op(data.draw, list(ref.shape)) if ref.dim() else ("unsqueeze", (0,))
        try:
            ref_next = apply(ref, name, args)
        except (RuntimeError, IndexError) as e:
            with pytest.raises(type(e)) as err:
                apply(got, name, args)
            if name == "view":
                assert ".reshape(...)" in str(err.value)
            return
        got = apply(got, name, args)
        ref = ref_next
        assert geometry(got) == geometry(ref), (name, args)
        np.testing.assert_array_equal(got.numpy(), ref.numpy())
    assert geometry(got.contiguous()) == geometry(ref.contiguous())
    # clone and the *_like factories keep the layout (preserve_format), dense or not.
    for copy in (lambda lib, t: t.clone(), lambda lib, t: lib.zeros_like(t), lambda lib, t: lib.full_like(t, 2)):
        c_got, c_ref = copy(minitorch, got), copy(torch, ref)
        assert layout(c_got) == layout(c_ref)
        np.testing.assert_array_equal(c_got.numpy(), c_ref.numpy())
    # A write through the final view reaches the base exactly when it does in torch.
    if not overlapping(ref) and ref.numel():  # writes through overlapping views are undefined in torch
        ref.add_(1000)
        got.add_(1000)
        np.testing.assert_array_equal(got_base.numpy(), ref_base.numpy())
        assert got._version == ref._version


@given(shape=shapes, data=st.data())
def test_reshape_copies_only_when_it_must(shape, data):
    base_np = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    ref, got = torch.tensor(base_np), minitorch.tensor(base_np)
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    ref, got = ref.permute(perm), got.permute(perm)
    name, args = draw_op(data.draw, list(ref.shape))
    if name != "reshape":
        name, args = "reshape", ((-1,),)
    r, g = ref.reshape(*args), got.reshape(*args)
    assert (r.data_ptr() == ref.data_ptr() and r.untyped_storage().data_ptr() == ref.untyped_storage().data_ptr()) \
        == (g._base is not None and g.data_ptr() == got.data_ptr())
    assert geometry(g) == geometry(r)


def test_view_error_message():
    with pytest.raises(RuntimeError, match=r"Use \.reshape\(\.\.\.\) instead"):
        minitorch.ones(3, 4).t().view(12)


def test_inplace_through_view_seen_by_base_and_other_views():
    for lib in (torch, minitorch):
        x = lib.zeros(4, 4)
        a, b, c = x[1], x.t(), x.view(16)
        a.fill_(2)
        b[0].add_(1)
        assert x[1].tolist() == [3, 2, 2, 2]
        assert c.tolist()[4:8] == [3, 2, 2, 2]
        assert b[0].tolist() == [1, 3, 1, 1]
        assert x._version == a._version == b._version == 2


def test_numpy_shares_and_tensor_copies():
    a = np.zeros(3, dtype=np.float32)
    shared, copied = minitorch.from_numpy(a), minitorch.tensor(a)
    a[0] = 1
    assert shared.tolist() == [1, 0, 0] and copied.tolist() == [0, 0, 0]
    shared.numpy()[1] = 2
    assert a.tolist() == [1, 2, 0]
    assert minitorch.as_tensor(a).data_ptr() == shared.data_ptr()


SIZE_KEYWORD_CASES = [
    ("expand", (), {"size": (2, 3)}), ("view", (), {"size": (1, 2)}), ("repeat", (), {"repeats": (2, 2)}),
    ("sum_to_size", (), {"size": (1, 1)}), ("expand", ((2, 3),), {"size": (2, 3)}), ("view", (2,), {"size": (2,)}),
    ("repeat", ((2, 2),), {"repeats": (2, 2)}), ("expand", (), {}), ("view", (), {}), ("repeat", (), {}),
    ("expand", (), {"size": 3}), ("repeat", (), {"repeats": 2}), ("sum_to_size", (), {}),
]


@pytest.mark.parametrize("name, args, kwargs", SIZE_KEYWORD_CASES)
def test_size_given_by_keyword(name, args, kwargs):
    """``x.expand(size=...)``, ``x.view(size=...)``, ``x.repeat(repeats=...)``: the keyword form, and
    the TypeError for both forms or neither (one rule: _args.sizes_argument)."""
    results = []
    for lib in (torch, minitorch):
        try:
            results.append(("ok", tuple(getattr(lib.zeros(2, 1), name)(*args, **kwargs).shape)))
        except TypeError as e:
            results.append(("TypeError", str(e)))
    ours, ref = results
    assert ours[0] == ref[0]
    if name != "view":  # torch's view reports its two overloads instead
        assert ours == ref


# A size that is not ints: the expression, and whether torch's message is matched word for word.
# torch words the same mistake three ways depending on its parser's path: "(position 1) must be
# tuple of ints, not float" (one bad argument), "... but found element of type float at pos 0"
# (a bad element of one sequence), and 'failed to unpack the object at pos 2 with error ...' (a
# bad element among varargs, counted from 1). minitorch uses the first two, with the 0-based
# position, for every case (one rule: _args.int_sizes), so the third differs in wording only.
SIZE_TYPE_CASES = [
    ("L.zeros(2.0)", True), ("L.zeros(None)", True), ("L.randn(2.5)", True), ("L.rand(2, None)", False),
    ("L.ones(2, 3.5)", False), ("L.empty([2, 'a'])", False), ("L.zeros((2, 3.0))", False),
    ("L.full((2.0,), 1)", True), ("L.zeros(L.tensor([2, 3]))", True), ("L.randperm(2.0)", True),
    ("L.zeros(2, 1).view(2.0)", False), ("L.zeros(2, 1).reshape(2.0)", True),
    ("L.zeros(2, 1).expand(2.0, 1)", False), ("L.zeros(2, 1).expand(2.0)", True),
    ("L.zeros(2, 1).sum_to_size(2.0)", True), ("L.zeros(2, 1).repeat((2.0, 1))", True),
]


@pytest.mark.parametrize("expression, same_words", SIZE_TYPE_CASES)
def test_sizes_that_are_not_ints_raise_torchs_type_error(expression, same_words):
    messages = []
    for lib in (torch, minitorch):
        with pytest.raises(TypeError) as info:
            eval(expression, {"L": lib})
        messages.append(str(info.value))
    ref, ours = messages
    assert ours.split("(")[0] == ref.split("(")[0]  # the op's name comes first, as in torch
    if same_words:
        assert ours == ref
