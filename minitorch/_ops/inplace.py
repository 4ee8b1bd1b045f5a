"""In-place ops (``x.add_(y)``, ``x[mask] = 0``) and how autograd follows them.

An in-place op computes its result out of place, writes it into ``self``'s
memory, bumps the version counter and *rebases* ``self``'s history onto the
result's ``grad_fn``. When ``self`` is a view, the write also changed its
base, so the base's history becomes ``CopySlices``: "the old base, with the
view's region replaced by the result" - PyTorch's mechanism of the same name.
"""

from __future__ import annotations

from .._strides import is_contiguous
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Primitive
from ..backends import backend_of
from ._out import _legacy, can_cast


class CopySlices(Primitive):
    """y = base with the positions ``rel`` holding ``src``.

    dbase = g with those positions zeroed;  dsrc = g at those positions.
    The forward has nothing to compute: the write already happened in memory.
    """

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, src, rel):
        ctx.rel = rel
        return base

    @staticmethod
    def backward(ctx, g):
        from .movement import StridedView

        shape, stride, offset = ctx.rel
        gc = g.contiguous()
        dsrc = StridedView.apply(gc, gc._get_storage(), shape, stride, offset + gc.storage_offset(), ctx.rel)
        return _zero_region(g, ctx.rel), dsrc, None


def _zero_region(g: Tensor, rel) -> Tensor:
    """``g`` with the positions ``rel`` set to zero, differentiable in ``g``."""
    xp = backend_of(g._data)
    mask = xp.ones(g.shape, dtype=bool)
    shape, stride, offset = rel
    xp.as_strided(mask.reshape(-1), shape, stride, offset)[...] = False
    return g * g._wrap_result(mask)


def write_inplace(self: Tensor, result: Tensor) -> Tensor:
    """Store ``result`` (computed out of place from ``self``) into ``self`` and rebase its history."""
    if not can_cast(result.dtype, self.dtype):
        raise RuntimeError(
            f"result type {_legacy(result.dtype)} can't be cast to the desired output type {_legacy(self.dtype)}"
        )
    if tuple(result.shape) != tuple(self.shape):
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    _check_no_overlap(self)
    xp = backend_of(self._data)
    xp.copyto(self._data, result._data, casting="unsafe")
    self._bump_version()
    if result.requires_grad and grad_mode.is_grad_enabled():
        rebase_history(self, result)
    return self


def _check_no_overlap(t: Tensor) -> None:
    if any(st == 0 and n > 1 for n, st in zip(t.shape, t.stride())):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )


def rebase_history(self: Tensor, result: Tensor) -> None:
    """Make ``self``'s gradient flow into ``result``'s graph (and, for a view, its base's)."""
    if self._base is None:
        self.grad_fn, self._output_nr, self._requires_grad = result.grad_fn, result._output_nr, True
        return
    base = self._base
    if not is_contiguous(tuple(base.shape), base.stride()):
        raise NotImplementedError("in-place ops through a view of a non-contiguous base need autograd support "
                                  "minitorch does not have yet; clone() the base first")
    rel = (tuple(self.shape), self.stride(), self.storage_offset() - base.storage_offset())
    old_base = base._alias()
    new = CopySlices.apply(old_base, result, rel)
    base.grad_fn, base._output_nr, base._requires_grad = new.grad_fn, new._output_nr, True
    from .movement import StridedView

    base_rel = (tuple(self.shape), self.stride(), rel[2])
    v = StridedView.apply(base, base._get_storage(), tuple(self.shape), self.stride(), self.storage_offset(), base_rel)
    self.grad_fn, self._output_nr, self._requires_grad = v.grad_fn, v._output_nr, True

