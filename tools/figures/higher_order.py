"""The figures of docs/higher-order.md."""

from __future__ import annotations

import minitorch

from .draw import COLORS, GRAPH_HEAD, _label, dot_svg


def _graph_of_roots(roots: dict[str, minitorch.Tensor], leaves: dict[str, minitorch.Tensor]) -> str:
    """Several outputs' graphs in one drawing, a node shared between them drawn once; each node in
    the colour of the first root that reaches it (roots in the given order)."""
    leaf_names = {id(t): name for name, t in leaves.items()}
    lines = ["digraph roots {", 'rankdir="TB";', GRAPH_HEAD]
    seen: dict[int, str] = {}
    for k, (title, t) in enumerate(roots.items()):
        color = [c for c in COLORS if c != "#c7e9c0"][k]  # green is the leaves' colour
        lines.append(f'r{k} [label={_label(title, f"{t.item():g}")}, style="filled", fillcolor="{color}"];')
        stack, parent = [(t.grad_fn, f"r{k}")], None
        while stack:
            fn, parent = stack.pop()
            new = id(fn) not in seen
            if new:
                seen[id(fn)] = f"g{len(seen)}"
                if hasattr(fn, "variable"):
                    label, fill = _label(leaf_names.get(id(fn.variable), "leaf"), "leaf"), "#c7e9c0"
                else:
                    label, fill = _label(type(fn).__name__), color
                lines.append(f'{seen[id(fn)]} [label={label}, fillcolor="{fill}"];')
            lines.append(f"{parent} -> {seen[id(fn)]};")
            if new:
                stack.extend((nxt, seen[id(fn)]) for nxt, _ in reversed(fn.next_functions) if nxt is not None)
    lines.append("{rank=same; " + " ".join(f"r{k}" for k in range(len(roots))) + "}")
    lines.append("}")
    return dot_svg("\n".join(lines))


def higher_order_graph() -> str:
    """y = x**3; dy/dx and d2y/dx2 from autograd.grad(create_graph=True): three graphs, one x."""
    x = minitorch.tensor(2.0, requires_grad=True)
    y = x ** 3
    (dy,) = minitorch.autograd.grad(y, x, create_graph=True)
    (d2y,) = minitorch.autograd.grad(dy, x, create_graph=True)
    return _graph_of_roots({"y = x**3": y, "dy/dx = 3x^2": dy, "d2y/dx2 = 6x": d2y}, {"x = 2": x})


FIGURES = {"higher-order-graph": higher_order_graph}
