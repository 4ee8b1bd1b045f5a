"""The figures of docs/gallery.md."""

from __future__ import annotations

from .draw import COLORS, _svg, _text


def gallery_ratios() -> str:
    """docs/gallery.md's measured table as bars: minitorch's time over PyTorch's, per chapter.

    The numbers are read from the page's own table (written by ``benchmarks/bench_gallery.py``), so
    the picture changes when the table is re-measured; nothing here is typed in.
    """
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "gallery.md").read_text()
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


FIGURES = {"gallery-ratios": gallery_ratios}
