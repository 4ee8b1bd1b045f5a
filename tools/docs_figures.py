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


FIGURES: dict[str, Callable[[], str]] = {
    "autograd-graph": autograd_graph,
    "view-strides": view_strides,
    "broadcast-stride0": broadcast_stride0,
}


def render(markdown: str) -> str:
    """Replace each ``<!-- figure: NAME -->`` line by its inline SVG (a KeyError names a typo)."""
    return MARKER.sub(lambda m: f'<figure class="mt-figure" markdown="0">\n{FIGURES[m["name"]]()}\n</figure>',
                      markdown)


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    return render(markdown)
