"""The op table: every public op of API.md's "Tensor creation", "Tensor operations" and
"Autograd" sections, gathered from the per-family tables."""

from __future__ import annotations

from . import (
               table_autograd,
               table_creation,
               table_elementwise,
               table_index,
               table_linalg,
               table_reduce,
               table_shape,
               table_tensor,
)
from .spec import OpSpec

FAMILIES: dict[str, list[OpSpec]] = {
    "elementwise": table_elementwise.TABLE,
    "reduce": table_reduce.TABLE,
    "linalg": table_linalg.TABLE,
    "shape": table_shape.TABLE,
    "index": table_index.TABLE,
    "creation": table_creation.TABLE,
    "tensor": table_tensor.TABLE,
    "autograd": table_autograd.TABLE,
}

OP_TABLE: list[OpSpec] = [spec for specs in FAMILIES.values() for spec in specs]

ENTRY_NAMES: set[str] = {spec.name for spec in OP_TABLE}
