"""What the figures share: Graphviz's ``dot``, and the pieces of the hand-written SVG drawings
(storage cells, labels, a whole picture) and of the DOT graphs (node and table labels)."""

from __future__ import annotations

import html
import shutil
import subprocess

import minitorch

CELL, GAP = 34, 6  # one storage cell's size and spacing, in SVG pixels
FONT = 'font-family="monospace" font-size="12"'
COLORS = ["#fdd0a2", "#c6dbef", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9"]


def dot_svg(dot: str) -> str:
    if shutil.which("dot") is None:  # fail the build: a page without its picture is a broken page
        raise RuntimeError("the docs' graph pictures need Graphviz's `dot` (apt-get install graphviz)")
    svg = subprocess.run(["dot", "-Tsvg"], input=dot, text=True, capture_output=True, check=True).stdout
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG sits inside HTML


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
