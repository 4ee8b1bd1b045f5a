"""``minitorch.utils``: utilities beside the tensor library (``torch.utils``); today ``data``."""

from . import data
