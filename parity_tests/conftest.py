"""Parity suite configuration: hypothesis profiles, the device under test, the harness import path.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (default; few derandomized examples), ``dev``,
``thorough``. ``--device`` (default ``$MINITORCH_TEST_DEVICE`` or ``cpu``) puts minitorch's tensors
on that device; torch, the reference, always runs on CPU. ``MINITORCH_PARITY_SELFTEST=1`` tests
torch against itself, to validate the harness.
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import libs

_relaxed = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture]
settings.register_profile("ci", max_examples=10, derandomize=True, deadline=None,
                          suppress_health_check=_relaxed, print_blob=True)
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=_relaxed)
settings.register_profile("thorough", max_examples=500, deadline=None,
                          suppress_health_check=_relaxed)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--device", default=os.environ.get("MINITORCH_TEST_DEVICE", "cpu"),
                     help="device for minitorch's tensors: cpu or cuda (torch stays on cpu)")


def pytest_configure(config: pytest.Config) -> None:
    libs.settings.device = config.getoption("--device")


def pytest_report_header(config: pytest.Config) -> str:
    return (f"parity: {libs.M!r} on device {libs.settings.device!r} vs torch on cpu; "
            f"hypothesis profile {settings.get_current_profile_name()!r}")


@pytest.fixture
def device() -> str:
    """The device the library under test creates its tensors on."""
    return libs.settings.device


def pytest_ignore_collect(collection_path, config: pytest.Config):
    """The error-parity suite runs its own minitorch children on the CPU: once per test run, in
    the CPU pass (``tools/test.sh`` runs the suite again with ``--device cuda``)."""
    if collection_path.name == "test_error_parity.py" and config.getoption("--device") != "cpu":
        return True
    return None
