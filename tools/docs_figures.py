"""The docs' pictures, drawn at build time (an MkDocs hook: ``hooks:`` in mkdocs.yml).

A page asks for a picture with a line ``<!-- figure: NAME -->``; ``on_page_markdown`` replaces it
with ``<figure class="mt-figure">`` holding the SVG that ``FIGURES[NAME]()`` returns, inline, so
the built pages need no image files and nothing generated is checked in. Graph figures come from
``minitorch.viz`` through Graphviz's ``dot``; the memory-layout figures are small hand-written SVG
computed from real minitorch tensors (their strides and offsets are read, not typed).
``parity_tests/test_docs.py`` checks that the built pages contain them.
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
import subprocess
from collections.abc import Callable

import numpy as np

import minitorch
from minitorch.viz import draw_graph

MARKER = re.compile(r"^<!-- figure: (?P<name>[\w-]+) -->$", re.MULTILINE)
CELL, GAP = 34, 6  # one storage cell's size and spacing, in SVG pixels
FONT = 'font-family="monospace" font-size="12"'
COLORS = ["#fdd0a2", "#c6dbef", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9"]


def dot_svg(dot: str) -> str:
    if shutil.which("dot") is None:  # fail the build: a page without its picture is a broken page
        raise RuntimeError("the docs' graph pictures need Graphviz's `dot` (apt-get install graphviz)")
    svg = subprocess.run(["dot", "-Tsvg"], input=dot, text=True, capture_output=True, check=True).stdout
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG sits inside HTML


def autograd_graph() -> str:
    w = minitorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = minitorch.tensor(0.5, requires_grad=True)
    loss = (w.exp() * w).sum() + b
    return dot_svg(draw_graph(loss, {"w": w, "b": b}, show_grads=True).to_dot())


def start_graph() -> str:
    """Page 0's y = relu(a * b + a) + a * a, with each box's value and gradient."""
    a = minitorch.tensor(2.0, requires_grad=True)
    b = minitorch.tensor(3.0, requires_grad=True)
    y = (a * b + a).relu() + a * a
    return dot_svg(draw_graph(y, {"a": a, "b": b, "y": y}, show_grads=True).to_dot())


def training_step_graph() -> str:
    """examples/train_mlp.py's model and loss on a batch of 4: the graph loss.backward() walks."""
    from minitorch import nn

    minitorch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    images, labels = minitorch.randn(4, 1, 28, 28), minitorch.tensor([3, 1, 4, 1])
    loss = nn.CrossEntropyLoss()(model(images), labels)
    return dot_svg(draw_graph(loss, dict(model.named_parameters())).to_dot())


def _box(x: float, y: float, text: str, fill: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{fill}" stroke="#555"{dash}/>'
            f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 4}" text-anchor="middle" {FONT}>'
            f"{html.escape(text)}</text>")


def _text(x: float, y: float, text: str, anchor: str = "start", bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}" {FONT}{weight}>{html.escape(text)}</text>'


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img"><title>{html.escape(title)}</title>'
            + "".join(body) + "</svg>")


def _element_positions(t: minitorch.Tensor) -> list[list[int]]:
    """storage index of each element of a 2-d tensor: offset + i * stride[0] + j * stride[1]."""
    (s0, s1), off = t.stride(), t.storage_offset()
    return [[off + i * s0 + j * s1 for j in range(t.shape[1])] for i in range(t.shape[0])]


def view_strides() -> str:
    """x = arange(12).reshape(3, 4); y = x[1:, 1::2]: the storage, and which cells y reads."""
    x = minitorch.arange(12).reshape(3, 4)
    y = x[1:, 1::2]
    pos = _element_positions(y)
    color = {p: COLORS[i] for i, row in enumerate(pos) for p in row}
    body = [_text(10, 20, "storage (12 elements, shared by x and y)", bold=True)]
    for k in range(12):
        body.append(_box(10 + k * (CELL + GAP), 30, str(k), color.get(k, "#ffffff")))
        body.append(_text(10 + k * (CELL + GAP) + CELL / 2, 30 + CELL + 14, f"[{k}]", "middle"))
    top = 110
    body.append(_text(10, top, "x = arange(12).reshape(3, 4)", bold=True))
    body.append(_text(10, top + 16, f"shape {tuple(x.shape)}  stride {x.stride()}  offset {x.storage_offset()}"))
    for i, row in enumerate(_element_positions(x)):
        for j, p in enumerate(row):
            body.append(_box(10 + j * (CELL + GAP), top + 26 + i * (CELL + GAP), str(p), color.get(p, "#ffffff")))
    left = 300
    body.append(_text(left, top, "y = x[1:, 1::2]   (a view: no copy)", bold=True))
    body.append(_text(left, top + 16, f"shape {tuple(y.shape)}  stride {y.stride()}  offset {y.storage_offset()}"))
    (s0, s1), off = y.stride(), y.storage_offset()
    for i, row in enumerate(pos):
        for j, p in enumerate(row):
            body.append(_box(left + j * (CELL + GAP), top + 26 + i * (CELL + GAP), str(p), color[p]))
            body.append(_text(left + 2 * (CELL + GAP) + 10, top + 26 + i * (CELL + GAP) + CELL / 2 + 4,
                              f"y[{i}, 0..1] = storage[{off} + {i}*{s0} + j*{s1}]") if j == 0 else "")
    return _svg(660, top + 26 + 3 * (CELL + GAP) + 10, body, "a view's shape, strides and offset")


def broadcast_stride0() -> str:
    """v (3,) expanded to (2, 3) reads its storage twice; the gradient (2, 3) is summed back to (3,)."""
    v = minitorch.tensor([10.0, 20.0, 30.0], requires_grad=True)
    e = v.expand(2, 3)
    grad_out = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    e.backward(grad_out)
    body = [_text(10, 20, "forward: v.expand(2, 3)", bold=True),
            _text(10, 36, f"v: shape (3,) stride {v.stride()};  e: shape {tuple(e.shape)} stride {e.stride()}")]
    for k, val in enumerate(v.tolist()):
        body.append(_box(10 + k * (CELL + GAP), 60, f"{val:g}", COLORS[k]))
    body.append(_text(10 + 3 * (CELL + GAP) + 4, 60 + CELL / 2 + 4, "storage of v (3 elements)"))
    for i, row in enumerate(_element_positions(e)):
        for j, p in enumerate(row):
            x0, y0 = 10 + j * (CELL + GAP), 130 + i * (CELL + GAP)
            body.append(_box(x0, y0, f"{e[i, j].item():g}", COLORS[p], dashed=True))
            body.append(f'<line x1="{x0 + CELL / 2}" y1="{y0}" x2="{10 + p * (CELL + GAP) + CELL / 2}" '
                        f'y2="{60 + CELL}" stroke="#999" stroke-width="1"/>' if i == 0 else "")
        body.append(_text(10 + 3 * (CELL + GAP) + 4, 130 + i * (CELL + GAP) + CELL / 2 + 4,
                          f"row {i}: storage[{e.storage_offset()} + {i}*0 + j*1]"))
    left = 480
    body.append(_text(left, 20, "backward: sum over dim 0", bold=True))
    body.append(_text(left, 36, "v.grad = (grad of e).sum(0)"))
    for i, row in enumerate(grad_out.tolist()):
        for j, g in enumerate(row):
            body.append(_box(left + j * (CELL + GAP), 60 + i * (CELL + GAP), f"{g:g}", COLORS[j]))
    body.append(_text(left + 3 * (CELL + GAP) + 4, 60 + CELL + 4, "+ over dim 0"))
    for j, g in enumerate(v.grad.tolist()):
        body.append(_box(left + j * (CELL + GAP), 150, f"{g:g}", COLORS[j]))
    body.append(_text(left + 3 * (CELL + GAP) + 4, 150 + CELL / 2 + 4, "v.grad"))
    return _svg(740, 130 + 2 * (CELL + GAP) + 10, body, "a stride-0 broadcast and its un-broadcast gradient")


def im2col_gemm() -> str:
    """x (1, 1, 4, 4), a 2x2 kernel: 9 patches -> the 9 columns of F.unfold -> one GEMM with W (2, 4)."""
    import minitorch.nn.functional as F

    x = minitorch.arange(16.0).reshape(1, 1, 4, 4)
    w = minitorch.tensor([[1.0, 0.0, 0.0, -1.0], [1.0, 1.0, 1.0, 1.0]])  # C_out 2, C_in*kH*kW 4
    cols = F.unfold(x, 2)[0]  # (4, 9)
    y = w @ cols  # (2, 9)
    assert minitorch.allclose(y.reshape(1, 2, 3, 3), F.conv2d(x, w.reshape(2, 1, 2, 2)))
    picked = [0, 4, 8]  # the patches drawn in colour: (0, 0), (1, 1), (2, 2)
    color = {p: COLORS[k] for k, p in enumerate(picked)}
    step = CELL + GAP
    body = [_text(10, 20, "x (1, 1, 4, 4)", bold=True)]
    for i in range(4):
        for j in range(4):
            owners = [p for p in picked if p // 3 <= i <= p // 3 + 1 and p % 3 <= j <= p % 3 + 1]
            body.append(_box(10 + j * step, 30 + i * step, f"{x[0, 0, i, j].item():g}",
                             color[owners[0]] if owners else "#ffffff"))
            if len(owners) == 2:  # in two coloured patches: the lower right half in the second's colour
                x0, y0 = 10 + j * step, 30 + i * step
                body.append(f'<polygon points="{x0 + CELL},{y0} {x0 + CELL},{y0 + CELL} {x0},{y0 + CELL}" '
                            f'fill="{color[owners[1]]}" stroke="#555"/>')
                body.append(f'<text x="{x0 + CELL / 2}" y="{y0 + CELL / 2 + 4}" text-anchor="middle" {FONT}>'
                            f"{x[0, 0, i, j].item():g}</text>")
    for p in picked:  # each coloured patch's 2x2 window, outlined
        i, j = divmod(p, 3)
        body.append(f'<rect x="{10 + j * step - 3 + (2 if p else 0)}" y="{30 + i * step - 3 + (2 if p else 0)}" '
                    f'width="{2 * step - GAP + 6 - (4 if p else 0)}" height="{2 * step - GAP + 6 - (4 if p else 0)}" '
                    f'fill="none" stroke="#d94801" stroke-width="2"/>')
    body.append(_text(10, 30 + 4 * step + 12, "each 2x2 window is a patch"))
    left = 10 + 4 * step + 50
    body.append(_text(left - 40, 30 + 2 * step, "->", bold=True))
    body.append(_text(left, 20, f"cols = F.unfold(x, 2)  {tuple(cols.shape)}", bold=True))
    for r in range(4):
        for c in range(9):
            body.append(_box(left + c * step, 30 + r * step, f"{cols[r, c].item():g}", color.get(c, "#ffffff")))
    body.append(_text(left, 30 + 4 * step + 12, "a column per patch (output position), a row per (c, i, j)"))
    top = 30 + 4 * step + 60
    body.append(_text(10, top, "one GEMM:  y = W @ cols", bold=True))
    body.append(_text(10, top + 16, f"W = weight.reshape(C_out, C_in*kH*kW)  {tuple(w.shape)}"))
    for r in range(2):
        for c in range(4):
            body.append(_box(10 + c * step, top + 26 + r * step, f"{w[r, c].item():g}", "#f0f0f0"))
    body.append(_text(10 + 4 * step + 6, top + 26 + step, "@ cols  ="))
    yl = 10 + 4 * step + 80
    for r in range(2):
        for c in range(9):
            body.append(_box(yl + c * step, top + 26 + r * step, f"{y[r, c].item():g}", color.get(c, "#ffffff")))
    body.append(_text(yl, top + 26 + 2 * step + 12,
                      f"y {tuple(y.shape)} -> reshape to (1, 2, 3, 3): F.conv2d's output"))
    return _svg(max(left, yl) + 9 * step + 60, top + 26 + 2 * step + 24, body, "im2col: patches -> columns -> one GEMM")


def _engine_trace(loss: minitorch.Tensor) -> tuple[list, dict, list[tuple]]:
    """The nodes of ``loss``'s graph, their dependency counts and the ready queue step by step.

    The steps are the engine's loop (``run_backward``: pop the ready node created last, count its
    successors down, push those at zero) replayed on the real graph; the order is then checked
    against the order in which a real ``backward()`` runs the nodes (node and leaf hooks).
    """
    from minitorch.autograd.engine import _collect_dependencies

    root = loss.grad_fn
    deps = _collect_dependencies([root])
    nodes = [root] + sorted(deps, key=lambda n: -n._seq if n._seq != float("inf") else 0)
    counts = dict(deps)
    ready, steps = [root], []
    while ready:
        ready.sort(key=lambda n: (-n._seq, id(n)))  # the engine's heap order
        node = ready.pop(0)  # the most recently created (a leaf's AccumulateGrad has _seq = inf: first)
        changes = []
        for edge in node._edges:
            if edge is None:
                continue
            nxt = edge[0]
            counts[nxt] -= 1
            changes.append((nxt, counts[nxt] + 1, counts[nxt]))
            if counts[nxt] == 0:
                ready.append(nxt)
        steps.append((node, changes, list(ready)))
    ran: list = []
    hooks = [n.register_hook(lambda gi, go, n=n: ran.append(n)) for n in nodes if not hasattr(n, "variable")]
    for n in nodes:
        if hasattr(n, "variable"):
            n.variable.register_hook(lambda g, n=n: ran.append(n))
    loss.backward(retain_graph=True)
    for h in hooks:
        h.remove()
    assert ran == [s[0] for s in steps], "the drawing's order is not the engine's"
    return nodes, deps, steps


def ready_queue() -> str:
    """loss = (a * b + a).relu().sum(): the graph with each node's count, and the queue step by step."""
    a = minitorch.tensor([1.0, -2.0], requires_grad=True)
    b = minitorch.tensor([3.0, 4.0], requires_grad=True)
    loss = (a * b + a).relu().sum()
    nodes, deps, steps = _engine_trace(loss)
    leaf_names = {id(a): "a", id(b): "b"}

    def name(n) -> str:
        v = getattr(n, "variable", None)
        return f"AccumulateGrad ({leaf_names[id(v)]})" if v is not None else n.name()

    order = {id(s[0]): k + 1 for k, s in enumerate(steps)}
    lines = ["digraph ready_queue {", ('rankdir="TB"; node [shape=box, style="rounded,filled", fontname="monospace", '
             'fontsize=11]; edge [fontname="monospace", fontsize=10];')]
    for n in nodes:
        fill = "#c7e9c0" if hasattr(n, "variable") else "#d9d9d9"
        lines.append(f'"{id(n)}" [label="#{order[id(n)]}  {name(n)}\\nwaits for {deps.get(n, 0)} gradient(s)", '
                     f'fillcolor="{fill}"];')
        lines += [f'"{id(n)}" -> "{id(e[0])}";' for e in n._edges if e is not None]
    rows = [('<tr><td><b>step</b></td><td><b>runs</b></td><td><b>counts down</b></td>'
            '<td><b>ready queue after</b></td></tr>')]
    for k, (node, changes, ready) in enumerate(steps, 1):
        counted = "<br/>".join(f"{name(n)} {old}&#8594;{new}" for n, old, new in changes) or "-"
        queue = "<br/>".join(name(n) for n in sorted(ready, key=lambda n: (-n._seq, id(n)))) or "(empty)"
        rows.append(f"<tr><td>{k}</td><td>{name(node)}</td><td>{counted}</td><td>{queue}</td></tr>")
    lines.append('steps [shape=plain, style="", label=<<table border="0" cellborder="1" cellspacing="0" '
                 f'cellpadding="4">{"".join(rows)}</table>>];')
    lines.append('{rank=sink; steps}')  # the table under the graph, not beside it
    lines.append("}")
    return dot_svg("\n".join(lines))


def thread_pool() -> str:
    """One pool: the main thread and numba's workers run a prange loop, then share a GEMM.

    The pieces are the kernels' own: LeNet conv2's im2col over 64 x 6 planes split evenly (numba's
    static schedule), and its forward GEMM (16 x 150 x 8960: 64 samples of 10 x 14 full-width positions) cut by ``kernels/blas.py``'s ``_piece``
    on multiples of kernels/gemm.py's 32-wide tile.
    """
    from minitorch.kernels import blas, gemm

    threads, planes, (M, K, N) = 2, 64 * 6, (16, 150, 64 * 140)
    unit = gemm.TILE[np.dtype(np.float32)][1]
    pieces = [blas._piece.py_func(p, threads, N, unit) for p in range(threads)]
    chunk = [(t * planes // threads, (t + 1) * planes // threads) for t in range(threads)]
    lane, x0, height = 46, 86, 32
    body = [_text(10, 18, "one pool: numba's OpenMP threads (OpenBLAS held to 1 thread)", bold=True)]
    python = ("Convolution.forward", 0, 150, "#ffffff")
    loop = ("im2col, planes {}-{}", 160, 330, COLORS[0])
    share = ("GEMM, C[:, {}:{}]", 340, 510, COLORS[1])
    for t in range(threads):
        y0 = 34 + t * lane
        after = ("next op", 520, 630, "#ffffff") if t == 0 else ("spin, then sleep", 520, 650, "#eeeeee")
        body.append(_text(10, y0 + height / 2 + 4, "main" if t == 0 else f"worker {t}", bold=t == 0))
        spans = [python] if t == 0 else []
        spans += [(loop[0].format(chunk[t][0], chunk[t][1] - 1), *loop[1:]), (share[0].format(*pieces[t]), *share[1:]),
                  after]
        for text, lo, hi, fill in spans:
            body.append(f'<rect x="{x0 + lo}" y="{y0}" width="{hi - lo}" height="{height}" fill="{fill}" '
                        f'stroke="#555" rx="4"/>')
            body.append(_text(x0 + (lo + hi) / 2, y0 + height / 2 + 4, text, "middle"))
    bottom = 34 + threads * lane + 6
    for lo in (loop[1], share[1], share[2] + 10):
        body.append(f'<line x1="{x0 + lo - 5}" y1="28" x2="{x0 + lo - 5}" y2="{bottom - 6}" stroke="#d94801" '
                    'stroke-width="2" stroke-dasharray="4 3"/>')
    captions = [f"LeNet conv2's forward on {threads} threads: im2col's {planes} planes split evenly,",
                f"then the {M}x{K}x{N} GEMM cut into column blocks on {unit}-wide tiles",
                "(kernels/blas.py), each block one single-threaded GEMM call.",
                "Dashed: a parallel loop's fork and join (the main thread waits for every worker)."]
    body += [_text(10, bottom + 10 + 16 * k, line) for k, line in enumerate(captions)]
    return _svg(x0 + 660, bottom + 10 + 16 * len(captions), body, "the one thread pool")


# The learning path's pictures: one per page, each drawn from what the page's code does.

GRAPH_HEAD = ('node [shape=box, style="rounded,filled", fillcolor="#f0f0f0", fontname="monospace", fontsize=11]; '
              'edge [fontname="monospace", fontsize=10];')


def _label(*lines: str) -> str:
    """A DOT HTML-like label: one escaped line per argument, the first in bold."""
    rows = [f"<b>{html.escape(lines[0])}</b>"] + [html.escape(line) for line in lines[1:]]
    return "<" + "<br/>".join(rows) + ">"


def _table(title: str, rows: list[tuple[str, str]], port_rows: dict[int, str] | None = None) -> str:
    """A DOT HTML table: a bold title, then ``name | value`` rows; ``port_rows`` gives rows a port."""
    cells = [f'<tr><td colspan="2" bgcolor="#d9d9d9"><b>{html.escape(title)}</b></td></tr>']
    for k, (name, value) in enumerate(rows):
        port = f' port="{port_rows[k]}"' if port_rows and k in port_rows else ""
        cells.append(f'<tr><td align="left">{html.escape(name)}</td>'
                     f'<td align="left"{port}>{html.escape(value)}</td></tr>')
    return f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">{"".join(cells)}</table>>'


def _node_name(fn) -> str:
    return "AccumulateGrad" if hasattr(fn, "variable") else type(fn).__name__


def _node(name: str, label: str, fill: str = "#f0f0f0", style: str = "rounded,filled") -> str:
    return f'{name} [label={label}, fillcolor="{fill}", style="{style}"];'


def custom_function_node() -> str:
    """The node ``MulScale.apply(a, b, 3.0)`` records: the ctx, its saved tensors and its edges."""

    class MulScale(minitorch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.save_for_backward(a, b)
            ctx.k = k
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b * ctx.k, g * a * ctx.k, None

    a = minitorch.tensor([1.0, 2.0], requires_grad=True)
    c = minitorch.tensor([0.0, 1.0], requires_grad=True)
    b = c.exp()
    y = MulScale.apply(a, b, 3.0)
    ctx = y.grad_fn
    saved = ctx.saved_tensors
    names = {id(a): "a", id(b): "b"}
    rows = [("type(ctx).__mro__", " > ".join(k.__name__ for k in type(ctx).__mro__[:3])),
            *[(f"saved_tensors[{i}]", f"{names[id(t)]}  {list(t.shape)}  version {t._version}")
              for i, t in enumerate(saved)],
            ("k (attribute)", repr(ctx.k)),
            ("needs_input_grad", repr(ctx.needs_input_grad)),
            *[(f"next_functions[{i}]", f"({_node_name(fn)}, {nr})") for i, (fn, nr) in enumerate(ctx.next_functions)]]
    first_edge = len(rows) - len(ctx.next_functions)
    ports = {first_edge + i: f"e{i}" for i in range(len(ctx.next_functions))}
    lines = ["digraph custom {", 'rankdir="TB";', GRAPH_HEAD,
             _node("y", _label("y = MulScale.apply(a, b, 3.0)", "forward: save_for_backward(a, b); ctx.k = k",
                               f"y = {[round(v, 4) for v in y.tolist()]},  y.grad_fn is ctx: {y.grad_fn is ctx}"),
                   "#c6dbef", "filled"),
             f'ctx [shape=plain, style="", label={_table(f"ctx = y.grad_fn: {type(ctx).__name__}", rows, ports)}];',
             'y -> ctx [label=" grad_fn"];']
    for i, (fn, _) in enumerate(ctx.next_functions):
        if hasattr(fn, "variable"):
            label, fill = _label("AccumulateGrad", f"variable: {names[id(fn.variable)]} (leaf)"), "#c7e9c0"
        else:
            label, fill = _label(type(fn).__name__, "b = c.exp(): b's grad_fn"), "#f0f0f0"
        lines.append(f'f{i} [label={label}, fillcolor="{fill}"];')
        lines.append(f'ctx:e{i} -> f{i};')
    (leaf_c,) = [fn for fn, _ in ctx.next_functions[1][0].next_functions]
    lines.append(f'c [label={_label("AccumulateGrad", "variable: c (leaf)")}, fillcolor="#c7e9c0"];')
    assert leaf_c.variable is c
    lines.append('f1 -> c [label=" next_functions[0]"];')
    lines.append("}")
    return dot_svg("\n".join(lines))


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


def module_tree() -> str:
    """A small LeNet: each module's own parameters and buffers, under their state_dict keys."""
    from minitorch import nn

    class LeNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.bn1 = nn.BatchNorm2d(6)
            self.pool = nn.MaxPool2d(2)
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(6 * 12 * 12, 32), nn.ReLU(), nn.Linear(32, 10))

        def forward(self, x):
            return self.head(self.pool(self.bn1(self.conv1(x)).relu()))

    model = LeNet()
    state = model.state_dict()
    params = {id(p) for p in model.parameters()}
    lines = ["digraph modules {", 'rankdir="LR"; ranksep=0.5; nodesep=0.15;', GRAPH_HEAD]
    ids = {}
    for name, module in model.named_modules():
        ids[name] = f"m{len(ids)}"
        own = [(f"{name}.{k}" if name else k, t) for k, t in
               [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]]
        rows = "".join(f'<tr><td align="left" bgcolor="{"#c7e9c0" if id(t) in params else "#fdd0a2"}">'
                       f'{html.escape(key)}</td><td align="left">{tuple(t.shape)}</td></tr>' for key, t in own
                       if key in state)
        title = f"{name or '(model)'}: {type(module).__name__}"
        lines.append(f'{ids[name]} [shape=plain, style="", label=<<table border="0" cellborder="1" cellspacing="0" '
                     f'cellpadding="3"><tr><td colspan="2" bgcolor="#d9d9d9"><b>{html.escape(title)}</b></td></tr>'
                     f'{rows}</table>>];')
        if name:
            parent, _, attr = name.rpartition(".")
            lines.append(f'{ids[parent]} -> {ids[name]} [label=" {attr}"];')
    lines.append('legend [shape=plain, style="", label=<<table border="0" cellborder="1" cellspacing="0" '
                 'cellpadding="3"><tr><td bgcolor="#c7e9c0">parameter</td><td bgcolor="#fdd0a2">buffer</td></tr>'
                 f'<tr><td colspan="2">{len(state)} state_dict keys</td></tr></table>>];')
    lines.append("}")
    return dot_svg("\n".join(lines))


def optimizer_paths() -> str:
    """SGD, SGD with momentum and Adam from (-4, 1.5) on f(p) = (p0**2 + 10 p1**2) / 2, 30 steps each."""
    scale = minitorch.tensor([1.0, 10.0])
    runs = {"SGD lr=0.18": (minitorch.optim.SGD, {"lr": 0.18}),
            "SGD lr=0.03 momentum=0.9": (minitorch.optim.SGD, {"lr": 0.03, "momentum": 0.9}),
            "Adam lr=0.5": (minitorch.optim.Adam, {"lr": 0.5})}
    paths, losses = {}, {}
    for label, (cls, options) in runs.items():
        p = minitorch.tensor([-4.0, 1.5], requires_grad=True)
        opt = cls([p], **options)
        path = [p.tolist()]
        for _ in range(30):
            opt.zero_grad()
            loss = (scale * p * p).sum() / 2
            loss.backward()
            opt.step()
            path.append(p.tolist())
        paths[label], losses[label] = path, (scale * p * p).sum().item() / 2
    (x_lo, x_hi), (y_lo, y_hi), px = (-4.6, 1.6), (-1.9, 1.9), 72  # the plotted region, pixels per unit
    left, top = 10, 30
    width, height = (x_hi - x_lo) * px, (y_hi - y_lo) * px

    def xy(point: list[float]) -> tuple[float, float]:
        return left + (min(max(point[0], x_lo), x_hi) - x_lo) * px, top + (y_hi - min(max(point[1], y_lo), y_hi)) * px

    cx, cy = xy([0.0, 0.0])
    body = [_text(left, 18, "f(p) = (p0^2 + 10 p1^2) / 2, from p = (-4, 1.5), 30 steps each", bold=True),
            f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="#fafafa" stroke="#999"/>',
            f'<clipPath id="optim-clip"><rect x="{left}" y="{top}" width="{width}" height="{height}"/></clipPath>',
            '<g clip-path="url(#optim-clip)">']
    for level in (0.5, 2, 4.5, 8, 12.5, 18):  # f = level: an ellipse with semi-axes sqrt(2 level), sqrt(2 level / 10)
        body.append(f'<ellipse cx="{cx}" cy="{cy}" rx="{(2 * level) ** 0.5 * px:.1f}" '
                    f'ry="{(2 * level / 10) ** 0.5 * px:.1f}" fill="none" stroke="#ccc"/>')
    colors = ["#d94801", "#2171b5", "#238b45"]
    for color, (label, path) in zip(colors, paths.items()):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, path))
        body.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>' for x, y in map(xy, path)]
    body.append("</g>")
    body.append(f'<circle cx="{cx}" cy="{cy}" r="4" fill="none" stroke="#000"/>')
    legend = left + width + 20
    body.append(_text(legend, top + 12, "after 30 steps: f(p)", bold=True))
    for k, (color, label) in enumerate(zip(colors, paths)):
        y0 = top + 36 + 40 * k
        body.append(f'<line x1="{legend}" y1="{y0 - 4}" x2="{legend + 24}" y2="{y0 - 4}" stroke="{color}" stroke-width="3"/>')
        body.append(_text(legend + 30, y0, label.split(" momentum")[0]))
        body.append(_text(legend + 30, y0 + 16, ("momentum=0.9, " if "momentum" in label else "") + f"f = {losses[label]:.2e}"))
    body.append(_text(legend, top + 36 + 40 * 3 + 10, "grey: level sets of f"))
    body.append(_text(legend, top + 36 + 40 * 3 + 26, "circle: the minimum (0, 0)"))
    return _svg(legend + 235, top + height + 10, body, "optimizer trajectories on a narrow quadratic valley")


def data_pipeline() -> str:
    """DataLoader(TensorDataset(10 samples), batch_size=4, shuffle=True): each stage's real output."""
    from minitorch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(minitorch.arange(20.0).reshape(10, 2), minitorch.arange(10) % 3)
    loader = DataLoader(data, batch_size=4, shuffle=True, generator=minitorch.Generator().manual_seed(0))
    order = list(loader.sampler)
    loader.sampler.generator.manual_seed(0)  # the same order again for the batches
    batches = list(loader.batch_sampler)
    first = [data[i] for i in batches[0]]
    x, y = loader.collate_fn(first)
    loader.sampler.generator.manual_seed(0)
    real_x, real_y = next(iter(loader))  # the stages above are what iterating the loader does
    assert real_x.tolist() == x.tolist() and real_y.tolist() == y.tolist()

    def sample(s: tuple) -> str:
        return f"(tensor({s[0].tolist()}), tensor({s[1].item()}))"

    stages = [
        ("dataset", _table(f"dataset: {type(data).__name__}", [("len(dataset)", str(len(data))),
                                                               ("dataset[3]", sample(data[3]))])),
        ("sampler", _table(f"sampler: {type(loader.sampler).__name__}", [("list(sampler)", str(order))])),
        ("batches", _table(f"batch_sampler: {type(loader.batch_sampler).__name__} (batch_size=4)",
                           [(f"batch {k}", str(b)) for k, b in enumerate(batches)])),
        ("fetch", _table("fetch: [dataset[i] for i in batch 0]", [(f"dataset[{i}]", sample(s))
                                                                   for i, s in zip(batches[0], first)])),
        ("batch", _table(f"collate_fn: {loader.collate_fn.__name__}", [("x", f"{tuple(x.shape)} {x.tolist()}"),
                                                                      ("y", f"{tuple(y.shape)} {y.tolist()}")])),
    ]
    lines = ["digraph data {", 'rankdir="TB"; nodesep=0.3;', GRAPH_HEAD]
    lines += [f'{name} [shape=plain, style="", label={label}];' for name, label in stages]
    lines += [f"{a[0]} -> {b[0]};" for a, b in itertools.pairwise(stages)]
    workers = "<br/>".join(f"batch {k} -&gt; worker {k % 2}" for k in range(len(batches)))
    lines.append(f'workers [label=<<b>num_workers=2</b><br/>{workers}<br/>each worker fetches and collates;'
                 '<br/>batches come back in sampler order>, fillcolor="#dadaeb", style="rounded,filled,dashed"];')
    lines.append('batches -> workers [style=dashed]; workers -> batch [style=dashed];')
    lines.append("}")
    return dot_svg("\n".join(lines))


def backend_dispatch() -> str:
    """x.exp() and F.conv2d(x, w) on the CPU: the layers a call passes, named from the live objects."""
    import minitorch.nn.functional as F
    from minitorch.backends import backend_of, cpu

    x = minitorch.randn(1, 1, 5, 5, requires_grad=True)
    w = minitorch.randn(2, 1, 3, 3, requires_grad=True)
    e, c = x.exp(), F.conv2d(x, w)
    xp, conv, array = backend_of(x._data), cpu.conv2d, type(x._data)
    lines = ["digraph dispatch {", 'rankdir="TB"; nodesep=0.25;', GRAPH_HEAD,
             _node("call", _label("x.exp()  /  F.conv2d(x, w)", "Tensor in, Tensor out"), "#c6dbef", "filled"),
             _node("apply", _label("Function.apply", "device check, forward under no_grad,",
                                   f"grad_fn {type(e.grad_fn).__name__} /", f"{type(c.grad_fn).__name__}",
                                   "(backward: Tensor ops, this path again)")),
             _node("forward", _label("Primitive.forward(ctx, arrays)", "xp = backend_of(x._data)")),
             _node("cpu", _label(f"{xp.__name__.removeprefix('minitorch.')}", "(this run)",
                                 f"arrays: {array.__module__}.{array.__name__}", f"xp.exp: {xp.exp!r}",
                                 f"xp.conv2d: {conv.__module__.removeprefix('minitorch.')}.{conv.__name__}"),
                   "#c7e9c0"),
             _node("cuda", _label("backends.torch_backend", "(cuda)", "arrays: torch.Tensor on cuda:0",
                                  "xp.exp: torch.exp", "xp.conv2d: torch's F.conv2d"), "#fdd0a2", "rounded,filled,dashed"),
             _node("kernel", _label("kernels/ (numba)", "checks.py guards shapes,", "then the loop nest"), "#dadaeb"),
             'call -> apply; apply -> forward; forward -> cpu [label=" CPU"];',
             'forward -> cuda [label=" CUDA", style=dashed]; cpu -> kernel [label=" conv, pool, gemm"];',
             "}"]
    return dot_svg("\n".join(lines))


def parity_test_flow() -> str:
    """One generated parity test: a Sample, the same view in both libraries, the checks, shrinking."""
    arr = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])
    leaf = minitorch.tensor(arr.T.copy(), dtype=minitorch.float64, requires_grad=True)  # to_lib: leaf, then view
    view = leaf.permute(1, 0)
    out = view.exp()
    (grad,) = minitorch.autograd.grad(out, leaf, minitorch.ones_like(out))
    lines = ["digraph parity {", 'rankdir="TB"; nodesep=0.3;', GRAPH_HEAD,
             _node("spec", _label("OpSpec (table_*.py)", 'F("exp", unary(), out=True)', "call(lib, x) = lib.exp(x)"),
                   "#dadaeb"),
             _node("sample", _label("hypothesis draws a Sample", f"arrays: {arr.shape} float64",
                                    "Layout(permuted, perm=(1, 0)), seed"), "#fdd0a2"),
             _node("mt", _label("to_lib(minitorch, ...)", f"leaf {tuple(leaf.shape)} -> view {tuple(view.shape)}",
                                f"stride {view.stride()}, contiguous {view.is_contiguous()}"), "#c7e9c0"),
             _node("pt", _label("to_lib(torch, ...)", "the same leaf and view,", "made with torch view ops"), "#c6dbef"),
             _node("run_mt", _label("spec.call(minitorch, view)", f"{tuple(out.shape)} {out.dtype}"), "#c7e9c0"),
             _node("run_pt", _label("spec.call(torch, view)"), "#c6dbef"),
             _node("cmp", _label("compare_outputs", "structure, dtype, shape,", "values within tol, NaN where torch has NaN")),
             _node("grad", _label("check_gradients (float64)", f"autograd.grad on the leaves: {tuple(grad.shape)}",
                                  "then gradgrad: d/dx sum(g * v)")),
             _node("ok", _label("pass: silent"), "#c7e9c0"),
             _node("shrink", _label("fail: hypothesis shrinks", "smaller shapes, simpler values,",
                                    "until the smallest failing Sample;", "prints it with the difference"), "#fcbba1"),
             'spec -> sample [label=" spec.sample"]; sample -> mt; sample -> pt; mt -> run_mt; pt -> run_pt;',
             "run_mt -> cmp; run_pt -> cmp; cmp -> grad; grad -> ok; grad -> shrink; cmp -> shrink;",
             'shrink -> sample [style=dashed, label=" next candidate", constraint=false];',
             "}"]
    return dot_svg("\n".join(lines))


def profiler_timeline() -> str:
    """The profiler page's step (x @ w, relu, sum, backward, SGD step), its ranges drawn on a time axis.

    Times are this build's, so the picture changes from build to build; its shape does not.
    """
    from minitorch.profiler import ProfilerActivity, profile, record_function

    minitorch.manual_seed(0)
    x = minitorch.randn(64, 784)
    w = minitorch.randn(784, 10, requires_grad=True)
    opt = minitorch.optim.SGD([w], lr=0.1)
    for _ in range(2):  # the second: a first profiled step spends ~0.2 ms starting up before its first op
        with profile(activities=[ProfilerActivity.CPU]) as prof, record_function("step"):
            loss = (x @ w).relu().sum()
            loss.backward()
            opt.step()
    events = prof.events()

    def depth(e) -> int:
        return 0 if e.cpu_parent is None else 1 + depth(e.cpu_parent)

    t0 = min(e.start_ns for e in events)
    t1 = max(e.end_ns for e in events)
    left, top, width, row = 10, 40, 660, 24
    us = (t1 - t0) / 1000
    px = width / (t1 - t0)
    rows = max(depth(e) for e in events) + 1
    body = [_text(left, 16, f"one profiled step: {len(events)} ranges, {us:.0f} us in this build's run", bold=True)]

    def fill(e) -> str:
        if e.name.startswith("kernel:"):
            return "#fdae6b"
        if "evaluate_function" in e.name or e.name.endswith("Backward0") or "AccumulateGrad" in e.name:
            return "#c6dbef"
        return "#c7e9c0" if e.name.startswith("aten::") else "#d9d9d9"

    tops: list[str] = []
    for e in events:
        x0, w0 = left + (e.start_ns - t0) * px, max((e.end_ns - e.start_ns) * px, 1.0)
        y0 = top + depth(e) * row
        body.append(f'<rect x="{x0:.1f}" y="{y0}" width="{w0:.1f}" height="{row - 4}" fill="{fill(e)}" '
                    f'stroke="#555" stroke-width="0.5"><title>{html.escape(e.name)}: '
                    f'{e.cpu_time_total:.1f} us</title></rect>')
        if depth(e) == 1:  # numbered; the key under the axis names them
            tops.append(e.name)
            body.append(_text(x0 + w0 / 2, y0 + row / 2 + 2, str(len(tops)), "middle"))
        elif depth(e) == 0:
            body.append(_text(x0 + 3, y0 + row / 2 + 2, e.name))
    axis = top + rows * row + 6
    body.append(f'<line x1="{left}" y1="{axis}" x2="{left + width}" y2="{axis}" stroke="#555"/>')
    step = next(s for s in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if us / s <= 10)
    for k in range(int(us // step) + 1):
        tx = left + k * step * 1000 * px
        body.append(f'<line x1="{tx:.1f}" y1="{axis}" x2="{tx:.1f}" y2="{axis + 5}" stroke="#555"/>')
        body.append(_text(tx, axis + 18, f"{k * step} us", "middle" if k else "start"))
    keys = [("#d9d9d9", "record_function / optimizer"), ("#c7e9c0", "op (aten::...)"),
            ("#fdae6b", "kernel: the arithmetic"), ("#c6dbef", "backward node")]
    for k, (color, text) in enumerate(keys):
        lx, ly = left + (k % 2) * 330, axis + 30 + (k // 2) * 20
        body.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{color}" stroke="#555"/>')
        body.append(_text(lx + 20, ly + 12, text))
    for k, name in enumerate(tops):
        name = name.replace("autograd::engine::evaluate_function: ", "evaluate_function: ")
        body.append(_text(left, axis + 90 + 16 * k, f"{k + 1}  {name}"))
    axis += 90 + 16 * len(tops) - 56
    return _svg(left + width + 40, axis + 56, body, "a profiled training step on a time axis")


def _compiled_step_run() -> tuple[list[tuple], list, dict, dict, object]:
    """A compiled training step (2-layer MLP, MSE, SGD) called on batches of 8, then 4, then both.

    Returns each call's ``(number, batch, outcome, plan index or None, microseconds)``, with the
    outcome read from the compiled function's cache (``_entries``: warm, captures, plans) around
    the call; the plans; the buffers each step writes in place (plan index -> step index -> slots,
    logged from the recorder's ``call`` while it captures); where each plan's model, loss, backward
    and SGD parts start (plan index -> step indices, noted inside the step while it is captured);
    and the model (to name the state buffers).
    """
    import time

    from minitorch import nn
    from minitorch._compile import recorder
    from minitorch._core import capture

    minitorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = minitorch.optim.SGD(model.parameters(), lr=0.1)

    @minitorch.compile
    def step(x, y):
        opt.zero_grad()
        mark()
        out = model(x)
        mark()
        loss = nn.functional.mse_loss(out, y)
        mark()
        loss.backward()
        mark()
        opt.step()
        return loss

    marks: dict = {}

    def mark() -> None:  # while a capture runs: the steps its plan has so far
        if capture.observer is not None:
            marks.setdefault(id(capture.observer.plan), []).append({id(s) for s in capture.observer.plan.steps})

    writes: dict = {}
    plain_call = recorder.Recorder.call

    def call(self, fn, args, kwargs, written):  # the in-place writes a Step does not keep
        out = plain_call(self, fn, args, kwargs, written)
        step = self.plan.steps[-1]
        writes.setdefault(id(self.plan), []).append((step, step.fn, {step.ins[i] for i in written}))
        return out

    def indexed(p) -> tuple[dict, list]:  # the finished plan's step numbers (it drops and moves steps)
        number = {id(s): k for k, s in enumerate(p.steps)}
        logged = {number[id(s)]: slots for s, fn, slots in writes.get(id(p), []) if id(s) in number and s.fn is fn}
        return logged, [sum(1 for s in p.steps if id(s) in before) for before in marks[id(p)]]

    plans: list = []
    calls = []
    recorder.Recorder.call = call
    try:
        for n, batch in enumerate((8, 8, 8, 8, 4, 4, 4, 8, 4, 8), 1):
            x, y = minitorch.randn(batch, 3), minitorch.randn(batch, 1)
            entry = next((e for k, e in step._entries.items() if k[1][0][0] == (batch, 3)), None)
            warm, captures = (entry.warm, entry.captures) if entry else (False, 0)
            ready = next((p for p in entry.plans if p.guards_pass() is None), None) if entry else None
            start = time.perf_counter_ns()
            step(x, y)
            us = (time.perf_counter_ns() - start) / 1000
            entry = next(e for k, e in step._entries.items() if k[1][0][0] == (batch, 3))
            if not warm or entry.eager_reason is not None:
                calls.append((n, batch, "eager", None, us))
            elif entry.captures > captures:
                plans.append(entry.plans[-1])
                calls.append((n, batch, "capture", len(plans) - 1, us))
            else:
                calls.append((n, batch, "replay", plans.index(ready), us))
    finally:
        recorder.Recorder.call = plain_call
    numbered = [indexed(p) for p in plans]
    return calls, plans, {k: w for k, (w, _) in enumerate(numbered)}, {k: m for k, (_, m) in enumerate(numbered)}, model


def compiled_step() -> str:
    """docs/compile.md's life cycle: which calls run eagerly, capture or replay, and plan A drawn.

    Top: ten calls of a compiled step on batches of 8 and 4, one lane per input signature (a cache
    entry), each box coloured by what the call did, with its time in this build's run. Below: the
    first plan, a box per kernel (``print(plan)``'s lines) with the arrays it is handed and the
    arrays it makes or writes into, coloured by kind (input, state, constant, temporary).
    """
    runs = [_compiled_step_run() for _ in range(3)]  # each call's time: the best of 3 runs (a shared machine)
    calls, plans, writes, marks, model = runs[-1]
    assert all([c[:4] for c in run[0]] == [c[:4] for c in calls] for run in runs), "the runs did different things"
    calls = [(*c[:4], min(run[0][k][4] for run in runs)) for k, c in enumerate(calls)]
    plan, written = plans[0], writes[0]
    letters = "ABCDEFGH"
    kind_fill = {"x": "#fdd0a2", "s": "#c7e9c0", "c": "#d9d9d9", "f": "#d9d9d9", "t": "#c6dbef"}
    call_fill = ["#fff3b0", "#dadaeb"]  # replays of plan A, plan B
    left, box_w, gap, width = 10, 60, 6, 700
    body = [_text(left, 16, f"{len(calls)} calls of one compiled training step (times: best of 3 runs, this build)", bold=True)]
    lanes = sorted({c[1] for c in calls}, reverse=True)
    lane_y = {b: 28 + k * 86 for k, b in enumerate(lanes)}
    for b in lanes:
        body.append(_text(left, lane_y[b] + 12, f"batch {b}: x {b}x3, y {b}x1: one input signature (cache entry)"))
    for n, batch, outcome, k, us in calls:
        x0, y0 = left + (n - 1) * (box_w + gap), lane_y[batch] + 20
        fill = "#ffffff" if outcome == "eager" else "#fdae6b" if outcome == "capture" else call_fill[k]
        body.append(f'<rect x="{x0}" y="{y0}" width="{box_w}" height="46" fill="{fill}" stroke="#555" rx="4"/>')
        body.append(_text(x0 + box_w / 2, y0 + 13, f"call {n}", "middle", bold=True))
        body.append(_text(x0 + box_w / 2, y0 + 27, outcome, "middle"))
        body.append(_text(x0 + box_w / 2, y0 + 41, (f"plan {letters[k]}" if k is not None else "warm-up"), "middle"))
        body.append(f'<text x="{x0 + box_w / 2}" y="{y0 + 60}" text-anchor="middle" font-family="monospace" '
                    f'font-size="11" fill="#444">{us:.0f} us</text>')
    changed = next(c for c in calls if c[1] != calls[0][1])  # the first call on the second batch size
    note_y = lane_y[changed[1]] + 36
    body += [_text(left, note_y, "new shape: the cache key (the"),
             _text(left, note_y + 14, "shape guard) misses; a new entry"),
             _text(left, note_y + 28, "warms up and captures plan B -->")]
    top = lane_y[lanes[-1]] + 104
    state_names = {}
    for name, p in model.named_parameters():
        for i, (kind, value) in enumerate(zip(plan.kinds, plan.template)):
            if kind == "s" and value is p._data:
                state_names[i] = name
            elif kind == "s" and i not in state_names and np.shares_memory(value, p._data):
                state_names[i] = f"{name}'s storage"
    names = [f"{k}{i}" for i, k in enumerate(plan.kinds)]
    arrays = {i for i, (k, v) in enumerate(zip(plan.kinds, plan.template)) if k in "xstf" or hasattr(v, "shape")}
    body.append(_text(left, top, "plan A = step.plans[0], drawn: a box per kernel, as print(plan) lists them,",
                      bold=True))
    body.append(_text(left, top + 16, f"the arrays it is handed -> what it makes or (bold) writes into. "
                      f"{len(plan.steps)} kernels."))
    row, kernel_w, chip_w = 17, 262, 34
    first = top + 28
    parts = [*marks[0], len(plan.steps)]  # the first mark: after zero_grad, which sets .grad to None (no kernel)
    for name, lo, hi in zip(("model", "loss", "backward", "SGD"), parts, parts[1:]):
        if hi > lo:  # a bracket beside the part's kernels, its name written along it
            y_lo, y_hi = first + lo * row + 1, first + hi * row - 4
            body.append(f'<path d="M{left + 12},{y_lo} h-5 V{y_hi} h5" fill="none" stroke="#555"/>')
            body.append(f'<text transform="translate({left + 2},{(y_lo + y_hi) / 2}) rotate(-90)" text-anchor="middle" '
                        f'font-family="monospace" font-size="11">{name}</text>')
    left += 16  # the kernels' column, right of the brackets
    for n, s in enumerate(plan.steps):
        y0 = first + n * row
        shapes = " ".join("x".join(map(str, sh)) if sh else "()" for sh in s.shapes)
        body.append(f'<rect x="{left}" y="{y0}" width="{kernel_w}" height="{row - 3}" fill="#f7f7f7" '
                    f'stroke="#999" rx="2"/>')
        text = f"{n:2d} {s.name[:17]:<17} {shapes}"
        body.append(f'<text x="{left + 4}" y="{y0 + 11}" font-family="monospace" font-size="11" '
                    f'xml:space="preserve">{html.escape(text)}</text>')
        handed = [i for i in dict.fromkeys((*s.ins, *(i for _, i in s.kw_slots))) if i in arrays]
        cx = left + kernel_w + 8
        for i in handed:
            body.append(_chip(cx, y0, names[i], kind_fill[plan.kinds[i]]))
            cx += chip_w + 3
        cx = max(cx, left + kernel_w + 8 + 3 * (chip_w + 3))
        wrote = sorted(written.get(n, set()))
        outs = list(dict.fromkeys([*wrote, *s.outs]))
        if outs:
            body.append(_text(cx, y0 + 11, "->"))
        for j, i in enumerate(outs):
            body.append(_chip(cx + 20 + j * (chip_w + 3), y0, names[i], kind_fill[plan.kinds[i]], bold=i in wrote))
    key_x = left + kernel_w + 8 + 3 * (chip_w + 3) + 20 + 2 * (chip_w + 3) + 12
    ky = first + 11
    groups = [("inputs: new arrays", [(names[i], "x" if k == 0 else "y", "x") for k, i in enumerate(plan.input_slots)]),
              ("state: read and updated", [(names[i], state_names.get(i, "state"), "s")
                                           for i, k in enumerate(plan.kinds) if k == "s"]),
              ("constants", [(names[i], "copied at capture", plan.kinds[i]) for i in sorted(arrays)
                             if plan.kinds[i] in "cf"]),
              ("temporaries", [("t..", f"{plan.kinds.count('t')}, made by kernels", "t")])]
    for heading, entries in groups:
        body.append(_text(key_x, ky, heading, bold=True))
        ky += 6
        for chip, text, kind in entries:
            body.append(_chip(key_x, ky, chip, kind_fill[kind]))
            body.append(_text(key_x + chip_w + 5, ky + 11, text))
            ky += row
        ky += 16
    body.append(_chip(key_x, ky - 6, "s2", kind_fill["s"], bold=True))
    body.append(_text(key_x + chip_w + 5, ky + 5, "written in place"))
    bottom = first + len(plan.steps) * row + 4
    for k, (target, slot, _) in enumerate(plan.grad_effects):
        who = next(name for name, p in model.named_parameters() if p is target)
        body.append(_text(left, bottom + 14 + 16 * k, f"effect: {who}.grad = tensor over {names[slot]}"))
    bottom += 14 + 16 * len(plan.grad_effects)
    return _svg(width, bottom, body, "a compiled step's calls, and its plan drawn")


def _chip(x: float, y: float, text: str, fill: str, bold: bool = False) -> str:
    """A buffer in a plan drawing: its slot name on its kind's colour (bold border: written in place)."""
    border = ' stroke-width="2.5" stroke="#000"' if bold else ' stroke="#777"'
    return (f'<rect x="{x}" y="{y}" width="34" height="14" fill="{fill}"{border} rx="3"/>'
            f'<text x="{x + 17}" y="{y + 11}" text-anchor="middle" font-family="monospace" font-size="11">'
            f"{html.escape(text)}</text>")


def gallery_ratios() -> str:
    """docs/gallery.md's measured table as bars: minitorch's time over PyTorch's, per chapter.

    The numbers are read from the page's own table (written by ``benchmarks/bench_gallery.py``), so
    the picture changes when the table is re-measured; nothing here is typed in.
    """
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "gallery.md").read_text()
    lines = text[text.index("### The table"):].splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("| chapter"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    col = {name: header.index(name) for name in ("chapter", "ratio", "s/epoch minitorch default / 1 thread",
                                                  "s/epoch torch 1 / 2 threads")}
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        mt_1 = float(cells[col["s/epoch minitorch default / 1 thread"]].split("/")[1])
        torch_1 = float(cells[col["s/epoch torch 1 / 2 threads"]].split("/")[0])
        rows.append((cells[col["chapter"]], float(cells[col["ratio"]].rstrip("x")), mt_1 / torch_1))
    left, top, px, row = 140, 40, 160, 22  # px: pixels per 1.0x
    right = max(max(r[1], r[2]) for r in rows)
    width = left + px * (int(right) + 1) + 20
    body = [_text(10, 16, "s/epoch, minitorch over PyTorch (docs/gallery.md's table)", bold=True)]
    for k, (name, ratio, one_thread) in enumerate(rows):
        y0 = top + k * row
        body.append(_text(left - 8, y0 + row / 2 + 1, name, "end"))
        body.append(f'<rect x="{left}" y="{y0 + 3}" width="{ratio * px:.1f}" height="{row - 8}" '
                    f'fill="{COLORS[1]}" stroke="#555" stroke-width="0.5"/>')
        body.append(f'<circle cx="{left + one_thread * px:.1f}" cy="{y0 + row / 2 - 1}" r="4" fill="#d94801"/>')
        body.append(_text(left + max(ratio, one_thread) * px + 8, y0 + row / 2 + 1, f"{ratio:.2f}x"))
    bottom = top + len(rows) * row + 4
    for tick in range(int(right) + 2):
        tx = left + tick * px
        dash = "" if tick == 1 else ' stroke-dasharray="3 3"'
        body.append(f'<line x1="{tx}" y1="{top - 4}" x2="{tx}" y2="{bottom}" stroke="{"#000" if tick == 1 else "#aaa"}"{dash}/>')
        body.append(_text(tx, bottom + 16, f"{tick}x" + (" (as fast)" if tick == 1 else ""), "middle"))
    body.append(f'<rect x="{left}" y="{bottom + 30}" width="14" height="10" fill="{COLORS[1]}" stroke="#555"/>')
    body.append(_text(left + 20, bottom + 40, "the table's ratio (each library at its faster thread count)"))
    body.append(f'<circle cx="{left + 7}" cy="{bottom + 55}" r="4" fill="#d94801"/>')
    body.append(_text(left + 20, bottom + 59, "one thread each"))
    return _svg(max(width, left + 470), bottom + 70, body, "the gallery's time ratios")


FIGURES: dict[str, Callable[[], str]] = {
    "autograd-graph": autograd_graph,
    "start-graph": start_graph,
    "training-step-graph": training_step_graph,
    "view-strides": view_strides,
    "broadcast-stride0": broadcast_stride0,
    "im2col-gemm": im2col_gemm,
    "ready-queue": ready_queue,
    "thread-pool": thread_pool,
    "custom-function-node": custom_function_node,
    "higher-order-graph": higher_order_graph,
    "module-tree": module_tree,
    "optimizer-paths": optimizer_paths,
    "data-pipeline": data_pipeline,
    "backend-dispatch": backend_dispatch,
    "parity-test-flow": parity_test_flow,
    "profiler-timeline": profiler_timeline,
    "compiled-step": compiled_step,
    "gallery-ratios": gallery_ratios,
}


def render(markdown: str) -> str:
    """Replace each ``<!-- figure: NAME -->`` line by its inline SVG (a KeyError names a typo)."""
    return MARKER.sub(lambda m: f'<figure class="mt-figure" markdown="0">\n{FIGURES[m["name"]]()}\n</figure>',
                      markdown)


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    return render(markdown)
