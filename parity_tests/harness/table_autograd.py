"""Table: autograd. Each entry is a short program a tutorial would write (backward, hooks,
grad modes, custom Functions, gradcheck), compared with the same program under torch, plus the
errors PyTorch raises for misuse."""

from __future__ import annotations

from .libs import tensor
from .spec import ErrorCase, scenario
from .strategies import NONZERO, custom, elementwise, shapes

x_any = elementwise(domain=NONZERO)
x_1d = custom(lambda d, t: ((d(shapes(1, 2, 1)),), {}), domain=NONZERO)
F64 = ("float64",)


def leaf(x):
    return x.detach().clone().requires_grad_()


def backward_scalar(lib, x):
    a = leaf(x)
    (a * a.sin()).sum().backward()
    return a.grad


def backward_gradient(lib, x):
    a = leaf(x)
    y = a.exp() * 3
    y.backward(gradient=lib.ones_like(y) * 0.5)
    return a.grad


def backward_accumulates(lib, x):
    a = leaf(x)
    y = (a * a).sum()
    y.backward(retain_graph=True)
    first = a.grad.clone()
    y.backward()
    return first, a.grad


def backward_create_graph(lib, x):
    a = leaf(x)
    (a ** 3).sum().backward(create_graph=True)
    g = a.grad
    (g.sum()).backward(inputs=[a])
    return g.requires_grad, a.grad


def backward_inputs(lib, x):
    a, b = leaf(x), leaf(x * 2)
    (a * b).sum().backward(inputs=[b])
    return a.grad, b.grad


def requires_grad_(lib, x):
    a = x.detach().clone()
    before = a.requires_grad
    same = a.requires_grad_() is a
    return before, same, a.requires_grad, a.is_leaf


def retain_grad(lib, x):
    a = leaf(x)
    y = a * 2
    y.retain_grad()
    (y * y).sum().backward()
    return y.grad, a.grad


def register_hook(lib, x):
    a = leaf(x)
    seen = []
    a.register_hook(lambda g: seen.append(g.clone()))
    y = a * 3
    y.register_hook(lambda g: g * 2)
    y.sum().backward()
    return seen[0], a.grad


def grad_modes(lib, x):
    a = leaf(x)
    with lib.no_grad():
        off = a * 2
        with lib.enable_grad():
            on = a * 2
    with lib.set_grad_enabled(False):
        off2 = a * 2
    lib.set_grad_enabled(False)
    enabled_inside = lib.is_grad_enabled()
    lib.set_grad_enabled(True)
    return off.requires_grad, on.requires_grad, off2.requires_grad, enabled_inside, lib.is_grad_enabled()


def grad_mode_decorators(lib, x):
    a = leaf(x)

    @lib.no_grad()
    def doubled(t):
        return t * 2

    @lib.enable_grad()
    def tripled(t):
        return t * 3

    with lib.no_grad():
        inner = tripled(a)
    return doubled(a).requires_grad, inner.requires_grad, lib.is_grad_enabled()


def inference_mode(lib, x):
    a = leaf(x)
    with lib.inference_mode():
        y = a * 2
        inside = lib.is_grad_enabled()

    @lib.inference_mode()
    def f(t):
        return t + 1

    return y.requires_grad, inside, f(a).requires_grad, y


def data_alias(lib, x):
    a = leaf(x)
    d = a.data
    d.mul_(2)  # untracked write, visible in a
    return d.requires_grad, d.is_leaf, a.detach()


def detach_(lib, x):
    a = leaf(x)
    y = a * 2
    same = y.detach_() is y
    return same, y.requires_grad, y.is_leaf, y.grad_fn


def autograd_grad(lib, x):
    a, b = leaf(x), leaf(x + 1)
    y = (a * a * b).sum()
    ga, gb = lib.autograd.grad(y, [a, b], create_graph=True)
    (gga,) = lib.autograd.grad(ga.sum(), a, retain_graph=True)
    unused = lib.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)[1]
    return ga, gb, gga, unused


def custom_function(lib, x):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, t, k):
            ctx.save_for_backward(t)
            ctx.k = k
            return t ** 3 * k

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return g * 3 * t ** 2 * ctx.k, None

    class SortOf(lib.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            index = (t * 0).long()
            ctx.mark_non_differentiable(index)
            return t * 1, index

        @staticmethod
        def backward(ctx, g, _):
            return g

    a = leaf(x)
    y = Cube.apply(a, 2.0)
    values, index = SortOf.apply(a)
    (y.sum() + values.sum()).backward()
    return y, index.requires_grad, a.grad, type(y.grad_fn).__name__.endswith("Backward")


def gradcheck(lib, x):
    a = leaf(x)
    return (lib.autograd.gradcheck(lambda t: (t * t).sin(), (a,)),
            lib.autograd.gradgradcheck(lambda t: (t * t).sin(), (a,)))


def anomaly_modes(lib, x):
    lib.autograd.set_detect_anomaly(True)
    on = lib.is_anomaly_enabled()
    lib.autograd.set_detect_anomaly(False)
    with lib.autograd.detect_anomaly():
        y = (leaf(x) * 2).sum()
        y.backward()
    return on, lib.is_anomaly_enabled()


def nan_in_backward(lib):
    with lib.autograd.detect_anomaly():
        a = tensor(lib, [-1.0], requires_grad=True)
        a.sqrt().sum().backward()  # anomaly mode names SqrtBackward0 in the error


def backward_twice(lib):
    a = tensor(lib, [1.0, 2.0], requires_grad=True)
    y = (a * a).sum()
    y.backward()
    y.backward()


def saved_tensor_modified(lib):
    a = tensor(lib, [1.0, 2.0], requires_grad=True)
    b = a * 1
    y = b * b
    b.add_(1)
    y.sum().backward()


def leaf_inplace(lib):
    tensor(lib, [1.0], requires_grad=True).add_(1)


def grad_of_constant(lib):
    a = tensor(lib, [1.0])
    lib.autograd.grad(a.sum(), a)


AUTOGRAD = [
    scenario("Tensor.backward", backward_scalar, x_any, dtypes=F64,
             errors=(ErrorCase("backward twice through a freed graph", backward_twice),
                     ErrorCase("backward of a non-scalar without gradient",
                               lambda lib: (tensor(lib, [1.0, 2.0], requires_grad=True) * 2).backward()),
                     ErrorCase("backward of a tensor that does not require grad",
                               lambda lib: tensor(lib, [1.0]).sum().backward()),
                     ErrorCase("in-place change of a tensor saved for backward", saved_tensor_modified),
                     ErrorCase("in-place op on a leaf that requires grad", leaf_inplace))),
    scenario("Tensor.backward", backward_gradient, x_any, variant="gradient", dtypes=F64),
    scenario("Tensor.backward", backward_accumulates, x_any, variant="retain_graph-accumulates",
             dtypes=F64),
    scenario("Tensor.backward", backward_create_graph, x_any, variant="create_graph", dtypes=F64),
    scenario("Tensor.backward", backward_inputs, x_any, variant="inputs", dtypes=F64),
    scenario("Tensor.requires_grad_", requires_grad_, x_any, dtypes=F64,
             errors=(ErrorCase("requires_grad_ on an int tensor",
                               lambda lib: tensor(lib, [1, 2]).requires_grad_()),)),
    scenario("Tensor.retain_grad", retain_grad, x_any, dtypes=F64),
    scenario("Tensor.register_hook", register_hook, x_any, dtypes=F64,
             errors=(ErrorCase("register_hook on a tensor that does not require grad",
                               lambda lib: tensor(lib, [1.0]).register_hook(lambda g: g)),)),
    scenario("no_grad", grad_modes, x_any, dtypes=F64),
    scenario("no_grad", grad_mode_decorators, x_any, variant="decorator", dtypes=F64),
    scenario("enable_grad", grad_modes, x_any, dtypes=F64),
    scenario("set_grad_enabled", grad_modes, x_any, dtypes=F64),
    scenario("is_grad_enabled", grad_modes, x_any, dtypes=F64),
    scenario("inference_mode", inference_mode, x_any, dtypes=F64),
    scenario("Tensor.data", data_alias, x_any, dtypes=F64),
    scenario("Tensor.detach_", detach_, x_any, dtypes=F64),
    scenario("autograd.grad", autograd_grad, x_any, dtypes=F64,
             errors=(ErrorCase("grad of a tensor that does not require grad", grad_of_constant),)),
    scenario("autograd.Function", custom_function, x_any, dtypes=F64),
    scenario("autograd.gradcheck", gradcheck, x_1d, dtypes=F64),
    scenario("autograd.gradgradcheck", gradcheck, x_1d, dtypes=F64),
    scenario("autograd.set_detect_anomaly", anomaly_modes, x_1d, dtypes=F64),
    scenario("autograd.detect_anomaly", anomaly_modes, x_1d, dtypes=F64,
             errors=(ErrorCase("NaN produced in backward under detect_anomaly", nan_in_backward),)),
]

TABLE = AUTOGRAD
