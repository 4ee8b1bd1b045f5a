"""Argument normalisation shared by every op: sizes, dims, ``int | tuple`` parameters, and the
checks of PyTorch's argument parser.

PyTorch accepts ``zeros(2, 3)`` and ``zeros((2, 3))``, ``sum(dim=-1)`` and
``sum(dim=(0, 2))``, ``conv2d(stride=2)`` and ``conv2d(stride=(2, 1))``. These
helpers turn each form into one canonical tuple, and raise PyTorch's errors.

PyTorch's C++ argument parser rejects a value of the wrong Python type with a TypeError before an
op runs ("matmul(): argument 'other' (position 2) must be Tensor, not NoneType"); the ``*_argument``
checks below are that parser for minitorch, so that a wrong type never reaches NumPy (whose errors,
AttributeError or ValueError, would leak through), and ``check_storage_size`` is PyTorch's check of
a storage's byte count before memory is allocated.
"""

from __future__ import annotations

import functools
import inspect
import operator
import os
import resource
from collections.abc import Iterable, Sequence
from typing import Any

from .device import cuda_is_available


class _NoTensorClassYet:
    """Stands in for ``Tensor`` until ``_tensor/tensor.py`` registers it: nothing is an instance."""


# ``Tensor`` is defined layers above (``_tensor/tensor.py``); it registers itself here at import time,
# so that this module checks arguments against it without importing upwards.
_TENSOR: Any = _NoTensorClassYet


def register_tensor_class(cls: type) -> None:
    """Make ``cls`` the class that ``tensor_argument`` and friends accept as a Tensor."""
    global _TENSOR
    _TENSOR = cls


def _tensor_type() -> Any:
    return _TENSOR


def _type_name(value) -> str:
    return type(value).__name__


# ----------------------------------------------------------------------------- the argument parser
def tensor_argument(op: str, value, name: str = "input", position: int | None = 1):
    """``value`` itself when it is a Tensor, else PyTorch's TypeError:
    "maximum(): argument 'other' (position 2) must be Tensor, not float"."""
    if not isinstance(value, _tensor_type()):
        where = f" (position {position})" if position is not None else ""
        raise TypeError(f"{op}(): argument '{name}'{where} must be Tensor, not {_type_name(value)}")
    return value


def bool_argument(op: str, name: str, value) -> bool:
    """A ``keepdim``/``descending``/``largest``-style flag: a Python bool only (PyTorch's parser
    refuses ints and strings: "sum(): argument 'keepdim' must be bool, not str")."""
    if value is True or value is False:
        return value
    if type(value).__name__ == "bool_":  # numpy.bool_ is accepted by PyTorch's parser
        return bool(value)
    raise TypeError(f"{op}(): argument '{name}' must be bool, not {_type_name(value)}")


def bool_arguments(op: str, **flags) -> None:
    """:func:`bool_argument` for each keyword: ``bool_arguments("sort", descending=d)``."""
    for name, value in flags.items():
        bool_argument(op, name, value)


def layout_arguments(op: str, layout=None, memory_format=None) -> None:
    """minitorch has one layout (strided) and one memory format: ``None`` or PyTorch's own objects
    are accepted, anything else raises the TypeError of PyTorch's parser."""
    for name, value in (("layout", layout), ("memory_format", memory_format)):
        if value is not None and type(value).__name__ != name:
            raise TypeError(f"{op}(): argument '{name}' must be torch.{name}, not {_type_name(value)}")


def pin_memory_argument(op: str, value, optional: bool = True) -> None:
    """``pin_memory=``: a bool (or ``None`` where PyTorch's schema allows it), else PyTorch's
    TypeError. ``True`` asks for page-locked host memory, which needs an accelerator: without one
    it is PyTorch's RuntimeError; with one minitorch accepts it (its host memory is not pinned)."""
    if not (type(value) is bool or (optional and value is None)):
        raise TypeError(f"{op}(): argument 'pin_memory' must be bool, not {_type_name(value)}")
    if value and not cuda_is_available():
        raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no pinned "
                           "memory allocator is available on this system.")


def int_argument(op: str, name: str, value, position: int | None = None) -> int:
    """An int argument (``k`` of topk, ``chunks``, ``start`` of narrow): a Python int, an integer
    NumPy scalar or a one-element integer tensor; a float or a string raises PyTorch's TypeError."""
    if isinstance(value, bool) or not _is_integral(value):
        where = f" (position {position})" if position is not None else ""
        raise TypeError(f"{op}(): argument '{name}'{where} must be int, not {_type_name(value)}")
    value = _as_int(value)
    if not -(2**63) <= value < 2**63:
        raise ValueError("Overflow when unpacking long long")
    return value


def _is_integral(value) -> bool:
    try:
        operator.index(value)
        return True
    except TypeError:
        return (isinstance(value, _tensor_type()) and value.numel() == 1
                and not value.dtype.is_floating_point)


def number_argument(op: str, name: str, value, position: int | None = None):
    """A Scalar argument (``fill_value``, ``alpha``, a bound): a Python or NumPy number, or a
    one-element tensor read as one; anything else is PyTorch's TypeError "... must be Number"."""
    if isinstance(value, _tensor_type()) and value.numel() == 1:
        return value.item()
    if isinstance(value, (bool, int, float)):
        return scalar_in_range(value)
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():  # a NumPy scalar
        return value
    where = f" (position {position})" if position is not None else ""
    raise TypeError(f"{op}(): argument '{name}'{where} must be Number, not {_type_name(value)}")


def scalar_in_range(value):
    """A Python number as PyTorch reads a Scalar: ints must fit 64 bits, signed or unsigned
    ("int too big to convert" otherwise, an OverflowError, as in PyTorch)."""
    if type(value) is int and not -(2**63) <= value < 2**64:
        raise OverflowError("int too big to convert" if value > 0 else "can't convert negative int to unsigned")
    return value


def tensor_sequence_argument(op: str, tensors, name: str = "tensors") -> list:
    """The tensors of ``cat``/``stack``/``meshgrid``: a list or tuple whose elements are all Tensors
    (PyTorch: "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor" and
    "expected Tensor as element 1 in argument 0, but got int")."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument '{name}' (position 1) must be tuple of Tensors, not {_type_name(tensors)}")
    tensor = _tensor_type()
    for i, t in enumerate(tensors):
        if not isinstance(t, tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {_type_name(t)}")
    return list(tensors)


# Functions whose first argument PyTorch also accepts as a Python number (``torch.add(2, x)``).
NUMBER_FIRST = frozenset({
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "remainder",
    "pow", "float_power", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
    "bitwise_right_shift", "xlogy",
})


# Functions whose second argument, too, must be a Tensor (``torch.matmul(x, None)``), where
# the op itself would otherwise fail on an attribute of it.
TENSOR_SECOND = frozenset({"matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "kron",
                           "tensordot", "cross"})


# Functions PyTorch writes in Python (torch/functional.py) rather than binding through its argument
# parser: a non-tensor input fails there on its first attribute access (AttributeError), as here.
PYTHON_LEVEL = frozenset({"norm"})


def checks_tensor_input(fn, name: str | None = None):
    """``fn`` as a public function whose first argument (``input``/``condition``) must be a Tensor,
    as PyTorch's parser demands: ``torch.sum([1, 2])`` raises "sum(): argument 'input' (position 1)
    must be Tensor, not list" instead of reaching the op. Functions of :data:`NUMBER_FIRST` also take
    a Python number there; functions whose first parameter has another name are returned as they are."""
    op = name or fn.__name__
    if op in PYTHON_LEVEL:
        return fn
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return fn
    if not params or params[0].name not in ("input", "condition") or params[0].kind not in (
            params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        return fn
    first = params[0].name
    second = params[1].name if op in TENSOR_SECOND and len(params) > 1 else None
    numbers = (bool, int, float) if op in NUMBER_FIRST else ()

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        value = args[0] if args else kwargs.get(first)
        if not isinstance(value, _tensor_type()) and not (numbers and isinstance(value, numbers)) \
                and (args or first in kwargs):
            raise TypeError(f"{op}(): argument '{first}' (position 1) must be Tensor, not {_type_name(value)}")
        if second is not None and (len(args) > 1 or second in kwargs):
            tensor_argument(op, args[1] if len(args) > 1 else kwargs[second], second, 2)
        return fn(*args, **kwargs)

    return checked


# ----------------------------------------------------------------------------- storage size
_ALWAYS_FITS = 2**28  # bytes: smaller storages are not worth the system calls of a memory check


def _available_memory(page: int) -> int:
    """The kernel's estimate of the memory it can give without swapping (``MemAvailable``, which
    counts reclaimable caches), or the free pages where there is no ``/proc/meminfo``."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return page * os.sysconf("SC_AVPHYS_PAGES")


def _memory_limit() -> int:
    """Bytes this process can still allocate, about: the available physical memory, or less where
    an address-space limit (``ulimit -v``) leaves less room above what the process has mapped."""
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        free = _available_memory(page)
    except (ValueError, OSError, AttributeError):  # no sysconf: nothing to compare with
        return 2**62
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return free
    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * page
    except OSError:  # not Linux: the limit alone
        mapped = 0
    return min(free, soft - mapped)


def check_storage_size(shape: Sequence[int], itemsize: int, extra_bytes: int = 0) -> int:
    """The byte count of a new dense storage of ``shape``, checked before anything is allocated.

    PyTorch raises RuntimeError when the count overflows a signed 64-bit integer ("Storage size
    calculation overflowed with sizes=[...]") and when the allocator cannot provide it ("can't
    allocate memory"). minitorch refuses, in the same words, a storage (plus ``extra_bytes`` of
    temporaries the op needs) larger than the memory the process can still get, which NumPy would
    otherwise either refuse with its own MemoryError or ValueError, or (with overcommitted memory)
    start filling until the process is killed. Every op that allocates from a size its caller
    chose (the factories, ``repeat``, ``one_hot``, ``pad``, convolution padding) asks here.
    """
    n = 1
    for s in shape:
        n *= int(s)
    nbytes = n * itemsize
    if any(int(s) >= 2**63 for s in shape) or nbytes >= 2**63:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
    total = nbytes + extra_bytes
    if total > _ALWAYS_FITS and total > _memory_limit():
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {total} bytes.")
    return nbytes


def _as_int(x, what: str = "size") -> int:
    try:
        return operator.index(x)
    except TypeError:
        if hasattr(x, "item") and hasattr(x, "numel") and x.numel() == 1 and not x.dtype.is_floating_point:
            return int(x.item())
        raise TypeError(f"{what} must be int, not {type(x).__name__}") from None


def sizes_argument(op: str, positional: tuple, keyword, name: str = "size") -> tuple:
    """The size of ``x.view(2, 3)``, ``x.view((2, 3))`` and ``x.view(size=(2, 3))`` as one
    ``positional`` tuple (then normalised by the op), with PyTorch's TypeErrors for both or neither."""
    if keyword is None:
        if not positional:
            raise TypeError(f'{op}() missing 1 required positional arguments: "{name}"')
        return positional
    if positional:
        raise TypeError(f"{op}() got multiple values for argument '{name}'")
    if not isinstance(keyword, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(keyword).__name__}")
    return (keyword,)


def int_sizes(op: str, size: tuple, name: str = "size") -> tuple[int, ...]:
    """The ints of a size given as varargs ``(2, 3)`` or as one sequence ``((2, 3),)`` (a list
    or a ``Size``; not a tensor, as in PyTorch), negative entries kept for the caller to judge.

    Anything that is not an int raises PyTorch's argument-parser TypeError, naming ``op`` and
    the argument: ``zeros(2.0)`` -> "zeros(): argument 'size' (position 1) must be tuple of
    ints, not float"; ``zeros(2, 3.0)`` -> "... but found element of type float at pos 1".
    """
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        seq, single = tuple(size[0]), False
    else:
        seq, single = size, len(size) == 1
    out = []
    for i, s in enumerate(seq):
        try:
            out.append(_as_int(s))
            if not -(2**63) <= out[-1] < 2**63:
                raise OverflowError
        except OverflowError:
            raise TypeError(f"{op}(): argument '{name}' failed to unpack the object at pos {i + 1} with error "
                            '"Overflow when unpacking long long"') from None
        except TypeError:
            kind = type(s).__name__
            if single:
                raise TypeError(f"{op}(): argument '{name}' (position 1) must be tuple of ints, not {kind}") from None
            raise TypeError(f"{op}(): argument '{name}' (position 1) must be tuple of ints, but found element of "
                            f"type {kind} at pos {i}") from None
    return tuple(out)


def normalize_shape(size: tuple, op: str, name: str = "size") -> tuple[int, ...]:
    """A factory's size, ``(2, 3)`` / ``((2, 3),)`` / ``([2, 3],)`` / ``(Size([2, 3]),)`` -> ``(2, 3)``:
    ``int_sizes`` and no negative dims."""
    return nonnegative_shape(int_sizes(op, size, name))


def nonnegative_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` itself, or PyTorch's error for its first negative dim."""
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def wrap_dim(dim, ndim: int) -> int:
    """Map a possibly negative dim into ``[0, ndim)``. A 0-d tensor accepts dims -1 and 0."""
    if type(dim) is not int:  # (a plain int, the common case, needs no conversion)
        dim = _as_int(dim, "dim")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n if ndim > 0 else 0


def normalize_dims(dim, ndim: int) -> tuple[int, ...]:
    """``None`` -> all dims; an int or a sequence -> sorted, wrapped, unique dims."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and ndim > 0:  # one dim, the common case: nothing to sort or compare
        return (wrap_dim(dim, ndim),)
    if type(dim) is tuple and len(dim) == 1 and type(dim[0]) is int and ndim > 0:  # (d,): the same
        return (wrap_dim(dim[0], ndim),)
    dims = [dim] if not isinstance(dim, (tuple, list)) else list(dim)
    if len(dims) == 0:
        return tuple(range(ndim))
    wrapped = [wrap_dim(d, ndim) for d in dims]
    seen = set()
    for w in wrapped:
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.add(w)
    return tuple(sorted(w for w in wrapped if ndim > 0))


def ntuple(x, n: int, name: str = "argument") -> tuple[int, ...]:
    """``2`` -> ``(2, 2)``; ``(2, 1)`` stays; a wrong length raises like PyTorch."""
    if isinstance(x, Iterable) and not isinstance(x, str):
        out = tuple(_as_int(v, name) for v in x)
        if len(out) == 1:
            return out * n
        if len(out) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values")
        return out
    return (_as_int(x, name),) * n


def check_same_length(a: Sequence, b: Sequence, what: str) -> None:
    if len(a) != len(b):
        raise RuntimeError(f"{what}: number of dims don't match")
