"""``minitorch.autograd.profiler``: where PyTorch keeps ``record_function`` and its older ``profile``.

A re-export of ``minitorch.profiler`` (the library above autograd; ``parity_tests/test_layers.py``
lists this import as an exception).
"""

from __future__ import annotations

from ..profiler import EventList, FunctionEvent, FunctionEventAvg, record_function
from ..profiler._legacy import profile

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "profile", "record_function"]
