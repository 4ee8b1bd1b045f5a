"""Entry checks: the sizes a kernel's loops assume, verified before any loop runs.

A numba loop trusts its arrays: an index past the end of one reads or writes whatever memory
lies there, a wrong value or a segfault that kills the process. So every public kernel entry
states what its loops assume (ranks, sizes that must agree between arrays, positive window
sizes and strides) and checks it with the functions below before it allocates or loops. The
checks read shapes, dtypes and parameters only, never values. They run on every kernel call (a
GoogLeNet training step makes ~1,300), so each is written for its common case, a shape that
passes: one tuple compare where the expected shape has no wildcard, else a plain loop (not a
generator, each of whose items resumes a Python frame); a message is built only on failure.
A violation raises RuntimeError, PyTorch's type for shape errors, naming the entry and the array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_shape(op: str, name: str, shape: Sequence[int], expected: Sequence[int | None]) -> None:
    """``shape`` has one entry per entry of ``expected``, equal to it where that is not None."""
    if type(shape) is tuple and shape == expected:  # no wildcard: one compare
        return
    if len(shape) == len(expected):
        for s, e in zip(shape, expected):
            if e is not None and s != e:
                break
        else:
            return
    want = "(" + ", ".join("*" if e is None else str(e) for e in expected) + ")"
    raise RuntimeError(f"{op}: expected {name} of shape {want}, but got {name} of shape {tuple(shape)}")


def check_same_shape(op: str, names: Sequence[str], arrays: Sequence[np.ndarray]) -> None:
    """All ``arrays`` have the shape of the first (element-wise loops index them together)."""
    first = arrays[0].shape
    for name, a in zip(names[1:], arrays[1:]):
        if a.shape != first:
            raise RuntimeError(
                f"{op}: {name} of shape {a.shape} does not match {names[0]} of shape {first}")


def check_broadcast(op: str, names: Sequence[str], arrays: Sequence[np.ndarray]) -> tuple[int, ...]:
    """The shape the ``arrays`` broadcast to (NumPy's and PyTorch's rules)."""
    try:
        return np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(f"{n} {tuple(a.shape)}" for n, a in zip(names, arrays))
        raise RuntimeError(f"{op}: the shapes of {shapes} cannot be broadcast together") from None


def check_at_most(op: str, what: str, got: Sequence[int], limit: Sequence[int]) -> None:
    """``0 <= got[i] <= limit[i]``: a gradient's spatial size fits the windows of its input."""
    for g, lim in zip(got, limit):
        if not 0 <= g <= lim:
            raise RuntimeError(f"{op}: {what} {tuple(got)} does not fit the input (at most {tuple(limit)})")


def check_ints(op: str, what: str, values: Sequence, low: int) -> None:
    """Every entry of ``values`` is an integer of at least ``low``."""
    if any(int(v) != v or v < low for v in values):
        rule = "positive" if low == 1 else f"at least {low}"
        raise RuntimeError(f"{op}: {what} should be {rule} integers, but got {tuple(values)}")


def check_window(op: str, kernel: Sequence[int], stride: Sequence[int], padding: Sequence,
                 dilation: Sequence[int] = (1, 1)) -> None:
    """Kernel size, stride and dilation are positive and padding is non-negative, per dim.

    ``padding`` may hold pairs (``((top, bottom), (left, right))``) as well as ints.
    """
    passes = True  # the common case first: plain ints (padding's pairs tuples of them), plain loops
    for v in (*kernel, *stride, *dilation):
        if type(v) is not int or v < 1:
            passes = False
            break
    if passes:
        for p in padding:
            if type(p) is tuple and len(p) == 2:
                lo, hi = p
                if type(lo) is not int or type(hi) is not int or lo < 0 or hi < 0:
                    passes = False
                    break
            elif type(p) is not int or p < 0:
                passes = False
                break
    if passes:
        return
    pads = [p for entry in padding for p in (entry if isinstance(entry, (tuple, list)) else (entry,))]
    check_ints(op, "kernel size", kernel, 1)
    check_ints(op, "stride", stride, 1)
    check_ints(op, "dilation", dilation, 1)
    check_ints(op, "padding", pads, 0)


def check_output_size(op: str, input_size: Sequence[int], output_size: Sequence[int]) -> None:
    """A forward's computed spatial output size is at least 1 (PyTorch's "too small" error)."""
    for o in output_size:
        if o < 1:
            raise RuntimeError(
                f"{op}: computed output size {tuple(output_size)} is too small for input size "
                f"{tuple(input_size)}")


def check_dtype(op: str, name: str, a: np.ndarray, kinds: str, what: str) -> None:
    """``a``'s dtype is of a kind in ``kinds`` (NumPy's ``dtype.kind``: 'f' float, 'i' signed int...)."""
    if a.dtype.kind not in kinds:
        raise RuntimeError(f"{op}: expected {name} of {what} dtype, but got {a.dtype}")


def check_matmul(op: str, a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    """The shape of ``a @ b`` under torch.matmul's rules (1-d operands promoted, batch dims
    broadcast); RuntimeError when the operands cannot be multiplied."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"{op}: both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if a.shape[-1] != k_b:
        raise RuntimeError(f"{op}: a of shape {a.shape} and b of shape {b.shape} cannot be multiplied "
                           f"({a.shape[-1]} != {k_b})")
    if a.ndim <= 2 and b.ndim <= 2:  # no batch dims to broadcast (NumPy's broadcast_shapes costs µs)
        return a.shape[:-1] + b.shape[-1:] if b.ndim > 1 else a.shape[:-1]
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{op}: the batch dimensions of a {a.shape} and b {b.shape} cannot be broadcast") from None
    return batch + a.shape[-2:-1] + b.shape[-1:] if b.ndim > 1 else batch + a.shape[-2:-1]
