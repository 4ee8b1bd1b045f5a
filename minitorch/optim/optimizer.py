"""The ``Optimizer`` base class: parameter groups, per-parameter state, and their state_dict.

An optimizer holds ``param_groups`` (a list of dicts: ``{"params": [tensors], "lr": ..., ...}``, each
option defaulting to ``defaults``) and ``state`` (a dict per parameter: moment buffers, the step
count). ``step()`` applies the subclass's update rule ``_update(p, grad, state, group)`` to every
parameter that has a gradient, in place and outside autograd; schedulers change ``group["lr"]``
between steps. ``state_dict()`` replaces the parameters by their position (0, 1, ... across groups),
so the saved state can be loaded into a fresh optimizer over other tensors of the same shapes.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any, Self

import numpy as np

from .._core import capture as _capture
from .._core.strides import is_non_overlapping_and_dense
from .._ops.creation.factories import tensor
from .._tensor.methods import Tensor
from ..autograd import enable_grad, no_grad
from ..profiler._recorder import profiled_method
from ._functional import add_arrays, descend_arrays, scalar


class _RequiredParameter:
    """Marks a default the user must give in every group (``torch.optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: Any) -> str:
    """``torch.typename``: ``'torch.FloatTensor'`` for tensors, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", None) else f"{module}.{name}"


def _add_(p: Tensor, g: Tensor, alpha: float) -> None:
    """``p.add_(g, alpha=alpha)`` under ``no_grad`` (an update step), written on the arrays in place
    where that gives the same values: float NumPy arrays of one dtype and shape, ``p`` writable and
    with no element in two places. ``add_`` computes ``p + alpha * g`` out of place and then copies
    it into ``p`` (three passes over the parameter and a dispatch); here it is ``alpha * g`` into a
    temporary and one in-place add, with the same rounding. Anything else (CUDA, a dtype cast, a
    broadcast, a self-overlapping ``p``) goes through ``add_`` and its checks."""
    if _in_place(p._data, g._data):
        _capture.call(add_arrays, p._data, g._data, alpha, writes=(0,))
        p._bump_version()
        return
    p.add_(g, alpha=alpha)


def _descend_(p: Tensor, g: Tensor, group: dict[str, Any]) -> None:
    """``p.add_(g, alpha=-lr)``, SGD's last line, with ``lr`` read from ``group`` when the step runs.

    Where ``_add_`` works on the arrays in place it is one recorded step that reads ``group["lr"]``
    each time it runs, so a compiled step follows a scheduler's learning rate without being captured
    again (the plan's optimizer guard leaves ``lr`` out: ``_live_options``). Otherwise it is ``add_``
    with ``-lr`` a constant of the plan, and ``capture.baked`` keeps ``lr`` guarded."""
    if _in_place(p._data, g._data):
        _capture.call(descend_arrays, p._data, g._data, group, writes=(0,))
        p._bump_version()
        return
    _capture.baked(group, "lr")
    p.add_(g, alpha=-scalar(group["lr"]))


def _mul_(t: Tensor, factor: float) -> Tensor:
    """``t.mul_(factor)`` under ``no_grad`` (a momentum buffer's decay), on the array in place where
    ``_add_`` would be; the same rounding as ``mul_``."""
    if _writable_in_place(t._data):
        _capture.call(np.multiply, t._data, factor, t._data, writes=(2,))
        t._bump_version()
        return t
    return t.mul_(factor)


def _in_place(pd: Any, gd: Any) -> bool:
    """Whether ``add_arrays(pd, gd, alpha)`` gives ``add_``'s values: float NumPy arrays of one dtype
    and shape, ``pd`` writable with no element in two places."""
    return _writable_in_place(pd) and type(gd) is np.ndarray and pd.dtype == gd.dtype and pd.shape == gd.shape


def _writable_in_place(a: Any) -> bool:
    """A float NumPy array that can be written in place with no element in two places (and no
    gaps: ``_core/strides.py``'s rule, which any parameter or optimizer state meets)."""
    return (type(a) is np.ndarray and a.dtype.kind == "f" and a.flags.writeable
            and is_non_overlapping_and_dense(a.shape, [s // a.itemsize for s in a.strides]))


def _new_step() -> Tensor:
    """The step counter of a parameter's state: a 0-d float tensor on the CPU, as torch keeps it."""
    return tensor(0.0)


class Optimizer:
    """Base class of all optimizers (``torch.optim.Optimizer``).

    Subclasses validate their hyper-parameters, pass them as ``defaults`` and implement
    ``_update(p, grad, state, group)``: one parameter's update rule, run under ``no_grad``.
    ``_live_options`` names the options whose every use is in a recorded step that reads the group
    when it runs (``_descend_``): a compiled step reads them live instead of guarding them, unless
    a capture reports one ``baked`` into a constant (``_core/capture.py``).
    """

    _live_options: tuple[str, ...] = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        """An optimizer with no groups and no state yet. A subclass checks its options before
        ``Optimizer.__init__`` makes these, as torch's do; one whose check raised can outlive the
        error (a traceback's frames hold it until gc runs), and whoever finds it among the live
        objects (``minitorch.compile``'s recorder reads every optimizer's groups) sees an empty one."""
        self = super().__new__(cls)
        self.defaults, self.state, self.param_groups = {}, defaultdict(dict), []
        return self

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be "
                "an iterable of Tensors or dicts, but got " + _typename(params)
            )
        self.state: defaultdict[Tensor, Any] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a group; options it does not name take the optimizer's ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in param_group["params"]]
        if names:
            if len(names) != len(param_group["params"]):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + _typename(param)
                )
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        param_set: set[Tensor] = set()
        for group in self.param_groups:
            param_set.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                current = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {current} to the optimizer"
                )
        if not param_set.isdisjoint(set(param_group["params"])):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ stepping
    @profiled_method("Optimizer.zero_grad")
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (or fill them with zeros, detached)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    @profiled_method("Optimizer.step")
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter with a gradient; returns the loss ``closure()`` computed.

        The closure re-evaluates the model (with autograd on, even inside ``no_grad``) and calls backward.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, p.grad, self._state_of(p, group), group)
        return loss

    def _state_of(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """The state ``_update`` reads and writes: ``self.state[p]``, made on the first step."""
        return self.state[p]

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        """The update rule of one parameter: change ``p`` (and ``state``) in place."""
        raise NotImplementedError

    # ------------------------------------------------------------------ saving
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``; tensors are not copied."""
        index: dict[int, int] = {}
        start = 0

        def pack_group(group: dict[str, Any]) -> dict[str, Any]:
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            index.update({id(p): i for i, p in enumerate(group["params"], start) if id(p) not in index})
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take over the saved groups' options and the saved state, matched to our parameters by position.

        State tensors are cast to their parameter's dtype and device, except ``step``.
        """
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param: Tensor, value: Any, key: Any = None) -> Any:
            if isinstance(value, Tensor):
                if key == "step":
                    return value
                if param.is_floating_point():
                    return value.to(dtype=param.dtype, device=param.device)
                return value.to(device=param.device)
            if isinstance(value, dict):
                return {k: cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict[Any, Any] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v)
            else:
                state[k] = v

        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"
