"""Named-tuple results, as ``torch.return_types``: ``max(x, dim)`` returns ``(values, indices)``.

``values, indices = x.max(1)`` unpacks like a tuple; ``r.values`` reads a field. The repr is
PyTorch's: ``torch.return_types.max(\\nvalues=tensor(...),\\nindices=tensor(...))``.
"""

from __future__ import annotations

from collections import namedtuple


def return_type(name: str, fields: tuple[str, ...] = ("values", "indices")) -> type:
    """A tuple subclass ``name`` with the named ``fields`` (PyTorch's ``torch.return_types.<name>``)."""
    base = namedtuple(name, fields)  # type: ignore[misc]

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "n_fields": len(fields),
                               "n_sequence_fields": len(fields), "n_unnamed_fields": 0})
    cls.__module__ = "minitorch.return_types"
    return cls


max = return_type("max")
min = return_type("min")
aminmax = return_type("aminmax", ("min", "max"))
sort = return_type("sort")
topk = return_type("topk")
median = return_type("median")
mode = return_type("mode")
kthvalue = return_type("kthvalue")
