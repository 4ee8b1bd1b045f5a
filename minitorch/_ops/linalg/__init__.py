"""Linear algebra: ``matmul`` and the named products."""
