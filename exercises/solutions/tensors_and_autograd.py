"""Solutions to exercises/tensors_and_autograd.py (docs/tensors-and-autograd.md)."""

from __future__ import annotations

import minitorch as torch


# --8<-- [start:storage_index]
def storage_index(index: tuple[int, ...], stride: tuple[int, ...], offset: int) -> int:
    return offset + sum(i * s for i, s in zip(index, stride))
# --8<-- [end:storage_index]


# --8<-- [start:contiguous_strides]
def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)  # a size-0 dim still steps by 1, as PyTorch's strides do
    return tuple(reversed(strides))
# --8<-- [end:contiguous_strides]


# --8<-- [start:node_names]
def node_names(y) -> list[str]:
    seen, todo = set(), [y.grad_fn]
    while todo:  # a stack, not recursion: graphs can be deeper than Python's recursion limit
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        todo.extend(next_node for next_node, _ in node.next_functions)
    return sorted(type(node).__name__ for node in seen)
# --8<-- [end:node_names]


# --8<-- [start:clamp_gradient]
def clamp_gradient(t: torch.Tensor, bound: float):
    return t.register_hook(lambda grad: grad.clamp(-bound, bound))
# --8<-- [end:clamp_gradient]
