"""``minitorch.nn.functional``: the stateless forms of the layers (``torch.nn.functional``).

Grouped as in PyTorch's docs; each submodule composes Tensor ops, or calls a
``Primitive`` from ``minitorch/_ops`` where a kernel does the work
(convolution and pooling run the numba kernels of ``kernels/``).
"""

from .activation import *
from .conv import *
from .distance import *
from .dropout import *
from .loss import *
from .normalization import *
from .pooling import *
from .sparse import *
from .vision import *
