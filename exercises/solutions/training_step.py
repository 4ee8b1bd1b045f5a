"""Solutions to the exercises of docs/training-step.md (the page includes each one between its markers)."""

from __future__ import annotations


# --8<-- [start:backward_order]
def backward_order(loss) -> list[str]:
    """Node hooks on every backward node record the order the engine runs them."""
    ran: list[str] = []
    seen, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if not hasattr(node, "variable"):  # AccumulateGrad: left out
            node.register_hook(lambda grad_inputs, grad_outputs, node=node:
                               ran.append(node.name()))
        stack += [n for n, _ in node.next_functions]
    loss.backward()
    return ran
# --8<-- [end:backward_order]


# --8<-- [start:sgd_momentum_step]
def sgd_momentum_step(params, buffers: list, lr: float,
                      momentum: float) -> None:
    """buf = grad (first step), else momentum * buf + grad;  p -= lr * buf.

    In place and not recorded: p.data is the same storage as p.
    """
    for k, p in enumerate(params):
        g = p.grad.detach()
        if buffers[k] is None:
            buffers[k] = g.clone()
        else:
            buffers[k].mul_(momentum).add_(g)
        p.data.add_(buffers[k], alpha=-lr)
# --8<-- [end:sgd_momentum_step]
