"""Parity suite configuration: hypothesis profiles, the device under test, the harness import path.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (default; few derandomized examples), ``dev``,
``thorough``. ``--device`` (default ``$MINITORCH_TEST_DEVICE`` or ``cpu``) puts minitorch's tensors
on that device; torch, the reference, always runs on CPU. ``MINITORCH_PARITY_SELFTEST=1`` tests
torch against itself, to validate the harness. ``CPU_PASS_ONLY``: the files that only the CPU pass
runs, each with the reason the ``--device cuda`` pass would repeat them unchanged.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    header = (f"parity: {libs.M!r} on device {libs.settings.device!r} vs torch on cpu; "
              f"hypothesis profile {settings.get_current_profile_name()!r}")
    if libs.settings.device != "cpu":
        header += f"; left to the CPU pass: {', '.join(CPU_PASS_ONLY)} (conftest.CPU_PASS_ONLY)"
    return header


@pytest.fixture
def device() -> str:
    """The device the library under test creates its tensors on."""
    return libs.settings.device


# Files whose tests the ``--device cuda`` pass would run again unchanged, so only the CPU pass runs
# them (``tools/test.sh`` runs the suite twice): they make no tensor on the device under test (no
# ``harness.libs`` tensor, no ``device`` fixture), do not ask whether CUDA is available, and start no
# child that could. Each entry says why.
CPU_PASS_ONLY = {
    "kernels": "numba kernels called on NumPy arrays; the CUDA backend never reaches them",
    "test_error_parity.py": "runs its own minitorch children, on the CPU",
    "test_kernel_guards.py": "the kernels' entry checks, called directly or through backends/cpu.py",
    "test_kernel_edge_shapes.py": "CPU tensors at the numba loops' edge shapes, in CPU children",
    "test_threads_policy.py": "kernels/threading.py's policy, on NumPy arrays",
    "test_stale_cache.py": "numba's on-disk cache of a package made in a temporary folder",
    "test_lint.py": "ruff and mypy read the source files",
    "test_file_sizes.py": "counts the source files' lines",
    "test_docs_pointers.py": "reads the docs' file and name pointers",
    "test_names_written_down.py": "reads the source's function definitions",
    "test_primitives_index.py": "the Function classes' declarations and docs/primitives.md",
    "test_api_reference.py": "the public names against docs/api/*.md",
    "test_missing_names.py": "the public names against docs/missing.md",
}


def pytest_ignore_collect(collection_path, config: pytest.Config):
    """Outside the CPU pass, leave out ``CPU_PASS_ONLY``: the CPU pass runs them once per test run."""
    if (config.getoption("--device") != "cpu" and collection_path.name in CPU_PASS_ONLY
            and collection_path.parent == Path(__file__).parent):
        return True
    return None
