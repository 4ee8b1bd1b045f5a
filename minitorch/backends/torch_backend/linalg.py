"""Products: ``matmul`` and ``einsum`` (NumPy's signatures; torch's kernels, cuBLAS on a GPU).
"""

from __future__ import annotations

import torch

from .convert import _t


def matmul(a, b, out=None):
    r = torch.matmul(_t(a), _t(b))
    return out.copy_(r) if out is not None else r


def einsum(subscripts, *operands, **kwargs):
    return torch.einsum(subscripts, *[_t(o) for o in operands])
