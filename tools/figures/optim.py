"""The figures of docs/optim.md."""

from __future__ import annotations

import minitorch

from .draw import _svg, _text


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


FIGURES = {"optimizer-paths": optimizer_paths}
