"""The two libraries being compared, and how the same NumPy data becomes a tensor in each.

``M`` is the library under test (minitorch, or torch itself when ``MINITORCH_PARITY_SELFTEST=1``,
which validates the harness); ``torch`` is the reference, always on CPU. Every tensor given to an
op is built by :func:`to_lib` from a NumPy array plus a :class:`Layout`, with the library's own view
ops, so both libraries see the same values through the same kind of strides.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import torch

SELFTEST = os.environ.get("MINITORCH_PARITY_SELFTEST") == "1"


class _Settings:
    """Mutable run-wide settings; conftest.py sets ``device`` from ``--device``."""

    device: str = os.environ.get("MINITORCH_TEST_DEVICE", "cpu")


settings = _Settings()


def _load_library_under_test() -> ModuleType:
    return torch if SELFTEST else importlib.import_module("minitorch")


class _LazyModule:
    """Imports the library under test on first attribute access, so collection never fails."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load_library_under_test(), name)

    def __repr__(self) -> str:
        return "<library under test: %s>" % ("torch (selftest)" if SELFTEST else "minitorch")


M: Any = _LazyModule()


def library_under_test() -> ModuleType:
    """The real module object of the library under test."""
    return _load_library_under_test()


def is_reference(lib: Any) -> bool:
    """True when ``lib`` is the CPU reference (in selftest mode ``M`` is torch too, on ``--device``)."""
    return lib is torch and not SELFTEST


def device_for(lib: Any) -> str:
    """Device on which ``lib``'s tensors are created: the test device for M, CPU for torch."""
    return "cpu" if is_reference(lib) else settings.device


NUMPY_TO_DTYPE_NAME = {
    np.dtype("float16"): "float16",
    np.dtype("float32"): "float32",
    np.dtype("float64"): "float64",
    np.dtype("int64"): "int64",
    np.dtype("int32"): "int32",
    np.dtype("int16"): "int16",
    np.dtype("int8"): "int8",
    np.dtype("uint8"): "uint8",
    np.dtype("bool"): "bool",
}


def lib_dtype(lib: Any, dtype: Any) -> Any:
    """``lib``'s dtype object for a NumPy dtype or a dtype name ('float32')."""
    name = dtype if isinstance(dtype, str) else NUMPY_TO_DTYPE_NAME[np.dtype(dtype)]
    return getattr(lib, name)


def is_floating(array: np.ndarray) -> bool:
    return np.issubdtype(array.dtype, np.floating)


@dataclass(frozen=True)
class Layout:
    """How an array is presented to an op: the kind of view over which storage.

    kind: 'contiguous'; 'permuted' (``base.permute(inverse(perm))`` of a contiguous tensor holding
    the transposed data); 'sliced' (``base[..., start::2]`` of a tensor twice as wide);
    'expanded' (``base.expand(shape)`` of a tensor with size 1 in ``dim``, so stride 0 there).
    """

    kind: str = "contiguous"
    perm: tuple[int, ...] = ()
    start: int = 0
    dim: int = 0

    def __repr__(self) -> str:
        extra = {"permuted": f"perm={self.perm}", "sliced": f"start={self.start}",
                 "expanded": f"dim={self.dim}"}.get(self.kind, "")
        return f"{self.kind}({extra})"


CONTIGUOUS = Layout()


def storage_array(array: np.ndarray, layout: Layout) -> np.ndarray:
    """The contiguous NumPy data of the leaf tensor whose view is ``array`` under ``layout``."""
    if layout.kind == "contiguous":
        return array
    if layout.kind == "permuted":
        return np.ascontiguousarray(np.transpose(array, layout.perm))
    if layout.kind == "sliced":
        wide = np.repeat(array, 2, axis=-1)  # the skipped elements hold valid values of the domain
        wide[..., layout.start::2] = array
        return wide
    if layout.kind == "expanded":
        return np.ascontiguousarray(np.take(array, [0], axis=layout.dim))
    raise ValueError(layout.kind)


def view_of(base: Any, layout: Layout, shape: tuple[int, ...]) -> Any:
    """Apply ``layout``'s view to ``base`` with the library's own view ops."""
    if layout.kind == "contiguous":
        return base
    if layout.kind == "permuted":
        return base.permute(*[int(i) for i in np.argsort(layout.perm)])
    if layout.kind == "sliced":
        return base[..., layout.start::2]
    if layout.kind == "expanded":
        return base.expand(*shape)
    raise ValueError(layout.kind)


def to_lib(lib: Any, array: np.ndarray, requires_grad: bool = False,
           layout: Layout = CONTIGUOUS, clone_base: bool = False) -> tuple[Any, Any]:
    """Build ``(leaf, view)`` in ``lib`` holding ``array``; gradients are compared on ``leaf``.

    ``clone_base`` takes the view of a clone of the leaf, so in-place ops may write into it.
    """
    data = storage_array(array, layout)
    leaf = lib.tensor(data, dtype=lib_dtype(lib, array.dtype), device=device_for(lib),
                      requires_grad=requires_grad)
    base = leaf.clone() if clone_base else leaf
    return leaf, view_of(base, layout, array.shape)


def tensor(lib: Any, data: Any, dtype: Any = None, requires_grad: bool = False) -> Any:
    """A contiguous tensor of ``lib`` on its device, from a NumPy array or nested lists."""
    array = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    if array.dtype == np.dtype("float64") and dtype is None and not isinstance(data, np.ndarray):
        array = array.astype(np.float32)  # Python floats become the default dtype, as in torch
    return to_lib(lib, array, requires_grad)[1]


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy copy of a tensor of either library (``detach().cpu().numpy()``)."""
    x = x.detach()
    if isinstance(x, torch.Tensor) and x._is_zerotensor():  # torch's lazy zeros in double backward
        return np.zeros(tuple(x.shape), dtype=str(x.dtype)[len("torch."):])
    if hasattr(x, "cpu"):
        x = x.cpu()
    return np.array(x.numpy(), copy=True)


def is_tensor(x: Any) -> bool:
    """True for a tensor of torch or of the library under test."""
    if isinstance(x, torch.Tensor):
        return True
    return not SELFTEST and isinstance(x, library_under_test().Tensor)
