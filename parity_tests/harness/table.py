"""The op table: every public op of API.md's "Tensor creation", "Tensor operations" and
"Autograd" sections, gathered from the per-family tables."""

from __future__ import annotations

from . import table_elementwise, table_index, table_linalg, table_reduce, table_shape
from .spec import OpSpec

OP_TABLE: list[OpSpec] = [
    *table_elementwise.TABLE,
    *table_reduce.TABLE,
    *table_linalg.TABLE,
    *table_shape.TABLE,
    *table_index.TABLE,
]

ENTRY_NAMES: set[str] = {spec.name for spec in OP_TABLE}
