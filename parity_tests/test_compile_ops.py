"""Every op of the table under ``minitorch.compile``: a replay on new values gives eager's result.

For each op (forward, first dtype), one sample A and a sample B of the same shapes, layouts and
arguments whose arrays hold A's values shuffled (still inside the op's domain). The compiled op is
called on A three times (warm-up, capture, replay), then on B: a replay. Its result must be
eager's on B, bit for bit (NaN positions included). An op whose values go into Python is a graph
break (eager, one warning): that is allowed, a stale replay is not. This is what finds array work
done outside the recorded kernels (``_core/capture.py``).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from harness.checks import call_op
from harness.libs import M
from harness.spec import OpSpec
from harness.strategies import Sample
from harness.table import FAMILIES
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

SPECS = [s for specs in FAMILIES.values() for s in specs
         if s.sample is not None and s.check == "values" and not s.inplace]


def _arrays(result) -> list[np.ndarray]:
    if isinstance(result, M.Tensor):
        return [result.detach().cpu().numpy()]
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _arrays(r)]
    return []


def _shuffled(sample: Sample, seed: int) -> Sample:
    rng = np.random.default_rng(seed)
    arrays = [rng.permutation(a.reshape(-1)).reshape(a.shape) if a.size else a for a in sample.arrays]
    return Sample(arrays, sample.layouts, sample.kwargs, sample.seed)


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck), database=None,
          phases=[Phase.generate])  # no shrinking: a stale replay is stale for any sample
@given(data=st.data())
def test_replay_on_new_values_is_eager(spec: OpSpec, data: st.DataObject) -> None:
    a = data.draw(spec.sample(spec.dtypes[0]), label="sample")
    b = _shuffled(a, 0)
    try:
        _, expected = call_op(spec, M, b)
        call_op(spec, M, a)
    except Exception:  # noqa: BLE001 (a shuffle may leave the op's domain: nothing to compare)
        return

    calls = {}

    def op(lib, *tensors, **kwargs):
        fn = calls.setdefault("fn", M.compile(lambda *t: spec.call(lib, *t, **kwargs)))
        return fn(*tensors)

    compiled = dataclasses.replace(spec, call=op, ref=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a graph break: eager from then on, which is allowed
        for _ in range(3):
            call_op(compiled, M, a)
        _, actual = call_op(compiled, M, b)
    got, want = _arrays(actual), _arrays(expected)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        assert np.array_equal(g, w, equal_nan=g.dtype.kind in "fc"), f"stale replay of {spec.id}"


GRAD_SPECS = [s for s in SPECS if s.grad]


@pytest.mark.parametrize("spec", GRAD_SPECS, ids=[s.id for s in GRAD_SPECS])
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck), database=None,
          phases=[Phase.generate])
@given(data=st.data())
def test_replayed_backward_on_new_values_is_eager(spec: OpSpec, data: st.DataObject) -> None:
    """The op, a weighted sum of its outputs and backward, compiled: the replayed gradients are eager's."""
    a = data.draw(spec.sample("float64"), label="sample")
    b = _shuffled(a, 1)

    def loss_grads(lib, *tensors, **kwargs):
        leaves = [t for t in tensors if isinstance(t, M.Tensor) and t.requires_grad]
        outs = [o for o in _tensors(spec.call(lib, *tensors, **kwargs)) if o.requires_grad]
        if not outs or not leaves:
            return []
        loss = sum(((o * o.detach().sin()).sum() for o in outs), M.zeros((), dtype=M.float64))
        return list(M.autograd.grad(loss, leaves, allow_unused=True))

    calls = {}

    def compiled_call(lib, *tensors, **kwargs):
        fn = calls.setdefault("fn", M.compile(lambda *t: loss_grads(lib, *t, **kwargs)))
        return fn(*tensors)

    eager = dataclasses.replace(spec, call=loss_grads, ref=None)
    compiled = dataclasses.replace(spec, call=compiled_call, ref=None)
    try:
        _, expected = call_op(eager, M, b, requires_grad=True)
        call_op(eager, M, a, requires_grad=True)
    except Exception:  # noqa: BLE001 (outside the op's domain after the shuffle)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            call_op(compiled, M, a, requires_grad=True)
        _, actual = call_op(compiled, M, b, requires_grad=True)
    got, want = _arrays(actual), _arrays(expected)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.array_equal(g, w, equal_nan=True), f"stale replayed gradient of {spec.id}"


def _tensors(result) -> list:
    if isinstance(result, M.Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _tensors(r)]
    return []
