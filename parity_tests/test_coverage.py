"""The op table covers the API: every public name of API.md's "Tensor creation", "Tensor
operations" and "Autograd" sections has a table entry (or a stated exclusion), and every table
entry names something the library under test actually has."""

from __future__ import annotations

import pytest
from harness.api_names import API_NAMES, EXCLUDED
from harness.libs import library_under_test
from harness.table import ENTRY_NAMES, OP_TABLE


def test_every_api_name_has_a_table_entry():
    missing = [n for n in API_NAMES if n not in ENTRY_NAMES and n not in EXCLUDED]
    assert not missing, f"API names with no parity table entry: {missing}"


def test_exclusions_are_api_names_with_reasons():
    assert all(name in API_NAMES and reason for name, reason in EXCLUDED.items())


def test_table_ids_are_unique():
    ids = [spec.id for spec in OP_TABLE]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def _resolve(lib, name: str) -> bool:
    """Whether ``name`` exists in ``lib``: Tensor names on an instance (attributes set in
    ``__init__`` count), the rest as dotted attributes of the module."""
    if name.startswith("Tensor."):
        attribute = name[len("Tensor."):]
        return hasattr(lib.Tensor, attribute) or hasattr(lib.ones(1, requires_grad=True),
                                                         attribute)
    target = lib
    for part in name.split("."):
        if not hasattr(target, part):
            return False
        target = getattr(target, part)
    return True


@pytest.mark.parametrize("name", sorted(ENTRY_NAMES))
def test_table_entry_exists_in_library(name):
    assert _resolve(library_under_test(), name), f"the library under test has no {name}"


def _torch_top_level_functional_names() -> list[str]:
    """The callables of ``dir(torch)`` whose op minitorch implements in ``nn.functional`` or as a
    Tensor method (``torch.max_pool2d``, ``torch.dropout``, ``torch.relu_``, ``torch.exp_`` ...)."""
    import torch

    lib = library_under_test()
    names = []
    for name in dir(torch):
        if name.startswith("_") or not callable(getattr(torch, name, None)) or name[0].isupper():
            continue
        if hasattr(lib.nn.functional, name) or hasattr(lib.Tensor, name):
            names.append(name)
    return names


TOP_LEVEL_FUNCTIONAL = _torch_top_level_functional_names()


def test_top_level_functional_names_are_derived():
    assert {"max_pool2d", "avg_pool1d", "conv2d", "conv1d", "dropout", "batch_norm", "layer_norm", "relu_",
            "sigmoid_", "embedding", "softmax", "log_softmax", "binary_cross_entropy_with_logits", "rms_norm"} <= set(
        TOP_LEVEL_FUNCTIONAL)


@pytest.mark.parametrize("name", TOP_LEVEL_FUNCTIONAL)
def test_top_level_functional_name_exists(name):
    """Older code calls the functional ops at top level, as PyTorch allows."""
    assert callable(getattr(library_under_test(), name, None)), f"the library under test has no {name} at top level"
