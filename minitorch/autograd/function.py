"""The graph: backward nodes and ``autograd.Function`` (what a node saves: ``saved.py``).

Every differentiable op is a ``Function`` subclass with a ``forward`` and a
``backward``. Calling ``MyFn.apply(*inputs)`` runs ``forward`` and, when grad
mode is on and an input requires grad, records a *node* (the output's
``grad_fn``). The node is also the ``ctx`` that ``forward`` saw, so what
``forward`` saved is there when ``backward`` runs. Each node knows, for each
input, the edge ``(next_node, input_nr)`` its gradient flows along; leaves
end in an ``AccumulateGrad`` node that adds into ``.grad``.

Built-in ops subclass ``Primitive``: its ``forward`` receives the raw backend
arrays (NumPy on CPU, torch tensors on CUDA) instead of Tensors and returns
arrays. Its ``backward`` is written with differentiable Tensor ops, so it runs
on every backend and can itself be differentiated (``create_graph=True``).
One formula recorded under several of PyTorch's node names is one class and
``Fn.named(name)`` (``NamedFunction``), not a subclass per name.

Who watches ``apply`` (the profiler, ``minitorch.compile``'s capture) is ``observers.py``'s
business; this module only reads its one global ``_observer``, which ``observers`` keeps current.
"""

from __future__ import annotations

import itertools
import traceback
import types
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from .._core import args as _args
from .._core.dtype import _BY_NP
from . import grad_mode, observers
from .saved import SavedTensor

_sequence = itertools.count()
_anomaly_enabled = False
_observer: Any = None  # who watches Function.apply: None, or an ``Observer`` (``observers.py``)


class Node:
    """A node of the backward graph (PyTorch's ``torch.autograd.graph.Node``)."""

    # Rarely used parts start as shared empty class attributes; a node gets its own on first use.
    _edges: tuple = ()  # per forward input: (Node, input_nr) or None
    _out_meta: list | tuple = ()  # per forward output: (shape, dtype, device) of the gradient it expects
    # tensor hooks, keyed by output_nr (see Tensor.register_hook); read-only until _tensor_hooks
    _pre_hooks: Mapping[int, list] = MappingProxyType({})
    _retained: Mapping[int, Any] = MappingProxyType({})  # output_nr -> weakref of a tensor that retain_grad()
    _hooks: tuple = ()  # post hooks: fn(grad_inputs, grad_outputs) after the node runs
    _node_pre_hooks: tuple = ()  # fn(grad_outputs) before it runs (PyTorch's ``pre_hooks``)
    _forward_trace = None
    _seq: float  # creation order: backward runs later nodes first (AccumulateGrad: inf)

    def __init__(self) -> None:
        self._seq = next(_sequence)
        if _anomaly_enabled:
            self._forward_trace = _user_stack()

    @property
    def metadata(self) -> dict:
        if "_metadata" not in self.__dict__:
            self._metadata: dict = {}
        return self._metadata

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_nr)`` per Tensor input (``(None, 0)`` where it needs no grad).

        A node whose Function states ``tensor_operands`` (PyTorch's schema: which arguments are
        Tensors) has one entry per such operand instead: ``x * 2`` gives ``((AccumulateGrad, 0),
        (None, 0))`` as in PyTorch, which wraps the 2 in a 0-d tensor (a "wrapped number") that
        needs no gradient, and ``where(c, x, y)`` none for the bool condition.
        """
        operands = getattr(self, "_tensor_operands", ())
        if operands:
            return tuple(e if e is not None else (None, 0) for e, operand in zip(self._edges, operands) if operand)
        mask = getattr(self, "_tensor_args", None) or (True,) * len(self._edges)
        return tuple(e if e is not None else (None, 0) for e, is_tensor in zip(self._edges, mask) if is_tensor)

    def _tensor_hooks(self, output_nr: int) -> list:
        """The (mutable) list of hooks of this node's output ``output_nr``."""
        hooks = self.__dict__.get("_pre_hooks")
        if hooks is None:
            hooks = self._pre_hooks = {}
        return hooks.setdefault(output_nr, [])

    def _retain_grad(self, output_nr: int, tensor_ref) -> None:
        retained = self.__dict__.get("_retained")
        if retained is None:
            retained = self._retained = {}
        retained[output_nr] = tensor_ref

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs) -> grad_inputs | None`` runs after this node's backward.

        ``grad_outputs``: the gradients of the node's outputs (what it ran with); ``grad_inputs``:
        what it computed, one per forward input. A tuple returned replaces ``grad_inputs`` (a None
        in it: no gradient). A leaf's ``AccumulateGrad`` runs them after adding into ``.grad``, with
        ``grad_inputs == ()``.
        """
        if "_hooks" not in self.__dict__:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs) -> grad_outputs | None`` runs before this node's backward.

        ``grad_outputs`` is a tuple, one gradient per output of the node (None where none
        arrived); a tuple returned replaces it, of the same length, each gradient of the same size
        and dtype. The order at a node is PyTorch's: the hooks of its output tensors
        (``Tensor.register_hook``), ``retain_grad``, then these prehooks in registration order,
        then the node. A leaf's ``AccumulateGrad`` runs them after the leaf's tensor hooks and
        before adding into ``.grad``. Like the node itself they run only when the node runs:
        not at a node that ``autograd.grad`` only captures a gradient at.
        """
        if "_node_pre_hooks" not in self.__dict__:
            self._node_pre_hooks = []
        self._node_pre_hooks.append(fn)
        return _RemovableHandle(self._node_pre_hooks, fn)

    def apply(self, grads: tuple) -> tuple:
        raise NotImplementedError

    def _release(self) -> None:
        """Free what forward saved (called after backward unless ``retain_graph``)."""

    def __repr__(self) -> str:
        """As PyTorch prints a node: its class name, not ``name()`` (``<AccumulateGrad object at 0x...>``
        where ``name()`` is ``'torch::autograd::AccumulateGrad'``; ``<CopySlices ...>`` likewise)."""
        return f"<{type(self).__name__} object at {hex(id(self))}>"


_PACKAGE_DIR = __file__.rsplit("autograd", 1)[0]


def _user_stack() -> list[str]:
    """The current Python stack without minitorch's own frames (anomaly mode's forward traceback)."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE_DIR)]
    return traceback.format_list(frames)


class AccumulateGrad(Node):
    """The node at a leaf: adds the incoming gradient into ``variable.grad``."""

    _seq = float("inf")  # PyTorch runs leaf accumulation as soon as it is ready

    def __init__(self, variable) -> None:
        # (not Node's __init__: its creation order would be replaced by inf.) A parameter's node
        # lives as long as the graph that uses it, so every forward makes one per parameter.
        if _anomaly_enabled:
            self._forward_trace = _user_stack()
        self.variable = variable
        data = variable._data  # (shape, dtype, device) without the properties' frames
        self._out_meta = [(data.shape, _BY_NP[data.dtype], variable._device)]

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"


class _RemovableHandle:
    def __init__(self, container, item):
        self._container, self._item = container, item

    def remove(self) -> None:
        if self._item in self._container:
            self._container.remove(self._item)


_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class FunctionCtx(Node):
    """The ``ctx`` of a Function: a backward node that also stores what forward saved.

    Made on every ``apply``, recorded only when a gradient is needed: ``_record`` gives it its
    creation order (``_seq``) and anomaly mode's forward trace, so the ctx of an op that records
    nothing costs one object.
    """

    __init__ = object.__init__  # not Node's: _record sets _seq

    _forward_cls: Any  # the Function class this node runs the backward of
    _tensor_args: tuple[bool, ...]  # per forward input: whether it is a Tensor
    _name = "FunctionCtx"
    _saved: tuple | None = ()
    _to_save: tuple = ()
    _non_differentiable: tuple = ()
    materialize_grads = True
    needs_input_grad: tuple = ()

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (or, in a Primitive's forward, input/output arrays) for ``backward``."""
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED)
        if len(saved) == 1:  # (the common case, without the list comprehension's frame)
            s = saved[0]
            return (s.unpack() if isinstance(s, SavedTensor) else s,)
        return tuple([s.unpack() if isinstance(s, SavedTensor) else s for s in saved])

    def mark_non_differentiable(self, *tensors) -> None:
        """These outputs get ``requires_grad=False`` (e.g. the indices of ``max``)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    def mark_dirty(self, *tensors) -> None:
        """Accepted for API compatibility; in-place user Functions are not supported."""

    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        """A user's ``autograd.Function`` node is a Python class to PyTorch, printed with the module
        that makes it (``<torch.autograd.function.MyFnBackward object at 0x...>``); minitorch's own
        nodes print as PyTorch's built-in ones (``<MulBackward0 object at 0x...>``)."""
        forward_cls = getattr(self, "_forward_cls", None)  # absent on a bare FunctionCtx()
        if forward_cls is None or forward_cls.__module__.startswith("minitorch."):
            return super().__repr__()
        return f"<minitorch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    def apply(self, grads: tuple) -> tuple:
        out = self._forward_cls.backward(self, *grads)
        return out if isinstance(out, tuple) else (out,)

    def _release(self) -> None:
        self._saved = None


def _node_class(cls, node_name: str, tensor_operands: tuple[bool, ...] = ()) -> type:
    """The class of ``cls``'s backward nodes, named like PyTorch's (``type(y.grad_fn).__name__``).

    "torch::autograd::CopySlices": the class is CopySlices, ``name()`` is the full name.
    ``tensor_operands``: what ``next_functions`` lists (``Function.tensor_operands``).
    """
    return type(node_name.split("::")[-1], (FunctionCtx,),
                {"_forward_cls": cls, "_name": node_name, "_tensor_operands": tensor_operands})


class _FunctionMeta(type):
    """Gives each Function subclass its node class, named like PyTorch's (``MulBackward0``)."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        node_name = attrs.get("node_name") or (name + "Backward")
        cls._backward_cls = _node_class(cls, node_name, cls.tensor_operands)
        cls._names = {}  # node_name -> NamedFunction, see ``Function.named``


class NamedFunction:
    """``Fn.named("AddmvBackward0")``: the Function ``Fn`` recording its nodes under another name.

    PyTorch has one backward node per op (``derivatives.yaml``), so one formula often runs under
    several names: ``addmv``, ``baddbmm``, ``addbmm`` and ``addr`` all differentiate as ``addmm``,
    ``squeeze(dim)`` as ``view``. A ``NamedFunction`` is ``Fn`` with only the node class swapped
    (made once per name, so ``type(y.grad_fn).__name__`` is PyTorch's too): same ``forward``,
    same ``backward``, and the same ``apply`` code, so it costs nothing per call.
    """

    def __init__(self, function: type[Function], node_name: str) -> None:
        self.function = function
        self.node_name = node_name
        self._backward_cls = _node_class(function, node_name)
        # What ``Function.apply`` and ``_record`` read from their ``cls``, copied so that
        # ``apply`` runs unchanged with this object in place of the class.
        self._raw, self.is_view = function._raw, function.is_view
        self.forward, self.backward = function.forward, function.backward
        self.apply = types.MethodType(function.apply.__func__, self)  # type: ignore[attr-defined]  # a classmethod's function

    def __getattr__(self, name: str):
        return getattr(self.function, name)

    def __repr__(self) -> str:
        return f"{self.function.__name__}.named({self.node_name!r})"


class Function(metaclass=_FunctionMeta):
    """Base class of differentiable operations (``torch.autograd.Function``).

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``
    as static methods and are called with ``apply``. ``backward`` returns one
    gradient per forward argument (``None`` for non-tensors or where
    ``ctx.needs_input_grad`` is False).
    """

    _raw = False  # Primitive: forward sees backend arrays instead of Tensors
    is_view = False  # the output shares the storage of the first input
    # Built-in ops only (docs/primitives.md, tools/gen_primitives_index.py): why this op owns a
    # backward (see ``Primitive``), and the other node names it records through ``named``.
    reason: str = ""
    also_named: tuple[str, ...] = ()
    # Per positional argument of ``apply``, whether PyTorch's node has an edge for it (its schema
    # takes a Tensor there: a Python number is wrapped into a 0-d tensor, ``(None, 0)`` in
    # ``next_functions``). Empty: an edge per Tensor argument. Not inherited by ``named`` variants,
    # whose schema often takes a Scalar (``mul.Scalar``: MulBackward1).
    tensor_operands: tuple[bool, ...] = ()

    @classmethod
    def named(cls, node_name: str):
        """This Function under PyTorch's node name ``node_name`` (made once, then cached).

        ``SumAll = Sum.named("SumBackward0")`` instead of a subclass that only sets a name.
        A module names them at import; a name chosen at run time (``values_at``) belongs in the
        class's ``also_named``, so that docs/primitives.md lists it. The class's own name is the class.
        """
        named = cls._names.get(node_name)
        if named is None:
            if node_name == cls._backward_cls._name:
                return cls
            named = cls._names[node_name] = NamedFunction(cls, node_name)
        return named

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op: check the arguments, run ``forward``, record the node (when one is needed).

        Whoever watches (``_observer``: a profile, a ``minitorch.compile`` capture) is told when the
        call begins and ends and around a Primitive's forward; see ``observers.py: Observer``.
        """
        obs = _observer
        if obs is not None:
            token = obs.begin_op(cls, args)
        try:
            Tensor = _tensor_class
            raw = cls._raw
            grad = _grad_state.enabled
            # 1. Check: one pass over the arguments (this is the hottest loop in minitorch): their
            # devices agree, whether any needs a gradient, and what forward receives (a Primitive
            # gets the backend arrays).
            fwd_args, first, needed = [], None, False
            for a in args:
                if isinstance(a, Tensor):
                    if first is None:
                        first = a
                    elif a._device is not first._device and a._device != first._device:
                        return cls.apply(*_same_device(args), **kwargs)
                    # ``requires_grad`` without the property call unless ``a`` is a view (see there)
                    if not needed and (a._requires_grad or (a._base is not None and a.requires_grad)):
                        needed = True
                    fwd_args.append(a._data if raw else a)
                else:
                    fwd_args.append(a)
            ctx = cls._backward_cls()
            record = grad and needed
            if needed and (grad or not raw):  # per input: a second pass, only where one requires grad
                # (``requires_grad`` inline, as in the pass above: the property only for a view)
                ctx.needs_input_grad = tuple([isinstance(a, Tensor) and (a._requires_grad or (
                    a._base is not None and a.requires_grad)) for a in args])
            else:  # also a Primitive under no_grad (a backward without create_graph): it records
                # nothing, so its forward need not save anything for a gradient (PyTorch's own ops
                # do not even make the node); a user's Function still sees requires_grad, as PyTorch's
                ctx.needs_input_grad = _NO_GRADS[len(args)] if len(args) < 8 else (False,) * len(args)

            # 2. Forward, in no_grad mode (a Function records one node, not the ops inside it). A
            # Primitive that records nothing skips the switch: it computes on arrays, and none of
            # its Tensor inputs needs a gradient, so there is nothing its forward could record.
            switch = grad and (record or not raw)
            if switch:
                _grad_state.enabled = False
            try:
                if obs is None:
                    res = cls.forward(ctx, *fwd_args, **kwargs)
                elif raw:
                    obs.kernel(cls)
                    res = obs.primitive(cls, ctx, fwd_args, kwargs, cls.forward(ctx, *fwd_args, **kwargs))
                else:
                    res = cls.forward(ctx, *fwd_args, **kwargs)
            except ValueError as e:
                _raise_broadcast_error(e, args)
                raise
            finally:
                if switch:
                    _grad_state.enabled = True

            multi = isinstance(res, tuple)
            if multi:
                outs = tuple([_output(o, first, cls, args) for o in res])
            elif raw and type(res) is _ndarray and not cls.is_view:  # the common case: one new array
                outs = _make(res, first._device)
            else:
                outs = _output(res, first, cls, args)

            # 3. Record the node: edges to the inputs, the outputs' grad_fn, the saved tensors.
            if record:
                _record(ctx, cls, args, outs if multi else (outs,), fwd_args if raw else None,
                        res if multi else (res,))
            elif obs is not None:
                ctx._to_save = ()  # a capture keeps the ctx (it replays forward): not what it saved
            return outs
        finally:
            if obs is not None:
                obs.end_op(token)


_NO_GRADS = tuple((False,) * n for n in range(8))  # ``needs_input_grad`` of an op that needs none


def _output(o, first, cls, args):
    """One result of ``forward`` as a Tensor: a Primitive's array wrapped (sharing ``first``'s
    storage for a view op); an input a Function returns unchanged becomes a new alias, so it can
    carry its own grad_fn."""
    if isinstance(o, _tensor_class):
        return o._alias() if not cls._raw and any(o is a for a in args) else o
    if cls._raw:
        return first._wrap_result(o, first if cls.is_view else None)
    return o


def _same_device(args) -> list:
    """Tensors of one op on different devices raise, as PyTorch; 0-d CPU tensors join the others."""
    Tensor = _tensor_class
    devices = {a._device for a in args if isinstance(a, Tensor) and not (a._device.type == "cpu" and a.dim() == 0)}
    if len(devices) > 1:
        first, second = sorted(devices, key=lambda d: d.type == "cpu")[:2]
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but found at least two devices, {first} and {second}!"
        )
    if not devices:  # only 0-d tensors: they stay where they are
        return list(args)
    (target,) = devices
    return [a.to(target) if isinstance(a, Tensor) and a._device != target else a for a in args]


def _raise_broadcast_error(error: ValueError, args) -> None:
    """NumPy reports shapes that do not broadcast as ValueError; PyTorch raises RuntimeError."""
    if "broadcast" in str(error):
        from .._core.strides import broadcast_shapes

        broadcast_shapes(*(tuple(a.shape) for a in args if isinstance(a, _tensor_class)))


class Primitive(Function):
    """A built-in op: ``forward`` computes on raw backend arrays, ``backward`` uses Tensor ops.

    The model is PyTorch's ``derivatives.yaml``: one backward node per PyTorch op whose
    ``grad_fn`` a user can see, so most primitives exist because PyTorch has a node of that
    name, not because the math needs them. Each class says why in ``reason``:

    - ``"node"``: PyTorch records a node of this name (``grad_fn`` parity; a composition would
      show its parts' names instead);
    - ``"numerics: ..."``: a composition would lose accuracy or NaN/inf behaviour (says which);
    - ``"speed: ..."``: a composition measured slower (names the benchmark);
    - ``"base: ..."``: a shared base whose subclasses are the nodes (``nn.functional``'s losses).

    ``docs/primitives.md`` lists them all (``tools/gen_primitives_index.py``); the first line of
    the docstring is the forward and the backward, ``y = exp(x);  dx = g * y``.
    """

    _raw = True


def _record(ctx: FunctionCtx, cls, args, outs, raw_args, raw_outs) -> None:
    """Connect ``ctx`` into the graph: edges to inputs, outputs' grad_fn, saved tensors."""
    Tensor = _tensor_class

    ctx._seq = next(_sequence)
    if _anomaly_enabled:
        ctx._forward_trace = _user_stack()
    # An input that needs no gradient has no edge (``needs_input_grad`` is its ``requires_grad``).
    # One pass for edges and tensor flags; an input that is no view and has a grad_fn is its edge
    # as ``_grad_edge`` gives it (the ``grad_fn`` property regenerates only a view's).
    edges, tensor_args = [], []
    for a, need in zip(args, ctx.needs_input_grad):
        if need:
            fn = a._grad_fn
            edges.append((fn, a._output_nr) if fn is not None and a._base is None else a._grad_edge())
        else:
            edges.append(None)
        tensor_args.append(isinstance(a, Tensor))
    ctx._edges = tuple(edges)
    ctx._tensor_args = tuple(tensor_args)
    non_diff = ctx._non_differentiable
    meta: list[tuple | None] = []
    ctx._out_meta = meta
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            meta.append(None)
            continue
        dtype = _BY_NP[o._data.dtype]  # ``o.dtype`` without the property's frame
        meta.append((o._data.shape, dtype, o._device))
        if dtype.is_floating_point and not (non_diff and any(o is n or o._data is n for n in non_diff)):
            o._requires_grad = True
            o._grad_fn, o._output_nr = ctx, i  # the ``grad_fn`` setter's two stores, without its call
            o._view_version = o._version_counter.value
    # Resolve what forward saved: inputs stay as they are, outputs are saved weakly.
    if not ctx._to_save:
        ctx._saved = ()
        return
    saved = []
    for s in ctx._to_save:
        if s is None or not hasattr(s, "shape"):  # None and Python numbers are kept as they are
            saved.append(s)
            continue
        found = None
        for i, o in enumerate(outs):
            if s is o or (cls._raw and isinstance(o, Tensor) and (s is o._data or s is raw_outs[i])):
                found = SavedTensor(o, ctx, i) if o._grad_fn is ctx else SavedTensor(o)
                break
        if found is None:
            for j, a in enumerate(args):
                if isinstance(a, Tensor) and (s is a or (cls._raw and s is raw_args[j])):
                    found = SavedTensor(a)
                    break
        if found is None:  # an intermediate array (a mask, indices): a constant for backward
            found = SavedTensor(s if isinstance(s, Tensor) else outs[0]._wrap_result(s))
        saved.append(found)
    ctx._saved = tuple(saved)
    ctx._to_save = ()


def _record_view(ctx: FunctionCtx, x, out, n_args: int) -> None:
    """``_record`` for a view op (``_ops/shape/views.py: ViewPrimitive.apply``): one Tensor input
    ``x`` (the first of ``n_args`` arguments; it requires grad, so it and ``out`` are floating
    point), one output, nothing saved. The same fields as ``_record``, without its loops."""
    needs = _VIEW_NEEDS[n_args]
    ctx.needs_input_grad = ctx._tensor_args = needs
    ctx._seq = next(_sequence)
    if _anomaly_enabled:
        ctx._forward_trace = _user_stack()
    ctx._edges = (x._grad_edge(),) + (None,) * (n_args - 1)
    ctx._out_meta = [(out._data.shape, x.dtype, x._device)]
    ctx._saved = ()
    out._requires_grad = True
    out._grad_fn = ctx


_VIEW_NEEDS = {n: (True,) + (False,) * (n - 1) for n in range(1, 8)}  # needs_input_grad: x alone


# ``Tensor`` is defined one layer up (``_tensor/tensor.py`` imports this module), so it registers itself
# here at import time instead of being imported on every ``apply``; this passes it on to the argument
# checks of ``_core/args.py``, a layer further down.
_tensor_class: Any = type(None)
_make: Any = None  # ``Tensor._make``: a new Tensor around an array
_ndarray = np.ndarray
_grad_state = grad_mode._state


def register_tensor_class(cls: Any) -> None:
    global _tensor_class, _make
    _tensor_class = cls
    _make = cls._make
    _args.register_tensor_class(cls)


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Anomaly mode on or off (``check_nan`` is accepted: minitorch's anomaly mode always checks for NaN)."""
    global _anomaly_enabled
    _anomaly_enabled = bool(enabled)


def is_anomaly_enabled() -> bool:
    return _anomaly_enabled


def arrays_suffice() -> bool:
    """Whether an op may compute on the backend arrays without ``Function.apply``: grad mode is off
    (no node can be recorded: a backward without ``create_graph``, ``no_grad``) and nobody watches
    ``apply`` (a profile and a ``minitorch.compile`` capture must see every op). A backward formula
    asks this before its direct path (``_ops/linalg/matmul.py: grad_a``)."""
    return not _grad_state.enabled and _observer is None


def _set_observer(observer: Any) -> None:
    """Who ``apply`` tells from now on; ``observers.watch``/``unwatch`` call it (``subscribe``)."""
    global _observer
    _observer = observer


observers.subscribe(_set_observer)
