"""No input shape crashes the process: the public ops that reach numba loops, at edge shapes.

Each case is one call, written once and run on torch and on minitorch with the same data: the
forward, then the backward of a fixed weighted sum of the outputs. Both must agree: the same
output shape and values and the same gradients, or the same exception type. The shapes are the
ones a kernel's loops are least likely to expect: a 0 in every dimension in turn, 1x1 maps, a
kernel larger than the padded input, a stride larger than the input, huge padding, dilation,
groups, non-contiguous and channels-last inputs, float64, and the optimizers' steps on empty
parameters.

The cases run in child processes, a batch per child; each child reports every case as it
finishes, so a crash (a numba loop writing past a buffer: SIGSEGV, or glibc's abort on a
corrupted heap) names the case that caused it, and the next child goes on after it. glibc may
find a corrupted heap a few cases later (or at exit) than the write that corrupted it, so a crash
names where it showed, and ``kernel entries on empty arrays`` calls each kernel entry on its own.
Found this way: conv2d with zero input channels aborted the process in its backward.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r'''
import json, sys, warnings
import numpy as np
import torch
import minitorch
warnings.simplefilter("ignore")
torch.set_num_threads(1)

class Maker:
    """t(*shape): a leaf with the case's next random values (the same for both libraries);
    layout "nc" gives a non-contiguous view (the last two dims transposed in storage), "cl" a
    channels-last one (4-d: an NHWC leaf permuted to NCHW)."""
    def __init__(self, L):
        self.L, self.rng, self.leaves = L, np.random.default_rng(0), []
    def __call__(self, *shape, dtype="float32", layout="", grad=True):
        L = self.L
        if layout == "cl":
            n, c, h, w = shape
            base = self.rng.standard_normal((n, h, w, c)).astype(dtype)
            leaf = L.tensor(base, requires_grad=grad)
            out = leaf.permute(0, 3, 1, 2)
        elif layout == "nc":
            base = self.rng.standard_normal(shape[:-2] + (shape[-1], shape[-2])).astype(dtype)
            leaf = L.tensor(base, requires_grad=grad)
            out = leaf.transpose(-1, -2)
        else:
            leaf = L.tensor(self.rng.standard_normal(shape).astype(dtype), requires_grad=grad)
            out = leaf
        if grad:
            self.leaves.append(leaf)
        return out

def opt_step(L, t, name, shape, steps=2, **kw):
    """Two steps of optimizer ``name`` on one parameter of ``shape``; returns it."""
    p = t(*shape)
    opt = getattr(L.optim, name)([p], lr=0.1, **kw)
    for _ in range(steps):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    return p.detach()

def run(L, code):
    t = Maker(L)
    F = L.nn.functional
    try:
        out = eval(code, {"L": L, "F": F, "t": t, "opt_step": opt_step, "np": np})
    except Exception as e:
        return {"error": type(e).__name__, "msg": str(e)[:200]}
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    outs = [o for o in outs if o is not None]
    res = {"shapes": [list(o.shape) for o in outs],
           "values": [o.detach().double().numpy() if hasattr(o.detach(), "double") else None for o in outs]}
    res["dtypes"] = [str(o.dtype).split(".")[-1] for o in outs]
    if t.leaves and any(o.requires_grad for o in outs):
        rng = np.random.default_rng(1)
        loss = None
        for o in outs:
            if o.requires_grad and o.is_floating_point():
                term = (o * L.tensor(rng.standard_normal(tuple(o.shape)).astype(np.float64)).to(o.dtype)).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            try:
                loss.backward()
            except Exception as e:
                res["backward_error"] = type(e).__name__
                res["backward_msg"] = str(e)[:200]
                return res
            res["grads"] = [None if x.grad is None else x.grad.double().numpy() for x in t.leaves]
    return res

def compare(a, b):
    """'' when torch's result ``a`` and minitorch's ``b`` agree, else what differs."""
    if "error" in a or "error" in b:
        ea, eb = a.get("error"), b.get("error")
        return "" if ea == eb else f"forward: torch {ea or 'ok'} ({a.get('msg', '')}), minitorch {eb or 'ok'} ({b.get('msg', '')})"
    if a["shapes"] != b["shapes"]:
        return f"shapes: torch {a['shapes']}, minitorch {b['shapes']}"
    if a["dtypes"] != b["dtypes"]:
        return f"dtypes: torch {a['dtypes']}, minitorch {b['dtypes']}"
    tol = dict(rtol=1e-4, atol=1e-4) if "float64" not in a["dtypes"] else dict(rtol=1e-9, atol=1e-9)
    for x, y in zip(a["values"], b["values"]):
        if not np.allclose(x, y, equal_nan=True, **tol):
            return f"values differ (max abs {np.nanmax(np.abs(x - y))})"
    ea, eb = a.get("backward_error"), b.get("backward_error")
    if ea or eb:
        return "" if ea == eb else f"backward: torch {ea or 'ok'} ({a.get('backward_msg', '')}), minitorch {eb or 'ok'} ({b.get('backward_msg', '')})"
    if ("grads" in a) != ("grads" in b):
        return "grads: one library has none"
    for i, (x, y) in enumerate(zip(a.get("grads", []), b.get("grads", []))):
        x = np.zeros_like(y) if x is None and y is not None else x
        y = np.zeros_like(x) if y is None and x is not None else y
        if x is None:
            continue
        if x.shape != y.shape:
            return f"grad {i} shape: torch {x.shape}, minitorch {y.shape}"
        if not np.allclose(x, y, equal_nan=True, **tol):
            return f"grad {i} differs (max abs {np.nanmax(np.abs(x - y))})"
    return ""

for code in json.loads(sys.argv[1]):
    print(json.dumps(["start", code]), flush=True)
    print(json.dumps(["done", code, compare(run(torch, code), run(minitorch, code))]), flush=True)
'''


def _conv_cases() -> list[str]:
    cases = [
        # a 0 in every dimension in turn
        "F.conv2d(t(0, 3, 5, 5), t(4, 3, 3, 3))",
        "F.conv2d(t(2, 0, 5, 5), t(20, 0, 3, 3))",
        "F.conv2d(t(2, 0, 5, 5), t(20, 0, 3, 3), t(20))",
        "F.conv2d(t(2, 0, 5, 5), t(4, 0, 1, 1))",
        "F.conv2d(t(2, 0, 2, 2), t(4, 0, 3, 3), padding=1)",
        "F.conv2d(t(2, 0, 12, 12), t(4, 0, 3, 3), stride=2)",
        "F.conv2d(t(2, 0, 30, 30), t(4, 0, 3, 3))",
        "F.conv2d(t(2, 0, 8, 8), t(64, 0, 3, 3))",
        "F.conv2d(t(2, 0, 5, 5), t(4, 0, 3, 3), groups=2)",
        "F.conv2d(t(2, 3, 5, 5), t(0, 3, 3, 3))",
        "F.conv2d(t(2, 3, 5, 5), t(0, 3, 3, 3), t(0))",
        "F.conv2d(t(2, 3, 0, 5), t(4, 3, 3, 3))",
        "F.conv2d(t(2, 3, 5, 0), t(4, 3, 3, 3))",
        "F.conv2d(t(2, 3, 0, 5), t(4, 3, 3, 3), padding=2)",
        "F.conv2d(t(2, 3, 0, 0), t(4, 3, 1, 1), padding=1)",
        "F.conv2d(t(2, 3, 5, 5), t(4, 3, 0, 3))",
        "F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 0))",
        "F.conv2d(t(0, 0, 0, 0), t(0, 0, 0, 0))",
        "F.conv2d(t(0, 64, 4, 4), t(64, 64, 3, 3), padding=1)",
        "F.conv2d(t(0, 64, 16, 16), t(64, 64, 3, 3), padding=1)",
        "F.conv2d(t(0, 3, 28, 28), t(6, 3, 5, 5), padding=2)",
        "F.conv2d(t(0, 3, 8, 8), t(6, 3, 3, 3), stride=2)",
        "F.conv2d(t(0, 4, 8, 8), t(4, 1, 3, 3), stride=2, groups=4)",
        "F.conv2d(t(0, 8, 6, 6), t(8, 8, 1, 1))",
        # 1x1 maps, kernel larger than the padded input, stride > input, huge padding, dilation
        "F.conv2d(t(2, 3, 1, 1), t(4, 3, 1, 1))",
        "F.conv2d(t(2, 3, 1, 1), t(4, 3, 3, 3), padding=1)",
        "F.conv2d(t(2, 64, 1, 1), t(64, 64, 3, 3), padding=1)",
        "F.conv2d(t(2, 3, 2, 2), t(4, 3, 5, 5))",
        "F.conv2d(t(2, 3, 2, 2), t(4, 3, 5, 5), padding=1)",
        "F.conv2d(t(2, 3, 2, 2), t(4, 3, 5, 5), padding=2)",
        "F.conv2d(t(2, 3, 3, 3), t(4, 3, 1, 1), stride=5)",
        "F.conv2d(t(2, 3, 3, 3), t(4, 3, 2, 2), stride=7)",
        "F.conv2d(t(2, 3, 3, 3), t(4, 3, 3, 3), stride=4, padding=1)",
        "F.conv2d(t(1, 2, 3, 3), t(2, 2, 3, 3), padding=20)",
        "F.conv2d(t(1, 2, 3, 3), t(2, 2, 1, 1), padding=9)",
        "F.conv2d(t(1, 2, 3, 3), t(2, 2, 3, 3), padding=20, stride=6)",
        "F.conv2d(t(1, 2, 6, 6), t(2, 2, 3, 3), dilation=3)",
        "F.conv2d(t(1, 2, 6, 6), t(2, 2, 3, 3), dilation=4)",
        "F.conv2d(t(1, 2, 6, 6), t(2, 2, 3, 3), dilation=5, padding=2)",
        "F.conv2d(t(1, 2, 6, 6), t(2, 2, 3, 3), dilation=(2, 1), stride=(1, 3))",
        "F.conv2d(t(2, 4, 5, 5), t(4, 1, 3, 3), groups=4)",
        "F.conv2d(t(2, 4, 5, 5), t(4, 1, 3, 3), groups=4, stride=2)",
        "F.conv2d(t(2, 4, 5, 5), t(8, 2, 3, 3), groups=2, stride=3, padding=2)",
        "F.conv2d(t(2, 6, 1, 1), t(6, 2, 1, 1), groups=3)",
        "F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), padding='same')",
        "F.conv2d(t(2, 3, 1, 1), t(4, 3, 4, 4), padding='same')",
        "F.conv2d(t(2, 3, 0, 4), t(4, 3, 2, 2), padding='same')",
        "F.conv2d(t(2, 3, 4, 4), t(4, 3, 3, 3), padding='valid')",
        # layouts, float64
        "F.conv2d(t(2, 3, 6, 7, layout='nc'), t(4, 3, 3, 3))",
        "F.conv2d(t(2, 3, 6, 7, layout='cl'), t(4, 3, 3, 3, layout='cl'))",
        "F.conv2d(t(2, 40, 6, 6, layout='cl'), t(40, 40, 3, 3), padding=1)",
        "F.conv2d(t(2, 40, 6, 6, layout='cl'), t(40, 40, 1, 1), stride=2)",
        "F.conv2d(t(2, 3, 6, 7, dtype='float64'), t(4, 3, 3, 3, dtype='float64'))",
        "F.conv2d(t(2, 0, 6, 7, dtype='float64'), t(4, 0, 3, 3, dtype='float64'))",
        "F.conv2d(t(0, 3, 6, 7, dtype='float64', layout='cl'), t(4, 3, 3, 3, dtype='float64'))",
        "F.conv2d(t(2, 40, 4, 4, dtype='float64', layout='cl'), t(40, 40, 3, 3, dtype='float64'), padding=1)",
        # conv1d
        "F.conv1d(t(2, 0, 7), t(4, 0, 3))",
        "F.conv1d(t(0, 3, 7), t(4, 3, 3))",
        "F.conv1d(t(2, 3, 0), t(4, 3, 3), padding=1)",
        "F.conv1d(t(2, 3, 7), t(0, 3, 3))",
        "F.conv1d(t(2, 3, 1), t(4, 3, 1))",
        "F.conv1d(t(2, 3, 2), t(4, 3, 5))",
        "F.conv1d(t(2, 3, 2), t(4, 3, 5), padding=9, stride=4, dilation=2)",
        "F.conv1d(t(2, 4, 9, layout='nc'), t(4, 2, 3), groups=2)",
        "F.conv1d(t(2, 4, 9, dtype='float64'), t(4, 4, 3, dtype='float64'), stride=20)",
        # conv_transpose2d / conv_transpose1d
        "F.conv_transpose2d(t(2, 0, 5, 5), t(0, 4, 3, 3))",
        "F.conv_transpose2d(t(2, 3, 5, 5), t(3, 0, 3, 3))",
        "F.conv_transpose2d(t(0, 3, 5, 5), t(3, 4, 3, 3))",
        "F.conv_transpose2d(t(2, 3, 0, 5), t(3, 4, 3, 3))",
        "F.conv_transpose2d(t(2, 3, 0, 5), t(3, 4, 3, 3), padding=1)",
        "F.conv_transpose2d(t(2, 3, 5, 5), t(3, 4, 0, 3))",
        "F.conv_transpose2d(t(2, 3, 1, 1), t(3, 4, 3, 3))",
        "F.conv_transpose2d(t(2, 3, 1, 1), t(3, 4, 3, 3), stride=5)",
        "F.conv_transpose2d(t(2, 3, 1, 1), t(3, 4, 3, 3), stride=5, output_padding=4)",
        # an empty output: float64's (and minitorch's) RuntimeError; torch's float32 oneDNN path returns it
        "F.conv_transpose2d(t(2, 3, 2, 2, dtype='float64'), t(3, 4, 3, 3, dtype='float64'), padding=2)",
        "F.conv_transpose2d(t(2, 3, 2, 2), t(3, 4, 3, 3), padding=3)",
        "F.conv_transpose2d(t(2, 3, 2, 2), t(3, 4, 3, 3), padding=9)",
        "F.conv_transpose2d(t(2, 4, 3, 3), t(4, 2, 3, 3), groups=2, stride=2, dilation=2)",
        "F.conv_transpose2d(t(2, 4, 3, 3, layout='cl'), t(4, 2, 3, 3, dtype='float32'), stride=(1, 3))",
        "F.conv_transpose2d(t(2, 4, 3, 3, dtype='float64', layout='nc'), t(4, 2, 3, 3, dtype='float64'))",
        "F.conv_transpose1d(t(2, 0, 5), t(0, 4, 3))",
        "F.conv_transpose1d(t(2, 3, 0), t(3, 4, 3))",
        "F.conv_transpose1d(t(2, 3, 1), t(3, 4, 3), stride=9, output_padding=3)",
        "F.conv_transpose2d(t(0, 40, 4, 4, layout='cl'), t(40, 40, 3, 3), padding=1)",
        "F.conv_transpose2d(t(2, 3, 5, 5), t(3, 4, 3, 3), t(4), padding=2, stride=2, output_padding=1)",
        "F.conv2d(t(2, 4, 7, 7), t(4, 2, 3, 3), groups=2, dilation=2, padding='same')",
        "F.conv2d(t(0, 4, 7, 7, dtype='float64'), t(4, 2, 3, 3, dtype='float64'), groups=2, dilation=2)",
        "F.conv2d(t(3, 5, 5), t(4, 3, 3, 3))",
        "F.conv2d(t(0, 5, 5), t(4, 0, 3, 3))",
        "F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), stride=0)",
        "F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), padding=-1)",
        "F.conv2d(t(2, 3, 5, 5), t(4, 3, 3, 3), groups=0)",
        "F.conv1d(t(2, 0, 5, dtype='int32', grad=False), t(4, 0, 3, dtype='int32', grad=False), stride=2)",
        "F.conv2d(t(2, 0, 5, 5, dtype='float16'), t(4, 0, 3, 3, dtype='float16'), t(4, dtype='float16'))",
    ]
    return cases


def _pool_cases() -> list[str]:
    cases = []
    for op in ("max_pool2d", "avg_pool2d"):
        cases += [
            f"F.{op}(t(0, 3, 6, 6), 2)",
            f"F.{op}(t(2, 0, 6, 6), 2)",
            f"F.{op}(t(2, 3, 0, 6), 2)",
            f"F.{op}(t(2, 3, 6, 0), 2)",
            f"F.{op}(t(3, 0, 6), 2)",
            f"F.{op}(t(0, 6, 6), 2)",
            f"F.{op}(t(2, 3, 1, 1), 1)",
            f"F.{op}(t(2, 3, 1, 1), 2)",
            f"F.{op}(t(2, 3, 1, 1), 2, ceil_mode=True)",
            f"F.{op}(t(2, 3, 1, 1), 3, padding=1)",
            f"F.{op}(t(2, 3, 1, 1), 3, stride=1, padding=1)",
            f"F.{op}(t(2, 3, 2, 2), 5)",
            f"F.{op}(t(2, 3, 3, 3), 2, stride=9)",
            f"F.{op}(t(2, 3, 3, 3), 2, stride=9, ceil_mode=True)",
            f"F.{op}(t(2, 3, 3, 3), 3, stride=9, padding=1, ceil_mode=True)",
            f"F.{op}(t(2, 3, 5, 5), 3, padding=2)",
            f"F.{op}(t(2, 3, 5, 5), 3, padding=5)",
            f"F.{op}(t(2, 3, 6, 7, layout='nc'), 2)",
            f"F.{op}(t(2, 3, 6, 7, layout='cl'), (2, 3), stride=(1, 2))",
            f"F.{op}(t(2, 3, 6, 7, dtype='float64'), 3, stride=2, padding=1)",
            f"F.{op}(t(2, 3, 6, 6), 2, stride=0)",
            f"F.{op}(t(2, 3, 6, 6), 0)",
        ]
    cases += [
        "F.max_pool2d(t(2, 3, 6, 6), 3, dilation=2)",
        "F.max_pool2d(t(2, 3, 4, 4), 3, dilation=3)",
        "F.max_pool2d(t(2, 3, 4, 4), 2, dilation=3, padding=1, ceil_mode=True)",
        "F.max_pool2d(t(2, 3, 6, 6), 2, return_indices=True)[0]",
        "F.max_pool2d(t(2, 0, 6, 6), 2, return_indices=True)[0]",
        "F.max_pool2d(t(2, 3, 6, 6), 2, dilation=0)",
        "F.avg_pool2d(t(2, 3, 5, 5), 3, padding=1, count_include_pad=False)",
        "F.avg_pool2d(t(2, 3, 1, 1), 3, padding=1, count_include_pad=False)",
        "F.avg_pool2d(t(2, 3, 5, 5), 2, divisor_override=3)",
        "F.avg_pool2d(t(0, 3, 5, 5), 2, divisor_override=3)",
        "F.max_pool1d(t(2, 3, 0), 2)",
        "F.max_pool1d(t(2, 0, 5), 2)",
        "F.max_pool1d(t(2, 3, 1), 1)",
        "F.avg_pool1d(t(2, 3, 0), 2)",
        "F.avg_pool1d(t(2, 0, 5), 2)",
        "F.max_pool2d(t(0, 3, 5, 5, layout='cl', dtype='float64'), 3, stride=2, padding=1, ceil_mode=True)",
        "F.avg_pool2d(t(0, 3, 5, 5, layout='nc'), 3, stride=2, padding=1, ceil_mode=True)",
        "F.max_pool2d(t(2, 0, 5, 5), 3, stride=2, padding=1, dilation=2)",
        "F.avg_pool2d(t(2, 3, 64, 64, layout='cl'), 4)",
        "F.max_pool2d(t(2, 3, 64, 64, layout='nc'), 2)",
    ]
    for op in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        cases += [
            f"F.{op}(t(0, 3, 6, 6), 2)",
            f"F.{op}(t(2, 0, 6, 6), 2)",
            f"F.{op}(t(2, 3, 0, 6), 2)",
            f"F.{op}(t(2, 3, 6, 0), 2)",
            f"F.{op}(t(2, 3, 6, 6), 0)",
            f"F.{op}(t(2, 3, 6, 6), (0, 2))",
            f"F.{op}(t(0, 3, 6, 6), 0)",
            f"F.{op}(t(3, 0, 6), 2)",
            f"F.{op}(t(2, 3, 1, 1), 1)",
            f"F.{op}(t(2, 3, 1, 1), 4)",
            f"F.{op}(t(2, 3, 2, 3), (5, 7))",
            f"F.{op}(t(2, 3, 6, 7, layout='nc'), (4, 3))",
            f"F.{op}(t(2, 3, 6, 7, layout='cl'), (1, 1))",
            f"F.{op}(t(2, 3, 6, 7, dtype='float64'), (3, None))",
        ]
    cases += [
        "F.adaptive_max_pool2d(t(2, 3, 6, 6), 2, return_indices=True)[0]",
        "F.adaptive_avg_pool1d(t(2, 3, 0), 2)",
        "F.adaptive_max_pool1d(t(2, 0, 5), 2)",
        "F.adaptive_avg_pool1d(t(2, 3, 5), 9)",
    ]
    return cases


def _norm_activation_cases() -> list[str]:
    cases = []
    for shape in ("0, 3, 4, 4", "2, 0, 4, 4", "2, 3, 0, 4", "2, 3, 4, 0", "0, 3", "2, 0", "1, 3", "1, 3, 1, 1",
                  "2, 3, 1, 1", "0, 3, 5"):
        c = shape.split(", ")[1]
        cases += [
            f"F.batch_norm(t({shape}), t({c}, grad=False), t({c}, grad=False).abs(), t({c}), t({c}), training=True)",
            f"F.batch_norm(t({shape}), t({c}, grad=False), t({c}, grad=False).abs(), t({c}), t({c}), training=False)",
            f"F.batch_norm(t({shape}), None, None, training=True)",
        ]
    cases += [
        "F.batch_norm(t(2, 3, 4, 5, layout='nc'), None, None, t(3), t(3), training=True)",
        "F.batch_norm(t(2, 3, 4, 5, layout='cl'), None, None, t(3), t(3), training=True)",
        "F.batch_norm(t(2, 3, 4, 5, dtype='float64'), None, None, t(3, dtype='float64'), t(3, dtype='float64'), training=True)",
        "F.batch_norm(t(2, 3, 4, 5), t(4, grad=False), t(4, grad=False).abs(), training=False)",
        "F.batch_norm(t(2, 3, 4, 5), None, None, t(4), t(3), training=True)",
        "F.batch_norm(t(3), None, None, training=True)",
        "L.nn.BatchNorm2d(3)(t(0, 3, 4, 4))",
        "L.nn.BatchNorm2d(0)(t(2, 0, 4, 4))",
        "L.nn.BatchNorm1d(3)(t(1, 3))",
        "L.nn.BatchNorm1d(3).eval()(t(0, 3))",
    ]
    for shape in ("0,", "0, 3", "3, 0", "2, 0, 4, 4", "0, 3, 4, 4", "1,", "1, 1, 1, 1", "3, 4, 5, 6"):
        cases += [f"F.relu(t({shape}))", f"F.threshold(t({shape}), 0.5, -1.0)", f"L.sigmoid(t({shape}))",
                  f"F.relu(t({shape}, dtype='float64'))"]
    cases += [
        "F.relu(t(3, 4, 5, layout='nc'))",
        "F.relu(t(2, 3, 4, 5, layout='cl'))",
        "L.sigmoid(t(2, 3, 4, 5, layout='cl'))",
        "F.threshold(t(3, 4, 5, layout='nc', dtype='float64'), 0.1, 2.0)",
        "F.relu(t(2, 3, 400, 300))",
        "L.sigmoid(t(2, 3, 400, 300, layout='nc'))",
        "F.relu(t(2, 3, 400, 300, layout='cl'))",
        "F.relu(t(1, 3, 400, 300)[:, :, ::2])",
        "L.relu(t(5, 1).expand(5, 300000))",
    ]
    return cases


def _linear_sum_optim_cases() -> list[str]:
    cases = [
        "F.linear(t(0, 3), t(4, 3), t(4))",
        "F.linear(t(2, 0), t(4, 0), t(4))",
        "F.linear(t(2, 3), t(0, 3), t(0))",
        "F.linear(t(2, 0, 3), t(4, 3))",
        "F.linear(t(2, 3, layout='nc'), t(4, 3, layout='nc'))",
        "F.linear(t(300, 200, dtype='float64'), t(100, 200, dtype='float64'))",
        "F.linear(t(300, 200, layout='nc'), t(100, 200), t(100))",
        "F.linear(t(2, 3), t(4, 5))",
        "L.matmul(t(0, 3), t(3, 4))",
        "L.matmul(t(2, 0), t(0, 4))",
        "L.matmul(t(2, 3), t(3, 0))",
        "L.matmul(t(0, 2, 3), t(3, 4))",
        "L.matmul(t(5, 0, 3), t(5, 3, 4))",
        "L.matmul(t(0,), t(0,))",
        "L.matmul(t(3,), t(0, 3, 4))",
        "L.matmul(t(2, 1, 3), t(0, 3, 4))",
        "L.matmul(t(256, 300), t(300, 256))",
        "L.matmul(t(256, 300, layout='nc'), t(300, 256, layout='nc'))",
        "L.matmul(t(256, 300, dtype='float64'), t(300, 256, dtype='float64'))",
        "L.matmul(t(4, 64, 300), t(300, 128))",
        "L.matmul(t(2, 3), t(4, 5))",
        "L.mm(t(0, 0), t(0, 0))",
        "L.bmm(t(0, 2, 3), t(0, 3, 4))",
        "L.bmm(t(3, 2, 0), t(3, 0, 4))",
        "F.linear(t(0,), t(4, 0), t(4))",
        "F.linear(t(3,), t(0, 3))",
        "L.matmul(t(0, 3, layout='nc'), t(3, 0, layout='nc'))",
    ]
    for shape in ("0, 3", "3, 0", "0, 0", "0, 3, 4", "300000, 0", "0, 300000", "1, 1", "1024, 512",
                  "600, 700"):
        cases += [f"t({shape}).sum(0)", f"t({shape}).sum(0, keepdim=True)", f"t({shape}, dtype='float64').sum(0)"]
    cases += [
        "t(1024, 512, layout='nc').sum(0)",
        "t(512, 1024)[::2].sum(0)",
        "t(4, 512, 300, layout='nc').sum(0)",
        "t(1024, 512).sum((0, 1))",
        "t(0, 3).mean(0)",
    ]
    for name, kw in (("SGD", ""), ("SGD", ", momentum=0.9, weight_decay=0.1"), ("Adam", ""),
                     ("Adam", ", amsgrad=True, weight_decay=0.1"), ("AdamW", ""), ("RMSprop", ""),
                     ("Adagrad", "")):
        for shape in ("(0,)", "(0, 3)", "(3, 0, 2)", "(1,)", "(300, 500)"):
            cases.append(f"opt_step(L, t, {name!r}, {shape}{kw})")
    return cases


# The kernel entries themselves (what cpu.py calls) on arrays empty in each dim in turn: each returns
# or raises RuntimeError (kernels/checks.py), never another type, a crash or uninitialised memory.
ENTRY_CHILD = r'''
import importlib, json, sys
import numpy as np
import minitorch.kernels as K
lay = importlib.import_module("minitorch.kernels.layout")
cs = importlib.import_module("minitorch.kernels.conv_small")

def r(*shape):
    return np.random.default_rng(0).random(shape).astype(np.float32)

def i64(*shape):
    return np.zeros(shape, np.int64)

for code in json.loads(sys.argv[1]):
    print(json.dumps(["start", code]), flush=True)
    try:
        out = eval(code)
        outs = out if isinstance(out, tuple) else (out,)
        what = "" if all(o is None or isinstance(o, np.ndarray) for o in outs) else f"returned {out!r}"
    except RuntimeError:
        what = ""
    except Exception as e:
        what = f"{type(e).__name__}: {str(e)[:200]}"
    print(json.dumps(["done", code, what]), flush=True)
'''


def _entry_cases() -> list[str]:
    cases = []
    for shape in ((0, 3, 6, 6), (2, 0, 6, 6), (2, 3, 0, 6), (2, 3, 6, 0)):
        n, c, h, w = shape
        s = ", ".join(map(str, shape))
        cases += [
            f"K.relu(r({s}))", f"K.sigmoid(r({s}))", f"K.threshold_backward(r({s}), r({s}))",
            f"K.sigmoid_backward(r({s}), r({s}))", f"K.sum_leading(r({s}))", f"K.sum_leading(r({s}), keepdims=True)",
            f"K.max_pool2d(r({s}), (2, 2), (2, 2), (0, 0), (1, 1), False)",
            f"K.avg_pool2d(r({s}), (2, 2), (2, 2), (0, 0), False, True, None)",
            f"K.avg_pool2d_backward(r({n}, {c}, 3, 3), ({s}), (2, 2), (2, 2), (0, 0), False, True, None)",
            f"K.max_pool2d_backward(r({n}, {c}, 3, 3), i64({n}, {c}, 3, 3), ({s}))",
            f"K.adaptive_avg_pool2d(r({s}), (2, 2))", f"K.adaptive_max_pool2d(r({s}), (2, 2))",
            f"K.adaptive_avg_pool2d_backward(r({n}, {c}, 2, 2), ({s}))",
            f"K.batch_norm(r({s}), None, None, None, None, True, 0.1, 1e-5)",
            f"K.batch_norm(r({s}), r({c}), r({c}), r({c}), r({c}), False, 0.1, 1e-5)",
            f"K.batch_norm_backward(r({s}), r({s}), r({c}), r({c}), r({c}), True, (True, True, True))",
            f"K.conv2d(r({s}), r(4, {c}, 3, 3), None, (1, 1), (1, 1), (1, 1), 1)",
            f"K.conv2d(r({s}), r(4, {c}, 1, 1), r(4), (1, 1), (0, 0), (1, 1), 1, keep_columns=True)",
            f"K.conv2d(r({s}), r(40, {c}, 3, 3), r(40), (2, 2), (1, 1), (1, 1), 1)",
            f"K.conv2d_input_grad(r({n}, 4, {h}, {w}), r(4, {c}, 3, 3), ({s}), (1, 1), (1, 1), (1, 1), 1)",
            f"K.conv2d_weight_grad(r({n}, 4, {h}, {w}), r({s}), (4, {c}, 3, 3), (1, 1), (1, 1), (1, 1), 1)",
            f"K.im2col(r({s}), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))",
            f"lay.nchw_to_nhwc(r({s}), ((1, 1), (1, 1)))", f"lay.swap_leading_axes(r({s}))",
            f"lay.nhwc_to_nchw(r({n}, {h}, {w}, {c}), np.empty(({s}), np.float32))",
            f"lay.add_channel_bias(r({s}), r({c}))", f"lay.add_rows(r({s}), r({s}))",
            f"cs.conv2d_forward_pointwise(r({s}), r(4, {c}, 1, 1), (2, 2), r(4))",
        ]
    return cases + ["K.relu(r(0))", "K.sum_leading(r(5, 0))", "K.matmul(r(0, 3), r(3, 4))",
                    "K.matmul(r(2, 0), r(0, 4))", "K.add_scaled(r(0), r(0), 0.1)",
                    "lay.swap_leading_axes(r(5, 0, 3))"]


GROUPS = {
    "conv": _conv_cases(),
    "pool": _pool_cases(),
    "norm and activation": _norm_activation_cases(),
    "linear, sum and optimizers": _linear_sum_optim_cases(),
    "kernel entries on empty arrays": _entry_cases(),
}


def run_cases(cases: list[str], child: str = CHILD) -> dict[str, str]:
    """case -> '' (agrees with torch), what differs, or 'crashed (...)'; a crash ends its child and
    the next child starts after that case."""
    results: dict[str, str] = {}
    remaining = list(cases)
    env = dict(os.environ, NUMBA_NUM_THREADS=os.environ.get("NUMBA_NUM_THREADS", "2"))
    while remaining:
        proc = subprocess.run([sys.executable, "-c", child, json.dumps(remaining)], check=False,
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
        started = finished = None
        for line in proc.stdout.splitlines():
            if not line.startswith("["):
                continue
            record = json.loads(line)
            if record[0] == "start":
                started = record[1]
            else:
                results[record[1]] = record[2]
                started, finished = None, record[1]
        tail = (proc.stderr.strip().splitlines()[-1:] or [""])[0][:200]
        if started is not None:
            results[started] = f"crashed (returncode {proc.returncode}: {tail})"
        elif proc.returncode != 0 and finished is None:
            raise RuntimeError(f"the child failed before any case:\n{proc.stderr[-2000:]}")
        elif proc.returncode != 0:  # a heap corrupted earlier, found when the child exits
            results[finished] = f"the child crashed after this case (returncode {proc.returncode}: {tail})"
        remaining = [c for c in remaining if c not in results]
    return results


@pytest.mark.parametrize("group", list(GROUPS))
def test_edge_shapes_match_torch(group):
    results = run_cases(GROUPS[group], ENTRY_CHILD if group.startswith("kernel entries") else CHILD)
    bad = {case: what for case, what in results.items() if what}
    assert not bad, "\n".join(f"{case}: {what}" for case, what in bad.items())


if __name__ == "__main__":  # the sweep's report: python parity_tests/test_kernel_edge_shapes.py [group]
    for group in sys.argv[1:] or GROUPS:
        child = ENTRY_CHILD if group.startswith("kernel entries") else CHILD
        for case, what in run_cases(GROUPS[group], child).items():
            if what:
                print(f"[{group}] {case}: {what}")
