"""The backward engine: walk the graph from the outputs back to the leaves.

``run_backward`` is what ``Tensor.backward`` and ``autograd.grad`` call, and it comes first:

1. Count, for every node reachable from the roots, how many edges point at it.
2. Start from the roots with their gradients. A node runs once all the
   gradients flowing into it have arrived (its count reaches zero); among the
   ready nodes the most recently created runs first, as in PyTorch.
3. A node's ``backward`` returns one gradient per input edge. Before it is
   passed on, ``validate_grad`` reduces a broadcast gradient back to the
   input's shape (``sum_to_size``) - the one place where un-broadcasting
   happens, so no op's backward has to think about broadcasting.
4. Gradients that meet at a node are summed. At a leaf, ``AccumulateGrad``
   adds into ``.grad``; for ``autograd.grad`` the gradients of the requested
   inputs are captured instead.

Everything else is a special case, kept out of the core loop in ``GraphTask`` below it: what
``autograd.grad`` captures and the nodes it can skip, integer outputs that get no zeros
(``_materialize``), and anomaly mode's NaN check. Two ideas of their own have their own files:
the tensor and node hooks (``hooks.py``), and summing gradients without a copy where nothing
else sees them, into a buffer or a leaf's ``.grad`` (``accumulate.py``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._core import capture as _capture
from .._core.dtype import _BY_NP
from .._core.strides import is_expandable_to as _is_expandable_to
from ..backends import backend_of
from . import function, grad_mode, hooks
from ._fill import zeros
from .accumulate import _accumulate, _add_in_place
from .function import AccumulateGrad, Node

_profiler: Any = None  # the recorder of a running minitorch.profiler.profile (profiler/_recorder.py)


def run_backward(
    roots,
    grad_roots,
    retain_graph: bool,
    create_graph: bool,
    inputs=None,
    accumulate: bool = True,
):
    """Back-propagate ``grad_roots`` from ``roots``.

    With ``accumulate=True`` (``Tensor.backward``) gradients go into ``.grad``
    of the leaves (or of ``inputs`` only). With ``accumulate=False``
    (``autograd.grad``) they are returned, one per tensor in ``inputs``.
    """
    task = GraphTask(inputs, accumulate, retain_graph, create_graph)  # the special cases
    buffers: dict[Node, list] = {}  # node -> the gradients of its outputs, summed as they arrive
    root_nodes: list[Node] = []
    for t, g in zip(roots, grad_roots):
        node, nr = t._grad_edge()
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * len(node._out_meta)
            root_nodes.append(node)
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    deps = _collect_dependencies(root_nodes)  # 1. how many edges point at each node
    task.find_needed(root_nodes)
    ready: list[Node] = []  # 2. the most recently created ready node pops first (see _push)
    for node in root_nodes:
        if deps.get(node, 0) == 0:
            _push(ready, node)
    plain = task.plain  # Tensor.backward() with no hooks, capture, anomaly mode or profiler
    with grad_mode.set_grad_enabled(create_graph):  # create_graph: backward records a graph too
        while ready:
            node = ready.pop() if len(ready) == 1 else _pop(ready)  # (one node, a chain's: no heap walk)
            grads = buffers.pop(node)
            # An inner node without hooks skips ``arrived`` (which would return ``grads`` as they are).
            if not plain or node._pre_hooks or node._retained or node._node_pre_hooks \
                    or isinstance(node, AccumulateGrad):
                grads = task.arrived(node, grads)  # hooks, a leaf's .grad, autograd.grad's capture
                if grads is None:  # a leaf (its gradient is accumulated) or a node not needed
                    continue
            if plain and len(grads) == 1 and grads[0] is not None and not node._hooks:
                # one gradient arrived and no post hook watches: ``call`` without its checks for
                # missing gradients and hooks (the common node; ``call`` does the same otherwise)
                grads_in = node.apply((grads[0],))
                if len(grads_in) != len(node._edges):
                    task.wrong_count(node, grads_in)
                if not task.retain_graph:
                    node._release()
            else:
                grads_in = task.call(node, grads)  # 3. node.apply(grads): one gradient per input edge
            for i, (edge, g) in enumerate(zip(node._edges, grads_in)):
                if edge is None:  # an input that needs no gradient
                    continue
                nxt, nr = edge
                if g is not None:  # 4. un-broadcast, and sum into the next node's buffer
                    meta = nxt._out_meta[nr]
                    # (the call only when it acts; ``_BY_NP[...]`` is ``g.dtype`` without the property's frame)
                    if g._data.shape != meta[0] or _BY_NP[g._data.dtype] is not meta[1]:
                        g = validate_grad(node, i, g, meta)
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * len(nxt._out_meta)
                    if buf[nr] is None:
                        buf[nr] = g
                    elif create_graph or not _add_in_place(buf, nr, g):
                        buf[nr] = buf[nr] + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    if nxt not in buffers:
                        _skip_subgraph(nxt, deps, buffers, ready)
                    elif ready:
                        _push(ready, nxt)
                    else:  # an empty queue: what ``_push`` would do
                        ready.append(nxt)
            g = None  # hold no gradient that a leaf could take over (``_can_steal``)
            del grads, grads_in
    return task.captured




# ----------------------------------------------------------------------------- the ready queue
# PyTorch's ready queue is a ``std::priority_queue`` of nodes ordered by ``sequence_nr`` (creation
# order; every AccumulateGrad has the largest, so a leaf's gradient is accumulated as soon as it is
# ready). Leaves tie, and among equal keys a binary heap's order depends on its algorithm, not on
# the order of pushes: ``torch.stack([a, b, c, d, e, f]).sum().backward()`` runs the leaves' hooks in
# the order a, c, f, e, b, d. These two functions are libstdc++'s ``push_heap`` and ``pop_heap``
# (``bits/stl_heap.h``), so ties break as in PyTorch, and the same way in every run (never by
# ``id(node)``, a memory address). The queue rarely holds more than a few nodes.
def _push(heap: list, node: Node) -> None:
    """``std::push_heap``: append ``node``, move it up past every parent created before it."""
    heap.append(node)
    _sift_up(heap, len(heap) - 1, node)


def _sift_up(heap: list, hole: int, node: Node) -> None:
    """Put ``node`` at ``hole`` or above it: past every parent created before it."""
    seq = node._seq
    while hole > 0:
        parent = (hole - 1) // 2
        if not heap[parent]._seq < seq:
            break
        heap[hole] = heap[parent]
        hole = parent
    heap[hole] = node


def _pop(heap: list) -> Node:
    """``std::pop_heap`` + ``pop_back``: remove and return the top (the latest created node): the
    last node fills the hole, which first sinks to a leaf along the later-created children (the
    right one on a tie), then moves up as in ``_push``."""
    top = heap[0]
    last = heap.pop()
    n = len(heap)
    if n == 0:
        return top
    hole = second = 0
    while second < (n - 1) // 2:
        second = 2 * (second + 1)
        if heap[second]._seq < heap[second - 1]._seq:
            second -= 1
        heap[hole] = heap[second]
        hole = second
    if n % 2 == 0 and second == (n - 2) // 2:
        second = 2 * (second + 1)
        heap[hole] = heap[second - 1]
        hole = second - 1
    _sift_up(heap, hole, last)
    return top


# ----------------------------------------------------------------------------- the special cases
class GraphTask:
    """What one ``run_backward`` does besides the core loop (PyTorch's ``GraphTask``).

    ``arrived`` sees a node's gradients before it runs: the tensor hooks and ``retain_grad``, a
    leaf's hooks and accumulation into ``.grad``, the gradients ``autograd.grad`` asked for
    (``capture``), and whether the node needs to run at all (``needed``: with ``inputs``, only
    the nodes from which an input is reachable). ``call`` runs the node: zeros for outputs that
    got no gradient, ``node.apply``, the node's post hooks, anomaly mode's NaN check, and freeing
    what forward saved unless ``retain_graph``.
    """

    def __init__(self, inputs, accumulate: bool, retain_graph: bool, create_graph: bool) -> None:
        self.has_inputs = inputs is not None
        self.accumulate, self.retain_graph, self.create_graph = accumulate, retain_graph, create_graph
        self.anomaly = function._anomaly_enabled  # (an import statement here cost ~1 µs a backward)
        # Edges the caller asked about: (node, output_nr) -> position in ``inputs``.
        self.capture: dict[tuple, list[int]] = {}
        if inputs is not None:
            for k, t in enumerate(inputs):
                edge = t._grad_edge()
                if edge is None:
                    raise RuntimeError(
                        "One of the differentiated Tensors does not require grad" if not accumulate
                        else "can't retain_grad on Tensor that has requires_grad=False"
                    )
                self.capture.setdefault((edge[0], edge[1]), []).append(k)
        self.captured = [None] * (len(inputs) if inputs is not None else 0)
        self.needed: set[Node] | None = None
        # Nothing special about this backward, so a node needs only its hooks checked (run_backward)
        self.plain = inputs is None and accumulate and not self.anomaly and _profiler is None

    def find_needed(self, root_nodes: list[Node]) -> None:
        if self.has_inputs:
            self.needed = _needed_nodes(root_nodes, {n for n, _ in self.capture})

    def _runs_leaf(self, node: Node) -> bool:
        """Whether PyTorch runs this ``AccumulateGrad`` (with ``inputs``, only for those inputs)."""
        return not self.has_inputs or (node, 0) in self.capture

    def arrived(self, node: Node, grads: list):
        """The gradients ``node`` runs with, or None when it does not run (a leaf, or not needed)."""
        if node._pre_hooks or node._retained:
            grads = hooks.run_tensor_hooks(node, grads)
        variable = node.variable if isinstance(node, AccumulateGrad) else None  # a leaf's tensor
        leaf = variable is not None
        if not (leaf or self.capture or self.needed is not None or not self.accumulate):
            # the common case: Tensor.backward() at an inner node
            return hooks.run_node_pre_hooks(node, grads) if node._node_pre_hooks else grads
        if variable is not None and variable._hooks and grads[0] is not None and self._runs_leaf(node):
            grads = [hooks.run_leaf_hooks(variable, grads[0])]  # before capture, as PyTorch
        if self.capture:
            captured = self.captured
            for nr, g in enumerate(grads):
                for k in self.capture.get((node, nr), ()):
                    captured[k] = g if captured[k] is None else captured[k] + g
        if variable is not None:
            if self.accumulate and self._runs_leaf(node) and grads[0] is not None:
                if node._node_pre_hooks:
                    grads = hooks.run_node_pre_hooks(node, grads)
                if grads[0] is None:  # a prehook dropped it
                    pass
                elif _profiler is None:
                    _accumulate(variable, grads[0], self.create_graph)
                else:
                    _profiler.accumulate(_accumulate, variable, grads, self.create_graph)
                for hook in tuple(node._hooks):  # post hooks: after the accumulation, no gradient to pass on
                    _capture.graph_break("a node hook runs Python in backward")
                    out = hook((), tuple(grads))
                    if out is not None:
                        hooks.check_hook_results(hook, (), out)
            return None
        needed = self.needed
        if needed is not None and node not in needed:
            return None
        if (needed is not None or not self.accumulate) and all(
            e is None or (needed is not None and e[0] not in needed) for e in node._edges
        ):
            return None  # autograd.grad: no input it asked about is behind this node
        if node._node_pre_hooks:
            grads = hooks.run_node_pre_hooks(node, grads)
        return grads

    def call(self, node: Node, grads: list) -> tuple:
        """``node.apply(grads)``, checked; ``None`` for every input when no gradient arrived."""
        if grads[0] is None and all(g is None for g in grads):  # (``grads.count(None)`` would call
            # each gradient's ``__eq__``: a Tensor op that declines, 0.3 µs per node)
            grads_in = (None,) * len(node._edges)
        else:
            if len(grads) > 1:  # (one gradient that arrived needs no zeros)
                grads = _materialize(node, grads)
            grads_in = node.apply(tuple(grads)) if _profiler is None else _profiler.node(node, tuple(grads))
            if len(grads_in) != len(node._edges):
                self.wrong_count(node, grads_in)
            for hook in tuple(node._hooks):  # a node hook may replace the gradients it is given
                _capture.graph_break("a node hook runs Python in backward")
                out = hook(grads_in, tuple(grads))
                if out is not None:
                    grads_in = hooks.check_hook_results(hook, grads_in, out)
            if self.anomaly:
                _check_nan(node, grads_in)
        if not self.retain_graph:
            node._release()
        return grads_in

    @staticmethod
    def wrong_count(node: Node, grads_in: tuple) -> None:
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(node._edges)}, got {len(grads_in)})"
        )


# ----------------------------------------------------------------------------- un-broadcasting
def sum_to_size(grad, shape):
    """Sum ``grad`` over the dims that broadcasting expanded, so its shape becomes ``shape``.

    Broadcasting aligns shapes on the right: leading dims that ``shape`` lacks
    are summed away, and dims where ``shape`` has size 1 are summed with keepdim;
    a 0-d ``shape`` is a plain ``sum()`` (as PyTorch's ``at::sum_to``). Returns ``grad`` itself
    when it already has a non-0-d ``shape``.
    Written with Tensor ops, so it is itself differentiable. ``Tensor.sum_to_size``
    (``_ops/reductions/sums.py``) is this function behind PyTorch's argument checks.
    """
    shape = tuple(shape)
    if not shape:  # first, as PyTorch: even a 0-d ``grad`` comes back as a new ``sum()``
        return grad.sum()
    if tuple(grad.shape) == shape:
        return grad
    lead = grad.dim() - len(shape)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and grad.shape[lead + i] != 1
    )
    if dims:
        grad = grad.sum(dim=dims, keepdim=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


def validate_grad(node: Node, index: int, grad, meta):
    """Make ``grad`` match the (shape, dtype, device) of the input it flows into."""
    shape, dtype, _device = meta
    if grad._data.shape != shape:
        lead = grad._data.ndim - len(shape)
        if lead > 0 and grad._data.shape[lead:] == shape and not grad_mode._state.enabled:
            # only leading dims to sum (a bias; expandable, so no check): one op; the view
            # sum_to_size adds after its keepdim sum, as PyTorch's, is seen only in a recorded
            # graph (create_graph)
            dims = tuple(range(lead))
            data = grad._data
            if function._observer is None and type(data) is np.ndarray and data.dtype.kind == "f":
                # ``Sum.forward``'s array sum (a float sums in its own dtype) without ``sum()``'s
                # argument checks and the op: grad mode is off, so no node, and nobody watches
                grad = function._make(np.asarray(backend_of(data).sum(data, axis=dims)), grad._device)
            else:
                grad = grad.sum(dim=dims)
        elif not _is_expandable_to(shape, grad.shape):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got "
                f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
            )
        elif (lead == 0 and not grad_mode._state.enabled and function._observer is None
              and type(grad._data) is np.ndarray and grad._data.dtype.kind == "f"):
            # dims of size 1 that broadcast (``x - x.max(1, keepdim=True)``'s (N, 1)): ``sum_to_size``'s
            # keepdim sum, ``Sum.forward``'s array sum, without the op (no node: grad mode is off)
            data = grad._data
            dims = tuple(i for i, s in enumerate(shape) if s == 1 and data.shape[i] != 1)
            grad = function._make(np.asarray(backend_of(data).sum(data, axis=dims, keepdims=True)), grad._device)
        else:
            grad = sum_to_size(grad, shape)
    if grad.dtype is not dtype:
        grad = grad.to(dtype)
    return grad


def _collect_dependencies(roots: list[Node]) -> dict[Node, int]:
    deps: dict[Node, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for edge in node._edges:
            if edge is None:
                continue
            nxt = edge[0]
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _needed_nodes(roots: list[Node], targets: set[Node]) -> set[Node]:
    """Nodes from which some target is reachable: the only ones worth running."""
    needed: set[Node] = set()
    visiting: dict[Node, bool] = {}

    order = []
    stack = [(r, False) for r in roots]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visiting:
            continue
        visiting[node] = True
        stack.append((node, True))
        for edge in node._edges:
            if edge is not None and edge[0] not in visiting:
                stack.append((edge[0], False))
    for node in order:  # post-order: children before parents
        if node in targets or any(e is not None and e[0] in needed for e in node._edges):
            needed.add(node)
    return needed


def _check_nan(node: Node, grads) -> None:
    for i, g in enumerate(grads):
        if g is not None and g.dtype.is_floating_point and bool(backend_of(g._data).isnan(g._data).any()):
            if node._forward_trace:
                warnings.warn(
                    f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                    + "".join(node._forward_trace),
                    stacklevel=3,
                )
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _skip_subgraph(node, deps, buffers, ready) -> None:
    """No gradient reached ``node``: release the edges it holds so its inputs can still become ready."""
    stack = [node]
    while stack:
        n = stack.pop()
        for edge in n._edges:
            if edge is None:
                continue
            nxt = edge[0]
            deps[nxt] -= 1
            if deps[nxt] == 0:
                if nxt in buffers:
                    _push(ready, nxt)
                else:
                    stack.append(nxt)


def _materialize(node: Node, grads: list) -> list:
    """Outputs that received no gradient get zeros (PyTorch's ``materialize_grads``).

    A built-in op's integer outputs (max_pool2d's indices, sort's permutation) can carry no
    gradient and its backward never reads one for them: they stay None instead of getting a
    tensor of zeros (LeNet's two poolings made two each step).
    """
    if (len(grads) == 1 and grads[0] is not None) or all(g is not None for g in grads) \
            or not getattr(node, "materialize_grads", True):
        return grads
    builtin = getattr(getattr(node, "_forward_cls", None), "_raw", False)
    out = []
    for g, meta in zip(grads, node._out_meta):
        if g is None and meta is not None and not (builtin and not meta[1].is_floating_point):
            g = zeros(meta[0], dtype=meta[1], device=meta[2])
        out.append(g)
    return out
