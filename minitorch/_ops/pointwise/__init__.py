"""Pointwise ops: unary math, binary arithmetic, comparisons and logic."""
