"""Strided geometry: how a shape, strides and an offset address a flat storage.

Element ``(i0, i1, ..., ik)`` of a tensor lives at
``storage[offset + i0*stride[0] + i1*stride[1] + ... + ik*stride[k]]``.
A *view* is a new (shape, stride, offset) triple over the same storage; nothing
is copied. Every function here is pure arithmetic on tuples, written after
the corresponding PyTorch C++ (``aten/src/ATen/TensorUtils.cpp``,
``ExpandUtils.cpp``), so ``stride()`` reports exactly what PyTorch reports.
"""

from __future__ import annotations

from collections.abc import Sequence


def contiguous_strides(shape: Sequence[int]) -> tuple[int, ...]:
    """Row-major strides: the last dim is contiguous. Size-0 dims count as size 1 (as in PyTorch)."""
    strides = []
    acc = 1
    for size in reversed(shape):
        strides.append(acc)
        acc *= max(size, 1)
    return tuple(reversed(strides))


def is_contiguous(shape: Sequence[int], stride: Sequence[int]) -> bool:
    """PyTorch's rule: strides of size-1 dims are ignored; empty tensors are contiguous."""
    expected = 1
    for size, st in zip(reversed(shape), reversed(stride)):
        if size == 0:
            return True
        if size != 1:
            if st != expected:
                return False
            expected *= size
    return True


def is_non_overlapping_and_dense(shape: Sequence[int], stride: Sequence[int]) -> bool:
    """Every element has its own address and together they fill a block with no gaps: some
    permutation of the dims is contiguous (``TensorImpl::compute_non_overlapping_and_dense``)."""
    if len(shape) == 1:
        return shape[0] < 2 or stride[0] == 1
    expected = 1
    for d in sorted(range(len(shape)), key=lambda d: (shape[d] >= 2, stride[d])):  # size<2 dims first
        if shape[d] == 0:
            return True
        if shape[d] != 1:
            if stride[d] != expected:
                return False
            expected *= shape[d]
    return True


def preserved_strides(shape: Sequence[int], stride: Sequence[int]) -> tuple[int, ...]:
    """The strides of a fresh tensor that keeps ``(shape, stride)``'s layout (``preserve_format``).

    A non-overlapping and dense layout is kept as it is. Otherwise (a slice, an expand) the dims
    are ordered as their strides order them and packed densely: ``infer_dense_strides`` in
    ``aten/src/ATen/ExpandUtils.cpp``, whose insertion sort leaves zero strides where they are.
    """
    shape, stride = tuple(shape), tuple(stride)
    if is_non_overlapping_and_dense(shape, stride):
        return stride
    ndim = len(shape)
    perm = list(range(ndim - 1, -1, -1))  # perm[0]: the innermost dim

    def should_swap(d0: int, d1: int) -> int:
        if stride[d0] == 0 or stride[d1] == 0:
            return 0
        if stride[d0] != stride[d1]:
            return -1 if stride[d0] < stride[d1] else 1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            order = should_swap(perm[d0], perm[d1])
            if order > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif order < 0:
                break
    out, acc = [0] * ndim, 1
    for d in perm:
        out[d] = acc
        acc *= max(shape[d], 1)
    return tuple(out)


def compute_view_stride(
    old_shape: Sequence[int], old_stride: Sequence[int], new_shape: Sequence[int]
) -> tuple[int, ...] | None:
    """Strides that let ``new_shape`` view the same memory, or None if no such strides exist.

    Port of ``at::detail::computeStride``. Walk the old dims from the back and
    group them into *chunks* that are contiguous with each other (``stride[d] ==
    stride[d+1] * size[d+1]``). A view is possible exactly when every new dim
    falls inside one chunk: its elements then sit at a constant stride.
    """
    if len(old_shape) == 0:  # a 0-d tensor holds one element: any all-ones shape views it
        return (1,) * len(new_shape)
    numel = 1
    for s in old_shape:
        numel *= s
    if numel == 0:
        if tuple(old_shape) == tuple(new_shape):
            return tuple(old_stride)
        return contiguous_strides(new_shape)
    new_stride = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_stride[-1] if len(old_stride) else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        # At the first dim, or where this dim is not contiguous with the one before it,
        # the chunk ends: the new dims must exactly cover it.
        if tensor_d == 0 or (
            old_shape[tensor_d - 1] != 1
            and old_stride[tensor_d - 1] != tensor_numel * chunk_base_stride
        ):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_stride[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_stride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_stride)


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """Align shapes on the right; each dim must be equal or 1 (``torch.broadcast_shapes``)."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for i, size in enumerate(shape):
            j = ndim - len(shape) + i
            if size == out[j] or size == 1:
                continue
            if out[j] == 1:
                out[j] = size
            else:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({size}) "
                    f"at non-singleton dimension {j}"
                )
    return tuple(out)


def is_expandable_to(shape: Sequence[int], desired: Sequence[int]) -> bool:
    """Whether ``shape`` broadcasts to ``desired`` (``at::is_expandable_to``): aligned on the right,
    each dim of ``shape`` equals ``desired``'s or is 1, and ``shape`` has no more dims."""
    if len(shape) > len(desired):
        return False
    for s, d in zip(reversed(shape), reversed(desired)):
        if s != d and s != 1:
            return False
    return True


def expand_geometry(
    shape: Sequence[int], stride: Sequence[int], new_shape: Sequence[int]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shape and strides of ``expand``: a broadcast dim gets stride 0 (``at::inferExpandGeometry``)."""
    ndim, new_ndim = len(shape), len(new_shape)
    if new_ndim < ndim:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(new_shape)}): the number of sizes "
            f"provided ({new_ndim}) must be greater or equal to the number of dimensions in the tensor ({ndim})"
        )
    out_shape: list[int] = [0] * new_ndim
    out_stride: list[int] = [0] * new_ndim
    for i in range(new_ndim - 1, -1, -1):
        offset = ndim - new_ndim + i
        size = shape[offset] if offset >= 0 else 1
        st = stride[offset] if offset >= 0 else (out_shape[i + 1] * out_stride[i + 1] if i + 1 < new_ndim else 1)
        target = new_shape[i]
        if target == -1:
            if offset < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}"
                )
            target = size
        if size != target:
            if size != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target}) must match the existing size ({size}) at "
                    f"non-singleton dimension {i}.  Target sizes: {list(new_shape)}.  Tensor sizes: {list(shape)}"
                )
            size, st = target, 0
        out_shape[i], out_stride[i] = size, st
    return tuple(out_shape), tuple(out_stride)


def numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n
