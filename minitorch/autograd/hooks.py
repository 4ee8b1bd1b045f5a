"""The hooks of backward: running them in PyTorch's order, and checking what they return.

``engine.py`` calls these where a node's gradients arrive (``GraphTask.arrived``) and after a node
runs (``GraphTask.call``); its plain path never reaches them for a node without hooks. In order:

1. ``run_tensor_hooks``: the hooks of the node's output tensors (``Tensor.register_hook``), then
   ``retain_grad``, which PyTorch always runs last;
2. ``run_node_pre_hooks``: the node's own prehooks (``Node.register_prehook``);
3. the node itself, then its post hooks (``Node.register_hook``, in ``engine.py``);

and at a leaf ``run_leaf_hooks`` (a leaf tensor's hooks) before ``AccumulateGrad``. A hook may
change a gradient's values, never its type or size: ``check_hook_result`` raises PyTorch's errors.
Each list of hooks runs over a snapshot, so a hook that removes hooks skips none.
"""

from __future__ import annotations

from .._core import capture as _capture
from . import function
from .function import Node


def check_hook_result(name: str, original, result):
    """What the hook ``name`` returned, checked against the gradient it was given (``original`` if None).

    A hook may change a gradient's values, never its type or size: the node that receives it (a
    kernel indexing by the forward's shape, an optimizer's fused loop) trusts both. PyTorch's
    ``check_single_result`` (``torch/csrc/autograd/python_hook.cpp``) raises the same errors.
    """
    if result is None:
        return original
    if original is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(result, function._tensor_class):  # (Tensor registers itself there: no import per call)
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if result.dtype is not original.dtype or result.device != original.device:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {_type_name(original)} got {_type_name(result)})"
        )
    if result._data.shape != original._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    return result


def check_hook_results(hook, originals: tuple, results) -> tuple:
    """``check_hook_result`` for a node's hook, which returns a tuple (a post hook: one gradient per
    input; a prehook: one per output). The tuple replaces the gradients as a whole, as in PyTorch's
    ``_call_hooks``: a None in it is no gradient, not "keep this one"."""
    if not isinstance(results, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(results).__name__}'")
    name = hook_name(hook)
    if len(results) != len(originals):
        raise RuntimeError(
            f"hook '{name}' has returned an incorrect number of values "
            f"(got {len(results)}, but expected {len(originals)})"
        )
    return tuple([None if r is None else check_hook_result(name, o, r) for o, r in zip(originals, results)])


def hook_name(hook) -> str:
    """How error messages name a hook: its ``__name__`` (``'<lambda>'`` for a lambda)."""
    return getattr(hook, "__name__", type(hook).__name__)


def _type_name(t) -> str:
    """PyTorch's ``Tensor.toString()``: ``torch.FloatTensor``, ``torch.cuda.FloatTensor``."""
    name = t.type()
    return name.replace("torch.", "torch.cuda.", 1) if t.device.type == "cuda" and ".cuda." not in name else name


def run_tensor_hooks(node: Node, grads: list) -> list:
    """Tensor hooks of the node's outputs, then ``retain_grad`` (which PyTorch always runs last)."""
    if not node._pre_hooks and not node._retained:
        return grads
    if node._pre_hooks:
        _capture.graph_break("a tensor hook runs Python in backward")
    grads = list(grads)
    for nr, hooks in node._pre_hooks.items():
        for hook in tuple(hooks):  # a snapshot, as PyTorch's: a hook may remove hooks while they run
            if grads[nr] is None:
                continue
            grads[nr] = check_hook_result(hook_name(hook), grads[nr], hook(grads[nr]))
    for nr, ref in node._retained.items():
        t = ref()
        if t is not None and grads[nr] is not None:
            g = grads[nr]
            t.grad = g.detach().clone() if t.grad is None else t.grad + g.detach()
    return grads


def run_node_pre_hooks(node: Node, grads: list) -> list:
    """The node's own prehooks (``Node.register_prehook``), each given the tuple of all its output
    gradients as the previous one left it; a tuple returned replaces it (each gradient checked as
    a tensor hook's; a None in it is no gradient)."""
    _capture.graph_break("a node prehook runs Python in backward")
    grads_out = tuple(grads)
    for hook in tuple(node._node_pre_hooks):
        out = hook(grads_out)
        if out is not None:
            grads_out = check_hook_results(hook, grads_out, out)
    return list(grads_out)


def run_leaf_hooks(variable, grad):
    """The hooks registered on a leaf (``Tensor.register_hook``), each given the previous one's result."""
    _capture.graph_break("a tensor hook runs Python in backward")
    for hook in tuple(variable._hooks):
        grad = check_hook_result(hook_name(hook), grad, hook(grad))
    return grad
