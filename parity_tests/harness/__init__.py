"""Parity harness: minitorch against torch, driven by one op table.

Layout:

- ``libs``: the library under test ``M`` (minitorch; torch itself with
  ``MINITORCH_PARITY_SELFTEST=1``), the test device, and ``to_lib`` which builds the same NumPy
  array as a tensor of either library, contiguous or as a permuted / strided-slice / expanded view
  made with the library's own view ops.
- ``strategies``: hypothesis strategies: shapes (0-d, size-0, size-1 dims), broadcastable shapes,
  values inside a ``Domain`` (kinks and poles avoided), layouts, and the sample builders
  (``elementwise``, ``with_scalar``, ``reduction``, ``same_shape``, ``custom``, ``no_tensors``).
- ``spec``: ``OpSpec`` (one table entry), ``ErrorCase``, tolerances, and entry builders
  (``function_and_method``, ``scenario``...).
- ``table_*.py``: the entries, by family; ``table.OP_TABLE`` gathers them.
- ``checks``: forward, gradient (first and second, float64), ``out=`` and error checks.
- ``comparison``: ``assert_close`` and ``compare_outputs``.
- ``api_names``: API.md's names, which test_coverage.py requires the table to cover.

Adding an op is one line in its family's table, e.g. in ``table_elementwise.py``::

    *F("log1p", unary(domain=Domain(-0.9, 3))),   # lib.log1p and Tensor.log1p

which generates forward tests in float32 and float64, first and second gradients in float64, and
(with ``out=True``) an ``out=`` check.
"""
