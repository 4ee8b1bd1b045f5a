"""Module hooks: ``RemovableHandle`` and the wiring behind ``register_full_backward_hook``.

``Module.__call__`` runs the forward (pre-)hooks itself; backward hooks need autograd nodes
around the call, built here: identity ``Function`` nodes on the module's tensor inputs and
outputs, whose backward sees grad_output and grad_input and hands them to the hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..._tensor.methods import Tensor
from ...autograd.function import Function
from ...autograd.hooks import check_hook_result

if TYPE_CHECKING:
    from .module import Module

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, *hooks_dicts: dict) -> None:
        self.hooks_dicts = hooks_dicts
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        for d in self.hooks_dicts:
            d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *args) -> None:
        self.remove()


class BackwardHookFunction(Function):
    """``y_i = x_i``;  ``dx_i = callback(g_1, ..., g_n)``: one node sees all the gradients at once."""

    reason = "node"

    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.callback(grads))


class _BackwardHookState:
    """One forward call's backward-hook wiring (``torch.utils.hooks.BackwardHook``).

    The module's outputs pass through an identity node whose backward records
    grad_output; its tensor inputs pass through another, whose backward receives
    grad_input, calls the hooks, and lets them replace it.
    """

    def __init__(self, module: Module) -> None:
        self.module = module
        self.grad_outputs: tuple | None = None
        self.n_inputs = 0

    @staticmethod
    def _wrap(values: tuple, callback: Callable) -> tuple:
        positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not positions:
            return values
        wrapped = BackwardHookFunction.apply(callback, *[values[i] for i in positions])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        out = list(values)
        for i, w in zip(positions, wrapped):
            out[i] = w
        return tuple(out)

    def wrap_inputs(self, args: tuple) -> tuple:
        tensors = [v for v in args if isinstance(v, Tensor)]
        self.n_inputs = len(tensors)
        self.grad_positions = [i for i, v in enumerate(tensors) if v.requires_grad]
        return self._wrap(args, self._on_grad_inputs)

    def wrap_outputs(self, result):
        single = not isinstance(result, tuple)
        outputs = self._wrap((result,) if single else result, self._on_grad_outputs)
        return outputs[0] if single else outputs

    def _on_grad_outputs(self, grads: tuple) -> tuple:
        self.grad_outputs = grads
        if not self.grad_positions:  # no input needs a gradient: the hooks run now, with (None,)
            self._run_hooks((None,))
        return grads

    def _on_grad_inputs(self, grads: tuple) -> tuple:
        """Hooks see one entry per tensor argument (None where it needs no gradient)."""
        full: list = [None] * self.n_inputs
        for i, g in zip(self.grad_positions, grads):
            full[i] = g
        full_out = self._run_hooks(tuple(full))
        # PyTorch checks what the hooks hand back like a tensor hook's result (its wrapper is named 'hook')
        return tuple(check_hook_result("hook", g, full_out[i]) for i, g in zip(self.grad_positions, grads))

    def _run_hooks(self, grad_inputs: tuple) -> tuple:
        for hook in list(self.module._backward_hooks.values()):
            out = hook(self.module, grad_inputs, self.grad_outputs)
            if out is not None:
                out = out if isinstance(out, tuple) else (out,)
                if len(out) != len(grad_inputs):
                    raise RuntimeError(
                        f"Backward hook returned an invalid number of grad_input, got {len(out)}, "
                        f"but expected {len(grad_inputs)}"
                    )
                grad_inputs = out
        return grad_inputs
