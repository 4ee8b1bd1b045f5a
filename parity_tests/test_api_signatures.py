"""Keyword arguments under PyTorch's names: ``torch.max(input=x, other=y)``, ``torch.zeros(size=(2, 3))``,
``x.sum(dim=0, dtype=...)``, ``nn.Linear(in_features=3, out_features=2)``.

For every callable that API.md names (the top-level functions and Tensor methods of
``harness/api_names.py``, the ``nn.functional`` functions, the ``nn`` module constructors, the device
functions tutorials use, and the top-level functional names of ``nn/_functional_aliases.py``), the
keyword names torch accepts are read from torch itself, in this order:

1. ``inspect.signature`` for torch's Python-level functions and classes;
2. the ATen schemas of the op (``torch._C._jit_get_schemas_for_operator``), the source of
   torch's Python bindings: the union over its overloads, ``self`` being ``input`` for functions
   and positional for methods;
3. the signature lines of its docstring (``add(input, other, *, alpha=1, out=None) -> Tensor``).

minitorch's callable must accept each of these names as a keyword (a ``**kwargs`` accepts all).
Names torch takes positionally only are not required. ``IGNORED_KEYWORDS`` lists the keywords of
features minitorch does not have, each with its reason.
"""

from __future__ import annotations

import inspect
import re

import pytest
import torch
from harness.api_names import API_NAMES

import minitorch as M

# Keywords of features minitorch has no use for: accepting them silently would be wrong, and a
# TypeError is PyTorch's own answer to a keyword it does not know.
IGNORED_KEYWORDS = {
    "memory_format": "minitorch tensors have one memory format (strided, row-major by default)",
    "names": "named tensors are not implemented",
    "non_blocking": "no asynchronous copies: every device copy is synchronous",
    "layout": "only the strided layout exists",
    "pin_memory": "no pinned host memory",
    "out_dtype": "the low-precision matmul output dtype of CUDA's mm/bmm/addmm (float16 inputs, float32 out)",
}

# Names the sources above list but torch's Python binding rejects (``test_torch_rejects_them`` checks
# that it still does, so that an entry cannot outlive the quirk).
NOT_TORCH_KEYWORDS = {
    ("normal", "input"): "torch.normal(input=x)",
    ("set_num_threads", "int"): "torch.set_num_threads(int=1)",
    ("enable_grad", "orig_func"): "torch.enable_grad(orig_func=None)()",
    ("Tensor.copy_", "src"): "x.copy_(src=x)",  # the documented name; the binding says ``other``
}

# API.md's nn section: the functional forms and the module constructors.
NN_FUNCTIONAL = [
    "relu", "relu6", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "log_softmax", "softplus",
    "hardtanh", "linear", "bilinear", "conv1d", "conv2d", "conv_transpose2d", "max_pool1d", "max_pool2d",
    "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "batch_norm", "layer_norm",
    "group_norm", "dropout", "dropout2d", "embedding", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
    "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "pad",
    "one_hot", "normalize", "cosine_similarity", "interpolate", "unfold", "fold",
]
NN_MODULES = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "Linear", "Bilinear", "Identity", "Flatten", "Unflatten", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d",
    "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "BatchNorm1d", "BatchNorm2d",
    "LayerNorm", "GroupNorm", "Dropout", "Dropout2d", "Embedding", "RNN", "LSTM", "GRU",
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus",
    "Hardtanh", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
    "BCEWithLogitsLoss", "KLDivLoss",
]
# API.md's nn.init, nn.utils, optim, lr_scheduler, utils.data and saving sections.
OTHER_CALLABLES = [
    *(f"nn.init.{n}" for n in ("uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_", "xavier_uniform_",
                               "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_",
                               "orthogonal_", "calculate_gain")),
    *(f"nn.utils.{n}" for n in ("clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
                                "vector_to_parameters")),
    *(f"optim.{n}" for n in ("Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta")),
    *(f"optim.lr_scheduler.{n}" for n in ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
                                          "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR")),
    *(f"utils.data.{n}" for n in ("Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
                                  "DataLoader", "default_collate", "SequentialSampler", "RandomSampler",
                                  "BatchSampler", "SubsetRandomSampler", "WeightedRandomSampler")),
]
DEVICE_FUNCTIONS = [
    "device", "set_default_device", "get_default_device", "set_default_dtype", "get_default_dtype",
    "set_default_tensor_type", "cuda.is_available", "cuda.device_count", "cuda.get_device_name",
    "cuda.current_device", "cuda.synchronize", "cuda.manual_seed", "cuda.set_device",
    "accelerator.is_available", "accelerator.current_accelerator", "accelerator.device_count",
    "accelerator.current_device_index", "accelerator.set_device_index", "accelerator.synchronize",
    "accelerator.memory_allocated", "accelerator.device_index",
    "backends.mps.is_available", "backends.mps.is_built", "backends.cudnn.is_available",
    "set_num_threads", "get_num_threads", "manual_seed", "save", "load",
]


def _functional_alias_names() -> list[str]:
    from minitorch.nn import _functional_aliases

    return sorted(n for n in vars(_functional_aliases) if not n.startswith("_") and n not in ("Tensor", "annotations")
                  and callable(getattr(_functional_aliases, n)))


# torch callables with neither a Python signature, an ATen schema nor a docstring: their keywords,
# checked against torch by ``test_written_out_signatures_are_torchs``.
WRITTEN_OUT = {
    "is_anomaly_enabled": ("torch.is_anomaly_enabled()", set()),
    "set_anomaly_enabled": ("torch.set_anomaly_enabled(enabled=False, check_nan=True)", {"enabled", "check_nan"}),
}


def _shared_callables() -> list[str]:
    """Every public callable minitorch has under the same name as torch: top level, Tensor methods,
    nn.functional and nn classes (beyond API.md's list, so that no shared name escapes)."""
    names = []
    for name in dir(M):
        obj, theirs = getattr(M, name), getattr(torch, name, None)
        if name.startswith("_") or theirs is None or inspect.ismodule(obj) or isinstance(theirs, torch.dtype):
            continue
        if callable(obj):
            names.append(name)
    for name in dir(M.Tensor):
        attribute = inspect.getattr_static(torch.Tensor, name, None)
        if not name.startswith("_") and callable(attribute) and not isinstance(attribute, property):
            names.append(f"Tensor.{name}")
    for name in dir(M.nn.functional):
        obj = getattr(M.nn.functional, name)
        if not name.startswith("_") and hasattr(torch.nn.functional, name) and callable(obj) and not inspect.ismodule(obj):
            names.append(f"nn.functional.{name}")
    names += [f"nn.{n}" for n in dir(M.nn) if not n.startswith("_") and hasattr(torch.nn, n)
              and inspect.isclass(getattr(M.nn, n))]
    return names


def _resolve(root, dotted: str):
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


def _names() -> list[str]:
    api = [n for n in API_NAMES if not n.rpartition(".")[2].startswith("__")]
    return sorted({
        *api, *(f"nn.functional.{n}" for n in NN_FUNCTIONAL), *(f"nn.{n}" for n in NN_MODULES),
        *DEVICE_FUNCTIONS, *OTHER_CALLABLES, *_functional_alias_names(), *_shared_callables(),
    })


def _is_callable_api(name: str) -> bool:
    """Functions, methods and classes; not dtypes, properties or attributes."""
    if name.startswith("Tensor."):
        attribute = inspect.getattr_static(torch.Tensor, name[len("Tensor."):], None)
        return callable(attribute) and not isinstance(attribute, property) and not inspect.isclass(attribute)
    obj = _resolve(torch, name)
    return callable(obj) and not isinstance(obj, torch.dtype) and name not in ("Size", "Generator")


# ----------------------------------------------------------------------------- torch's keyword names
_SCHEMA_ARGS = re.compile(r"^aten::[\w.]+\((?P<args>.*)\) ->")
_DOC_LINE = r"^(?:\.\. (?:function|method):: )?\s*{name}\((?P<args>[^)]*)\)"


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated items of an argument list (commas inside brackets stay)."""
    items, depth, current = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        items.append(current.strip())
    return items


def _schema_keywords(op: str, method: bool) -> set[str] | None:
    """Keyword names over the ATen overloads of ``op`` (None when it has no Tensor overload).

    Only overloads on tensors count (``aten::add.int(int a, int b)`` and ``aten::eq.Tensor_list(Tensor[] a, ...)``
    are TorchScript's). Their ``Tensor(a!)`` arguments are outputs; many ``.out`` overloads are not
    exposed to Python (``torch.flip(x, [0], out=y)`` raises), so ``out=`` is required only where the
    docstring shows it.
    """
    names: set[str] = set()
    found = False
    for schema in torch._C._jit_get_schemas_for_operator(f"aten::{op}"):
        match = _SCHEMA_ARGS.match(str(schema))
        if not match:
            continue
        items = [item for item in _split_args(match.group("args")) if item != "*"]
        if not items or not items[0].startswith("Tensor") or (
                items[0].startswith("Tensor[]") and not items[0].endswith(" tensors")):
            continue
        found = True
        for index, item in enumerate(items):
            name = item.split("=")[0].split()[-1]
            if "!)" in item.split()[0] and index > 0:  # an output: see below
                continue
            if name == "self" or index == 0 and method:
                if method:
                    continue
                name = "input"
            names.add(name)
    return names if found else None


def _doc_keywords(obj, short: str) -> set[str] | None:
    names: set[str] = set()
    found = False
    for match in re.finditer(_DOC_LINE.format(name=re.escape(short)), obj.__doc__ or "", re.MULTILINE):
        found = True
        for item in _split_args(match.group("args")):
            if item.startswith("**"):
                continue
            name = item.split("=")[0].split(":")[0].strip().lstrip("*").strip()
            if name and name not in ("self", "/") and name.isidentifier():
                names.add(name)
    return names if found else None


def torch_keywords(name: str) -> set[str]:
    """The keyword names torch's callable ``name`` accepts (positional-only ones excluded)."""
    if name in WRITTEN_OUT:
        return WRITTEN_OUT[name][1]
    method = name.startswith("Tensor.")
    short = name.rpartition(".")[2]
    obj = getattr(torch.Tensor, short) if method else _resolve(torch, name)
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        signature = None
    takes_anything = signature is not None and {p.kind for p in signature.parameters.values()} >= {
        inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}
    if signature is not None and not takes_anything:
        params = list(signature.parameters.values())
        if method and params and params[0].name == "self":
            params = params[1:]
        keywords = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    elif inspect.isclass(obj):  # legacy tensor types, nn.Module(*args, **kwargs): no names to require
        keywords = set()
    else:
        keywords = None if name.startswith(("nn.", "cuda.", "accelerator.", "backends.")) else \
            _schema_keywords(short, method)
        if keywords is None:
            keywords = _doc_keywords(obj, short)
        if keywords is None:
            if takes_anything:
                return set()
            raise LookupError(f"no signature for torch.{name}")
    return {k for k in keywords if not k.startswith("_") and (name, k) not in NOT_TORCH_KEYWORDS}


# ----------------------------------------------------------------------------- minitorch's
def minitorch_accepts(name: str) -> tuple[set[str], bool]:
    """minitorch's keyword names for ``name``, and whether it takes ``**kwargs``."""
    method = name.startswith("Tensor.")
    obj = getattr(M.Tensor, name[len("Tensor."):]) if method else _resolve(M, name)
    target = obj.__init__ if inspect.isclass(obj) and "__init__" in vars(obj) else obj
    if inspect.isclass(obj) and "__init__" not in vars(obj):
        target = next((c.__init__ for c in obj.__mro__ if "__init__" in vars(c) and c is not object), obj)
    signature = inspect.signature(target)
    params = list(signature.parameters.values())
    if params and params[0].name in ("self", "cls") and (method or inspect.isclass(obj)):
        params = params[1:]
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return names, any(p.kind == p.VAR_KEYWORD for p in params)


CALLABLES = [n for n in _names() if _is_callable_api(n)]


def test_the_list_is_derived_and_large():
    assert len(CALLABLES) > 800
    assert {"zeros", "Tensor.sum", "max", "nn.Linear", "nn.functional.cross_entropy", "max_pool2d"} <= set(CALLABLES)


@pytest.mark.parametrize("name", CALLABLES)
def test_keywords_have_torch_names(name):
    expected = torch_keywords(name) - set(IGNORED_KEYWORDS)
    names, var_keyword = minitorch_accepts(name)
    missing = sorted(expected - names) if not var_keyword else []
    assert not missing, f"minitorch.{name} does not accept torch's keyword(s) {missing} (it has {sorted(names)})"


@pytest.mark.parametrize("name", sorted(WRITTEN_OUT))
def test_written_out_signatures_are_torchs(name):
    eval(WRITTEN_OUT[name][0], {"torch": torch})


@pytest.mark.parametrize("call", sorted(NOT_TORCH_KEYWORDS.values()))
def test_torch_rejects_them(call):
    with pytest.raises(TypeError):
        eval(call, {"torch": torch, "x": torch.zeros(2)})


# ----------------------------------------------------------------------------- top-level functional names: semantics
# Each call runs in both libraries on the same data (``X``: (2, 3, 8) float64, ``T``: values in
# [0, 1] of the same shape, ``I``: (2, 3, 8, 8)); ATen's signatures differ from nn.functional's.
ALIAS_CALLS = [
    "max_pool1d(X, 2)", "max_pool1d(X, 3, 2, 1)", "max_pool2d(I, 2)", "max_pool2d(I, 3, (), 1, 1, True)",
    "avg_pool1d(X, 2)", "adaptive_avg_pool1d(X, 3)", "adaptive_max_pool1d(X, 3)[0]", "adaptive_max_pool1d(X, 3)[1]",
    "conv1d(X, lib.ones(2, 3, 3, dtype=lib.float64))", "conv2d(I, lib.ones(2, 3, 3, 3, dtype=lib.float64), None, 2)",
    "dropout(X, 0.0, True)", "dropout(X, 0.5, False)", "alpha_dropout(X, 0.5, False)",
    "batch_norm(X, None, None, None, None, True, 0.1, 1e-5, False)",
    ("batch_norm(X, lib.ones(3, dtype=lib.float64), None, lib.zeros(3, dtype=lib.float64), "
     "lib.ones(3, dtype=lib.float64), False, 0.1, 1e-5, False)"),
    "instance_norm(X, None, None, None, None, True, 0.1, 1e-5, False)",
    "layer_norm(X, (8,))", "group_norm(I, 3)", "rms_norm(X, (8,))",
    "embedding(X[0], lib.tensor([[0, 2], [1, 1]]))", "embedding(X[0], lib.tensor([0, 2]), 2)",
    "binary_cross_entropy_with_logits(X, T)", "binary_cross_entropy_with_logits(X, T, reduction=1)",
    "binary_cross_entropy_with_logits(X, T, None, None, 2)", "binary_cross_entropy_with_logits(X[0], T)",
    "kl_div(X, T)", "kl_div(X, T, 1)", "kl_div(X, T, 2, log_target=True)",
    "hinge_embedding_loss(X, T, 1.0, 1)", "margin_ranking_loss(X, T, T, 0.5, 2)",
    "cosine_embedding_loss(X[0], T[0], lib.ones(3, dtype=lib.float64), 0.0, 1)",
    "poisson_nll_loss(X, T, True, False, 1e-8, 1)",
    "relu_(X.clone())", "sigmoid_(X.clone())", "exp_(X.clone())", "clamp_(X.clone(), min=0)", "celu(X, 0.5)",
    "selu(X)", "threshold(X, 0.1, 2.0)", "hardshrink(X)", "softmax(X, 1)", "log_softmax(X, 0)",
    "cosine_similarity(X, T)", "pairwise_distance(X[0], T[0])", "bilinear(X[0], T[0], lib.ones(2, 8, 8, dtype=lib.float64))",
]


@pytest.mark.parametrize("call", ALIAS_CALLS)
def test_top_level_functional_names_compute_as_torch(call):
    import numpy as np

    rng = np.random.default_rng(0)
    x, t, i = rng.standard_normal((2, 3, 8)), rng.uniform(0, 1, (2, 3, 8)), rng.standard_normal((2, 3, 8, 8))
    results = []
    for lib in (M, torch):
        namespace = {"lib": lib, "X": lib.tensor(x), "T": lib.tensor(t), "I": lib.tensor(i)}
        results.append(np.asarray(eval(f"lib.{call}", namespace).tolist()))
    assert results[0].shape == results[1].shape
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)


# The in-place ones: ``torch.exp_(t)`` writes into ``t`` and returns it. ``T`` holds values in
# (0, 1), inside every function's domain.
INPLACE_ALIAS_CALLS = [  # (name, arguments)
    ("abs_", "T"), ("acos_", "T"), ("asin_", "T"), ("atan_", "T"), ("ceil_", "T"), ("clamp_", "T, min=0.5"),
    ("clamp_max_", "T, 0.5"), ("clamp_min_", "T, 0.5"), ("clip_", "T, 0.2, 0.6"), ("cos_", "T"), ("cosh_", "T"),
    ("detach_", "T"), ("erf_", "T"), ("exp2_", "T"), ("exp_", "T"), ("expm1_", "T"), ("fill_", "T, 1.5"),
    ("floor_", "T"), ("frac_", "T"), ("log10_", "T"), ("log1p_", "T"), ("log2_", "T"), ("log_", "T"),
    ("logit_", "T"), ("nan_to_num_", "T"), ("neg_", "T"), ("reciprocal_", "T"), ("relu_", "T"), ("round_", "T"),
    ("rsqrt_", "T"), ("sigmoid_", "T"), ("sin_", "T"), ("sinh_", "T"), ("sqrt_", "T"), ("square_", "T"),
    ("tan_", "T"), ("tanh_", "T"), ("trunc_", "T"), ("zero_", "T"), ("addmv_", "T[0, :, 0], T[0], T[1, 0]"),
    ("dropout_", "T, 0.0, True"), ("alpha_dropout_", "T, 0.5, False"), ("feature_alpha_dropout_", "T, 0.5, False"),
    ("celu_", "T, 2.0"), ("selu_", "T"), ("threshold_", "T, 0.5, -1.0"),
]


@pytest.mark.parametrize("name,arguments", INPLACE_ALIAS_CALLS)
def test_top_level_inplace_names_write_in_place_as_torch(name, arguments):
    import numpy as np

    call = f"{name}({arguments})"
    values = np.random.default_rng(0).uniform(0.05, 0.95, (2, 3, 4))
    results = []
    for lib in (M, torch):
        t = lib.tensor(values)
        out = eval(f"lib.{call}", {"lib": lib, "T": t})
        results.append(np.asarray(t.tolist()))
        written = t[0, :, 0] if call.startswith("addmv_") else t
        assert out.data_ptr() == written.data_ptr() and out.shape == written.shape
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,arguments", [("feature_alpha_dropout", "X, 0.5, False"), ("is_complex", "X"),
                                            ("detach", "X")])
def test_other_top_level_names_compute_as_torch(name, arguments):
    import numpy as np

    call = f"{name}({arguments})"
    values = np.random.default_rng(0).standard_normal((2, 3, 4))
    results = [np.asarray(eval(f"lib.{call}", {"lib": lib, "X": lib.tensor(values)}).tolist() if call != "is_complex(X)"
                          else eval(f"lib.{call}", {"lib": lib, "X": lib.tensor(values)}))
               for lib in (M, torch)]
    np.testing.assert_allclose(results[0], results[1])
