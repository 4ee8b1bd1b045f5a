"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``, ``multinomial``
and the in-place samplers ``x.normal_()``, ``x.uniform_()``, ``x.random_()``...

Every sampler draws from a ``Generator`` (``generator=``, else the default
one; see ``_ops/random/generator.py``) on the host, then moves the sample to the device.
Same seed, same numbers - but not PyTorch's numbers (a documented
difference). Samples carry no gradient: where PyTorch records a node
(``normal(mean, std)``, ``x.normal_()`` on a tensor with history) the node is
``Sampled``, whose gradient is zero, as in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.args import (
    _as_int,
    bool_argument,
    check_storage_size,
    int_argument,
    normalize_shape,
    pin_memory_argument,
    sizes_argument,
    tensor_argument,
)
from ..._core.strides import broadcast_shapes
from ..._tensor.tensor import Tensor
from ...autograd import grad_mode
from ...autograd.function import Primitive
from .._inplace import write_inplace
from .._out import _legacy
from ..creation.factory_args import _check_out, _factory_dtype, _finish
from .generator import _check_generator, _numpy_generator

__all__ = [
    "bernoulli",
    "multinomial",
    "normal",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
]


# ----------------------------------------------------------------------------- the zero-gradient node
def _sampled(node_name: str, *inputs, sample: np.ndarray, like: Tensor | None = None) -> Tensor:
    """Wrap ``sample`` as a tensor whose grad_fn (``node_name``) sends zero gradient to ``inputs``.

    y = sample;  d(input) = 0  (a random draw does not depend on its parameters' values).
    """
    sample = np.asarray(sample)  # NumPy arithmetic on 0-d arrays returns scalars
    if not (grad_mode.is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in inputs)):
        return _finish(sample, like.device if like is not None else None, False)
    return _Sampled.named(node_name).apply(sample, *inputs)


class _Sampled(Primitive):
    """y = sample (drawn by the caller);  dinput = 0 for each parameter (a draw does not depend on
    its parameters' values). Runs as ``_Sampled.named(node)``: NormalBackward1, BernoulliBackward0 ...
    """

    reason = "node"
    also_named = (  # via ``named``
        "BernoulliBackward0", "BernoulliBackward1", "BernoulliBackward2", "CauchyBackward0", "ExponentialBackward0",
        "GeometricBackward0", "LogNormalBackward0", "NormalBackward0", "NormalBackward1", "NormalBackward2",
        "NormalBackward3", "RandomBackward0", "RandomBackward1", "RandomBackward2", "UniformBackward0",
    )

    @staticmethod
    def forward(ctx, sample, *inputs):
        return sample

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(g * 0 if needs else None for needs in ctx.needs_input_grad[1:])


# ----------------------------------------------------------------------------- helpers
def _bernoulli_sample(generator, shape: tuple, p: float, dtype) -> np.ndarray:
    """``u < p`` for ``u ~ U[0, 1)`` of ``shape``, as ``dtype`` (``bernoulli_(p)``'s draw)."""
    return (_numpy_generator(generator).random(shape) < p).astype(dtype)


def _float_dtype_or_raise(dt: _dtype.dtype, kernel: str) -> None:
    if not dt.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_legacy(dt)}\'')


def _uniform(gen: np.random.Generator, shape, dt: _dtype.dtype) -> np.ndarray:
    """U[0, 1) in ``dt``, never rounding up to 1 (NumPy samples float32/float64 natively)."""
    if dt is _dtype.float16:
        return np.minimum(gen.random(shape, dtype=np.float32), np.float32(1 - 2**-11)).astype(np.float16)
    return gen.random(shape, dtype=dt.np)


def _standard_normal(gen: np.random.Generator, shape, dt: _dtype.dtype) -> np.ndarray:
    np_dt = np.float32 if dt is _dtype.float16 else dt.np
    return gen.standard_normal(shape, dtype=np_dt).astype(dt.np, copy=False)


def _dtype_range(dt: _dtype.dtype) -> tuple[int, int]:
    """The integers ``random_()`` may produce in ``dt``: [0, 2**mantissa] for floats, the full range for ints."""
    if dt is _dtype.bool_:
        return 0, 1
    if dt.is_floating_point:
        return 0, {"float16": 2**11, "float32": 2**24, "float64": 2**53}[dt.name]
    info = np.iinfo(dt.np)
    return int(info.min), int(info.max)


def _check_random_bounds(low: int, high: int, dt: _dtype.dtype) -> None:
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if not dt.is_floating_point:
        lo, hi = _dtype_range(dt)
        cname = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
                 "int64": "long", "bool": "bool"}[dt.name]
        if not lo <= low <= hi:
            raise RuntimeError(f"from is out of bounds for {cname}")
        if not lo <= high - 1 <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {cname}")


def _integers(gen: np.random.Generator, low: int, high: int, shape, dt: _dtype.dtype) -> np.ndarray:
    return gen.integers(low, high, size=shape, dtype=np.int64, endpoint=False).astype(dt.np)


# ----------------------------------------------------------------------------- factories
def rand(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Samples of U[0, 1) with shape ``size`` (varargs, one sequence, or ``size=``)."""
    pin_memory_argument("rand", pin_memory)
    size = sizes_argument("rand", sizes, size)
    dt = _factory_dtype(dtype, out=out, op="rand")
    _float_dtype_or_raise(dt, "check_uniform_bounds")
    sample = _uniform(_numpy_generator(generator), _sample_shape(size, "rand", dt), dt)
    return _check_out(out, _finish(sample, device, requires_grad))


def randn(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Samples of N(0, 1) with shape ``size`` (varargs, one sequence, or ``size=``)."""
    pin_memory_argument("randn", pin_memory)
    size = sizes_argument("randn", sizes, size)
    dt = _factory_dtype(dtype, out=out, op="randn")
    _float_dtype_or_raise(dt, "normal_kernel_cpu")
    sample = _standard_normal(_numpy_generator(generator), _sample_shape(size, "randn", dt), dt)
    return _check_out(out, _finish(sample, device, requires_grad))


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad: bool = False, pin_memory: bool = False, low=None, high=None) -> Tensor:
    """Uniform integers in [low, high) with shape ``size``: ``randint(high, size)`` or ``randint(low, high, size)``."""
    pin_memory_argument("randint", pin_memory)
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if high is None:
        high = args.pop() if args else None
    if low is None:
        low = args.pop() if args else 0
    if high is None or size is None or args:
        raise TypeError("randint() received an invalid combination of arguments")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, but found {type(size).__name__}")
    for s in size:
        if isinstance(s, float):
            raise TypeError("randint(): argument 'size' (position 2) must be tuple of ints, "
                            "but found element of type float at pos 0")
    dt = _factory_dtype(dtype, _dtype.int64, op="randint")
    low, high = int_argument("randint", "low", low), int_argument("randint", "high", high)
    _check_random_bounds(low, high, dt)
    sample = _integers(_numpy_generator(generator), low, high, _sample_shape((tuple(size),), "randint", dt), dt)
    return _check_out(out, _finish(sample, device, requires_grad))


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default)."""
    pin_memory_argument("randperm", pin_memory)
    try:
        n = _as_int(n)
    except TypeError:
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}") from None
    dt = _factory_dtype(dtype, _dtype.int64, op="randperm")
    if dt is _dtype.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    _sample_shape((n,), "randperm", dt)  # a negative or impossible n raises PyTorch's error
    sample = _numpy_generator(generator).permutation(n).astype(dt.np)
    return _check_out(out, _finish(sample, device, requires_grad))


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``mean + std * N(0, 1)``; ``mean`` and ``std`` may be tensors (broadcast together) or floats with ``size``."""
    pin_memory_argument("normal", pin_memory)
    gen = _numpy_generator(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float), "
                            "but expected (float mean, float std, tuple of ints size)")
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"normal(): argument 'size' must be tuple of ints, not {type(size).__name__}")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        dt = _factory_dtype(dtype, op="normal")
        _float_dtype_or_raise(dt, "normal_kernel_cpu")
        shape = _sample_shape((tuple(size),), "normal", dt)
        sample = (mean + std * _standard_normal(gen, shape, dt)).astype(dt.np)
        return _check_out(out, _finish(sample, device, requires_grad))
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments - got (Tensor, ..., size=tuple): "
                        "size= goes with a float mean and std")
    like = mean if mt else std
    dt = _dtype.result_type(mean, std) if mt and st else like.dtype
    _float_dtype_or_raise(dt, "normal_kernel_cpu")
    if st and bool((std._data < 0).any()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not st and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    m = mean._to_numpy() if mt else mean
    s = std._to_numpy() if st else std
    shape = broadcast_shapes(tuple(mean.shape), tuple(std.shape)) if mt and st else tuple(like.shape)
    sample = (m + s * _standard_normal(gen, tuple(shape), dt)).astype(dt.np)
    name = "NormalBackward3" if mt and st else "NormalBackward1" if mt else "NormalBackward2"
    return _check_out(out, _sampled(name, *[t for t in (mean, std) if isinstance(t, Tensor)], sample=sample,
                                    like=like))


def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0; same shape and dtype as ``input``."""
    _check_generator(generator)  # a wrong generator raises before the values are looked at
    if p is not None:
        return bernoulli_(input.new_empty(input.shape), p, generator=generator) if out is None else \
            _check_out(out, bernoulli_(input.new_empty(input.shape), p, generator=generator))
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_legacy(input.dtype)}'")
    probs = input._to_numpy()
    if not bool(((probs >= 0) & (probs <= 1)).all()):
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
            "improved?  If so, please report an enhancement request to PyTorch.)"
        )
    u = _numpy_generator(generator).random(probs.shape)
    sample = (u < probs).astype(input.dtype.np)
    return _check_out(out, _sampled("BernoulliBackward0", input, sample=sample, like=input))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None, out=None) -> Tensor:
    """Indices drawn from the categorical distribution(s) in the rows of ``input`` (weights, not normalised).

    With replacement: inverse-CDF (``searchsorted(cumsum(w), u * sum(w))``).
    Without: the ``num_samples`` smallest keys ``E / w`` with ``E ~ Exp(1)``
    (the exponential race, which is PyTorch's algorithm too).
    """
    bool_argument("multinomial", "replacement", replacement)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {_legacy(input.dtype)}")
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = input.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    w = input._to_numpy().astype(np.float64).reshape(-1, n_cat)
    if not np.isfinite(w).all() or (w < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (w.sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    gen = _numpy_generator(generator)
    if replacement:
        cdf = np.cumsum(w, axis=-1)
        u = gen.random((w.shape[0], num_samples)) * cdf[:, -1:]
        idx = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        last_nonzero = n_cat - 1 - np.argmax(w[:, ::-1] > 0, axis=-1)
        idx = np.minimum(idx, last_nonzero[:, None])
    else:
        with np.errstate(divide="ignore"):
            keys = gen.standard_exponential(w.shape) / w
        idx = np.argsort(keys, axis=-1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64).reshape(tuple(input.shape[:-1]) + (num_samples,))
    return _check_out(out, _finish(idx, input.device, False))


def _like(input: Tensor, dtype, device, op: str):
    tensor_argument(op, input)
    return (dtype if dtype is not None else input.dtype), (device if device is not None else input.device)


def _sample_shape(size: tuple, op: str, dt: _dtype.dtype) -> tuple[int, ...]:
    """The checked shape of a sample: given, ints, none negative, and a storage that can exist."""
    if not size:
        raise TypeError(f"{op}() received an invalid combination of arguments - got (), but expected "
                        "(tuple of ints size, ...)")
    shape = normalize_shape(size, op)
    check_storage_size(shape, dt.itemsize)
    return shape


def rand_like(input: Tensor, *, generator=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device, "rand_like")
    return rand(input.shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device, "randn_like")
    return randn(input.shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input: Tensor, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randint(low, high, input.shape)`` with ``input``'s dtype; ``randint_like(x, high)`` also works."""
    if high is None:
        low, high = 0, low
    dt, dev = _like(input, dtype, device, "randint_like")
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dt, device=dev,
                   requires_grad=requires_grad)


# ----------------------------------------------------------------------------- in-place samplers (Tensor methods: _tensor/methods.py)
def _fill_sample(self: Tensor, sample: np.ndarray, node_name: str) -> Tensor:
    """Write ``sample`` into ``self``; a tensor with history gets a zero-gradient node, as in PyTorch."""
    self._check_inplace()
    result = _sampled(node_name, self, sample=sample.astype(self.dtype.np, copy=False), like=self)
    return write_inplace(self, result)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of N(mean, std**2)."""
    _float_dtype_or_raise(self.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    z = _standard_normal(_numpy_generator(generator), tuple(self.shape), self.dtype)
    z *= std  # in place: the same rounding as mean + std * z, without two more arrays of the size
    z += mean
    return _fill_sample(self, z, "NormalBackward0")


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None, **kwargs) -> Tensor:
    """Fill with samples of U[from, to)."""
    from_ = kwargs.pop("from", from_)
    _float_dtype_or_raise(self.dtype, "check_uniform_bounds")
    for name, bound in (("from", from_), ("to", to)):
        if not math.isfinite(bound) or abs(bound) > float(np.finfo(self.dtype.np).max):
            raise RuntimeError(f"{name} is out of bounds for {_legacy(self.dtype).lower()}")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_:g} > to={to:g}")
    u = _uniform(_numpy_generator(generator), tuple(self.shape), self.dtype)
    u *= to - from_  # in place, as in normal_
    u += from_
    return _fill_sample(self, u, "UniformBackward0")


def random_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """Fill with integers uniform in [from, to): ``random_(to)``, ``random_(from, to)``;
    without ``to``, up to the largest integer the dtype holds exactly (2**24 for float32)."""
    if "from" in kwargs:
        args = (kwargs.pop("from"),) + args
    if "to" in kwargs:
        args = (args[0] if args else 0, kwargs.pop("to"))
    args = tuple(int_argument("random_", "from" if len(args) == 2 and i == 0 else "to", a) for i, a in enumerate(args))
    if len(args) == 1:  # random_(to)
        low, high, node = 0, args[0], "RandomBackward1"
    elif args:
        low, high, node = args[0], args[1], "RandomBackward0"
    else:
        low, high, node = 0, None, "RandomBackward2"
    if high is None:
        high = _dtype_range(self.dtype)[1] + 1
    else:
        _check_random_bounds(int(low), int(high), self.dtype)
    sample = _integers(_numpy_generator(generator), int(low), int(high), tuple(self.shape), self.dtype)
    return _fill_sample(self, sample, node)


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 1 with probability ``p`` (a float or a tensor broadcastable to ``self``), else 0."""
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p._to_numpy(), tuple(self.shape))
        if not bool(((probs >= 0) & (probs <= 1)).all()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
                               "be improved?  If so, please report an enhancement request to PyTorch.)")
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
        # one recordable step, so that a compiled replay draws fresh numbers in eager's order
        return _fill_sample(self, _capture.call(_bernoulli_sample, generator, tuple(self.shape), p, self.dtype.np),
                            "BernoulliBackward2")
    sample = _numpy_generator(generator).random(tuple(self.shape)) < probs
    return _fill_sample(self, sample, "BernoulliBackward1" if isinstance(p, Tensor) else "BernoulliBackward2")


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of Exp(lambd): density ``lambd * exp(-lambd * x)``."""
    if not self.dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_legacy(self.dtype)}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return _fill_sample(self, _numpy_generator(generator).standard_exponential(tuple(self.shape)) / lambd,
                        "ExponentialBackward0")


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    return _fill_sample(self, _numpy_generator(generator).geometric(p, tuple(self.shape)), "GeometricBackward0")


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of Cauchy(median, sigma): ``median + sigma * tan(pi * (u - 1/2))``."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    u = _numpy_generator(generator).random(tuple(self.shape))
    return _fill_sample(self, median + sigma * np.tan(math.pi * (u - 0.5)), "CauchyBackward0")


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with ``exp(N(mean, std**2))``."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    z = _numpy_generator(generator).standard_normal(tuple(self.shape))
    return _fill_sample(self, np.exp(mean + std * z), "LogNormalBackward0")
