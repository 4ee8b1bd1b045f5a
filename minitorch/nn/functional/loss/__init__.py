"""Losses: ``cross_entropy``, ``nll_loss``, ``mse_loss``, ``binary_cross_entropy`` ... (``torch.nn.functional``).

Each loss computes the per-element loss with Tensor ops, then ``_reduce``
applies ``reduction``: 'none' keeps it, 'sum' adds it up, 'mean' averages it
(``nll_loss``/``cross_entropy`` with a ``weight`` divide by the total weight
of the non-ignored targets instead). The legacy ``size_average``/``reduce``
flags map to a reduction as in PyTorch, with its deprecation warning.

The losses PyTorch computes as one fused op are one graph node here too, named as PyTorch names
it (``MseLossBackward0``, ``NllLossBackward0``, ``BinaryCrossEntropyBackward0`` ...), so that a
tutorial's walk through ``loss.grad_fn.next_functions`` prints what it describes. Each node's
forward is the composite formula, run without recording; its backward is the formula's
derivative in Tensor ops (so differentiable again, for second-order gradients). The others
(``l1_loss``, ``kl_div``, probability targets of ``cross_entropy``) are compositions in PyTorch
as well, written in the same order so that their chains match.

One module an idea: ``classification.py`` (``nll_loss``, ``cross_entropy``, the binary losses,
``kl_div``), ``regression.py`` (``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``, the
Poisson and Gaussian likelihoods), ``margin.py`` (the margin and embedding losses), and
``_reduction.py``, the ``reduction`` argument and its legacy flags, which all of them share.
"""

from .classification import *
from .margin import *
from .regression import *

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
]
