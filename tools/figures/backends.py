"""The figures of docs/backends.md."""

from __future__ import annotations

import minitorch

from .draw import GRAPH_HEAD, _label, _node, dot_svg


def backend_dispatch() -> str:
    """x.exp() and F.conv2d(x, w) on the CPU: the layers a call passes, named from the live objects."""
    import minitorch.nn.functional as F
    from minitorch.backends import backend_of, cpu

    x = minitorch.randn(1, 1, 5, 5, requires_grad=True)
    w = minitorch.randn(2, 1, 3, 3, requires_grad=True)
    e, c = x.exp(), F.conv2d(x, w)
    xp, conv, array = backend_of(x._data), cpu.conv2d, type(x._data)
    lines = ["digraph dispatch {", 'rankdir="TB"; nodesep=0.25;', GRAPH_HEAD,
             _node("call", _label("x.exp()  /  F.conv2d(x, w)", "Tensor in, Tensor out"), "#c6dbef", "filled"),
             _node("apply", _label("Function.apply", "device check, forward under no_grad,",
                                   f"grad_fn {type(e.grad_fn).__name__} /", f"{type(c.grad_fn).__name__}",
                                   "(backward: Tensor ops, this path again)")),
             _node("forward", _label("Primitive.forward(ctx, arrays)", "xp = backend_of(x._data)")),
             _node("cpu", _label(f"{xp.__name__.removeprefix('minitorch.')}", "(this run)",
                                 f"arrays: {array.__module__}.{array.__name__}", f"xp.exp: {xp.exp!r}",
                                 f"xp.conv2d: {conv.__module__.removeprefix('minitorch.')}.{conv.__name__}"),
                   "#c7e9c0"),
             _node("cuda", _label("backends.torch_backend", "(cuda)", "arrays: torch.Tensor on cuda:0",
                                  "xp.exp: torch.exp", "xp.conv2d: torch's F.conv2d"), "#fdd0a2", "rounded,filled,dashed"),
             _node("kernel", _label("kernels/ (numba)", "checks.py guards shapes,", "then the loop nest"), "#dadaeb"),
             'call -> apply; apply -> forward; forward -> cpu [label=" CPU"];',
             'forward -> cuda [label=" CUDA", style=dashed]; cpu -> kernel [label=" conv, pool, gemm"];',
             "}"]
    return dot_svg("\n".join(lines))


FIGURES = {"backend-dispatch": backend_dispatch}
