"""The ``Tensor`` class (``tensor.py``: the data model ``TensorBase``; ``methods.py``: ``class
Tensor(TensorBase)``, whose body names every method), the methods that are not ops
(``conversions.py``: copies, casts, devices; ``inplace_writes.py``: ``fill_``, ``copy_`` ...;
``operators.py``: Python's operators and NumPy operands), its printing, legacy constructors and
PyTorch interop."""
