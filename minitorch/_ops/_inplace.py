"""In-place ops (``x.add_(y)``, ``x[mask] = 0``) and how autograd follows them.

An in-place op computes its result out of place, writes it into ``self``'s
memory, bumps the version counter and *rebases* ``self``'s history onto the
result's ``grad_fn``. When ``self`` is a view, the write also changed its
base, so the base's history becomes ``CopySlices``: "the old base, with the
view's region replaced by the result" - PyTorch's mechanism of the same name.
"""

from __future__ import annotations

import numpy as np

from .._core import capture as _capture
from .._core.strides import is_contiguous
from .._tensor.tensor import Tensor, _no_grad_view_error
from ..autograd import grad_mode
from ..autograd.function import Primitive
from ..autograd.saved import SavedTensor
from ..backends import backend_of
from ._out import _legacy, can_cast


class CopySlices(Primitive):
    """y = base with the positions ``rel`` holding ``src``;
    dbase = g with those positions zeroed,  dsrc = g at those positions.

    The forward has nothing to compute: the write already happened in memory.
    """

    node_name = "torch::autograd::CopySlices"
    reason = "node"

    @staticmethod
    def forward(ctx, base, src, rel):
        ctx.rel = rel
        return base

    @staticmethod
    def backward(ctx, g):
        from .shape.selecting_views import StridedView

        shape, stride, offset = ctx.rel
        gc = g.contiguous()
        dsrc = StridedView.apply(gc, gc._get_storage(), shape, stride, offset + gc.storage_offset(), ctx.rel)
        return _zero_region(g, ctx.rel), dsrc, None


class Overwrite(Primitive):
    """y = src written over all of ``old`` (``copy_``/``fill_`` of a whole tensor);  dold = 0, dsrc = g."""

    node_name = "torch::autograd::CopyBackwards"
    reason = "node"

    @staticmethod
    def forward(ctx, old, src):
        return src

    @staticmethod
    def backward(ctx, g):
        from .creation.factories import zeros_like

        return zeros_like(g), g


class Fill(Primitive):
    """y = the number ``value`` at every position of ``old`` (``fill_`` of a number);  dold = 0.

    The number is no tensor input, so the node has one edge (``old``'s), as PyTorch's
    ``FillBackward2``; ``zero_`` is the same node under PyTorch's ``ZeroBackward0``.
    """

    node_name = "FillBackward2"
    reason = "node"

    @staticmethod
    def forward(ctx, old, value):
        return backend_of(old).full(old.shape, value, dtype=old.dtype)

    @staticmethod
    def backward(ctx, g):
        from .creation.factories import zeros_like

        return zeros_like(g), None


Zero = Fill.named("ZeroBackward0")  # zero_()


class FillTensor(Primitive):
    """y = the 0-d ``value`` (cast to ``old``'s dtype) at every position of ``old`` (``fill_`` of a
    0-d tensor);  dold = 0,  dvalue = sum(g) in value's dtype."""

    node_name = "FillBackward3"
    reason = "node"

    @staticmethod
    def forward(ctx, old, value):
        ctx.value_dtype = value.dtype
        return backend_of(old).full(old.shape, value, dtype=old.dtype)

    @staticmethod
    def backward(ctx, g):
        from .._core import dtype as _dtype
        from .creation.factories import zeros_like

        return zeros_like(g), g.sum().to(_dtype.from_numpy_dtype(ctx.value_dtype))


def _zero_region(g: Tensor, rel) -> Tensor:
    """``g`` with the positions ``rel`` set to zero, differentiable in ``g``."""
    xp = backend_of(g._data)
    mask = xp.ones(g.shape, dtype=bool)
    shape, stride, offset = rel
    xp.as_strided(mask.reshape(-1), shape, stride, offset)[...] = False
    return g * g._wrap_result(mask)


def write_inplace(self: Tensor, result: Tensor) -> Tensor:
    """Store ``result`` (computed out of place from ``self``) into ``self`` and rebase its history."""
    a, r = self._data, result._data
    if (type(a) is np.ndarray and a.dtype is r.dtype and a.shape == r.shape and a.flags.c_contiguous
            and result._grad_fn is None and (not grad_mode._state.enabled or not (
                self._requires_grad or result._requires_grad or self._base is not None or result._base is not None))):
        # an update under no_grad (``p -= lr * p.grad``) or of a tensor outside any graph
        # (``p.grad.zero_()``): none of the checks below can act (one dtype and shape; a C-contiguous
        # array has no zero stride over a dim of more than one element; a result without a node saved
        # nothing; no history to rebase: grad mode is off, or neither side requires grad), so only
        # the write and the version remain
        _capture.call(np.copyto, a, r, writes=(0,), casting="unsafe")
        self._version_counter.value += 1
        return self
    if not can_cast(result.dtype, self.dtype):
        raise RuntimeError(
            f"result type {_legacy(result.dtype)} can't be cast to the desired output type {_legacy(self.dtype)}"
        )
    if tuple(result.shape) != tuple(self.shape):
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    _check_no_overlap(self)
    _keep_original_values(self, result)
    xp = backend_of(self._data)
    _capture.call(xp.copyto, self._data, result._data, writes=(0,), casting="unsafe")
    self._bump_version()
    if grad_mode.is_grad_enabled() and (result.requires_grad or self.requires_grad):
        rebase_history(self, result)
    return self


def _keep_original_values(self: Tensor, result: Tensor) -> None:
    """If the op that made ``result`` saved ``self`` for backward, save a copy: ``self`` is overwritten next."""
    node = result._grad_fn
    saved = getattr(node, "_saved", None)
    if saved:
        for s in saved:
            if isinstance(s, SavedTensor):
                s.keep_original(self)


def _check_no_overlap(t: Tensor) -> None:
    # an empty tensor has no elements to overlap (NumPy gives some of them zero strides)
    if t.numel() and any(st == 0 and n > 1 for n, st in zip(t.shape, t.stride())):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )


def rebase_history(self: Tensor, result: Tensor) -> None:
    """Make ``self``'s gradient flow into ``result``'s graph (and, for a view, its base's).

    For a view, the base's new history is ``CopySlices(old base, result)`` and the
    view itself becomes a strided view of that; the base's *other* views notice
    the version bump and regenerate their ``grad_fn`` the same way
    (``Tensor.grad_fn``).
    """
    if self._base is None:
        if result._grad_fn is None or result is self:  # a leaf or a constant: wrap it so self stays a non-leaf
            result = Overwrite.apply(self._alias(), result)
        self.grad_fn, self._output_nr, self._requires_grad = result._grad_fn, result._output_nr, True
        return
    if self._no_grad_view:  # a value that requires grad written into a no_grad view (PyTorch refuses)
        raise _no_grad_view_error(self, indirect=False)
    base = self._base
    perm = _storage_order(base)
    old_base = base._alias()
    rel = (tuple(self.shape), self.stride(), self.storage_offset() - base.storage_offset())
    if perm is None:
        new = CopySlices.apply(old_base, result, rel)
    else:
        new = CopySlices.apply(old_base.permute(perm), result, rel).permute(_inverse(perm))
    base.grad_fn, base._output_nr, base._requires_grad = new._grad_fn, new._output_nr, True
    v = view_of_base(self)
    self.grad_fn, self._output_nr, self._requires_grad = v._grad_fn, v._output_nr, True


def view_of_base(view: Tensor) -> Tensor:
    """``view`` re-derived from its base's current history: ``as_strided(base, ...)`` (AsStridedBackward0)."""
    from .shape.selecting_views import StridedView

    base = view._base
    perm = _storage_order(base)
    src = base if perm is None else base.permute(perm)
    rel = (tuple(view.shape), view.stride(), view.storage_offset() - base.storage_offset())
    return StridedView.apply(src, base._get_storage(), rel[0], rel[1], view.storage_offset(), rel)


def _storage_order(base: Tensor):
    """None for a row-major base; else the permutation that lays its dims out in storage order.

    Gradients of in-place writes through views are computed over the base's
    storage positions, so they need the base's dims in storage order.
    """
    if base.is_contiguous():
        return None
    perm = tuple(sorted(range(base.dim()), key=lambda d: -base.stride(d)))
    if not is_contiguous(tuple(base.shape[d] for d in perm), tuple(base.stride(d) for d in perm)):
        raise NotImplementedError(
            "in-place writes through a view of a base with gaps or overlaps in memory are not differentiable "
            "in minitorch; clone() the base first"
        )
    return perm


def _inverse(perm):
    inv = [0] * len(perm)
    for i, d in enumerate(perm):
        inv[d] = i
    return tuple(inv)
