"""Solutions to exercises/parity_tests.py (docs/parity-tests.md)."""

from __future__ import annotations

import numpy as np
import torch as pytorch

import minitorch


# --8<-- [start:check_op]
def check_op(name: str, *arrays: np.ndarray) -> None:
    results = {}
    v = None
    for lib in (minitorch, pytorch):
        inputs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        out = getattr(lib, name)(*inputs)
        if v is None:  # the same random v for both libraries
            v = np.random.default_rng(0).standard_normal(tuple(out.shape))
        grads = lib.autograd.grad((out * lib.tensor(v)).sum(), inputs)
        results[lib] = [out.detach().numpy()] + [g.detach().numpy() for g in grads]
    for what, got, want in zip(["output"] + [f"grad {i}" for i in range(len(arrays))],
                               results[minitorch], results[pytorch]):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9, err_msg=f"{name}: {what}")
# --8<-- [end:check_op]


# --8<-- [start:permuted_view]
def permuted_view(lib, array: np.ndarray, perm: tuple[int, ...]):
    inverse = tuple(np.argsort(perm))  # leaf.permute(perm) must give array back
    leaf = lib.tensor(np.ascontiguousarray(array.transpose(inverse)), dtype=lib.float64,
                      requires_grad=True)
    return leaf, leaf.permute(perm)
# --8<-- [end:permuted_view]


# --8<-- [start:tie_gradients]
def tie_gradients(lib, values: list[float]) -> list[list[float]]:
    x = lib.tensor(values, requires_grad=True)
    outputs = [x.max(), x.max(dim=0).values, x.amax(), x.sort().values[-1]]
    return [lib.autograd.grad(y, x)[0].tolist() for y in outputs]
# --8<-- [end:tie_gradients]
