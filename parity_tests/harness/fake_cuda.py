"""Fake CUDA switched on inside one test or module, whatever the process imported before.

``MINITORCH_FAKE_CUDA=1`` (backends/torch_backend/convert.py) is read when the torch backend is
first imported: a test that sets the variable later, in a process where an earlier test (another
file, in the same pytest-xdist worker) imported the backend without it, would make real CUDA
tensors. ``fake_cuda_on(patch)`` sets the variable and, where the backend is already imported
without it, the backend's own host-or-GPU choice, all through ``patch`` (a ``pytest.MonkeyPatch``),
so that the test's end restores both.
"""

from __future__ import annotations

import sys

import torch


def fake_cuda_on(patch) -> None:
    patch.setenv("MINITORCH_FAKE_CUDA", "1")
    backend = sys.modules.get("minitorch.backends.torch_backend")
    if backend is not None and not backend.FAKE:
        for module, name, value in [(backend, "FAKE", True), (backend.convert, "FAKE", True),
                                    (backend.convert, "device", torch.device("cpu")),
                                    (backend.creation, "device", torch.device("cpu"))]:
            patch.setattr(module, name, value)
