"""``minitorch.nn``: neural-network building blocks (``torch.nn``).

- ``parameter.py``: ``Parameter``, the Tensor subclass a Module registers as a weight;
- ``modules/``: ``Module`` (registration, traversal, state_dict, hooks) and the layers;
- ``functional/``: the stateless ops the layers call (``F.conv2d``, ``F.cross_entropy``...);
- ``init.py``: weight initialisation; ``utils/``: gradient clipping, parameter vectors.
"""

from . import functional, init, utils
from .modules import *
from .modules import Module
from .parameter import Buffer, Parameter
