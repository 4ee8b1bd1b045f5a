"""The exercises' checks: the ``ex`` fixture, one marker per exercise, and ``graph_nodes``, the
walk over a backward graph that several pages' checks make (``from exercises.conftest import
graph_nodes``).

``ex("<mod>")`` returns the module under test: ``exercises/<mod>.py`` (the learner's file), or
``exercises/solutions/<mod>.py`` when ``MINITORCH_EXERCISES=solutions``. Every check is marked
``@pytest.mark.<mod>_<n>`` (exercise ``n`` of the page ``docs/<mod>.md``); the markers are
registered here, read from the test files, so ``pytest exercises -m <mod>_<n>`` selects one
exercise without a warning.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # `pytest exercises` from the root, without `python -m`
    sys.path.insert(0, str(ROOT))

MARKER = re.compile(r"@pytest\.mark\.([a-z][a-z0-9_]*_\d+)\b")


def exercise_markers() -> dict[str, str]:
    """``{marker: test file}`` for every ``@pytest.mark.<mod>_<n>`` in ``exercises/test_*.py``."""
    found = {}
    for path in sorted(HERE.glob("test_*.py")):
        for name in MARKER.findall(path.read_text()):
            found[name] = path.name
    return found


def pytest_configure(config: pytest.Config) -> None:
    for name, file in exercise_markers().items():
        config.addinivalue_line("markers", f"{name}: exercise {name.rsplit('_', 1)[1]} ({file})")


def solutions_wanted() -> bool:
    return os.environ.get("MINITORCH_EXERCISES", "") == "solutions"


@pytest.fixture
def ex() -> Callable[[str], ModuleType]:
    """``ex("broadcasting")``: the module whose functions the checks call."""
    package = "exercises.solutions" if solutions_wanted() else "exercises"

    def load(mod: str) -> ModuleType:
        return importlib.import_module(f"{package}.{mod}")

    return load


def graph_nodes(output) -> list:
    """Every node of ``output``'s backward graph (minitorch's or torch's), each once, in the order a
    depth-first walk from ``output.grad_fn`` along ``next_functions`` first meets it."""
    seen, todo = [], [output.grad_fn]
    while todo:
        node = todo.pop()
        if node is not None and node not in seen:
            seen.append(node)
            todo.extend(n for n, _ in node.next_functions)
    return seen
