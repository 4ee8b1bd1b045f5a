"""The figures of docs/tensors-and-autograd.md."""

from __future__ import annotations

import minitorch

from .draw import CELL, COLORS, GAP, _box, _element_positions, _svg, _text


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


FIGURES = {"view-strides": view_strides}
