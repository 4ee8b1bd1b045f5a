"""``ruff check`` on the whole tree and ``mypy`` on the core layers are clean (``../shared/STYLE.md``:
"Type hints on public functions; ruff and mypy clean").

Both tools come with the ``test`` extra (``pip install -e ".[test]"``); without them these tests fail
with that instruction rather than skip, so a missing tool cannot pass for a clean tree. The settings
are in ``pyproject.toml`` (``[tool.ruff]``, ``[tool.mypy]``, whose ``files`` are the core layers).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF_PATHS = ["minitorch", "kernels", "parity_tests", "tools", "benchmarks", "examples"]


def _tool(name: str) -> list[str]:
    """The command that runs ``name``: the module in this interpreter, else the executable."""
    probe = subprocess.run([sys.executable, "-m", name, "--version"], check=False, capture_output=True, text=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", name]
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]' (it is in the test extra)")
    return [exe]


def test_ruff_check_is_clean():
    result = subprocess.run([*_tool("ruff"), "check", "--output-format", "concise", *RUFF_PATHS],
                            cwd=ROOT, check=False, capture_output=True, text=True)
    assert result.returncode == 0, f"ruff check found problems:\n{result.stdout}{result.stderr}"


def test_mypy_is_clean_on_the_core_layers():
    result = subprocess.run([*_tool("mypy")], cwd=ROOT, check=False, capture_output=True, text=True)
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"
