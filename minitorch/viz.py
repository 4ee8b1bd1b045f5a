"""Draw the backward graph behind a tensor: Graphviz DOT, SVG, or an indented text tree.

``draw_graph(loss)`` starts at ``loss.grad_fn`` and follows ``next_functions`` - exactly the edges
``autograd/engine.py: run_backward`` walks - down to the ``AccumulateGrad`` nodes of the leaves.
Edges point the way gradients flow: from the output towards the leaves.

It reads only the public graph API (``grad_fn``, ``next_functions``, ``AccumulateGrad.variable``),
so the same call draws a PyTorch graph too. The name is ours: the third-party ``torchviz`` calls
its version ``make_dot``; this one returns a :class:`Graph` that can render itself three ways.

Like micrograd's ``draw_dot``, every box shows a value and, with ``show_grads=True``, a gradient:
the output, each leaf and each tensor you name in ``params`` show their shape, dtype and first few
numbers; a backward node shows the shape of the tensor it produced (a node does not keep that
tensor, so name an intermediate - ``params={"h": h}`` - to see its numbers). The gradients are those
of ``tensor`` with respect to every node's output, from a backward pass of its own.

Importing this module costs nothing beyond the standard library; ``to_svg`` needs Graphviz's
``dot`` binary and ``to_text`` needs nothing.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass
class GraphNode:
    """One box of the drawing: the output tensor, a backward node, or a leaf tensor."""

    id: str                  # "n0", "n1", ... in depth-first order, so the DOT text is stable
    kind: str                # "output", "backward" or "leaf"
    label: str               # first line of the box: the node's name
    details: list[str] = field(default_factory=list)  # further lines: value, gradient


# to_text indents at most this many levels; a deeper subtree is printed after the tree,
# under its id, so the text grows linearly with the graph rather than with depth * size.
TEXT_MAX_DEPTH = 8


@dataclass
class Graph:
    """Nodes and edges of a backward graph; ``edges`` are ``(from_id, to_id)`` pairs."""

    nodes: list[GraphNode]
    edges: list[tuple[str, str]]

    def node(self, node_id: str) -> GraphNode:
        return self._index()[0][node_id]

    def children(self, node_id: str) -> list[GraphNode]:
        return self._index()[1].get(node_id, [])

    def _index(self) -> tuple[dict[str, GraphNode], dict[str, list[GraphNode]]]:
        """id -> node and id -> children, built once per (nodes, edges) so lookups are O(1)."""
        key = (len(self.nodes), len(self.edges))
        cached = self.__dict__.get("_cache")
        if cached is None or cached[0] != key:
            by_id = {n.id: n for n in self.nodes}
            kids: dict[str, list[GraphNode]] = {}
            for src, dst in self.edges:
                kids.setdefault(src, []).append(by_id[dst])
            cached = self.__dict__["_cache"] = (key, by_id, kids)
        return cached[1], cached[2]

    def to_dot(self) -> str:
        """The graph in Graphviz's DOT language (render with ``dot -Tsvg``).

        Node ids are ``n0, n1, ...``: never a DOT keyword (``node``, ``edge``, ``graph``), so the
        text pasted into any Graphviz tool draws exactly these boxes.
        """
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
        """An indented tree, for terminals and doctests; a node reached twice is drawn once.

        Indentation stops at ``TEXT_MAX_DEPTH`` levels: a deeper node is written as
        ``[n42] Name (continued below)`` and its subtree follows the tree, starting again at
        the left margin with ``[n42] Name ...``. Every node is written once in full and every edge once as a reference,
        so a chain of n ops is O(n) characters, not O(n**2).
        """
        out: list[str] = []
        seen: set[str] = set()
        deferred: set[str] = set()  # nodes whose subtree is written after the tree
        roots = [self.nodes[0]] if self.nodes else []
        while roots:
            root = roots.pop(0)
            if root.id in seen:
                continue
            # (node, indentation, branch glyph, is last child, depth): iterative, deep graphs are fine
            stack = [(root, "", "", True, 0)]
            while stack:
                node, prefix, branch, last, depth = stack.pop()
                text = " ".join([node.label, *node.details])
                if node.id in seen:
                    out.append(prefix + branch + text + " (shared, see above)")
                    continue
                kids = self.children(node.id)
                if kids and (depth > TEXT_MAX_DEPTH or (node.id in deferred and depth > 0)):
                    out.append(prefix + branch + f"[{node.id}] {node.label} (continued below)")
                    if node.id not in deferred:
                        deferred.add(node.id)
                        roots.append(node)
                    continue
                out.append(prefix + branch + (f"[{node.id}] " if depth == 0 and out else "") + text)
                seen.add(node.id)
                inner = prefix + ("" if not branch else "   " if last else "│  ")
                for i in reversed(range(len(kids))):
                    is_last = i == len(kids) - 1
                    stack.append((kids[i], inner, "└─ " if is_last else "├─ ", is_last, depth + 1))
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

    ``params`` names tensors (``dict(model.named_parameters())``, as ``torchviz.make_dot``): a leaf
    by its box, an intermediate result by the backward node that produced it. Named tensors, the
    output and every leaf show ``shape dtype [first numbers]``; a backward node shows its output's
    shape where the graph records it.

    With ``show_grads=True`` every box also shows ``grad [first numbers]``: the gradient of
    ``tensor`` (of ``tensor.sum()`` when it is not a scalar) with respect to that box's value,
    from a backward pass of its own through node hooks, with ``retain_graph=True``: ``.grad``
    is left alone. If an earlier ``backward()`` freed the graph, the leaves show their ``.grad``
    instead and the backward nodes no gradient.
    """
    names = {id(t): name for name, t in (params or {}).items()}
    named_outputs = {(id(t.grad_fn), _output_nr(t)): (name, t) for name, t in (params or {}).items()
                     if getattr(t, "grad_fn", None) is not None}
    nodes: list[GraphNode] = []
    edges: list[tuple[str, str]] = []
    ids: dict[int, str] = {}  # id(autograd node) -> drawing id
    fns: dict[str, Any] = {}  # drawing id -> autograd node

    def new(kind: str, label: str, details: list[str]) -> str:
        node_id = f"n{len(nodes)}"
        nodes.append(GraphNode(node_id, kind, label, details))
        return node_id

    out_name = names.get(id(tensor), "output")
    root = new("output", out_name, [_value(tensor)])
    if tensor.grad_fn is None:
        if tensor.requires_grad:  # a leaf: there is no graph, only the tensor itself
            grad = getattr(tensor, "grad", None) if show_grads else None
            nodes[0] = GraphNode(root, "leaf", out_name, [_value(tensor)] + _grad_line(grad))
        return Graph(nodes, edges)

    def node_id(fn: Any) -> str:
        if id(fn) not in ids:
            variable = getattr(fn, "variable", None)
            if variable is not None:  # AccumulateGrad: draw the leaf it accumulates into
                ids[id(fn)] = new("leaf", names.get(id(variable), "leaf"), [_value(variable)])
            else:
                named = named_outputs.get((id(fn), 0))
                details = [f"{named[0]} = {_value(named[1])}"] if named else _out_shape(fn)
                ids[id(fn)] = new("backward", type(fn).__name__, details)
            fns[ids[id(fn)]] = fn
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
    if show_grads:
        _add_grads(tensor, nodes, fns)
    return Graph(nodes, edges)


def _add_grads(tensor: Any, nodes: list[GraphNode], fns: dict[str, Any]) -> None:
    """Append ``grad ...`` to every box: d tensor / d (the box's value), by node hooks."""
    lib = sys.modules[type(tensor).__module__.split(".")[0]]
    leaves = {nid: fn.variable for nid, fn in fns.items() if getattr(fn, "variable", None) is not None}
    seen: dict[str, Any] = {}

    def recorder(nid: str) -> Any:
        def hook(grad_inputs: Any, grad_outputs: Any) -> None:
            seen[nid] = grad_outputs[0]
        return hook

    handles = [fn.register_hook(recorder(nid)) for nid, fn in fns.items() if nid not in leaves]
    seed = lib.ones_like(tensor)
    try:
        grads = lib.autograd.grad([tensor], list(leaves.values()), [seed],
                                  retain_graph=True, allow_unused=True)
        seen.update(zip(leaves, grads))
    except RuntimeError:  # the graph was freed by an earlier backward(): fall back to .grad
        seen = {nid: leaf.grad for nid, leaf in leaves.items()}
    finally:
        for handle in handles:
            handle.remove()
    seen[nodes[0].id] = seed
    for node in nodes:
        node.details.extend(_grad_line(seen.get(node.id)))


def _output_nr(t: Any) -> int:
    return int(getattr(t, "output_nr", 0))


def _out_shape(fn: Any) -> list[str]:
    """The shape of a backward node's output: the gradient it expects (minitorch's ``_out_meta``,
    PyTorch's ``_input_metadata``: named from the backward pass's side, where it is an input)."""
    meta = getattr(fn, "_out_meta", None)
    if meta:
        return [str(tuple(meta[0][0]))]
    torch_meta = getattr(fn, "_input_metadata", None)
    return [str(tuple(torch_meta[0].shape))] if torch_meta else []


def _numbers(t: Any, count: int = 4) -> str:
    """The first ``count`` elements, 4 significant digits: ``[1, 2.718, 7.389]``."""
    flat = t.detach().reshape(-1)
    shown = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat[:count].tolist())
    return f"[{shown}{', ...' if flat.shape[0] > count else ''}]"


def _value(t: Any) -> str:
    dtype = str(t.dtype).replace("torch.", "")
    return f"{tuple(t.shape)} {dtype} {_numbers(t)}"


def _grad_line(grad: Any) -> list[str]:
    return [] if grad is None else [f"grad {_numbers(grad)}"]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
