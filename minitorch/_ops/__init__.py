"""The ops, grouped by kind: elementwise, reduce, movement (views), indexing, linalg.

Each file holds the ``Primitive`` Functions of its kind (forward on arrays,
backward in Tensor ops) and the public functions composed from them.
"""
