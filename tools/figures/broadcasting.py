"""The figures of docs/broadcasting.md."""

from __future__ import annotations

import minitorch

from .draw import CELL, COLORS, GAP, _box, _element_positions, _svg, _text


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


FIGURES = {"broadcast-stride0": broadcast_stride0}
