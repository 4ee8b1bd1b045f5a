"""Draw the backward graph behind a tensor: Graphviz DOT, SVG, or an indented text tree.

``draw_graph(loss)`` starts at ``loss.grad_fn`` and follows ``next_functions`` - exactly the edges
``autograd/engine.py: run_backward`` walks - down to the ``AccumulateGrad`` nodes of the leaves.
Edges point the way gradients flow: from the output towards the leaves.

It reads only the public graph API (``grad_fn``, ``next_functions``, ``AccumulateGrad.variable``),
so the same call draws a PyTorch graph too. The name is ours: the third-party ``torchviz`` calls
its version ``make_dot``; this one returns a :class:`Graph` that can render itself three ways.

Importing this module costs nothing beyond the standard library; ``to_svg`` needs Graphviz's
``dot`` binary and ``to_text`` needs nothing.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from typing import Any


@dataclass
class GraphNode:
    """One box of the drawing: the output tensor, a backward node, or a leaf tensor."""

    id: str                  # "n0", "n1", ... in depth-first order, so the DOT text is stable
    kind: str                # "output", "backward" or "leaf"
    label: str               # first line of the box: the node's name
    details: list[str] = field(default_factory=list)  # further lines: shape, dtype, gradient


@dataclass
class Graph:
    """Nodes and edges of a backward graph; ``edges`` are ``(from_id, to_id)`` pairs."""

    nodes: list[GraphNode]
    edges: list[tuple[str, str]]

    def node(self, node_id: str) -> GraphNode:
        return next(n for n in self.nodes if n.id == node_id)

    def children(self, node_id: str) -> list[GraphNode]:
        return [self.node(dst) for src, dst in self.edges if src == node_id]

    def to_dot(self) -> str:
        """The graph in Graphviz's DOT language (render with ``dot -Tsvg``)."""
        style = {"output": 'shape=box, style=filled, fillcolor="#c6dbef"',
                 "backward": 'shape=box, style="rounded,filled", fillcolor="#f0f0f0"',
                 "leaf": 'shape=box, style=filled, fillcolor="#c7e9c0"'}
        lines = ["digraph backward {", "  node [fontname=monospace, fontsize=11];"]
        for n in self.nodes:
            text = "\\n".join(_escape(line) for line in [n.label, *n.details])
            lines.append(f'  {n.id} [label="{text}", {style[n.kind]}];')
        lines.extend(f"  {src} -> {dst};" for src, dst in self.edges)
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_text(self) -> str:
        """An indented tree, for terminals and doctests; a node reached twice is drawn once."""
        out: list[str] = []
        seen: set[str] = set()
        # (node, indentation, branch glyph, is last child): iterative, so deep graphs are fine
        stack = [(self.nodes[0], "", "", True)] if self.nodes else []
        while stack:
            node, prefix, branch, last = stack.pop()
            again = node.id in seen
            text = " ".join([node.label, *node.details])
            out.append(prefix + branch + text + (" (shared, see above)" if again else ""))
            if again:
                continue
            seen.add(node.id)
            kids = self.children(node.id)
            inner = prefix + ("" if not branch else "   " if last else "│  ")
            for i in reversed(range(len(kids))):
                is_last = i == len(kids) - 1
                stack.append((kids[i], inner, "└─ " if is_last else "├─ ", is_last))
        return "\n".join(out)

    def to_svg(self, path: str) -> str:
        """Render with Graphviz's ``dot`` into ``path`` and return ``path``.

        Raises ``RuntimeError`` when ``dot`` is not installed (``apt-get install graphviz``);
        ``to_text()`` needs nothing.
        """
        import subprocess

        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("Graphviz's 'dot' binary was not found on PATH; install graphviz, "
                               "or use Graph.to_text() for a plain-text drawing")
        subprocess.run([dot, "-Tsvg", "-o", path], input=self.to_dot(), text=True, check=True)
        return path

    def _repr_svg_(self) -> str | None:
        """Inline SVG in Jupyter when ``dot`` is available."""
        import subprocess

        dot = shutil.which("dot")
        if dot is None:
            return None
        done = subprocess.run([dot, "-Tsvg"], input=self.to_dot(), text=True,
                              capture_output=True, check=True)
        return done.stdout

    def __str__(self) -> str:
        return self.to_text()


def draw_graph(tensor: Any, params: dict[str, Any] | None = None,
               show_grads: bool = False) -> Graph:
    """The backward graph that ``tensor.backward()`` would walk.

    ``params`` names leaves (``dict(model.named_parameters())``, as ``torchviz.make_dot``);
    unnamed leaves are drawn by shape and dtype. With ``show_grads=True`` a leaf whose ``.grad``
    is set also shows the gradient's shape and 2-norm ``sqrt(sum(g**2))``.
    """
    names = {id(t): name for name, t in (params or {}).items()}
    nodes: list[GraphNode] = []
    edges: list[tuple[str, str]] = []
    ids: dict[int, str] = {}  # id(autograd node) -> drawing id

    def new(kind: str, label: str, details: list[str]) -> str:
        node_id = f"n{len(nodes)}"
        nodes.append(GraphNode(node_id, kind, label, details))
        return node_id

    out_name = names.get(id(tensor), "output")
    root = new("output", out_name, _describe(tensor))
    if tensor.grad_fn is None:
        if tensor.requires_grad:  # a leaf: there is no graph, only the tensor itself
            nodes[0] = GraphNode(root, "leaf", out_name, _describe(tensor, show_grads))
        return Graph(nodes, edges)

    def node_id(fn: Any) -> str:
        if id(fn) not in ids:
            variable = getattr(fn, "variable", None)
            if variable is not None:  # AccumulateGrad: draw the leaf it accumulates into
                ids[id(fn)] = new("leaf", names.get(id(variable), "leaf"),
                                  _describe(variable, show_grads))
            else:
                ids[id(fn)] = new("backward", type(fn).__name__, [])
        return ids[id(fn)]

    edges.append((root, node_id(tensor.grad_fn)))
    stack, expanded = [tensor.grad_fn], set()
    while stack:  # depth-first, iterative: a long training-loop graph must not hit recursion limits
        fn = stack.pop()
        if id(fn) in expanded:
            continue
        expanded.add(id(fn))
        nexts = [nxt for nxt, _ in fn.next_functions if nxt is not None]
        edges.extend((ids[id(fn)], node_id(nxt)) for nxt in nexts)
        stack.extend(reversed(nexts))
    return Graph(nodes, edges)


def _describe(t: Any, show_grads: bool = False) -> list[str]:
    dtype = str(t.dtype).replace("torch.", "")
    lines = [f"{tuple(t.shape)} {dtype}"]
    grad = getattr(t, "grad", None) if show_grads else None
    if grad is not None:
        norm = math.sqrt(float((grad.detach().double() ** 2).sum()))
        lines.append(f"grad {tuple(grad.shape)} norm={norm:.4g}")
    return lines


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
