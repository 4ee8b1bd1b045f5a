"""Printing tensors like PyTorch: ``tensor([[1., 2.]], requires_grad=True)``."""

from __future__ import annotations

import numpy as np

from . import _dtype


def _format_array(a: np.ndarray, indent: int) -> str:
    if a.dtype == np.bool_:
        fmt = {"bool": lambda v: " True" if v else "False"}
        body = np.array2string(a, separator=", ", formatter=fmt, prefix=" " * indent, threshold=1000, edgeitems=3)
        return body
    if np.issubdtype(a.dtype, np.floating):
        finite = a[np.isfinite(a)]
        if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
            width = max(len(f"{int(v)}") for v in finite) + 1
            fmt = {"float": lambda v: (f"{v:.0f}." if np.isfinite(v) else f"{v}").rjust(width)}
        else:
            absf = np.abs(finite)
            use_sci = finite.size and (absf.max() / max(absf[absf > 0].min() if (absf > 0).any() else 1, 1e-300) > 1000
                                        or absf.max() > 1e8 or (absf[absf > 0].min() if (absf > 0).any() else 1) < 1e-4)
            if use_sci:
                fmt = {"float": lambda v: f"{v:.4e}"}
            else:
                strs = [f"{v:.4f}" for v in finite.reshape(-1)]
                width = max((len(s) for s in strs), default=1)
                fmt = {"float": lambda v: (f"{v:.4f}" if np.isfinite(v) else f"{v}").rjust(width)}
        return np.array2string(a, separator=", ", formatter=fmt, prefix=" " * indent, threshold=1000, edgeitems=3,
                               max_line_width=80)
    return np.array2string(a, separator=", ", prefix=" " * indent, threshold=1000, edgeitems=3, max_line_width=80)


def tensor_repr(t) -> str:
    a = t.detach().cpu()._data if t.device.type != "cpu" else t._data
    prefix = "tensor("
    suffixes = []
    if t.numel() == 0 and t.dim() != 1:
        body = "[]"
        suffixes.append(f"size={tuple(t.shape)}")
    else:
        body = _format_array(np.asarray(a), len(prefix))
        body = body.replace("nan", "nan").replace("inf", "inf")
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if t.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_):
        suffixes.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
