"""No invalid shape reaches a numba loop: every kernel entry refuses mismatched arrays with RuntimeError.

A numba loop indexes its arrays without bounds checks, so a wrong size used to end in a segfault
(or in values read from outside a buffer). Each case below calls one entry, through the CPU
backend (``minitorch/backends/cpu.py``, whose entries are ``minitorch.kernels``' own) or, for the
algorithms and buffers under an entry, in its module,
with arrays that do not fit together. The calls run in a child process per group, so a crash
fails that group's test (returncode -11) instead of killing pytest; the child prints the type of
what each call raised, and every one must be RuntimeError (kernels/checks.py). The guards run
before any loop, so these calls compile no kernel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SETUP = """\
import importlib
import numpy as np
import minitorch.kernels as kernels
from minitorch.kernels import blas, gemm
ic = importlib.import_module("minitorch.kernels.im2col")  # the module (``kernels.im2col`` is the function)
from minitorch.backends import cpu

def r(*shape, dtype=np.float32):
    return np.random.default_rng(0).random(shape).astype(dtype)

def i64(*shape):
    return np.zeros(shape, dtype=np.int64)

NO_PAD = ((0, 0), (0, 0))
"""

# group -> calls with mismatched arguments (each must raise RuntimeError before any loop runs)
GROUPS: dict[str, list[str]] = {
    "conv2d": [
        "cpu.conv2d(r(2, 3, 8, 8), r(4, 2, 3, 3), None, (1, 1), (0, 0), (1, 1), 1)",  # C_in, full-width path
        "cpu.conv2d(r(2, 3, 8, 8), r(4, 2, 3, 3), None, (2, 2), (0, 0), (1, 1), 1)",  # C_in, im2col path
        "cpu.conv2d(r(2, 4, 8, 8), r(4, 1, 3, 3), None, (2, 2), (0, 0), (1, 1), 2)",  # C_in, direct path
        "cpu.conv2d(r(1, 4, 8, 8), r(3, 2, 3, 3), None, (1, 1), (0, 0), (1, 1), 2)",  # C_out % groups
        "cpu.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), r(7), (1, 1), (0, 0), (1, 1), 1)",  # bias size
        "cpu.conv2d(r(1, 1, 2, 2), r(1, 1, 5, 5), None, (1, 1), (0, 0), (1, 1), 1)",  # kernel > input
        "cpu.conv2d(r(1, 1, 8, 8), r(1, 1, 3, 3), None, (0, 1), (0, 0), (1, 1), 1)",  # stride 0
        "cpu.conv2d(r(1, 1, 8, 8), r(1, 1, 3, 3), None, (1, 1), (-2, 0), (1, 1), 1)",  # negative padding
        "cpu.conv2d(r(1, 1, 8, 8), r(1, 1, 3, 3), None, (1, 1), (0, 0), (0, 1), 1)",  # dilation 0
        "cpu.conv2d(r(3, 8, 8), r(4, 3, 3, 3), None, (1, 1), (0, 0), (1, 1), 1)",  # 3-d input
        "kernels.conv.conv2d_forward_direct(r(2, 4, 8, 8), r(4, 1, 3, 3), (1, 1), NO_PAD, (1, 1), 2)",
        "kernels.conv.conv2d_forward_gemm(r(2, 3, 8, 8), r(4, 2, 3, 3), (2, 2), NO_PAD, (1, 1), 1)",
        "kernels.conv.conv2d_forward_full_width(r(2, 3, 8, 8), r(4, 3, 3, 3), NO_PAD, (1, 1), 1, r(2))",
    ],
    "conv2d gradients": [
        "cpu.conv2d_input_grad(r(2, 5, 6, 6), r(4, 3, 3, 3), (2, 3, 8, 8), (1, 1), (0, 0), (1, 1), 1)",
        "cpu.conv2d_input_grad(r(2, 4, 9, 9), r(4, 3, 3, 3), (2, 3, 8, 8), (1, 1), (0, 0), (1, 1), 1)",
        "cpu.conv2d_input_grad(r(2, 4, 9, 9), r(4, 3, 3, 3), (2, 3, 8, 8), (2, 2), (0, 0), (1, 1), 1)",
        "cpu.conv2d_input_grad(r(3, 4, 6, 6), r(4, 3, 3, 3), (2, 3, 8, 8), (1, 1), (0, 0), (1, 1), 1)",
        "cpu.conv2d_input_grad(r(2, 4, 6, 6), r(4, 3, 3, 3), (2, 3, 8), (1, 1), (0, 0), (1, 1), 1)",
        "cpu.conv2d_weight_grad(r(2, 4, 6, 6), r(2, 3, 8, 8), (4, 2, 3, 3), (1, 1), (0, 0), (1, 1), 1)",
        "cpu.conv2d_weight_grad(r(2, 4, 7, 7), r(2, 3, 8, 8), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1)",  # direct
        "cpu.conv2d_weight_grad(r(2, 64, 7, 7), r(2, 3, 8, 8), (64, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1)",
        "cpu.conv2d_weight_grad(r(2, 4, 7, 7), r(2, 3, 8, 8), (4, 3, 3, 3), (2, 2), (0, 0), (1, 1), 1)",
        "cpu.conv2d_weight_grad(r(3, 4, 6, 6), r(2, 3, 8, 8), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1)",
    ],
    "im2col": [
        "cpu.im2col(r(3, 8, 8), (3, 3), (1, 1), NO_PAD, (1, 1))",
        "cpu.im2col(r(1, 3, 2, 2), (3, 3), (1, 1), NO_PAD, (1, 1))",
        "cpu.im2col(r(1, 3, 8, 8), (3, 3), (0, 1), NO_PAD, (1, 1))",
        "cpu.col2im(r(1, 5, 36), (1, 1, 8, 8), (3, 3), (6, 6), (1, 1), NO_PAD, (1, 1))",
        "cpu.col2im(r(1, 9, 30), (1, 1, 8, 8), (3, 3), (6, 6), (1, 1), NO_PAD, (1, 1))",
        "cpu.col2im(r(9, 36), (1, 1, 8, 8), (3, 3), (6, 6), (1, 1), NO_PAD, (1, 1))",
        "ic.im2col_into(r(2, 3, 8, 8), r(27, 2, 10), (3, 3), (6, 6), (1, 1), NO_PAD, (1, 1))",
        "ic.col2im_into(r(27, 1, 36), np.zeros((2, 3, 8, 8), np.float32), (3, 3), (6, 6), (1, 1), NO_PAD, (1, 1))",
        "ic.im2col_full_width_into(r(2, 3, 8, 8), r(27, 2, 40), (3, 3), (1, 1), 6)",
        "ic.im2col_full_width_into(r(2, 3, 8, 8), r(27, 2, 64), (3, 3), (1, 1), 8)",
        "ic.col2im_full_width_into(r(27, 2, 48), np.zeros((2, 3, 8, 8), np.float32), (3, 3), (1, 1), 7)",
    ],
    "pooling": [
        "cpu.max_pool2d(r(3, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1), False)",
        "cpu.max_pool2d(r(1, 1, 8, 8), (0, 2), (2, 2), (0, 0), (1, 1), False)",
        "cpu.max_pool2d(r(1, 1, 2, 2), (5, 5), (1, 1), (0, 0), (1, 1), False)",
        "cpu.max_pool2d_backward(r(1, 1, 4, 4), i64(1, 1, 2, 2), (1, 1, 8, 8))",
        "cpu.max_pool2d_backward(r(1, 1, 4, 4), r(1, 1, 4, 4), (1, 1, 8, 8))",
        "cpu.max_pool2d_backward(r(1, 2, 4, 4), i64(1, 2, 4, 4), (1, 1, 8, 8))",
        "cpu.max_pool2d_backward(r(4,), i64(4,), (4,))",
        "cpu.adaptive_max_pool2d(r(1, 1, 8, 8), (-1, 2))",
        "cpu.adaptive_max_pool2d(r(8, 8), (2, 2))",
        "cpu.avg_pool2d(r(1, 1, 8, 8), (2, 0), (2, 2), (0, 0), False, True, None)",
        "cpu.avg_pool2d(r(1, 8, 8), (2, 2), (2, 2), (0, 0), False, True, None)",
        "cpu.avg_pool2d_backward(r(1, 1, 5, 5), (1, 1, 8, 8), (2, 2), (2, 2), (0, 0), False, True, None)",
        "cpu.avg_pool2d_backward(r(2, 1, 4, 4), (1, 1, 8, 8), (2, 2), (2, 2), (0, 0), False, True, None)",
        "cpu.adaptive_avg_pool2d(r(1, 1, 8, 8), (2, -3))",
        "cpu.adaptive_avg_pool2d_backward(r(1, 2, 2, 2), (1, 1, 8, 8))",
    ],
    "activation and optimizer": [
        "cpu.threshold_backward(r(3), r(4))",
        "cpu.threshold_backward(r(2, 3), r(3, 2))",
        "cpu.adam_step(r(100000), r(100000), r(3), r(3), None, 0.9, 0.999, 1e-3, 1.0, 1e-8)",
        "cpu.adam_step(r(100000), r(3), r(100000), r(100000), None, 0.9, 0.999, 1e-3, 1.0, 1e-8)",
        "cpu.adam_step(r(10), r(10), r(10), r(10), r(2), 0.9, 0.999, 1e-3, 1.0, 1e-8)",
        "cpu.adam_step(r(2, 3), r(2, 3), r(3, 2), r(2, 3), None, 0.9, 0.999, 1e-3, 1.0, 1e-8)",
        "cpu.adam_step(i64(3), r(3), r(3), r(3), None, 0.9, 0.999, 1e-3, 1.0, 1e-8)",
        "cpu.add_scaled(r(100000), r(3), -0.1)",
        "cpu.add_scaled(r(3), r(100000), -0.1)",
        "cpu.add_scaled(i64(100000), i64(100000), -0.1)",
    ],
    "matmul": [
        "cpu.matmul(r(2, 3), r(4, 5))",
        "cpu.matmul(r(256, 300), r(256, 300))",
        "cpu.matmul(r(2, 3, 4), r(3, 4, 5))",
        "cpu.matmul(r(3), r(4))",
        "cpu.matmul(np.float32(1.0) * np.ones(()), r(3))",
        "blas.matmul(r(64, 64), r(64, 64), out=r(64, 32))",
        "blas.bias_relu_(r(4, 5), r(4))",
        "blas.bias_relu_(r(4, 5), r(4, 5))",
        "blas.relu_backward_bias_grad(r(4, 5), r(4, 6))",
        "gemm.matmul(r(64, 32), r(16, 64))",
        "gemm.matmul(r(64), r(64, 64))",
    ],
}

CHILD = SETUP + """
import json, sys
for code in json.loads(sys.argv[1]):
    try:
        exec(code)
    except Exception as error:
        print(json.dumps([code, type(error).__name__, str(error)]), flush=True)
    else:
        print(json.dumps([code, "no error", ""]), flush=True)
"""


def _run_child(calls: list[str]) -> subprocess.CompletedProcess:
    """The calls, in one child process that prints ``[code, exception type, message]`` per call."""
    env = dict(os.environ, PYTHONPATH=ROOT, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", CHILD, json.dumps(calls)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize("group", list(GROUPS))
def test_kernel_entries_refuse_mismatched_shapes(group):
    calls = GROUPS[group]
    proc = _run_child(calls)
    outcomes = {code: (kind, message) for code, kind, message in map(json.loads, proc.stdout.splitlines())}
    assert proc.returncode == 0, (
        f"the child died with returncode {proc.returncode} (a signal when negative) after "
        f"{len(outcomes)} of {len(calls)} calls; the next was: {calls[len(outcomes)]}\n{proc.stderr[-2000:]}")
    for code in calls:
        kind, message = outcomes[code]
        assert kind == "RuntimeError", f"{code}\n  raised {kind}: {message}"
        assert message, code  # names the entry and what does not fit


def test_valid_calls_still_run():
    """The guards do not refuse what the kernels are there for (one valid call per group)."""
    calls = [
        "assert cpu.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), r(4), (1, 1), (0, 0), (1, 1), 1).shape == (2, 4, 6, 6)",
        ("assert cpu.conv2d_input_grad(r(2, 4, 6, 6), r(4, 3, 3, 3), (2, 3, 8, 8), (1, 1), (0, 0), (1, 1), 1)"
         ".shape == (2, 3, 8, 8)"),
        ("assert cpu.conv2d_input_grad(r(1, 2, 4, 4), r(2, 3, 3, 3), (1, 3, 8, 8), (2, 2), (1, 1), (1, 1), 1)"
         ".shape == (1, 3, 8, 8)"),  # conv_transpose2d with output_padding 1
        "assert cpu.col2im(r(1, 9, 36), (1, 1, 8, 8), (3, 3), (6, 6), (1, 1), NO_PAD, (1, 1)).shape == (1, 1, 8, 8)",
        "assert cpu.max_pool2d_backward(r(1, 1, 4, 4), i64(1, 1, 4, 4), (1, 1, 8, 8)).shape == (1, 1, 8, 8)",
        "assert cpu.threshold_backward(r(1), r()).shape == (1,)",
        "p = r(5); cpu.adam_step(p, r(5), r(5), r(5), r(5), 0.9, 0.999, 1e-3, 1.0, 1e-8)",
        "assert cpu.matmul(r(2, 3, 4), r(4, 5)).shape == (2, 3, 5)",
    ]
    proc = _run_child(calls)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for code, kind, message in map(json.loads, proc.stdout.splitlines()):
        assert kind == "no error", f"{code}\n  raised {kind}: {message}"
