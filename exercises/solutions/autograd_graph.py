"""Solutions to exercises/autograd_graph.py (docs/autograd-graph.md)."""

from __future__ import annotations


# --8<-- [start:edges_into]
def edges_into(y, leaf) -> int:
    count, seen, todo = 0, set(), [y.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for next_node, _ in node.next_functions:
            if next_node is not None and getattr(next_node, "variable", None) is leaf:
                count += 1
            todo.append(next_node)
    return count
# --8<-- [end:edges_into]


# --8<-- [start:names_after_inplace]
def names_after_inplace(lib) -> list[str]:
    x = lib.ones(3, requires_grad=True)
    y = x * 2
    names = [y.grad_fn.name()]
    y.add_(1)  # the in-place op becomes y's new grad_fn, its input edge the old one
    names.append(y.grad_fn.name())
    y[0].mul_(2)  # a write through a view: the base gets a CopySlices node
    names.append(y.grad_fn.name())
    return names
# --8<-- [end:names_after_inplace]


# --8<-- [start:graph_depth]
def graph_depth(y) -> int:
    depth: dict = {}  # node -> nodes on its longest path down to a leaf
    todo = [(y.grad_fn, False)]
    while todo:
        node, children_done = todo.pop()
        if node in depth:
            continue
        children = [n for n, _ in node.next_functions if n is not None]
        if children_done:
            depth[node] = 1 + max((depth[n] for n in children), default=0)
        else:  # come back to this node once its children have their depth
            todo.append((node, True))
            todo.extend((n, False) for n in children if n not in depth)
    return depth[y.grad_fn]
# --8<-- [end:graph_depth]
