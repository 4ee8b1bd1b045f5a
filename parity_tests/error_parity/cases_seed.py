"""A first handful of invalid calls, one per family; the family tables add the rest."""

from .runner import cases

CASES = [
    *cases("zeros", "torch.zeros('a')", "torch.zeros(2, -1)"),
    *cases("matmul", "torch.matmul(x, None)", "torch.matmul(x, x)"),
    *cases("Tensor.view", "x.view(4, 2)"),
    *cases("nn.functional.conv2d", "F.conv2d(img, torch.randn(4, 2, 3, 3))"),
]
