"""Parity of every op in the table with torch: forward, gradients, second gradients, out=.

The tests are generated from ``harness.table.OP_TABLE``; each draws its inputs with hypothesis
from the entry's sample strategy, already inside the op's domain.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.checks import check_forward, check_gradients, check_out
from harness.table import OP_TABLE

FORWARD = [pytest.param(spec, dtype, id=f"{spec.id}-{dtype}")
           for spec in OP_TABLE if spec.sample is not None for dtype in spec.dtypes]
GRADIENT = [pytest.param(spec, id=spec.id)
            for spec in OP_TABLE if spec.sample is not None and spec.grad]
OUT = [pytest.param(spec, id=spec.id) for spec in OP_TABLE if spec.sample is not None and spec.out]


@pytest.mark.parametrize("spec, dtype", FORWARD)
@given(data=st.data())
def test_forward(spec, dtype, data):
    check_forward(spec, data.draw(spec.sample(dtype), label="sample"), dtype)


@pytest.mark.parametrize("spec", GRADIENT)
@given(data=st.data())
def test_gradients(spec, data):
    check_gradients(spec, data.draw(spec.sample("float64"), label="sample"))


@pytest.mark.parametrize("spec", OUT)
@settings(max_examples=3)
@given(data=st.data())
def test_out(spec, data):
    dtype = "float32" if "float32" in spec.dtypes else spec.dtypes[0]
    check_out(spec, data.draw(spec.sample(dtype), label="sample"))
