"""Issue 14 (hardening): invalid calls that used to crash the process or lose data.

Gradients of the wrong size, dtype or type assigned to ``.grad`` or returned by a hook, optimizer
state that does not fit its parameter (loaded from another model, or kept after ``p.data`` was
replaced), optimizer and ``Module.load_state_dict`` mismatches, and ``save``/``load`` on bad paths
and bad files. Every one raises in PyTorch; in minitorch several reached a numba loop and ended
in SIGSEGV before (see kernels/checks.py).
"""

from .runner import cases

# A leaf that requires grad.
P = "p = torch.zeros(3, requires_grad=True); "


def _in_tmp(code: str) -> str:
    """``code`` run with ``d`` a scratch directory, removed afterwards."""
    return f"import os, tempfile\nwith tempfile.TemporaryDirectory() as d:\n    {code}"


def _mismatched_state(make: str, shape_a: str = "(3,)", shape_b: str = "(5,)") -> str:
    """Step an optimizer over a parameter of ``shape_a``, load its state into one over ``shape_b``, step."""
    return (f"a = torch.zeros{shape_a}.requires_grad_(); b = torch.zeros{shape_b}.requires_grad_(); "
            f"oa = {make.format('a')}; a.grad = torch.ones{shape_a}; oa.step(); "
            f"ob = {make.format('b')}; ob.load_state_dict(oa.state_dict()); b.grad = torch.ones{shape_b}; ob.step()")


def _replaced_data(make: str) -> str:
    """Step, replace ``p.data`` by a larger tensor (and its grad to match), step again."""
    return (f"{P}o = {make.format('p')}; p.grad = torch.ones(3); o.step(); "
            "p.data = torch.zeros(1000); p.grad = None; p.grad = torch.ones(1000); o.step()")


OPTIMIZERS = {
    "optim.SGD": "optim.SGD([{}], lr=0.1, momentum=0.9)",
    "optim.Adam": "optim.Adam([{}])",
    "optim.AdamW": "optim.AdamW([{}])",
    "optim.RMSprop": "optim.RMSprop([{}], centered=True, momentum=0.9)",
    "optim.Adagrad": "optim.Adagrad([{}])",
}

CASES = [
    *cases(
        "Tensor.grad",
        P + "p.grad = torch.zeros(4)",
        P + "p.grad = torch.zeros(3, 1)",
        P + "p.grad = torch.zeros(())",
        P + "p.grad = torch.zeros(3, dtype=torch.float64)",
        P + "p.grad = torch.zeros(3, dtype=torch.int64)",
        P + "p.grad = torch.zeros(3, dtype=torch.bool)",
        P + "p.grad = [0.0, 0.0, 0.0]",
        P + "p.grad = 1.0",
        P + "p.grad = 'grad'",
        P + "p.grad = p",
        "x.grad = torch.zeros(3, 2)",
        "xd.grad = x",
        "q = nn.Parameter(torch.zeros(2, 3)); q.grad = torch.zeros(6)",
        P + "y = p * 2; y.grad = torch.zeros(4)",
    ),
    *cases(
        "Tensor.register_hook",
        "x.register_hook(lambda g: g)",
        P + "p.register_hook(lambda g: g[:2]); (p * 2).sum().backward()",
        P + "p.register_hook(lambda g: g.double()); (p * 2).sum().backward()",
        P + "y = p * 2; y.register_hook(lambda g: g.reshape(3, 1)); y.sum().backward()",
        P + "y = p * 2; y.register_hook(lambda g: g.long()); y.sum().backward()",
        P + "y = p * 2; y.register_hook(lambda g: 1.0); y.sum().backward()",
        P + "y = p * 2; y.register_hook(lambda g: [1.0, 2.0, 3.0]); y.sum().backward()",
        "q = torch.randn(1, 1, 4, 4, requires_grad=True); y = F.max_pool2d(q, 2); "
        "y.register_hook(lambda g: torch.ones(1, 1, 4, 4)); y.sum().backward()",
        "q = torch.randn(1, 1, 4, 4, requires_grad=True); y = F.adaptive_max_pool2d(q, 2); "
        "y.register_hook(lambda g: torch.ones(100)); y.sum().backward()",
        "q = torch.randn(1, 1, 4, 4, requires_grad=True); y = F.avg_pool2d(q, 2); "
        "y.register_hook(lambda g: torch.ones(1, 1, 3, 3)); y.sum().backward()",
        "w = torch.randn(2, 3, 3, 3, requires_grad=True); y = F.conv2d(img, w); "
        "y.register_hook(lambda g: torch.ones(2, 2, 7, 7)); y.sum().backward()",
        "q = torch.randn(5, requires_grad=True); y = torch.relu(q); "
        "y.register_hook(lambda g: torch.ones(7)); y.sum().backward()",
        "a = torch.randn(3, 4, requires_grad=True); y = a @ m.t(); "
        "y.register_hook(lambda g: torch.ones(3, 4)); y.sum().backward()",
    ),
    *cases(
        "nn.Module.register_full_backward_hook",
        "lin = nn.Linear(3, 2); lin.register_full_backward_hook(lambda mod, gi, go: (gi[0][:, :2],)); "
        "lin(torch.randn(4, 3, requires_grad=True)).sum().backward()",
        "lin = nn.Linear(3, 2); lin.register_full_backward_hook(lambda mod, gi, go: (gi[0].double(),)); "
        "lin(torch.randn(4, 3, requires_grad=True)).sum().backward()",
    ),
    *cases(
        "Tensor.backward",
        "x.sum().backward()",
        P + "(p * 2).backward()",
        P + "(p * 2).backward(torch.ones(4))",
        P + "(p * 2).sum().backward(torch.ones(2))",
        P + "y = (p * 2).sum(); y.backward(); y.backward()",
        P + "(p * 2).sum().backward(inputs=[])",
        P + "(p * 2).sum().backward(inputs=[x])",
    ),
    *cases(
        "autograd.grad",
        P + "torch.autograd.grad((p * 2).sum(), x)",
        P + "q = torch.zeros(3, requires_grad=True); torch.autograd.grad((p * 2).sum(), q)",
        P + "torch.autograd.grad(p * 2, p)",
        P + "torch.autograd.grad(p * 2, p, grad_outputs=torch.ones(4))",
        P + "p.register_hook(lambda g: g[:1]); torch.autograd.grad((p * 2).sum(), p)",
        P + "y = p * 2; y.register_hook(lambda g: g.double()); torch.autograd.grad(y.sum(), p)",
    ),
    *cases(
        "optim.SGD",
        "optim.SGD([x], lr=-1)",
        "optim.SGD([x], lr=0.1, momentum=-0.5)",
        "optim.SGD([x], lr=0.1, weight_decay=-1)",
        "optim.SGD([x], lr=0.1, nesterov=True)",
        "optim.SGD([1.0], lr=0.1)",
        P + "optim.SGD([p * 2], lr=0.1)",
        "optim.SGD([{'params': [x]}, {'params': [x]}], lr=0.1)",
    ),
    *cases("optim.Adam", "optim.Adam([x], lr=-0.1)", "optim.Adam([x], eps=-1)",
           "optim.Adam([x], betas=(1.0, 0.9))", "optim.Adam([x], weight_decay=-1)", "optim.Adam(x)"),
    *cases("optim.AdamW", "optim.AdamW([x], weight_decay=-0.1)", "optim.AdamW([x], betas=(0.9, 1.5))"),
    *cases("optim.RMSprop", "optim.RMSprop([x], alpha=-0.1)", "optim.RMSprop([x], momentum=-1)",
           "optim.RMSprop([x], eps=-1)"),
    *cases("optim.Adagrad", "optim.Adagrad([x], lr_decay=-1)", "optim.Adagrad([x], initial_accumulator_value=-1)",
           "optim.Adagrad([x], eps=-1)"),
    *cases(
        "optim.Optimizer.load_state_dict",
        "a = optim.SGD([{'params': [x]}, {'params': [xd]}], lr=0.1); b = optim.SGD([x], lr=0.1); "
        "b.load_state_dict(a.state_dict())",
        "a = optim.SGD([x, xd], lr=0.1); b = optim.SGD([x], lr=0.1); b.load_state_dict(a.state_dict())",
        "a = optim.Adam([x, xd]); b = optim.Adam([x]); b.load_state_dict(a.state_dict())",
        "optim.SGD([x], lr=0.1).load_state_dict({})",
        "optim.Adam([x]).load_state_dict({'state': {}})",
        *(_mismatched_state(make) for make in OPTIMIZERS.values()),
        _mismatched_state("optim.Adam([{}], amsgrad=True)"),
        _mismatched_state("optim.Adam([{}])", "(3,)", "(100000,)"),
        _mismatched_state("optim.Adam([{}])", "(1,)", "(5,)"),
        _mismatched_state("optim.Adam([{}])", "(5,)", "(1,)"),
        _mismatched_state("optim.Adam([{}])", "(2, 3)", "(3, 2)"),
        _mismatched_state("optim.SGD([{}], lr=0.1, momentum=0.9)", "(1,)", "(5,)"),
    ),
    *cases("optim.Optimizer.step", *(_replaced_data(make) for make in OPTIMIZERS.values())),
    *cases(
        "nn.Module.load_state_dict",
        "lin = nn.Linear(3, 2); lin.load_state_dict({'weight': torch.zeros(2, 3)})",
        "lin = nn.Linear(3, 2); lin.load_state_dict({'weight': torch.zeros(2, 3), 'bias': torch.zeros(2), "
        "'extra': torch.zeros(1)})",
        "lin = nn.Linear(3, 2); lin.load_state_dict({'weight': torch.zeros(3, 3), 'bias': torch.zeros(2)})",
        "lin = nn.Linear(3, 2); lin.load_state_dict({'weight': torch.zeros(3, 3)}, strict=False)",
        "lin = nn.Linear(3, 2); lin.load_state_dict({'weight': torch.zeros(2, 3), 'bias': torch.zeros(())})",
        "lin = nn.Linear(3, 2); lin.load_state_dict([1, 2])",
        "lin = nn.Linear(3, 2); lin.load_state_dict({'weight': [[0.0] * 3] * 2, 'bias': torch.zeros(2)})",
        "bn = nn.BatchNorm1d(3); sd = bn.state_dict(); sd['running_mean'] = torch.zeros(4); bn.load_state_dict(sd)",
        "s = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1)); sd = s.state_dict(); del sd['2.bias']; "
        "s.load_state_dict(sd)",
        "c = nn.Conv2d(3, 4, 3); sd = c.state_dict(); sd['weight'] = torch.zeros(4, 3, 5, 5); c.load_state_dict(sd)",
    ),
    *cases(
        "save",
        _in_tmp("torch.save(x, os.path.join(d, 'missing', 'x.pt'))"),
        _in_tmp("torch.save(x, d)"),
        _in_tmp("f = os.path.join(d, 'f'); open(f, 'w').close(); torch.save(x, os.path.join(f, 'x.pt'))"),
        "torch.save(x, '')",
        "torch.save(x, 5)",
        "torch.save(x, None)",
        "import io; torch.save(x, io.StringIO())",
        "import os; torch.save(x, open(os.devnull, 'rb'))",
    ),
    *cases(
        "load",
        _in_tmp("torch.load(os.path.join(d, 'missing.pt'))"),
        _in_tmp("torch.load(d)"),
        "torch.load('')",
        "torch.load(5)",
        "torch.load(None)",
        _in_tmp("f = os.path.join(d, 'c.pt'); torch.save(torch.ones(1000), f); b = open(f, 'rb').read(); "
                "open(f, 'wb').write(b[:len(b) // 2]); torch.load(f)"),
    ),
]
