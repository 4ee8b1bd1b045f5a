"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells ``RNNCell``, ``LSTMCell``, ``GRUCell``.

A cell maps one time step's input ``x_t`` ``(N, H_in)`` and state ``h_{t-1}`` ``(N, H)`` to the next state.
The layers run a cell over the sequence in a plain Python loop, one layer after another; a
bidirectional layer runs a second cell (``_reverse`` weights) from the last step to the first and
concatenates the two outputs. Everything is built from Tensor ops (``linear``, ``sigmoid``,
``tanh``, ``chunk``, ``stack``, ``cat``), so autograd differentiates through time by itself (BPTT);
there is no fused kernel. Cost: ``O(L * num_layers * num_directions)`` small matmuls, run in sequence.

Weights follow PyTorch exactly, so ``state_dict``s load both ways: for layer ``k`` the input-hidden
and hidden-hidden matrices ``weight_ih_l{k}`` ``(G*H, H_in)`` and ``weight_hh_l{k}`` ``(G*H, H)`` stack the
G gate blocks in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n), with biases ``bias_ih_l{k}``,
``bias_hh_l{k}`` ``(G*H,)``, and ``weight_hr_l{k}`` ``(proj_size, H)`` for a projected LSTM. Every weight
starts at ``U(-1/sqrt(H), 1/sqrt(H))``.
"""

from __future__ import annotations

import math
import numbers
import warnings

from ..._ops.creation import factories as _creation
from ..._ops.shape.joins import cat, stack
from ..._tensor.methods import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]


# ---------------------------------------------------------------------------- one time step
# Each step takes the input's share of the gates, x_gates = x @ W_ih.T + b_ih, already computed: the
# layers compute it for all time steps in one matmul (as cuDNN does); only h @ W_hh.T is sequential.
def rnn_step(x_gates: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, nonlinearity: str = "tanh") -> Tensor:
    """``h' = act(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)``, ``act`` = tanh or relu."""
    pre = x_gates + F.linear(h, w_hh, b_hh)
    return F.tanh(pre) if nonlinearity == "tanh" else F.relu(pre)


def lstm_step(x_gates: Tensor, state: tuple[Tensor, Tensor], w_hh: Tensor, b_hh: Tensor | None,
              w_hr: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step, gates in PyTorch's order i, f, g, o:

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      (input gate)
        f = sigmoid(W_if x + b_if + W_hf h + b_hf)      (forget gate)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)         (candidate cell)
        o = sigmoid(W_io x + b_io + W_ho h + b_ho)      (output gate)
        c' = f * c + i * g;   h' = o * tanh(c')   (then h' = h' @ W_hr.T with a projection)
    """
    h, c = state
    i, f, g, o = (x_gates + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    i, f, g, o = F.sigmoid(i), F.sigmoid(f), F.tanh(g), F.sigmoid(o)
    c = f * c + i * g
    h = o * F.tanh(c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def gru_step(x_gates: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step, gates in PyTorch's order r, z, n:

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      (reset gate)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)      (update gate)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   (candidate; r gates the hidden part only)
        h' = (1 - z) * n + z * h
    """
    x_r, x_z, x_n = x_gates.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = F.sigmoid(x_r + h_r)
    z = F.sigmoid(x_z + h_z)
    n = F.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


# ---------------------------------------------------------------------------- multi-layer sequence models
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}  # gate blocks stacked in each weight matrix


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the weights, the layer/direction loop, the shape checks.

    ``mode`` is one of ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'``, ``'GRU'`` (PyTorch's names).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1

        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)

        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
            for direction in range(num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = {"weight_ih": (gate_size, layer_input_size), "weight_hh": (gate_size, real_hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix, Parameter(_creation.empty(shape, device=device, dtype=dtype)))
                    names.append(kind + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op: PyTorch packs the weights into one cuDNN buffer here; minitorch has no such buffer."""

    @property
    def _flat_weights(self) -> list[Tensor]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ------------------------------------------------------------------ checks (PyTorch's messages)
    def check_input(self, input: Tensor) -> None:
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                             f"Convert input: input.to({weight_dtype}), or convert model: model.to({input.dtype})")
        if input.dim() != 3:
            raise RuntimeError(f"input must have 3 dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def _state_shape(self, input: Tensor, size: int) -> tuple[int, int, int]:
        mini_batch = input.size(0) if self.batch_first else input.size(1)
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch, size)

    def check_hidden_size(self, hx: Tensor, expected: tuple[int, int, int],
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.size())))

    # ------------------------------------------------------------------ the recurrence
    def _step(self, x_gates: Tensor, state: tuple[Tensor, ...], weights: dict[str, Tensor | None]
              ) -> tuple[Tensor, ...]:
        """One step of this mode's cell; the state is (h,) or, for LSTM, (h, c)."""
        w_hh, b_hh = weights["weight_hh"], weights["bias_hh"]
        if self.mode == "LSTM":
            return lstm_step(x_gates, state, w_hh, b_hh, weights["weight_hr"])
        if self.mode == "GRU":
            return (gru_step(x_gates, state[0], w_hh, b_hh),)
        return (rnn_step(x_gates, state[0], w_hh, b_hh, "tanh" if self.mode == "RNN_TANH" else "relu"),)

    def _run(self, input: Tensor, hx: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Run all layers over a batched input; returns (output, final states), each ``(layers*dirs, N, *)``.

        input: ``(L, N, H_in)`` time-major. For each layer, each direction projects the whole sequence
        (``x @ W_ih.T + b_ih``, one matmul), then runs the cell over the time steps (backwards for
        ``_reverse``); the directions' outputs are concatenated on the feature dim and are the next
        layer's input, with ``dropout(p=self.dropout)`` between layers in training.
        """
        num_directions = 2 if self.bidirectional else 1
        length = input.size(0)
        finals: list[tuple[Tensor, ...]] = []
        for layer in range(self.num_layers):
            direction_outputs = []
            for direction in range(num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                weights = {kind: getattr(self, kind + suffix, None)
                           for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")}
                x_gates = F.linear(input, weights["weight_ih"], weights["bias_ih"]).unbind(0)
                state = tuple(s[layer * num_directions + direction] for s in hx)
                outputs: list[Tensor] = [None] * length  # type: ignore[list-item]
                for t in (reversed(range(length)) if direction == 1 else range(length)):
                    state = self._step(x_gates[t], state, weights)
                    outputs[t] = state[0]
                direction_outputs.append(stack(outputs))
                finals.append(state)
            input = cat(direction_outputs, 2) if num_directions == 2 else direction_outputs[0]
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                input = F.dropout(input, self.dropout, True)
        return input, tuple(stack([s[k] for s in finals]) for k in range(len(hx)))

    def _forward(self, input: Tensor, hx: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Shared forward: unbatched/batch_first handling, zero initial states, checks, then ``_run``."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                             + ("tensor instead" if name == "RNN" else "instead"))
        is_batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:
            input = input.unsqueeze(batch_dim)
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        sizes = (real_hidden_size, self.hidden_size) if self.mode == "LSTM" else (self.hidden_size,)
        if hx is None:
            hx = tuple(_creation.zeros(self._state_shape(input, size), dtype=input.dtype, device=input.device)
                       for size in sizes)
        else:
            want = 3 if is_batched else 2
            if any(h.dim() != want for h in hx):
                kind = "batched 3-D" if is_batched else "unbatched 2-D"
                if self.mode == "LSTM":
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                       f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx[0].dim()}-D tensor")
            if not is_batched:
                hx = tuple(h.unsqueeze(1) for h in hx)
        self.check_input(input)
        for k, (h, size) in enumerate(zip(hx, sizes)):
            msg = f"Expected hidden[{k}] size {{}}, got {{}}" if self.mode == "LSTM" else "Expected hidden size {}, got {}"
            self.check_hidden_size(h, self._state_shape(input, size), msg)

        output, finals = self._run(input.transpose(0, 1) if self.batch_first else input, hx)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not is_batched:
            output = output.squeeze(batch_dim)
            finals = tuple(h.squeeze(1) for h in finals)
        return output, finals


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh)``, ``act`` = tanh or relu.

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``; ``rnn(x, h0=None)`` -> (output ``(L, N, D*H)``, ``h_n``
    ``(D*num_layers, N, H)``).
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._forward(input, None if hx is None else (hx,))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory; per step, gates in PyTorch's order i, f, g, o (see ``lstm_step``):

    ``i, f, o = sigmoid(...)``, ``g = tanh(...)``;  ``c_t = f * c_{t-1} + i * g``;  ``h_t = o * tanh(c_t)``
    (``h_t = h_t @ W_hr.T`` when ``proj_size > 0``). ``lstm(x, (h0, c0)=None)`` -> ``(output, (h_n, c_n))``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        output, (h_n, c_n) = self._forward(input, None if hx is None else tuple(hx))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit; per step, gates in PyTorch's order r, z, n (see ``gru_step``):

    ``r, z = sigmoid(...)``;  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``;
    ``h_t = (1 - z) * n + z * h_{t-1}``.
    ``gru(x, h0=None)`` -> ``(output, h_n)``.
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._forward(input, None if hx is None else (hx,))
        return output, h_n


# ---------------------------------------------------------------------------- single-step cells
class RNNCellBase(Module):
    """Weights of one cell: ``weight_ih`` ``(G*H, H_in)``, ``weight_hh`` ``(G*H, H)``, ``bias_ih``,
    ``bias_hh`` ``(G*H,)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_creation.empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(_creation.empty((num_chunks * hidden_size, hidden_size), device=device,
                                                   dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batched(self, input: Tensor, hx: tuple[Tensor, ...] | None, name: str, count: int
                 ) -> tuple[bool, Tensor, tuple[Tensor, ...]]:
        """Check dims, add the batch dim to unbatched ``(H_in,)`` input, default the state to zeros."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    what = f"hx[{idx}]" if count == 2 else "hidden"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {value.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = _creation.zeros((input.size(0), self.hidden_size), dtype=input.dtype, device=input.device)
            hx = (zeros,) * count
        elif not is_batched:
            hx = tuple(h.unsqueeze(0) for h in hx)
        return is_batched, input, hx


class RNNCell(RNNCellBase):
    """``h' = act(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)``, ``act`` = tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        is_batched, input, (h,) = self._batched(input, None if hx is None else (hx,), "RNNCell", 1)
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h = rnn_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh, self.nonlinearity)
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """``(h', c')`` from one LSTM step, gates i, f, g, o: ``c' = f * c + i * g``; ``h' = o * tanh(c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        is_batched, input, state = self._batched(input, None if hx is None else tuple(hx), "LSTMCell", 2)
        h, c = lstm_step(F.linear(input, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """``h'`` from one GRU step, gates r, z, n: ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``;
    ``h' = (1 - z) * n + z * h``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        is_batched, input, (h,) = self._batched(input, None if hx is None else (hx,), "GRUCell", 1)
        h = gru_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h if is_batched else h.squeeze(0)
