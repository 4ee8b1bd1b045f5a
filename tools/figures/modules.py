"""The figures of docs/modules.md."""

from __future__ import annotations

import html

from .draw import GRAPH_HEAD, dot_svg


def module_tree() -> str:
    """A small LeNet: each module's own parameters and buffers, under their state_dict keys."""
    from minitorch import nn

    class LeNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.bn1 = nn.BatchNorm2d(6)
            self.pool = nn.MaxPool2d(2)
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(6 * 12 * 12, 32), nn.ReLU(), nn.Linear(32, 10))

        def forward(self, x):
            return self.head(self.pool(self.bn1(self.conv1(x)).relu()))

    model = LeNet()
    state = model.state_dict()
    params = {id(p) for p in model.parameters()}
    lines = ["digraph modules {", 'rankdir="LR"; ranksep=0.5; nodesep=0.15;', GRAPH_HEAD]
    ids = {}
    for name, module in model.named_modules():
        ids[name] = f"m{len(ids)}"
        own = [(f"{name}.{k}" if name else k, t) for k, t in
               [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]]
        rows = "".join(f'<tr><td align="left" bgcolor="{"#c7e9c0" if id(t) in params else "#fdd0a2"}">'
                       f'{html.escape(key)}</td><td align="left">{tuple(t.shape)}</td></tr>' for key, t in own
                       if key in state)
        title = f"{name or '(model)'}: {type(module).__name__}"
        lines.append(f'{ids[name]} [shape=plain, style="", label=<<table border="0" cellborder="1" cellspacing="0" '
                     f'cellpadding="3"><tr><td colspan="2" bgcolor="#d9d9d9"><b>{html.escape(title)}</b></td></tr>'
                     f'{rows}</table>>];')
        if name:
            parent, _, attr = name.rpartition(".")
            lines.append(f'{ids[parent]} -> {ids[name]} [label=" {attr}"];')
    lines.append('legend [shape=plain, style="", label=<<table border="0" cellborder="1" cellspacing="0" '
                 'cellpadding="3"><tr><td bgcolor="#c7e9c0">parameter</td><td bgcolor="#fdd0a2">buffer</td></tr>'
                 f'<tr><td colspan="2">{len(state)} state_dict keys</td></tr></table>>];')
    lines.append("}")
    return dot_svg("\n".join(lines))


FIGURES = {"module-tree": module_tree}
