"""Parity of minitorch.nn's recurrent layers (RNN, LSTM, GRU and their cells) with torch.nn.

Each layer is built in both libraries with the same arguments and torch's ``state_dict`` is loaded
into the minitorch one. The same float64 input (and initial state) then goes through both: the
output, the final states, and the gradients of the input, the initial states and every parameter
must agree to 1e-10 (relative). A random upstream gradient weights each output, so every entry of
every result reaches the loss. Constructor arguments, repr, state_dict keys, errors and the
dropout-between-layers rule are compared as well.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch import nn

TOL = 1e-10
L, N, H_IN, H = 5, 3, 4, 6


def _close(a, b) -> None:
    np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=TOL, atol=TOL)


def _pair(name: str, *args, **kwargs):
    """The same layer in torch and minitorch, float64, minitorch holding torch's weights."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    mm = getattr(nn, name)(*args, **kwargs).double()
    assert repr(mm.load_state_dict(tm.state_dict())) == "<All keys matched successfully>"
    return tm, mm


def _leaf(rng, shape):
    a = rng.standard_normal(shape)
    return torch.tensor(a, requires_grad=True), mt.tensor(a, requires_grad=True)


def _append_state(rng, t_args, m_args, h_shape, c_shape=None) -> None:
    """Add the initial state to both argument lists: h, or (h, c) for an LSTM (c_shape given)."""
    th, mh = _leaf(rng, h_shape)
    if c_shape is None:
        t_args.append(th)
        m_args.append(mh)
        return
    tc, mc = _leaf(rng, c_shape)
    t_args.append((th, tc))
    m_args.append((mh, mc))


def _flat(result) -> list:
    """(output, h_n) / (output, (h_n, c_n)) / h / (h, c) as a flat list of tensors."""
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flat(r)]
    return [result]


def _compare(tm, mm, t_args, m_args, seed: int = 1) -> None:
    """Forward values, then backward of sum(out_k * g_k): grads of the leaves and every parameter."""
    t_out, m_out = _flat(tm(*t_args)), _flat(mm(*m_args))
    assert len(t_out) == len(m_out)
    rng = np.random.default_rng(seed)
    t_loss, m_loss = 0, 0
    for t, m in zip(t_out, m_out):
        assert tuple(m.shape) == tuple(t.shape)
        _close(t, m)
        g = rng.standard_normal(tuple(t.shape))
        t_loss = t_loss + (t * torch.tensor(g)).sum()
        m_loss = m_loss + (m * mt.tensor(g)).sum()
    t_loss.backward()
    m_loss.backward()
    for t, m in zip(_flat(t_args), _flat(m_args)):
        if t is not None:
            _close(t.grad, m.grad)
    m_params = dict(mm.named_parameters())
    assert list(m_params) == [n for n, _ in tm.named_parameters()]
    for name, p in tm.named_parameters():
        _close(p.grad, m_params[name].grad)


MODELS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu"}),
    ("LSTM", {}),
    ("LSTM", {"proj_size": 3}),
    ("GRU", {}),
]
VARIANTS = [  # (num_layers, bidirectional, batch_first, batched, with initial state, bias)
    (1, False, False, True, False, True),
    (1, False, False, True, True, True),
    (2, False, True, True, True, False),
    (1, True, False, True, True, True),
    (2, True, True, True, False, True),
    (3, True, False, True, True, True),
    (1, False, False, False, False, True),
    (2, True, True, False, True, True),
    (2, True, False, False, True, False),
]


@pytest.mark.parametrize("name,kwargs", MODELS, ids=[f"{n}-{k}" for n, k in MODELS])
@pytest.mark.parametrize("variant", VARIANTS, ids=[
    f"layers{v[0]}-{'bi' if v[1] else 'uni'}-{'bf' if v[2] else 'tf'}-{'batched' if v[3] else 'unbatched'}-"
    f"{'h0' if v[4] else 'noh0'}-{'bias' if v[5] else 'nobias'}" for v in VARIANTS])
def test_sequence_layer(name, kwargs, variant) -> None:
    num_layers, bidirectional, batch_first, batched, with_state, bias = variant
    tm, mm = _pair(name, H_IN, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                   bias=bias, **kwargs)
    rng = np.random.default_rng(0)
    shape = ((N, L, H_IN) if batch_first else (L, N, H_IN)) if batched else (L, H_IN)
    tx, mx = _leaf(rng, shape)
    t_args, m_args = [tx], [mx]
    if with_state:
        batch = (N,) if batched else ()
        states = num_layers * (2 if bidirectional else 1)
        _append_state(rng, t_args, m_args, (states, *batch, kwargs.get("proj_size") or H),
                      (states, *batch, H) if name == "LSTM" else None)
    _compare(tm, mm, t_args, m_args)


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("RNNCell", {"bias": False}),
         ("LSTMCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {}), ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("name,kwargs", CELLS, ids=[f"{n}-{k}" for n, k in CELLS])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_state", [True, False], ids=["hx", "nohx"])
def test_cell(name, kwargs, batched, with_state) -> None:
    tm, mm = _pair(name, H_IN, H, **kwargs)
    rng = np.random.default_rng(0)
    batch = (N,) if batched else ()
    tx, mx = _leaf(rng, (*batch, H_IN))
    t_args, m_args = [tx], [mx]
    if with_state:
        _append_state(rng, t_args, m_args, (*batch, H), (*batch, H) if name == "LSTMCell" else None)
    _compare(tm, mm, t_args, m_args)


def test_cell_over_sequence_matches_layer() -> None:
    """An LSTMCell stepped by hand over time equals a one-layer LSTM holding the same weights."""
    _, layer = _pair("LSTM", H_IN, H)
    cell = nn.LSTMCell(H_IN, H).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = mt.tensor(np.random.default_rng(0).standard_normal((L, N, H_IN)))
    out, (h_n, c_n) = layer(x)
    state = None
    for t in range(L):
        state = cell(x[t], state)
        np.testing.assert_allclose(state[0].detach().numpy(), out[t].detach().numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(state[0].detach().numpy(), h_n[0].detach().numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(state[1].detach().numpy(), c_n[0].detach().numpy(), rtol=TOL, atol=TOL)


# ---------------------------------------------------------------------------- construction, repr, state_dict
CONFIGS = [
    ("RNN", (4, 6), {}),
    ("RNN", (4, 6, 2, "relu"), {}),
    ("RNN", (4, 6), {"nonlinearity": "relu", "bias": False, "batch_first": True}),
    ("RNN", (4, 6), {"num_layers": 3, "dropout": 0.25, "bidirectional": True}),
    ("LSTM", (4, 6), {}),
    ("LSTM", (4, 6, 2), {"proj_size": 3, "bidirectional": True}),
    ("LSTM", (4, 6), {"bias": False, "batch_first": True, "dropout": 0.5, "num_layers": 2}),
    ("GRU", (4, 6), {}),
    ("GRU", (4, 6, 2, False, True, 0.1, True), {}),
    ("RNNCell", (4, 6), {}),
    ("RNNCell", (4, 6, False, "relu"), {}),
    ("LSTMCell", (4, 6), {"bias": False}),
    ("GRUCell", (4, 6), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CONFIGS)
def test_construction(name, args, kwargs) -> None:
    tm = getattr(torch.nn, name)(*args, **kwargs)
    mm = getattr(nn, name)(*args, **kwargs)
    assert repr(mm) == repr(tm)
    t_sd, m_sd = tm.state_dict(), mm.state_dict()
    assert list(m_sd) == list(t_sd)
    for key in t_sd:
        assert tuple(m_sd[key].shape) == tuple(t_sd[key].shape)
        assert m_sd[key].dtype == mt.float32
    bound = 1 / math.sqrt(tm.hidden_size)
    values = np.concatenate([p.detach().numpy().ravel() for p in mm.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert values.std() > bound / 3  # U(-b, b) has std b / sqrt(3): drawn, not left empty or zero
    for attr in ("input_size", "hidden_size", "bias", "num_layers", "batch_first", "dropout", "bidirectional",
                 "proj_size", "mode", "nonlinearity"):
        if hasattr(tm, attr):
            assert getattr(mm, attr) == getattr(tm, attr), attr
    if hasattr(tm, "all_weights"):
        assert [[tuple(w.shape) for w in ws] for ws in mm.all_weights] == \
               [[tuple(w.shape) for w in ws] for ws in tm.all_weights]


BAD_CONFIGS = [
    ("RNN", (4, 6), {"nonlinearity": "sigmoid"}),
    ("RNN", (4, 6), {"proj_size": 2}),
    ("GRU", (4, 6), {"proj_size": 2}),
    ("LSTM", (4, 6), {"proj_size": 6}),
    ("LSTM", (4, 6), {"proj_size": -1}),
    ("LSTM", (4, 6), {"dropout": 1.5}),
    ("LSTM", (4, 6), {"dropout": True}),
    ("GRU", (4, 6), {"bias": 1}),
    ("GRU", (4, 6), {"batch_first": 1}),
    ("GRU", (4.0, 6), {}),
    ("GRU", (0, 6), {}),
    ("GRU", (4, 0), {}),
    ("GRU", (4, 6), {"num_layers": 0}),
]


@pytest.mark.parametrize("name,args,kwargs", BAD_CONFIGS)
def test_construction_errors(name, args, kwargs) -> None:
    with pytest.raises(Exception) as expected:
        getattr(torch.nn, name)(*args, **kwargs)
    with pytest.raises(type(expected.value)) as got:
        getattr(nn, name)(*args, **kwargs)
    assert str(got.value) == str(expected.value)


def test_dropout_warning_with_one_layer() -> None:
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(4, 6, dropout=0.5)


BAD_CALLS = [  # (layer, input shape, initial-state shapes or None)
    ("GRU", (L, N, H_IN + 1), None),
    ("GRU", (2, L, N, H_IN), None),
    ("GRU", (L, N, H_IN), [(2, N, H)]),
    ("GRU", (L, N, H_IN), [(N, H)]),
    ("RNN", (L, H_IN), [(1, N, H)]),
    ("LSTM", (L, N, H_IN), [(1, N, H), (1, N + 1, H)]),
    ("LSTM", (L, N, H_IN), [(1, N, H), (N, H)]),
    ("LSTM", (L, H_IN), [(1, N, H), (1, N, H)]),
    ("GRUCell", (2, N, H_IN), None),
    ("GRUCell", (N, H_IN), [(1, N, H)]),
    ("LSTMCell", (N, H_IN), [(N, H), (1, N, H)]),
]


@pytest.mark.parametrize("name,shape,states", BAD_CALLS)
def test_call_errors(name, shape, states) -> None:
    tm, mm = _pair(name, H_IN, H)
    t_args, m_args = [torch.zeros(shape, dtype=torch.float64)], [mt.zeros(shape, dtype=mt.float64)]
    if states is not None:
        t_states = [torch.zeros(s, dtype=torch.float64) for s in states]
        m_states = [mt.zeros(s, dtype=mt.float64) for s in states]
        t_args.append(tuple(t_states) if len(states) == 2 else t_states[0])
        m_args.append(tuple(m_states) if len(states) == 2 else m_states[0])
    with pytest.raises(Exception) as expected:
        tm(*t_args)
    with pytest.raises(type(expected.value)) as got:
        mm(*m_args)
    assert str(got.value) == str(expected.value)


def test_dtype_mismatch_error() -> None:
    tm, mm = torch.nn.LSTM(H_IN, H), nn.LSTM(H_IN, H)
    with pytest.raises(ValueError) as expected:
        tm(torch.zeros(L, N, H_IN, dtype=torch.float64))
    with pytest.raises(ValueError, match="does not match weight dtype") as got:
        mm(mt.zeros(L, N, H_IN, dtype=mt.float64))
    assert str(got.value) == str(expected.value)


# ---------------------------------------------------------------------------- dropout between layers
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_off_in_eval(name) -> None:
    tm, mm = _pair(name, H_IN, H, num_layers=3, dropout=0.5, bidirectional=True)
    tm.eval()
    mm.eval()
    tx, mx = _leaf(np.random.default_rng(0), (L, N, H_IN))
    _compare(tm, mm, [tx], [mx])


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_one_zeroes_the_next_layers_input(name) -> None:
    """With p=1 in training the second layer sees zeros: deterministic, so torch and minitorch agree."""
    tm, mm = _pair(name, H_IN, H, num_layers=2, dropout=1.0)
    tx, mx = _leaf(np.random.default_rng(0), (L, N, H_IN))
    _compare(tm, mm, [tx], [mx])
    assert mm.training


def test_dropout_is_random_between_layers_only_in_training() -> None:
    _, mm = _pair("GRU", H_IN, H, num_layers=2, dropout=0.5)
    x = mt.tensor(np.random.default_rng(0).standard_normal((L, N, H_IN)))
    mt.manual_seed(0)
    a, _ = mm(x)
    b, _ = mm(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    mm.eval()
    c, _ = mm(x)
    d, _ = mm(x)
    np.testing.assert_array_equal(c.detach().numpy(), d.detach().numpy())


# ---------------------------------------------------------------------------- higher derivatives
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_second_derivatives(name) -> None:
    """The layers are compositions of differentiable ops, so double backward works (gradgradcheck)."""
    mm = getattr(nn, name)(2, 3, num_layers=2, bidirectional=True).double()
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = mt.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)

    def run(x, h0):
        state = (h0, mt.tanh(h0)) if name == "LSTM" else h0
        output, _ = mm(x, state)
        return output

    assert mt.autograd.gradcheck(run, (x, h0))
    assert mt.autograd.gradgradcheck(run, (x, h0))
