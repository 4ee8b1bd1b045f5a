"""``out=`` of another dtype, as PyTorch writes it (issue 14's leftovers).

PyTorch's accumulating ops (``sum`` and ``prod`` over a dim, ``cumsum``, ``cumprod``) compute in the
dtype of ``out`` when no ``dtype`` is given: the input is cast first, so a float sum written into an
int64 ``out`` adds truncated values (``1.5 + 0.4 -> 1 + 0``), a uint8 ``out`` wraps, and a bool
``out`` of ``sum``/``prod`` is a logical or/and. The values, dtypes and errors are compared with torch.
Other ops keep the promotion rule (``mean`` of floats into an int ``out`` is an error), some want
``out`` of the result's own dtype (``amax``, products, sorts, gathers: RuntimeError), ``all``/``any``
a bool or uint8 ``out``; Tensor methods take no ``out=`` at all.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt

DATA = np.array([[1.5, -2.7, 3.2], [0.4, 2.6, -1.1], [-0.6, 7.9, 2.2]])
INPUT_DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]
OUT_DTYPES = ["int64", "int32", "int16", "int8", "uint8", "bool", "float16", "float32", "float64"]
CALLS = ["torch.sum(a, 0, out=o)", "torch.sum(a, (0, 1), keepdim=True, out=o)", "torch.sum(a, dim=None, out=o)",
         "torch.prod(a, 1, out=o)", "torch.cumsum(a, 0, out=o)", "torch.cumprod(a, 1, out=o)",
         "torch.mean(a, 0, out=o)", "torch.sum(a, 0, dtype=torch.float64, out=o)", "torch.cumsum(a, 0, dtype=torch.int64, out=o)",
         # ops whose out= must have the result's own dtype
         "torch.amax(a, 0, out=o)", "torch.amin(a, out=o)", "torch.matmul(a, a.T, out=o)", "torch.mm(a, a, out=o)",
         "torch.mv(a, a[0], out=o)", "torch.dot(a[0], a[1], out=o)", "torch.bmm(a[None], a[None], out=o)",
         "torch.addmm(a, a, a, out=o)", "torch.inner(a, a, out=o)", "torch.norm(a, dim=0, out=o)",
         "torch.where(a > 0, a, a, out=o)", "torch.clamp(a, 0, out=o)", "torch.tril(a, out=o)", "torch.triu(a, out=o)",
         "torch.diag(a, out=o)", "torch.gather(a, 0, torch.zeros(1, 3, dtype=torch.int64), out=o)",
         "torch.index_select(a, 0, torch.tensor([0]), out=o)", "torch.masked_select(a, a > 0, out=o)",
         "torch.scatter(a, 0, torch.zeros(1, 3, dtype=torch.int64), a, out=o)", "torch.nonzero(a, out=o)",
         "torch.max(a, 0, out=(o, torch.zeros(0, dtype=torch.int64)))", "torch.sort(a, out=(o, torch.zeros(0, dtype=torch.int64)))",
         "torch.topk(a, 1, out=(o, torch.zeros(0, dtype=torch.int64)))",
         "torch.mode(a, 0, out=(o, torch.zeros(0, dtype=torch.int64)))",
         # ops that cast into out, or take only bool/uint8 (all, any)
         "torch.max(a, out=o)", "torch.outer(a[0], a[1], out=o)", "torch.addr(a, a[0], a[1], out=o)", "torch.exp(a, out=o)",
         "torch.add(a, a, out=o)", "torch.cat([a, a], out=o)", "torch.stack([a, a], out=o)", "torch.all(a, 0, out=o)",
         "torch.any(a, out=o)", "torch.logsumexp(a, 0, out=o)"]


def _run(lib, call: str, in_dtype: str, out_dtype: str):
    """("ok", values, dtype name) or ("error", exception type name) of ``call`` in ``lib``."""
    a = lib.tensor(DATA).to(getattr(lib, in_dtype))
    o = lib.zeros(0, dtype=getattr(lib, out_dtype))
    try:
        r = eval(call, {"torch": lib, "a": a, "o": o})
    except Exception as error:  # noqa: BLE001
        return ("error", type(error).__name__)
    assert r is o or r[0] is o  # an out= pair (values, indices) comes back as that pair
    return ("ok", np.asarray(o.tolist()), str(o.dtype))


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("in_dtype", INPUT_DTYPES)
def test_out_of_another_dtype(call, in_dtype):
    for out_dtype in OUT_DTYPES:
        ref, ours = _run(torch, call, in_dtype, out_dtype), _run(mt, call, in_dtype, out_dtype)
        assert ref[0] == ours[0] and ref[-1] == ours[-1], (out_dtype, ref, ours)
        if ref[0] == "ok":
            np.testing.assert_allclose(ours[1].astype(np.float64), ref[1].astype(np.float64), rtol=2e-3,
                                       err_msg=f"{call} {in_dtype} -> {out_dtype}")


def test_accumulating_dtype_uint8_wraps():
    """uint8 sums and products wrap in uint8 (NumPy alone would accumulate in uint64)."""
    for name in ["sum", "prod", "cumsum", "cumprod"]:
        for lib_args in [(0,), ()] if name in ("sum", "prod") else [(0,)]:
            ref = getattr(torch, name)(torch.tensor([[200, 100], [3, 7]], dtype=torch.uint8), *lib_args)
            ours = getattr(mt, name)(mt.tensor([[200, 100], [3, 7]], dtype=mt.uint8), *lib_args)
            assert str(ours.dtype) == str(ref.dtype) and ours.tolist() == ref.tolist(), name
            ref = getattr(torch, name)(torch.tensor([[200, 100], [3, 7]]), *lib_args, dtype=torch.uint8)
            ours = getattr(mt, name)(mt.tensor([[200, 100], [3, 7]]), *lib_args, dtype=mt.uint8)
            assert str(ours.dtype) == str(ref.dtype) and ours.tolist() == ref.tolist(), name


@pytest.mark.parametrize("call", ["a.sum(out=o)", "a.sum(0, out=o)", "a.cumsum(0, out=o)", "a.exp(out=o)",
                                  "a.add_(a, out=o)", "torch.sum(a, out=o)", "torch.prod(a, out=o)",
                                  "torch.sum(a, dtype=torch.float32, out=o)"])
def test_out_refused(call):
    """Tensor methods take no ``out=``; ``torch.sum``/``torch.prod`` take it only with a ``dim``."""
    ref, ours = _run(torch, call, "float32", "float32"), _run(mt, call, "float32", "float32")
    assert ref == ours == ("error", "TypeError")
