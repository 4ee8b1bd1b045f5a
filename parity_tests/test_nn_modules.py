"""Parity of minitorch.nn's Module system and layers with torch.nn.

Each layer is built in both libraries with the same arguments; torch's ``state_dict`` (torch
tensors) is loaded into the minitorch layer, so the weights are equal; then repr strings,
outputs and the gradients of the input and of every parameter (float64) must agree. The Module
machinery (registration rules and errors, state_dict keys and load reports, hooks, train/eval,
conversions, containers) is compared against torch on the same models.
"""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch import nn


def _np(t) -> np.ndarray:
    return t.detach().numpy()  # torch and minitorch tensors alike


def _close(a, b, tol=1e-9) -> None:
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _pair(name: str, *args, **kwargs):
    """The same layer in torch and minitorch, float64, minitorch holding torch's weights."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    mm = getattr(nn, name)(*args, **kwargs).double()
    result = mm.load_state_dict(tm.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    return tm, mm


def _inputs(shapes, kind: str = "float", seed: int = 0):
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        if kind == "index":
            a = rng.integers(0, 5, size=s)
            out.append((torch.tensor(a), mt.tensor(a)))
        else:
            a = rng.standard_normal(s)
            out.append((torch.tensor(a, requires_grad=True), mt.tensor(a, requires_grad=True)))
    return out


LAYERS = [
    ("Linear", (4, 3), {}, [(5, 4)]),
    ("Linear", (4, 3), {"bias": False}, [(2, 6, 4)]),
    ("Bilinear", (3, 4, 2), {}, [(5, 3), (5, 4)]),
    ("Identity", (7,), {"x": 1}, [(2, 3)]),
    ("Flatten", (), {}, [(2, 3, 4, 2)]),
    ("Flatten", (0, 2), {}, [(2, 3, 4, 2)]),
    ("Unflatten", (1, (2, 3)), {}, [(4, 6)]),
    ("Conv1d", (3, 4, 3), {"stride": 2, "padding": 1}, [(2, 3, 9)]),
    ("Conv2d", (4, 6, 3), {"groups": 2, "dilation": 2, "bias": False}, [(2, 4, 9, 8)]),
    ("Conv2d", (2, 3, (3, 2)), {"padding": "same"}, [(1, 2, 6, 5)]),
    ("Conv2d", (2, 3, 3), {"padding": "valid", "stride": (2, 1)}, [(1, 2, 7, 5)]),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}, [(1, 2, 5, 5)]),
    ("Conv2d", (2, 3, 3), {"padding": 2, "padding_mode": "circular"}, [(1, 2, 5, 5)]),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, [(2, 3, 4, 4)]),
    ("MaxPool1d", (3,), {"stride": 2}, [(2, 3, 9)]),
    ("MaxPool2d", (2,), {}, [(2, 3, 6, 6)]),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, [(1, 2, 7, 6)]),
    ("AvgPool1d", (3,), {"padding": 1}, [(2, 3, 8)]),
    ("AvgPool2d", (2,), {"count_include_pad": False, "padding": 1}, [(2, 3, 5, 6)]),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, [(2, 3, 7, 8)]),
    ("AdaptiveMaxPool2d", (3,), {}, [(2, 3, 7, 8)]),
    ("BatchNorm1d", (3,), {}, [(6, 3)]),
    ("BatchNorm1d", (3,), {"affine": False, "momentum": None}, [(4, 3, 5)]),
    ("BatchNorm2d", (3,), {"eps": 1e-3}, [(2, 3, 4, 4)]),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, [(2, 3, 4, 4)]),
    ("LayerNorm", ((4, 5),), {}, [(2, 3, 4, 5)]),
    ("LayerNorm", (5,), {"elementwise_affine": False}, [(3, 5)]),
    ("LayerNorm", (5,), {"bias": False}, [(3, 5)]),
    ("GroupNorm", (2, 4), {}, [(3, 4, 5)]),
    ("Embedding", (5, 3), {"padding_idx": 1}, [(2, 4)]),
    ("Embedding", (5, 3), {"max_norm": 1.0}, [(6,)]),
    ("ReLU", (), {}, [(3, 4)]),
    ("ReLU6", (), {}, [(3, 4)]),
    ("LeakyReLU", (0.2,), {}, [(3, 4)]),
    ("ELU", (), {"alpha": 0.5}, [(3, 4)]),
    ("GELU", (), {"approximate": "tanh"}, [(3, 4)]),
    ("GELU", (), {}, [(3, 4)]),
    ("SiLU", (), {}, [(3, 4)]),
    ("Sigmoid", (), {}, [(3, 4)]),
    ("Tanh", (), {}, [(3, 4)]),
    ("Softmax", (1,), {}, [(3, 4)]),
    ("LogSoftmax", (-1,), {}, [(3, 4)]),
    ("Softplus", (), {"beta": 2.0}, [(3, 4)]),
    ("Hardtanh", (-0.5, 0.5), {}, [(3, 4)]),
    ("Mish", (), {}, [(3, 4)]),
    ("Hardswish", (), {}, [(3, 4)]),
    ("Dropout", (0.3,), {}, [(3, 4)]),
    ("Dropout2d", (), {}, [(2, 3, 4, 4)]),
]


def _ids(case) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}"


@pytest.mark.parametrize("case", LAYERS, ids=[_ids(c) for c in LAYERS])
def test_layer_parity(case) -> None:
    name, args, kwargs, shapes = case
    if name == "Identity":
        tm, mm = torch.nn.Identity(*args, **kwargs), nn.Identity(*args, **kwargs)
    else:
        tm, mm = _pair(name, *args, **kwargs)
    assert repr(mm) == repr(tm)
    if name.startswith("Dropout"):  # random masks differ between the libraries: test eval mode
        tm.eval()
        mm.eval()
    kind = "index" if name == "Embedding" else "float"
    ins = _inputs(shapes, kind)
    ty, my = tm(*[t for t, _ in ins]), mm(*[m for _, m in ins])
    assert tuple(my.shape) == tuple(ty.shape)
    _close(my, ty)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    my.backward(mt.tensor(g))
    if kind == "float":
        for t, m in ins:
            _close(m.grad, t.grad)
    for (tn, tp), (mn, mp) in zip(tm.named_parameters(), mm.named_parameters()):
        assert tn == mn
        _close(mp.grad, tp.grad)
    for (tn, tb), (mn, mb) in zip(tm.named_buffers(), mm.named_buffers()):
        assert tn == mn
        _close(mb, tb)


LOSSES = [
    ("CrossEntropyLoss", {}, "class"),
    ("CrossEntropyLoss", {"weight": [1.0, 2.0, 0.5, 1.0], "label_smoothing": 0.1, "ignore_index": 2}, "class"),
    ("CrossEntropyLoss", {"reduction": "sum"}, "prob"),
    ("NLLLoss", {"weight": [1.0, 2.0, 0.5, 1.0]}, "logprob"),
    ("MSELoss", {}, "same"),
    ("L1Loss", {"reduction": "none"}, "same"),
    ("SmoothL1Loss", {"beta": 0.5}, "same"),
    ("HuberLoss", {"delta": 0.7}, "same"),
    ("BCELoss", {"weight": [1.0, 2.0, 0.5, 1.0]}, "binary"),
    ("BCEWithLogitsLoss", {"pos_weight": [1.0, 3.0, 0.5, 1.0]}, "binary_logits"),
    ("KLDivLoss", {"reduction": "batchmean"}, "kl"),
]


@pytest.mark.parametrize("name,kwargs,kind", LOSSES, ids=[f"{c[0]}-{c[2]}-{sorted(c[1])}" for c in LOSSES])
def test_loss_parity(name, kwargs, kind) -> None:
    tk = {k: torch.tensor(v, dtype=torch.float64) if isinstance(v, list) else v for k, v in kwargs.items()}
    mk = {k: mt.tensor(v, dtype=mt.float64) if isinstance(v, list) else v for k, v in kwargs.items()}
    tl, ml = getattr(torch.nn, name)(**tk), getattr(nn, name)(**mk)
    assert repr(ml) == repr(tl)
    assert list(ml.state_dict()) == list(tl.state_dict())  # weights are buffers
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4))
    if kind == "class":
        y = rng.integers(0, 4, 5)
    elif kind == "prob":
        y = rng.dirichlet(np.ones(4), 5)
    elif kind == "logprob":
        x = np.log(rng.dirichlet(np.ones(4), 5))
        y = rng.integers(0, 4, 5)
    elif kind == "binary":
        x = rng.uniform(0.05, 0.95, (5, 4))
        y = rng.integers(0, 2, (5, 4)).astype(np.float64)
    elif kind == "binary_logits":
        y = rng.integers(0, 2, (5, 4)).astype(np.float64)
    elif kind == "kl":
        x = np.log(rng.dirichlet(np.ones(4), 5))
        y = rng.dirichlet(np.ones(4), 5)
    else:
        y = rng.standard_normal((5, 4))
    tx, mx = torch.tensor(x, requires_grad=True), mt.tensor(x, requires_grad=True)
    tout, mout = tl(tx, torch.tensor(y)), ml(mx, mt.tensor(y))
    _close(mout, tout)
    tout.sum().backward()
    mout.sum().backward()
    _close(mx.grad, tx.grad)


# ----------------------------------------------------------------------------- models and state_dict
def _model(lib):
    n = lib.nn if lib is torch else nn

    class Net(n.Module):
        def __init__(self):
            super().__init__()
            self.features = n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.BatchNorm2d(4), n.ReLU(), n.MaxPool2d(2))
            self.heads = n.ModuleDict({"cls": n.Linear(16, 3), "aux": n.Sequential(n.Linear(16, 8), n.Tanh())})
            self.blocks = n.ModuleList([n.Linear(4, 4) for _ in range(3)] + [n.LayerNorm(4)])
            self.scale = n.Parameter(lib.ones(1))
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)
            self.drop = n.Dropout(0.1)

        def forward(self, x):
            h = self.features(x).flatten(1)
            return self.heads["cls"](h) * self.scale

    return Net()


def test_nested_model_repr_keys_and_forward() -> None:
    tnet, mnet = _model(torch).double(), _model(mt).double()
    assert repr(mnet) == repr(tnet)
    tsd, msd = tnet.state_dict(), mnet.state_dict()
    assert isinstance(msd, OrderedDict)
    assert list(msd) == list(tsd)
    assert "scratch" not in msd and "features.1.num_batches_tracked" in msd
    assert [n for n, _ in mnet.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert [n for n, _ in mnet.named_buffers()] == [n for n, _ in tnet.named_buffers()]
    assert [n for n, _ in mnet.named_modules()] == [n for n, _ in tnet.named_modules()]
    assert [n for n, _ in mnet.named_children()] == [n for n, _ in tnet.named_children()]
    assert [n for n, _ in mnet.named_parameters(prefix="net", recurse=False)] == ["net.scale"]
    mnet.load_state_dict(tsd)
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4))
    _close(mnet(mt.tensor(x)), tnet(torch.tensor(x)))
    for k in tsd:  # training-mode forward updated the BatchNorm buffers identically
        _close(mnet.state_dict()[k], tnet.state_dict()[k])
    # round trip: a minitorch state_dict loads back into torch
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mnet.state_dict().items()})


def test_shared_parameters_and_remove_duplicate() -> None:
    for lib, n in ((torch, torch.nn), (mt, nn)):
        lin = n.Linear(2, 2)
        seq = n.Sequential(lin, lin)
        assert len(list(seq.parameters())) == 2
        assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
        assert [k for k, _ in seq.named_modules()] == ["", "0"]
        assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def _load_error(net, sd, strict=True):
    try:
        return repr(net.load_state_dict(sd, strict=strict))
    except RuntimeError as e:
        return "RuntimeError: " + str(e)


def test_load_state_dict_reports() -> None:
    tnet, mnet = _model(torch), _model(mt)
    tsd = tnet.state_dict()
    msd = OrderedDict((k, mt.tensor(v.numpy())) for k, v in tsd.items())
    cases = []
    drop = dict(tsd)
    drop.pop("heads.cls.weight")
    drop.pop("features.1.running_var")
    cases.append(drop)
    extra = dict(tsd, **{"heads.cls.extra": torch.zeros(1), "nothere.weight": torch.zeros(1)})
    cases.append(extra)
    both = dict(drop, **{"blocks.0.junk": torch.zeros(1)})
    cases.append(both)
    wrong = dict(tsd, **{"heads.cls.bias": torch.zeros(4)})
    cases.append(wrong)
    for sd in cases:
        for strict in (True, False):
            msd_case = {k: mt.tensor(v.numpy()) for k, v in sd.items()}
            expected = _load_error(tnet, sd, strict)
            assert _load_error(mnet, msd_case, strict) == expected
            assert _load_error(mnet, sd, strict) == expected  # torch tensors are accepted too
    # loading copies in place: the Parameter objects (held by optimizers) stay the same
    before = [id(p) for p in mnet.parameters()]
    w = mnet.heads["cls"].weight
    mnet.load_state_dict(msd)
    assert [id(p) for p in mnet.parameters()] == before
    _close(w, tsd["heads.cls.weight"])
    assert w.requires_grad and w.grad_fn is None


def test_batchnorm_state_dict_without_num_batches_tracked() -> None:
    tb, mb = torch.nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    sd = {k: v for k, v in tb.state_dict().items() if k != "num_batches_tracked"}
    assert repr(mb.load_state_dict(sd)) == repr(tb.load_state_dict(sd))


# ----------------------------------------------------------------------------- registration rules
def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e).replace("minitorch.nn.modules", "torch.nn.modules")
    return None


def test_setattr_rules_and_errors() -> None:
    def scenarios(lib, n):
        class Early(n.Module):
            def __init__(self, kind):
                if kind == "param":
                    self.w = n.Parameter(lib.zeros(1))
                elif kind == "module":
                    self.m = n.Linear(1, 1)
                else:
                    self.register_buffer("b", lib.zeros(1))

        lin = n.Linear(2, 2)
        return [
            lambda: Early("param"), lambda: Early("module"), lambda: Early("buffer"),
            lambda: setattr(lin, "weight", lib.zeros(2, 2)),
            lambda: setattr(lin, "bias", n.Linear(1, 1)),
            lambda: lin.register_buffer("weight", lib.zeros(1)),
            lambda: lin.register_parameter("a.b", None),
            lambda: lin.register_buffer("", lib.zeros(1)),
            lambda: lin.register_buffer("q", 3),
            lambda: lin.register_parameter("q", lib.zeros(1)),
            lambda: lin.add_module("x", 3),
            lambda: lin.add_module("a.b", n.ReLU()),
            lambda: lin.train("yes"),
            lambda: lin.nonexistent,
            lambda: lin.get_submodule("foo"),
            lambda: lin.get_parameter("in_features"),
            lambda: n.Linear(2, 2)(lib.zeros(3, 3, dtype=lib.float64) if False else lib.zeros(3, 3)),
            lambda: n.BatchNorm2d(3)(lib.zeros(2, 3, 4)),
            lambda: n.BatchNorm1d(3)(lib.zeros(2, 3, 4, 5)),
            lambda: n.BatchNorm1d(3)(lib.zeros(1, 3)),
            lambda: n.Dropout(1.5),
            lambda: n.Conv2d(3, 4, 3, groups=2),
            lambda: n.Conv2d(2, 4, 3, padding="same", stride=2),
            lambda: n.Conv2d(2, 4, 3, padding="full"),
            lambda: n.Conv2d(2, 4, 3, padding_mode="mirror"),
            lambda: n.GroupNorm(3, 4),
            lambda: n.Module().forward(1),
            lambda: n.Sequential(n.ReLU())[3],
            lambda: n.ModuleList([n.ReLU()])[-2],
            lambda: n.ParameterList()(1),
        ]

    for i, (t, m) in enumerate(zip(scenarios(torch, torch.nn), scenarios(mt, nn))):
        te, me = _error(t), _error(m)
        assert te is not None, i
        if i in (16, 24):  # matmul messages are the functional layer's; 24 prints a set (hash order)
            assert me is not None and me[0] == te[0]
            continue
        assert me == te, i


def test_reassignment_moves_between_registries() -> None:
    for lib, n in ((torch, torch.nn), (mt, nn)):
        m = n.Module()
        m.x = n.Parameter(lib.zeros(1))
        with pytest.raises(TypeError):
            m.x = n.Linear(1, 1)
        m.x = None  # a parameter slot accepts None
        assert "x" in m._parameters and m.x is None
        del m.x
        m.x = n.Linear(1, 1)
        assert "x" in m._modules
        m.x = None
        assert m._modules["x"] is None
        m.register_buffer("b", lib.zeros(1))
        m.b = lib.ones(2)  # still a buffer
        assert "b" in m._buffers and tuple(m.b.shape) == (2,)
        m.b = n.Parameter(lib.zeros(1))  # a parameter replaces the buffer
        assert "b" in m._parameters and "b" not in m._buffers
        del m.b
        assert "b" not in m._parameters
        m.plain = 3
        assert m.plain == 3 and "plain" in dir(m) and "b" not in dir(m)


# ----------------------------------------------------------------------------- modes, hooks, conversion
def test_train_eval_and_dropout() -> None:
    net = _model(mt)
    net.eval()
    assert all(not m.training for m in net.modules())
    x = mt.randn(20, 30)
    assert mt.equal(net.drop(x), x)
    net.train()
    assert all(m.training for m in net.modules())
    y = net.drop(x)
    assert bool((y == 0).any()) and not mt.equal(y, x)
    kept = y != 0
    _close(y[kept], x[kept] / 0.9, tol=1e-6)


def test_hooks_order_and_removal() -> None:
    def run(lib, n):
        log = []
        lin = n.Linear(2, 2)
        h1 = lin.register_forward_pre_hook(lambda m, args: log.append("pre1"))
        lin.register_forward_pre_hook(lambda m, args: log.append("pre0"), prepend=True)
        lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        lin.register_forward_hook(lambda m, args, out: log.append(("fwd", tuple(args[0].shape))))
        lin.register_forward_hook(lambda m, args, kwargs, out: out + 1, with_kwargs=True)
        lin.register_forward_hook(lambda m, args, out: log.append(("after", float(out.sum()))))
        with lib.no_grad():
            lin.weight.fill_(1.0)
            lin.bias.fill_(0.0)
        out = lin(lib.ones(1, 2))
        h1.remove()
        lin(lib.ones(1, 2))
        return log, out.tolist()

    assert run(mt, nn) == run(torch, torch.nn)


def test_full_backward_hook_matches_torch() -> None:
    def run(lib, n):
        torch.manual_seed(0)
        t_lin = torch.nn.Linear(3, 2).double()
        seen = []
        lin = n.Linear(3, 2).double()
        lin.load_state_dict(t_lin.state_dict()) if lib is mt else None
        if lib is torch:
            lin = t_lin

        def hook(module, grad_input, grad_output):
            seen.append(([None if g is None else g.tolist() for g in grad_input], [g.tolist() for g in grad_output]))
            return tuple(None if g is None else g * 10 for g in grad_input)

        lin.register_full_backward_hook(hook)
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        out = lin(x)
        (out ** 2).sum().backward()
        y = lib.tensor(np.arange(6.0).reshape(2, 3))  # input without grad: grad_input == (None,)
        (lin(y) ** 2).sum().backward()
        return seen, x.grad.tolist(), lin.weight.grad.tolist(), out.grad_fn.name()

    m, t = run(mt, nn), run(torch, torch.nn)
    assert m[0][0][1] == t[0][0][1]
    np.testing.assert_allclose(m[0][0][0], t[0][0][0])
    assert m[0][1][0] == t[0][1][0] == [None]
    np.testing.assert_allclose(m[1], t[1])
    np.testing.assert_allclose(m[2], t[2])
    assert m[3] == t[3] == "BackwardHookFunctionBackward"


def test_conversions_keep_parameter_identity() -> None:
    net = _model(mt)
    params = list(net.parameters())
    net(mt.randn(2, 1, 4, 4)).sum().backward()
    net.double()
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype is mt.float64 for p in net.parameters())
    assert all(p.grad.dtype is mt.float64 for p in net.parameters() if p.grad is not None)
    assert net.features[1].running_mean.dtype is mt.float64
    assert net.features[1].num_batches_tracked.dtype is mt.int64  # not floating point: untouched
    net.to(mt.float32)
    assert all(p.dtype is mt.float32 for p in params)
    net.half().float().to("cpu").cpu()
    assert all(isinstance(p, nn.Parameter) and p.is_leaf and p.requires_grad for p in net.parameters())
    with pytest.raises(TypeError, match="floating point"):
        net.to(mt.int64)
    net.zero_grad()
    assert all(p.grad is None for p in params)
    net(mt.randn(2, 1, 4, 4)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(not bool(p.grad.any()) for p in params if p.grad is not None)
    assert net.scale.grad is not None
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in params)
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Conv2d"


def test_deepcopy_module() -> None:
    net = _model(mt)
    clone = copy.deepcopy(net)
    for p, q in zip(net.parameters(), clone.parameters()):
        assert p is not q and isinstance(q, nn.Parameter) and mt.equal(p, q)
    with mt.no_grad():
        clone.scale.fill_(5.0)
    assert float(net.scale) == 1.0


# ----------------------------------------------------------------------------- BatchNorm statistics
@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5)])
def test_batchnorm_running_stats(momentum, shape) -> None:
    tb, mb = _pair("BatchNorm1d", 3, momentum=momentum)
    rng = np.random.default_rng(0)
    for step in range(5):
        x = rng.standard_normal(shape) * (step + 1) + step
        _close(mb(mt.tensor(x)), tb(torch.tensor(x)))
    for k, v in tb.state_dict().items():
        _close(mb.state_dict()[k], v)
    assert int(mb.num_batches_tracked) == 5
    tb.eval()
    mb.eval()
    x = rng.standard_normal(shape)
    _close(mb(mt.tensor(x)), tb(torch.tensor(x)))
    mb(mt.tensor(rng.standard_normal((1, 3))))  # eval mode accepts a batch of one
    mb.reset_running_stats()
    assert float(mb.running_var.sum()) == 3.0 and int(mb.num_batches_tracked) == 0


# ----------------------------------------------------------------------------- containers
def test_sequential_container_ops() -> None:
    def run(n):
        seq = n.Sequential(n.ReLU(), n.Tanh(), n.Sigmoid())
        out = [type(seq[-1]).__name__, repr(seq[1:]), len(seq)]
        seq.append(n.ELU())
        seq.insert(1, n.GELU())
        seq.insert(-1, n.SiLU())
        seq.extend([n.Softplus()])
        del seq[0]
        out += [repr(seq), [k for k, _ in seq.named_children()]]
        seq[0] = n.Identity()
        del seq[1:3]
        out += [repr(seq), [type(m).__name__ for m in seq]]
        named = n.Sequential(OrderedDict([("a", n.ReLU()), ("b", n.Tanh())]))
        named.add_module("c", n.Sigmoid())
        out += [repr(named), repr(named[1:]), repr(named + n.Sequential(n.ReLU()))]
        return out

    assert run(nn) == run(torch.nn)


def test_module_list_dict_and_parameter_containers() -> None:
    def run(lib, n):
        ml = n.ModuleList([n.Linear(2, 2) for _ in range(3)])
        ml.append(n.ReLU())
        ml.extend([n.ReLU(), n.Tanh()])
        ml.insert(0, n.Tanh())
        out = [repr(ml), repr(ml[1:3]), len(ml)]
        del ml[0]
        out.append(repr(ml))
        md = n.ModuleDict({"b": n.ReLU(), "a": n.Tanh()})
        md["c"] = n.Sigmoid()
        out += [repr(md), list(md.keys()), "a" in md, repr(md.pop("a")), len(md)]
        pl = n.ParameterList([n.Parameter(lib.zeros(2, 3)), lib.zeros(2)])
        pl.append(lib.ones(4))
        out += [repr(pl), [type(p).__name__ for p in pl], [k for k, _ in pl.named_parameters()]]
        pd = n.ParameterDict({"w": n.Parameter(lib.zeros(2)), "a": lib.ones(3)})
        pd["z"] = lib.zeros(1)
        out += [repr(pd), list(pd.keys()), [k for k, _ in pd.named_parameters()], len(pd), "w" in pd]
        return out

    assert run(mt, nn) == run(torch, torch.nn)


# ----------------------------------------------------------------------------- Parameter
def test_parameter_basics() -> None:
    x = mt.tensor([1.0, 2.0])
    p = nn.Parameter(x)
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert isinstance(p, mt.Tensor) and p.requires_grad and p.is_leaf
    assert type(p * 2) is mt.Tensor and type(p.detach()) is mt.Tensor and type(p[0]) is mt.Tensor
    with mt.no_grad():
        p[0] = 5.0
    assert float(x[0]) == 5.0  # shares memory with the data it was made from
    assert not nn.Parameter(mt.zeros(2), requires_grad=False).requires_grad
    assert tuple(nn.Parameter().shape) == (0,)
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad and q is not p


# ----------------------------------------------------------------------------- layer specifics
def test_embedding_from_pretrained_and_init() -> None:
    w = mt.randn(4, 3)
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad and repr(emb) == "Embedding(4, 3)"
    _close(emb(mt.tensor([2, 0])), w[mt.tensor([2, 0])])
    emb = nn.Embedding(10, 4, padding_idx=-1)
    assert emb.padding_idx == 9 and not bool(emb.weight[9].any())
    assert repr(emb) == repr(torch.nn.Embedding(10, 4, padding_idx=-1))


def test_conv_transpose_output_size() -> None:
    tm, mm = _pair("ConvTranspose2d", 2, 3, 3, stride=2)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    _close(mm(mt.tensor(x), output_size=[10, 10]), tm(torch.tensor(x), output_size=[10, 10]))
    with pytest.raises(ValueError):
        mm(mt.tensor(x), output_size=[20, 20])


# ----------------------------------------------------------------------------- nn.utils
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm(norm_type) -> None:
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s) for s in [(3, 4), (4,), (2, 2, 2)]]
    results = []
    for lib, n in ((torch, torch.nn), (mt, nn)):
        ps = [n.Parameter(lib.zeros(*g.shape, dtype=lib.float64)) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = lib.tensor(g)
        total = n.utils.clip_grad_norm_(ps, 0.5, norm_type=norm_type)
        results.append((float(total), [p.grad.numpy().copy() for p in ps]))
    np.testing.assert_allclose(results[1][0], results[0][0])
    for a, b in zip(results[1][1], results[0][1]):
        np.testing.assert_allclose(a, b)
    p = nn.Parameter(mt.zeros(2))
    p.grad = mt.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert float(nn.utils.clip_grad_norm_([nn.Parameter(mt.zeros(2))], 1.0)) == 0.0


def test_clip_grad_value_and_vectors() -> None:
    lin = nn.Linear(3, 2)
    lin(mt.randn(4, 3) * 10).sum().backward()
    nn.utils.clip_grad_value_(lin.parameters(), 0.1)
    assert all(float(p.grad.abs().max()) <= 0.1 + 1e-6 for p in lin.parameters())
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert tuple(vec.shape) == (8,)
    _close(vec[:6].view(2, 3), lin.weight)
    nn.utils.vector_to_parameters(mt.arange(8.0), lin.parameters())
    _close(lin.weight, mt.arange(6.0).view(2, 3))
    _close(lin.bias, mt.tensor([6.0, 7.0]))
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], lin.parameters())


def test_training_loop_decreases_loss() -> None:
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    x = mt.randn(64, 2)
    y = (x[:, :1] * 2 - x[:, 1:]).detach()
    loss_fn = nn.MSELoss()
    first = None
    for _ in range(50):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        with mt.no_grad():
            for p in model.parameters():
                p -= 0.05 * p.grad
        first = float(loss) if first is None else first
    assert float(loss) < first * 0.3
