"""Error parity: every invalid call listed in the table raises in both libraries, and the
library under test raises torch's exception type (or a subclass)."""

from __future__ import annotations

import pytest
from harness.checks import check_error
from harness.table import OP_TABLE

CASES = [pytest.param(case, id=f"{spec.id}: {case.what}")
         for spec in OP_TABLE for case in spec.errors]


@pytest.mark.parametrize("case", CASES)
def test_error_parity(case):
    check_error(case)
