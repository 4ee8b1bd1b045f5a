"""Leftovers of the hardening issue: norm's matrix-norm checks, gaussian_nll_loss's var, out= dtypes,
tile, NumPy operands, seeds."""

from .runner import cases

CASES = [
    # item 1: the calls first reported, and the neighbours that differed
    *cases("where", "torch.where([True], x, x)"),
    *cases("trace", "torch.trace(None)"),
    *cases("nn.Module.to", "nn.Linear(2, 2).to('cpu', 'cpu')"),
    *cases("relu", "torch.relu(xb)", "torch.relu_(xb)"),
    *cases("norm",
           "torch.norm(x, p='abc')", "torch.norm(x, p='abc', dim=0)", "torch.norm(x, dim=(0, 1, 2))",
           "torch.norm(img, dim=(0, 1, 2))", "torch.norm(img, p='fro', dim=(0, 1, 1))",
           "torch.norm(v, p='fro', dim=(0, 1, 2))", "torch.norm(v, p='nuc')",
           "torch.norm(x, p='nuc', dim=(0, 0))", "torch.norm(x, p='nuc', dim=(0, -2))",
           "torch.norm(x, p='nuc', dim=(0, 5))", "torch.norm(xi, p='nuc', dim=(0, 1, 2))",
           "torch.norm(x, p='nuc', dim=(0, 'a'))", "torch.norm(x, p=None, dim=(0, 1, 2))"),
    *cases("nn.functional.gaussian_nll_loss",
           "F.gaussian_nll_loss(None, x, x)", "F.gaussian_nll_loss(None, x, x.abs())",
           "F.gaussian_nll_loss(None, x, 1.0)", "F.gaussian_nll_loss(x, None, x.abs())",
           "F.gaussian_nll_loss(x, x, None)", "F.gaussian_nll_loss(x, x, 'a')", "F.gaussian_nll_loss(x, x, 1)",
           "F.gaussian_nll_loss(x, x, -1.0)", "F.gaussian_nll_loss(x, x, torch.ones(3))",
           "F.gaussian_nll_loss(img, img, torch.ones(2, 1, 1, 8))",
           "F.gaussian_nll_loss(x, x, x.abs(), reduction='bad')"),
    # item 2: out= of another dtype (values: test_out_dtype.py); methods take no out=
    *cases("sum",
           "torch.sum(x, out=torch.zeros(0))", "torch.sum(x, dtype=torch.float64, out=torch.zeros(0))",
           "torch.sum(x, 0, dtype=torch.float64, out=torch.zeros(0, dtype=torch.int64))",
           "torch.sum(x.requires_grad_(), 0, out=torch.zeros(0, dtype=torch.int64))"),
    *cases("prod", "torch.prod(x, out=torch.zeros(0))",
           "torch.prod(x, 0, dtype=torch.float64, out=torch.zeros(0))"),
    *cases("cumsum", "torch.cumsum(x, 0, out=torch.zeros(0, dtype=torch.bool))",
           "torch.cumsum(x, 0, dtype=torch.int32, out=torch.zeros(0, dtype=torch.int64))",
           "torch.cumsum(x.requires_grad_(), 0, out=torch.zeros(0, dtype=torch.int64))"),
    *cases("cumprod", "torch.cumprod(xi, 0, out=torch.zeros(0, dtype=torch.bool))"),
    *cases("mean", "torch.mean(x, 0, out=torch.zeros(0, dtype=torch.int64))"),
    *cases("Tensor.sum", "x.sum(out=torch.zeros(0))", "x.sum(0, out=torch.zeros(0))"),
    *cases("Tensor.cumsum", "x.cumsum(0, out=torch.zeros(0))"),
    *cases("Tensor.max", "x.max(0, out=torch.zeros(0))"),
    *cases("Tensor.exp", "x.exp(out=torch.zeros(0))"),
    *cases("Tensor.add_", "x.add_(x, out=torch.zeros(0))"),
]
