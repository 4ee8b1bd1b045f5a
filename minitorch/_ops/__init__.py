"""The ops, grouped by kind: elementwise, reduce, movement (views), indexing, linalg.

Each file holds the ``Primitive`` Functions of its kind (forward on arrays,
backward in Tensor ops) and the public functions composed from them. ``minitorch/__init__.py``
names each public function (``exp = _checked(_unary.exp)``) and the body of ``class Tensor``
(``_tensor/methods.py``) each method (``exp = _refuses_out(_unary.exp)``).

The primitive set is not small, by design: as PyTorch's ``derivatives.yaml`` does, an op whose
``grad_fn`` a user sees gets its own backward node with PyTorch's name (``SumBackward1``,
``SqueezeBackward1``), so most primitives exist for ``grad_fn`` parity rather than because the
math needs them; a few exist for numerics or for a measured speed-up. Each class says which in
its ``reason``, and one formula under several names is one class used as ``Fn.named(name)``.
``docs/primitives.md`` (``tools/gen_primitives_index.py``) lists every one, with its file:line,
forward, backward and reason; everything else is a composition with no backward of its own.
"""
