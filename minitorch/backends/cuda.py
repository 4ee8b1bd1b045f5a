"""``torch.backends.cuda``: the cuBLAS flags tutorials set (``torch.backends.cuda.matmul.allow_tf32 = True``).

Not to be confused with ``minitorch.cuda`` (is there a GPU) or ``backends/torch_backend/`` (the
array functions of CUDA tensors). The flags are accepted and readable with PyTorch's defaults;
minitorch does not pass them on to torch.
"""

from __future__ import annotations

from .._core.device import cuda_is_available


class _CuBLASFlags:
    """``matmul``: whether cuBLAS may use lower precision for speed."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _CuBLASFlags()


def is_built() -> bool:
    """Whether CUDA tensors can be made in this installation (a GPU, or fake CUDA)."""
    return cuda_is_available()


# ---- torch.set_float32_matmul_precision: the newer spelling of matmul.allow_tf32
_PRECISIONS = ("highest", "high", "medium")
_float32_matmul_precision = "highest"


def set_float32_matmul_precision(precision: str) -> None:
    """'highest' (full float32), 'high' or 'medium' (TF32 allowed): sets ``matmul.allow_tf32``
    (``torch.set_float32_matmul_precision``; an unknown name warns and changes nothing)."""
    global _float32_matmul_precision
    if not isinstance(precision, str):
        raise RuntimeError(  # noqa: TRY004  (PyTorch's type)
            f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in _PRECISIONS:
        import warnings

        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _float32_matmul_precision = precision
    matmul.allow_tf32 = precision != "highest"


def get_float32_matmul_precision() -> str:
    """The precision ``set_float32_matmul_precision`` last set ('highest' by default)."""
    return _float32_matmul_precision
