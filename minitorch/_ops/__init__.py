"""The ops, grouped by kind: elementwise, reduce, movement (views), indexing, linalg.

Each file holds the ``Primitive`` Functions of its kind (forward on arrays,
backward in Tensor ops) and the public functions composed from them. ``minitorch/__init__.py``
names each public function (``exp = _checked(_unary.exp)``) and the body of ``class Tensor``
(``_tensor/methods.py``) each method (``exp = _refuses_out(_unary.exp)``).
"""
