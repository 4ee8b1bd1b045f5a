"""``TensorBase``: the data model of a tensor, an array that knows where it came from.

A tensor is four things:

- ``_data``: a backend array (a NumPy ``ndarray`` on CPU) holding its values,
  with its own shape and strides;
- its *storage*: the flat array ``_data`` is a window into. Views (``x[0]``,
  ``x.t()``, ``x.view(...)``) share the storage and differ only in shape,
  strides and offset - see ``_core/strides.py``;
- a *version counter* (``_version_counter``; ``x._version`` reads it), shared
  by all views of a storage and bumped by every in-place op, so that backward
  can tell when a saved tensor was overwritten;
- its autograd identity: ``requires_grad``, ``grad``, and ``grad_fn`` (the
  node that made it) with ``_output_nr`` (which output of that node it is).

This file holds only the data model. The ops live in ``_ops/``; what Python asks of a tensor
(``len``, ``item``, ``numpy``, ``repr``, pickling ...) is in ``_tensor/python_protocol.py``; and ``minitorch.Tensor`` is
``class Tensor(TensorBase)`` in ``_tensor/methods.py``, whose body names every method, one per
line (``exp = _refuses_out(_unary.exp)``), as PyTorch's ``torch.Tensor(torch._C.TensorBase)``.
The ops are imported after this class exists and before ``Tensor`` does, so they know this class
as ``Tensor`` (the alias at the end of this file): ``isinstance(x, Tensor)`` holds for every
tensor, and ``Tensor._make`` makes a ``minitorch.Tensor`` (see ``_make``).
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from .._core import capture as _capture
from .._core import dtype as _dtype
from .._core.device import cpu_device
from .._core.device import device as _device_cls
from .._core.size import Size
from .._core.strides import contiguous_strides, is_contiguous
from ..autograd import backward as _backward
from ..autograd import grad_mode
from ..autograd.function import AccumulateGrad, register_tensor_class
from ..autograd.saved import _forward_name
from ..backends import backend_of

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)
_new_size = tuple.__new__  # Size(shape) without re-checking that every entry is an int


def _add_into(a, b) -> None:
    """``a += b`` on backend arrays (a step ``minitorch.compile`` records)."""
    backend_of(a).add(a, b, out=a)


class _Version:
    """A version counter shared by a storage's views (``x._version`` in PyTorch)."""

    value = 0  # a class default, so a new counter runs no Python ``__init__``; a bump sets its own


def _no_grad_view_error(view, indirect: bool) -> RuntimeError:
    """PyTorch's error for a view made under no_grad (or a view of one) that is written in place with
    grad mode on (``indirect``: its base or another view was written, seen when its grad_fn is read)."""
    what = "its base or another view of its base has been modified inplace" if indirect else "is being modified inplace"
    if view._grad_fn is not None:  # a view of the no_grad view, made with grad mode on
        who = f"Output {view._output_nr} of {_forward_name(view._grad_fn)} is a view of a view which was created in no_grad mode and"
    else:
        who = "A view was created in no_grad mode and"
    return RuntimeError(
        f"{who} {what} with grad mode enabled. Given that this use case is ambiguous and error-prone, it is "
        "forbidden. You can clarify your code by moving both the view and the inplace either both inside the "
        "no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be "
        "tracked)."
    )


def mark_no_grad_view(view, base) -> None:
    """A view made under no_grad: it never takes its base's history, and like PyTorch's it requires
    grad when its base does (``view.requires_grad`` is True, ``is_leaf`` too, and the gradients of
    what is computed from it stop at it: ``_grad_edge`` gives no accumulator)."""
    view._no_grad_view = True
    if base.requires_grad:
        view._requires_grad = True


class TensorBase:
    """A tensor's data, geometry and autograd identity (``torch._C.TensorBase``); the methods that
    compute are those of its subclass ``minitorch.Tensor`` (``_tensor/methods.py``)."""

    __slots__ = (
        "__dict__",
        "__weakref__",
        "_accumulator",
        "_base",
        "_data",
        "_device",
        "_grad",
        "_grad_fn",
        "_hooks",
        "_multi_output_view",  # an output of split/unbind that requires grad, or a view of one
        "_offset_cache",
        "_output_nr",
        "_requires_grad",
        "_retains_grad",
        "_storage",
        "_stride",
        "_version_counter",
        "_view_version",
    )

    # True on a view made under no_grad and on views of it (PyTorch's CreationMeta::NO_GRAD_MODE, which a
    # view passes on to its views): a class default, so only such views store it (in ``__dict__``)
    _no_grad_view = False

    # Legacy constructor: Tensor(2, 3) is uninitialised float32, Tensor([1, 2]) copies data.
    def __new__(cls, *args, **kwargs):
        from .._ops.creation import factories as _creation

        device = kwargs.pop("device", "cpu")  # a CPU type: not the default device
        if kwargs:
            raise TypeError(f"new() received an invalid combination of arguments: {sorted(kwargs)}")
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)) and not isinstance(args[0], Size):
            if isinstance(args[0], Tensor):
                return args[0]._alias()
            t = _creation.legacy_tensor(args[0], _dtype.get_default_dtype(), device)
        else:
            t = _creation.empty(*args, dtype=_dtype.get_default_dtype(), device=device)
        if cls is not type(t):
            t.__class__ = cls
        return t

    def __init__(self, *args, **kwargs):
        pass

    @classmethod
    def _make(cls, data, device=None, storage=None, stride=None, version=None, base=None) -> Tensor:
        """Wrap a backend array. ``storage``/``stride``/``version``/``base`` are given for views.

        ``TensorBase._make`` (the ops' ``Tensor._make``) makes a ``minitorch.Tensor``, the class
        with the methods; a subclass (``nn.Parameter``) makes one of its own."""
        t = object.__new__(_tensor_class if cls is TensorBase else cls)
        t._data = data
        t._storage = storage
        t._stride = stride
        if version is None:
            t._version_counter, t._view_version = _Version(), 0
        else:
            t._version_counter, t._view_version = version, version.value
        t._base = base
        t._device = device if device is not None else cpu_device
        t._requires_grad = False
        t._grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._hooks = None
        t._accumulator = None
        t._retains_grad = False
        t._multi_output_view = False
        t._offset_cache = None
        return t

    def _wrap_result(self, array, view_of: Tensor | None = None) -> Tensor:
        """A Tensor around an op's result array; for a view op, one that shares ``view_of``'s storage."""
        if isinstance(array, np.generic):  # NumPy ops on 0-d arrays return scalars, not 0-d arrays
            array = np.asarray(array)
        if view_of is None:
            return Tensor._make(array, self._device)
        xp = backend_of(array)
        base = view_of._base if view_of._base is not None else view_of
        t = Tensor._make(
            array,
            self._device,
            storage=view_of._get_storage(),
            stride=xp.element_strides(array),
            version=view_of._version_counter,
            base=base,
        )
        if not grad_mode.is_grad_enabled():
            mark_no_grad_view(t, base)
        elif view_of._multi_output_view:  # a view of a split/unbind output
            t._multi_output_view = True
        elif view_of._no_grad_view:  # a view of a no_grad view: PyTorch passes the mark on
            t._no_grad_view = True
        return t

    # ------------------------------------------------------------------ storage and geometry
    def _get_storage(self):
        if self._storage is None:
            xp = backend_of(self._data)
            # A fresh result with negative strides becomes a copy, so the strides cached from the
            # old array are stale (permute read them first: a (2, 1) gradient of cumsum with stride
            # -1, offset 0; thorough profile). A C-contiguous one (most) is read as it is: no strides.
            if not xp.is_c_contiguous(self._data) and min(xp.element_strides(self._data), default=0) < 0:
                self._data, self._stride = xp.ascontiguousarray(self._data), None
            self._storage = xp.storage_of(self._data)
            self._offset_cache = (self._data, self._storage, 0)  # it starts at the first element
        return self._storage

    def stride(self, dim: int | None = None):
        """Elements to skip in storage to move one step along each dim."""
        if self._stride is None:
            d = self._data
            xp = backend_of(d)
            if self._storage is None and not xp.is_c_contiguous(d) and min(xp.element_strides(d), default=0) < 0:
                self._get_storage()  # no negative strides: the storage a view reads is this copy
                d = self._data
            self._stride = contiguous_strides(d.shape) if xp.is_c_contiguous(d) else xp.element_strides(d)
        if dim is None:
            return self._stride
        from .._core.args import wrap_dim

        return self._stride[wrap_dim(dim, self.dim())]

    def storage_offset(self) -> int:
        """Index of this tensor's first element in its storage."""
        data = self._data
        if self._storage is None:  # a fresh result: its storage will start at its first element
            return 0
        cached = self._offset_cache
        if cached is not None and cached[0] is data and cached[1] is self._storage:
            return cached[2]
        xp = backend_of(data)
        offset = (xp.address(data) - xp.address(self._storage)) // data.itemsize
        self._offset_cache = (data, self._storage, offset)  # keyed by identity: ``out=`` may swap ``_data``
        return offset

    def is_contiguous(self, *, memory_format=None) -> bool:
        return self.numel() == 0 or is_contiguous(self._data.shape, self.stride())

    def data_ptr(self) -> int:
        return backend_of(self._data).address(self._data)

    def untyped_storage(self):
        return self._get_storage()

    def element_size(self) -> int:
        return self.dtype.itemsize

    def _is_view(self) -> bool:
        return self._base is not None

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        return _new_size(Size, self._data.shape)  # backend shapes are tuples of ints already

    def size(self, dim: int | None = None):
        if dim is None:
            return _new_size(Size, self._data.shape)
        from .._core.args import wrap_dim

        return self._data.shape[wrap_dim(dim, self.dim())]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype._BY_NP[self._data.dtype]

    @property
    def device(self) -> _device_cls:
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return math.prod(self._data.shape)

    nelement = numel

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return False

    def type(self, dtype=None, non_blocking: bool = False):
        """Without arguments, the legacy type name (``'torch.FloatTensor'``); otherwise a cast."""
        from .._core.args import bool_argument

        bool_argument("type", "non_blocking", non_blocking)
        if dtype is None:
            return _LEGACY_NAMES[self.dtype]
        if isinstance(dtype, str):
            by_name = {v: k for k, v in _LEGACY_NAMES.items()}
            if dtype not in by_name:
                raise ValueError(f"invalid type: {dtype!r}")
            dtype = by_name[dtype]
        elif not isinstance(dtype, type) and not isinstance(dtype, _dtype.dtype) \
                and type(dtype).__module__ != "torch":
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(_dtype.to_dtype(dtype))

    # ------------------------------------------------------------------ autograd identity
    @property
    def requires_grad(self) -> bool:
        if self._requires_grad:
            return True
        # A view of a base that has since been written in place with a tensor requiring grad.
        return self._base is not None and self._base._requires_grad and self.grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if not isinstance(value, bool):
            raise RuntimeError("requires_grad must be a bool")  # noqa: TRY004 - PyTorch's type
        if value and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        from .._core.args import bool_argument

        self.requires_grad = bool_argument("requires_grad_", "requires_grad", requires_grad)
        return self

    @property
    def grad(self):
        """The gradient accumulated by ``backward`` (None until then; only leaves and tensors that
        called ``retain_grad()`` get one, so reading it elsewhere warns, as in PyTorch)."""
        grad = self._grad
        if grad is None and not self._retains_grad and not self.is_leaf:
            import warnings

            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # Optimizers and the fused kernels index .grad as if it were the tensor itself: check here,
        # as PyTorch's THPVariable_set_grad does, so a mismatched gradient never reaches them.
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    + (type(value).__qualname__ if type(value).__module__ == "builtins"
                       else f"{type(value).__module__}.{type(value).__qualname__}"))
            if value is self:
                raise RuntimeError("can't assign Variable as its own grad")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype}' to a tensor with dtype "
                    f"'{self.dtype}'. Please ensure that the gradient and the tensor have the same dtype")
            if value._device != self._device:
                raise RuntimeError(
                    f"attempting to assign a gradient with device '{value._device}' to a tensor with device "
                    f"'{self._device}'. Please ensure that the gradient and the tensor are on the same device")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                    f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's storage has seen (shared with its views)."""
        return self._version_counter.value

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 for a leaf; ``i`` for ``x.unbind()[i]``)."""
        return self._output_nr  # a regenerated view's node (AsStridedBackward0) has one output: 0 too

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf).

        A view whose base was modified in place *through another view* still
        points at the old history; like PyTorch, its grad_fn is regenerated on
        access as an ``AsStridedBackward0`` of the base's current history.
        """
        if self._view_version != self._version_counter.value and self._base is not None:
            self._regenerate_view_grad_fn()
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node) -> None:
        self._grad_fn = node
        self._view_version = self._version_counter.value

    def _regenerate_view_grad_fn(self) -> None:
        base = self._base
        if self._no_grad_view:  # never takes its base's history; PyTorch refuses once the base needs grad
            if self._grad_fn is None and not base._requires_grad:
                return
            raise _no_grad_view_error(self, indirect=True)
        if self._multi_output_view:  # PyTorch refuses to regenerate it
            raise RuntimeError(
                f"Output {self._output_nr} of {_forward_name(self._grad_fn)} is a view and its base or another view "
                "of its base has been modified inplace. This view is the output of a function that returns multiple "
                "views. Such functions do not allow the output views to be modified inplace. You should replace the "
                "inplace operation by an out-of-place one."
            )
        self._view_version = self._version_counter.value
        if not (base._requires_grad and grad_mode.is_grad_enabled()):
            return
        from .._ops._inplace import view_of_base

        v = view_of_base(self)
        self._grad_fn, self._output_nr, self._requires_grad = v._grad_fn, v._output_nr, True

    @property
    def _base_tensor(self):
        return self._base

    def _grad_edge(self):
        """Where this tensor's gradient goes: ``(grad_fn, output_nr)``, a leaf's accumulator, or None."""
        grad_fn = self.grad_fn
        if grad_fn is not None:
            return (grad_fn, self._output_nr)
        if self._requires_grad:
            acc = self._accumulator() if self._accumulator is not None else None
            if acc is None:
                if self._no_grad_view:  # requires grad through its base only: gradients stop here (PyTorch)
                    return None
                acc = AccumulateGrad(self)
                self._accumulator = weakref.ref(acc)
            return (acc, 0)
        return None

    def retain_grad(self) -> None:
        """Keep ``.grad`` for a non-leaf tensor too (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        self.grad_fn._retain_grad(self._output_nr, weakref.ref(self))

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """``hook(grad) -> grad | None`` runs when this tensor's gradient is computed."""
        from ..autograd.function import _RemovableHandle

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            hooks = self.grad_fn._tensor_hooks(self._output_nr)
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) * gradient into every leaf's ``.grad``."""
        _backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage (and version counter) but not its history."""
        storage = self._get_storage()  # first: it may replace _data (see there)
        return Tensor._make(self._data, self._device, storage, self._stride, self._version_counter)

    def detach_(self) -> Tensor:
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        self.grad_fn, self._output_nr, self._requires_grad = None, 0, False
        return self

    @property
    def data(self) -> Tensor:
        """An alias of the values that autograd does not track (its own version counter)."""
        storage = self._get_storage()  # first: it may replace _data (see there)
        return Tensor._make(self._data, self._device, storage, self._stride)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data, self._storage, self._stride = value._data, value._storage, value._stride
        self._device = value._device

    def _alias(self) -> Tensor:
        """A new Tensor object over the same memory, history and version (``Function`` outputs)."""
        t = Tensor._make(self._data, self._device, self._storage, self._stride, self._version_counter, self._base)
        t._requires_grad, t.grad_fn, t._output_nr = self._requires_grad, self.grad_fn, self._output_nr
        return t

    # new_zeros / new_ones / new_empty / new_full / new_tensor ("a new tensor like this one", what
    # backward formulas use to build gradients) are written in _tensor/legacy.py, next to the legacy
    # constructors they share their dtype and device rules with, and named in Tensor's body.

    # ------------------------------------------------------------------ in-place writes
    def _check_inplace(self) -> None:
        """PyTorch forbids in-place ops on a leaf (or a view of a leaf) that requires grad, and on an
        output of split/unbind (or a view of one) that requires grad: that node's backward joins
        all its outputs' gradients and could not follow the write."""
        if not grad_mode.is_grad_enabled():
            return
        if self._multi_output_view:  # set only where the output requires grad
            raise RuntimeError(
                f"Output {self._output_nr} of {_forward_name(self._grad_fn)} is a view and is being modified inplace. "
                "This view is the output of a function that returns multiple views. Such functions do not allow the "
                "output views to be modified inplace. You should replace the inplace operation by an out-of-place one."
            )
        if self._base is None:
            if self._requires_grad and self._grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        elif self._no_grad_view and self._requires_grad:  # made under no_grad, or a view of such a view
            raise _no_grad_view_error(self, indirect=False)
        elif self._base._requires_grad and self._base._grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation."
            )

    def _bump_version(self) -> None:
        self._version_counter.value += 1

    def _inplace_data_add(self, other: Tensor) -> None:
        """``self += other`` on the raw values, no autograd (gradient accumulation)."""
        _capture.call(_add_into, self._data, other._data, writes=(0,))
        self._bump_version()

    # ------------------------------------------------------------------ values out, identity
    # The rest of Python's protocol (len, iter, item, numpy, bool, float, repr, pickle, deepcopy) is
    # written in _tensor/python_protocol.py and named in minitorch.Tensor's body.
    def _to_numpy(self):
        """The values as a host NumPy array (what ``item``, ``tolist`` and gradcheck read)."""
        _capture.graph_break("a tensor's values are read into Python (.item(), bool(), .tolist())")
        return backend_of(self._data).to_numpy(self._data)

    def __hash__(self) -> int:
        return id(self)


# The name ``Tensor`` for the modules that ``minitorch.Tensor`` (``_tensor/methods.py``) is built
# from, the ops and the method helpers, which cannot import that class (``from .._tensor.tensor
# import Tensor``); nn, optim, utils, vision and serialization import ``minitorch.Tensor`` itself
# from ``_tensor/methods.py``, as PyTorch's import ``torch.Tensor``. It is this class, the
# base of every tensor, so ``isinstance(x, Tensor)`` answers as with the subclass, and
# ``Tensor._make`` makes a ``minitorch.Tensor`` (``_tensor_class``). An alias, not a second class:
# all the methods are on the subclass, as PyTorch's are on ``torch.Tensor``, not on
# ``torch._C.TensorBase``.
Tensor = TensorBase
_tensor_class: type = TensorBase  # what ``_make`` makes: ``minitorch.Tensor``, once it is defined


def set_tensor_class(cls: type) -> None:
    """Make ``cls`` (``minitorch.Tensor``, ``_tensor/methods.py``) the class of every new tensor."""
    global _tensor_class
    _tensor_class = cls
    register_tensor_class(cls)


def _rebuild(array, requires_grad, device=None):
    t = Tensor._make(array) if device is None else Tensor._make(array).to(device)
    t._requires_grad = requires_grad
    return t


_LEGACY_NAMES = {
    _dtype.float32: "torch.FloatTensor", _dtype.float64: "torch.DoubleTensor",
    _dtype.float16: "torch.HalfTensor", _dtype.int64: "torch.LongTensor",
    _dtype.int32: "torch.IntTensor", _dtype.int16: "torch.ShortTensor",
    _dtype.int8: "torch.CharTensor", _dtype.uint8: "torch.ByteTensor",
    _dtype.bool_: "torch.BoolTensor",
}
