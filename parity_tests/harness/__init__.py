"""Parity harness: the op table (``table.OP_TABLE``), strategies, checks and comparison helpers."""
