"""The figures of docs/kernels.md."""

from __future__ import annotations

import numpy as np

import minitorch

from .draw import CELL, COLORS, FONT, GAP, _box, _svg, _text


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


FIGURES = {"im2col-gemm": im2col_gemm, "thread-pool": thread_pool}
