"""The ``Tensor`` class (``tensor.py``: the data model ``TensorBase``; ``methods.py``: ``class
Tensor(TensorBase)`` and its methods), its printing, legacy constructors and PyTorch interop."""
