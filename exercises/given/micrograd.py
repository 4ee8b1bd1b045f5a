"""docs/start.md's scalar autograd (micrograd): the ``Value`` that the exercises of that page extend."""

class Value:
    """A scalar, its gradient, and how it was computed (docs/start.md's micrograd)."""

    def __init__(self, data, children=(), op=""):
        self.data, self.grad = data, 0.0
        self._prev, self._op = children, op
        self._backward = lambda: None  # a leaf has nothing to pass on

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(a * b)/da = b, d(a * b)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():  # 1 where the output is positive, else 0
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):  # topological order: every input before its output
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)
        visit(self)
        self.grad = 1.0  # d self / d self
        for v in reversed(order):  # every output before its inputs
            v._backward()

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
