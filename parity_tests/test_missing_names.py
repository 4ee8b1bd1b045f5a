"""docs/missing.md (the PyTorch names minitorch does not have) is what tools/gen_missing_names.py
writes today: adding a name to minitorch, or moving torch's pin, means regenerating the page."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import minitorch

ROOT = Path(__file__).resolve().parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_missing_names", ROOT / "tools" / "gen_missing_names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_names_page_is_up_to_date():
    gen = load_generator()
    assert gen.OUTPUT.read_text() == gen.render(), \
        "docs/missing.md is stale: run `python tools/gen_missing_names.py`"


def test_the_page_lists_only_names_minitorch_lacks():
    text = load_generator().OUTPUT.read_text()
    section = text.split("## `torch.Tensor`")[1].split("\n## ")[0]
    listed = re.findall(r"`(\w+)`", section.split("missing:", 1)[1])
    assert listed, "the Tensor section lists nothing"
    present = [n for n in listed if hasattr(minitorch.Tensor, n)]
    assert not present, f"listed as missing, but minitorch.Tensor has them: {present}"
