"""``ToDevice``: copy a tensor to another device, differentiably (``x.to('cuda')``, ``x.cpu()``)."""

from __future__ import annotations

from .._core.device import to_device
from .._tensor.tensor import Tensor
from ..autograd.function import Primitive
from ..backends import backend_of, get_backend


class ToDevice(Primitive):
    """y = x copied to ``device`` (through host memory);  dx = g copied back to x's device."""

    node_name = "ToCopyBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, device):
        xp = backend_of(x)
        ctx.source = to_device(xp.name)
        host = xp.to_numpy(x)  # a host copy when x is on a device
        y = host if device.type == "cpu" else get_backend(device).from_numpy(host, device)
        return Tensor._make(y, device)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.source), None
