"""Indexing: ``x[key]``, index keys, gather/scatter and friends."""
