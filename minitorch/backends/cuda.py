"""``torch.backends.cuda``: the cuBLAS flags tutorials set (``torch.backends.cuda.matmul.allow_tf32 = True``).

Not to be confused with ``minitorch.cuda`` (is there a GPU) or ``backends/torch_backend.py`` (the
array functions of CUDA tensors). The flags are accepted and readable with PyTorch's defaults;
minitorch does not pass them on to torch.
"""

from __future__ import annotations

from .. import cuda as _cuda


class _CuBLASFlags:
    """``matmul``: whether cuBLAS may use lower precision for speed."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _CuBLASFlags()


def is_built() -> bool:
    """Whether CUDA tensors can be made in this installation (a GPU, or fake CUDA)."""
    return _cuda.is_available()
