"""Kernel tests import their helpers as a sibling module (pytest runs with --import-mode=importlib)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest

# Every kernel's loop over image planes is compiled twice, ``prange`` and ``range``, and
# kernels/threading.py's ``in_parallel`` picks one per call by size. The test inputs are small,
# so without this fixture only the serial loops would ever run: each kernel test runs once
# with the choice forced to threads and once forced to serial.
_KERNEL_MODULES = tuple(f"minitorch.kernels.{name}" for name in ("im2col", "pool", "conv_direct", "blas", "gemm_indexed",
                                                                  "pool_avg", "pool_adaptive", "activation", "conv_few_channels", "optim",
                                                                  "conv_small", "layout", "normalization", "reduction",
                                                                  "conv_borders", "conv_stem_grad", "conv_weight_grad",
                                                                  "conv_small_classes", "conv_pointwise_grad",
                                                                  "log_softmax"))


@pytest.fixture(autouse=True, params=["serial", "threads"])
def loop_kind(request, monkeypatch):
    import minitorch.kernels  # noqa: F401  (loads the submodules)

    threads = request.param == "threads"
    for name in _KERNEL_MODULES:
        monkeypatch.setattr(sys.modules[name], "in_parallel", lambda elements: threads)
    return request.param


# conv2d_weight_grad computes a tiny weight (at most DIRECT_WEIGHT_GRAD_MAX entries, stride 1)
# by direct dot products and anything else by im2col + GEMM. Most test shapes are small, so each
# kernel test also runs with the direct path switched off, to keep the GEMM path covered; the
# same run switches off the few-channel convolutions (kernels/conv_few_channels.py), which
# would otherwise take most of the small one-group shapes, and the border classes
# (kernels/conv_borders.py and, narrow, kernels/conv_small_classes.py: both read its MIN_SKIPPED),
# which take the padded channels-last ones,
# and the stems' direct weight gradient (kernels/conv_stem_grad.py).
@pytest.fixture(autouse=True, params=["direct if tiny", "always GEMM"])
def weight_grad_algorithm(request, monkeypatch):
    import minitorch.kernels  # noqa: F401

    if request.param == "always GEMM":
        monkeypatch.setattr(sys.modules["minitorch.kernels.conv"], "DIRECT_WEIGHT_GRAD_MAX", 0)
        monkeypatch.setattr(sys.modules["minitorch.kernels.conv_few_channels"], "MAX_TAPS", 0)
        monkeypatch.setattr(sys.modules["minitorch.kernels.conv_borders"], "MIN_SKIPPED", 2.0)  # never
        monkeypatch.setattr(sys.modules["minitorch.kernels.conv_stem_grad"], "MAX_CHANNELS", 0)
    return request.param
