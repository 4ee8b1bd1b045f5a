"""``minitorch.nn.modules``: the layers, one file per family, all built on ``module.Module``."""

from .activation import *
from .container import *
from .conv import *
from .dropout import *
from .flatten import *
from .linear import *
from .loss import *
from .module import Module
from .normalization import *
from .pooling import *
from .rnn import *
from .sparse import *
