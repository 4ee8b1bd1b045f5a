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


FIGURES: dict[str, Callable[[], str]] = {
    "autograd-graph": autograd_graph,
    "start-graph": start_graph,
    "training-step-graph": training_step_graph,
    "view-strides": view_strides,
    "broadcast-stride0": broadcast_stride0,
    "im2col-gemm": im2col_gemm,
    "ready-queue": ready_queue,
    "thread-pool": thread_pool,
}


def render(markdown: str) -> str:
    """Replace each ``<!-- figure: NAME -->`` line by its inline SVG (a KeyError names a typo)."""
    return MARKER.sub(lambda m: f'<figure class="mt-figure" markdown="0">\n{FIGURES[m["name"]]()}\n</figure>',
                      markdown)


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    return render(markdown)
