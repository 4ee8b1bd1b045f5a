"""``minitorch.nn.functional``: the stateless forms of the layers (``torch.nn.functional``).

Grouped as in PyTorch's docs; each submodule composes Tensor ops, or calls a
``Primitive`` from ``minitorch/_ops`` where a kernel does the work
(convolution and pooling run the numba kernels of ``kernels/``).
"""

from .conv import *  # noqa: F401,F403  conv1d, conv2d, conv_transpose2d, linear, bilinear
from .pooling import *  # noqa: F401,F403  max/avg/adaptive pools
from .vision import *  # noqa: F401,F403  pad, unfold, fold, interpolate
from .activation import *  # noqa: F401,F403  relu ... softmax, log_softmax
from .normalization import *  # noqa: F401,F403  batch_norm, layer_norm, group_norm, normalize
from .dropout import *  # noqa: F401,F403  dropout, dropout2d
from .sparse import *  # noqa: F401,F403  embedding, one_hot
from .distance import *  # noqa: F401,F403  cosine_similarity
from .loss import *  # noqa: F401,F403  cross_entropy, nll_loss, mse_loss, ...
