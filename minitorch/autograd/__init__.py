"""``minitorch.autograd``: reverse-mode automatic differentiation.

- ``function.py``: graph nodes, saved tensors, ``Function``;
- ``saved.py``: the tensors a node saves for backward, checked against in-place writes;
- ``observers.py``: who watches ``Function.apply`` (the profiler, ``minitorch.compile``'s capture);
- ``engine.py``: the backward pass (``run_backward``);
- ``accumulate.py``: gradients summed into the engine's buffers and into a leaf's ``.grad`` (stealing, layout);
- ``hooks.py``: the tensor, leaf and node hooks backward runs, and the checks of what they return;
- ``grad_mode.py``: ``no_grad`` and friends;
- ``gradcheck.py``: finite-difference checks of gradients;
- ``anomaly.py``: ``detect_anomaly``.
"""

from __future__ import annotations

from . import (
    _fill,
    function,
    grad_mode,
)
from .engine import run_backward
from .function import Function, FunctionCtx, Node, is_anomaly_enabled, set_anomaly_enabled
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__all__ = [
    "Function",
    "FunctionCtx",
    "Node",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]


def _tensors(x):
    if isinstance(x, function._tensor_class):  # (Tensor registers itself there: no import per call)
        return [x]
    return list(x)


def _make_grads(outputs, grad_outputs):
    """Default gradients: 1 for a scalar output; an error for a non-scalar one."""
    Tensor = function._tensor_class
    grads = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            g = _fill.ones(out.shape, dtype=out.dtype, device=out.device)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        elif tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] has a shape "
                f"of {out.shape}."
            )
        grads.append(g)
    return grads


def _check_outputs(outputs):
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (``torch.autograd.backward``)."""
    outputs = _tensors(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(outputs)
    else:
        grad_tensors = _tensors(grad_tensors) if not isinstance(grad_tensors, (list, tuple)) else list(grad_tensors)
    _check_outputs(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _tensors(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(outputs, _make_grads(outputs, grad_tensors), retain_graph, create_graph, inputs=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned instead of accumulated."""
    outs = _tensors(outputs)
    ins = _tensors(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outs)
    else:
        grad_outputs = _tensors(grad_outputs) if not isinstance(grad_outputs, (list, tuple)) else list(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(grad_outputs)} grad_outputs and {len(outs)} outputs"
        )
    _check_outputs(outs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(
        outs, _make_grads(outs, grad_outputs), retain_graph, create_graph, inputs=ins, accumulate=False
    )
    for i, r in enumerate(result):
        if r is None:
            if materialize_grads:
                result[i] = _fill.zeros_like(ins[i])
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
    return tuple(result)


class set_detect_anomaly:
    """Turn anomaly detection on or off (as a call, or a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev = is_anomaly_enabled()
        set_anomaly_enabled(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev)


class detect_anomaly:
    """Inside this block, a backward that produces NaN raises and names the forward op responsible."""

    def __init__(self, check_nan: bool = True):
        self.prev = is_anomaly_enabled()

    def __enter__(self):
        import warnings

        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
            "enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )
        set_anomaly_enabled(True)
        return self

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


# As in PyTorch, ``autograd.gradcheck`` is the function; the module stays importable by its
# full name (``from minitorch.autograd.gradcheck import GradcheckError``).
from .gradcheck import gradcheck, gradgradcheck
