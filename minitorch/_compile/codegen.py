"""A plan's replay written out as one Python function (Inductor's wrapper code, on a small scale).

``Plan.run``'s loop reads, for every step, a tuple of seven fields, fetches its arguments from the
list of buffers with an ``itemgetter``, tests how to call, and stores the result back in the list.
``replay_source`` writes the same replay as straight-line Python instead, one line per call:

    def replay(inputs, tensors, ndarray=ndarray, make=make, LinearRelu_4=LinearRelu_4, s13=s13, ...):
        x0 = inputs[0]
        t6 = ndarray((64, 784), float32, x0, 0, (3136, 4))  # View (2)
        t17 = LinearRelu_4(s13, t6, t12)  # LinearRelu (4-5)
        ...
        t91 = t89  # steal (28)
        descend_all_29(c92, t91, t85, t67, t61)  # descend_all (29-32)
        grad_owner_0._grad = make(t61, cpu)
        ...
        return make(t32, cpu)

Buffers are local variables named as ``print(plan)`` names them (``x`` input, ``s`` state, ``c``
constant, ``t`` temporary, and the slot number; a Python number as its value); the step
functions, state arrays and constants are default arguments (locals too: no dictionary
lookups); a ``steal`` is an assignment, a window (``passes.py: _Window``) the ``np.ndarray`` call
itself, and the effects and the result are the lines ``Plan.run`` would have run. The calls,
their arguments and their order are the loop's, so the arrays, and the bits, are the same; what
goes is the loop's Python around each call (a few hundred nanoseconds a step, more with the
interpreter's data cold after a GEMM). ``guards_source`` does the same for the guards' identity
checks. ``print(plan.source)`` shows the function; ``Plan.run(..., steps)`` (the profiler) still runs the loop.
"""

from __future__ import annotations

import keyword
import math
import operator
import re
from typing import Any

import numpy as np

from .._tensor.tensor import Tensor
from .passes import _steal, _Window


def replay_source(plan) -> tuple[str, Any]:
    """``(source, function)``: ``plan``'s finalized replay (``plan._fast``, the presets, ``fresh``,
    the effects, the output) as the text of one Python function and that function, called as
    ``function(input_arrays, input_tensors)`` like ``Plan.run``. Buffers are named as
    ``print(plan)`` names them (``x0``, ``s7``, ``t17``...), a step's function after its name and
    number (``LinearRelu_4``)."""
    names: dict[str, Any] = {"ndarray": np.ndarray, "make": Tensor._make}
    lines: list[str] = []

    def bind(name: str, value: Any, share: bool = True) -> str:
        """A default argument ``name`` holding ``value`` (one name per object, if ``share``)."""
        for known, v in names.items():
            if share and v is value:
                return known
        while name in names:
            name += "_"
        names[name] = value
        return name

    assigned = set()

    def buffer(slot: int) -> str:
        if slot not in assigned and plan.kinds[slot] == "c" and _is_literal(plan._initial[slot]):
            return repr(plan._initial[slot])  # a Python number, flag or tuple: as print(plan) shows it
        name = f"{plan.kinds[slot]}{slot}"
        if slot not in assigned and name not in names:  # state, a constant, a preset view, or None
            names[name] = plan._initial[slot]
        return name

    for k, slot in enumerate(plan.input_slots):
        assigned.add(slot)
        lines.append(f"{buffer(slot)} = inputs[{k}]")
    for slot, value in plan.fresh:
        copy = "copy" if isinstance(value, np.ndarray) else "clone"
        assigned.add(slot)
        lines.append(f"{buffer(slot)} = {bind(f'capture_{slot}', value)}.{copy}()")
    fused = {members: step for members, step in plan.fusions}
    for (fn, get, _arity, kwargs, kw_slots, out, outs), members in zip(plan._fast, plan._covers):
        ins = get.__reduce__()[1] if get is not None else ()  # the itemgetter's slots
        name = (fused[members] if members in fused else plan.steps[members[0]]).name
        label = f"  # {name} ({_span(members)})"
        args = [buffer(i) for i in ins]
        for o in (out, *outs):
            assigned.add(o)
        if fn is _steal and out >= 0 and len(args) == 1 and kwargs is None:
            lines.append(f"{buffer(out)} = {args[0]}{label}")
            continue
        if isinstance(fn, _Window) and out >= 0 and len(args) == 1 and kwargs is None and _literal(fn):
            call = (f"ndarray({fn.shape!r}, {bind(_identifier(str(fn.dtype)), fn.dtype)}, {args[0]}, {fn.offset!r}, "
                    f"{fn.strides!r})")
        else:
            if kwargs is not None:
                given = {k for k, _ in kw_slots}
                args += [f"{k}={buffer(i)}" for k, i in kw_slots]
                rest = {k: v for k, v in kwargs.items() if k not in given}
                if rest:
                    args.append(f"**{bind(f'kwargs_{members[0]}', rest)}")
            call = f"{bind(_identifier(f'{name}_{members[0]}'), fn, False)}({', '.join(args)})"
        if out >= 0:
            lines.append(f"{buffer(out)} = {call}{label}")
        elif outs:
            lines.append(f"r = {call}{label}")
            lines.extend(f"{buffer(o)} = r[{j}]" for j, o in enumerate(outs))
        else:
            lines.append(f"{call}{label}")
    for n, (target, slot, device) in enumerate(plan.grad_effects):
        who = f"tensors[{target}]" if isinstance(target, int) else bind(f"grad_owner_{n}", target)
        value = "None" if slot is None else f"make({buffer(slot)}, {bind(_device_name(device), device)})"
        lines.append(f"{who}._grad = {value}")
    for n, (counter, increment) in enumerate(plan.version_effects):
        lines.append(f"{bind(f'version_{n}', counter)}.value += {increment!r}")
    lines.append(f"return {_output(plan.outputs, buffer, bind)}")
    params = "".join(f", {name}={name}" for name in names)
    source = f"def replay(inputs, tensors{params}):\n" + "".join(f"    {line}\n" for line in lines)
    scope: dict[str, Any] = {}
    exec(compile(source, "<minitorch.compile replay>", "exec"), dict(names), scope)  # noqa: S102 (our own text)
    return source, scope["replay"]


def _is_literal(v: Any) -> bool:
    """Whether ``repr(v)`` is Python source for an equal object of the same type (ints, finite
    floats, bools, None, strings, tuples of them)."""
    if type(v) is tuple:
        return all(map(_is_literal, v))
    return type(v) in (int, bool, str, type(None)) or (type(v) is float and math.isfinite(v))


def _literal(w: _Window) -> bool:
    """Whether a window's shape, offset and strides are Python ints (written into the source as they are)."""
    return all(type(v) is int for v in (*w.shape, *w.strides, w.offset))


def _device_name(device: Any) -> str:
    return _identifier(f"{getattr(device, 'type', 'device')}{getattr(device, 'index', '') or ''}")


def _identifier(text: str) -> str:
    """``text`` as a Python name: other characters as ``_``, a leading digit or a keyword prefixed."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", text)
    return name if name.isidentifier() and not keyword.iskeyword(name) and name != "r" else f"_{name}"


def _span(members: tuple[int, ...]) -> str:
    from .plan import span

    return span(members)


def _output(spec: Any, buffer, bind) -> str:
    """The expression ``plan._build`` evaluates for the output specification ``spec``."""
    if isinstance(spec, tuple) and spec and spec[0] == "slot":
        return f"make({buffer(spec[1])}, {bind(_device_name(spec[2]), spec[2])})"
    if isinstance(spec, list):
        return "[" + ", ".join(_output(s, buffer, bind) for s in spec) + "]"
    if isinstance(spec, tuple) and spec and spec[0] == "seq":
        items = ", ".join(_output(s, buffer, bind) for s in spec[2])
        kind = bind("sequence_type", spec[1])
        return f"{kind}({items})" if hasattr(spec[1], "_fields") else f"{kind}([{items}])"
    if isinstance(spec, dict):
        return "{" + ", ".join(f"{bind('key', k)}: {_output(v, buffer, bind)}" for k, v in spec.items()) + "}"
    return bind("value", spec[1] if isinstance(spec, tuple) and spec and spec[0] == "const" else spec)


def guards_source(plan) -> tuple[str, Any]:
    """``(source, function)``: a function that returns True when every guard of ``plan`` holds by
    identity: each tensor still holds its array and its ``requires_grad``, has no hook, each
    ``.grad`` is what the plan expects, each guarded module's ``__dict__`` holds the very values it
    held at capture and its hook dicts are empty, each optimizer's groups hold the same option
    objects (its ``lr`` aside where the plan reads it live), each Python value is the same object.
    That implies what ``Plan.guards_pass`` checks by value, so True lets a replay go on; False
    says only "look closer": ``guards_pass`` then runs its checks (an option set again to an equal
    value still replays). Straight-line code, the objects it compares with as default arguments:
    no snapshot is built, so a replay touches fewer objects."""
    names: dict[str, Any] = {"is_": operator.is_, "missing": object()}
    lines: list[str] = []

    def bind(prefix: str, value: Any) -> str:
        name = f"{prefix}{len(names)}"
        names[name] = value
        return name

    for t, array, requires_grad in plan.tensor_guards:
        t_ = bind("tensor", t)
        lines.append(f"if {t_}._data is not {bind('array', array)} or {t_}._requires_grad is not {requires_grad!r} "
                     f"or {t_}._hooks: return False")
    for t, grad, is_none in plan.grad_guards:
        t_ = bind("tensor", t)
        if is_none:
            lines.append(f"if {t_}._grad is not None: return False")
        elif grad is None:
            lines.append(f"if {t_}._grad is None: return False")
        else:
            lines.append(f"if {t_}._grad is not {bind('grad', grad)}: return False")
    for m, _ in plan.module_guards:
        m_, values = bind("module", m), tuple(m.__dict__.values())
        lines.append(f"d = {m_}.__dict__")
        lines.append(f"if len(d) != {len(values)} or not all(map(is_, d.values(), {bind('values', values)})): "
                     f"return False")
        hooks = [bind("hooks", m.__dict__[k]) for k in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks")
                 if k in m.__dict__]
        if len(hooks) != 3:  # not a Module's usual attributes: let guards_pass look
            return "", None
        lines.append(f"if {' or '.join(hooks)}: return False")
    for opt, live, _ in plan.optimizer_guards:
        groups = opt.param_groups
        if len(live) != len(groups):
            return "", None
        o_ = bind("optimizer", opt)
        lines.append(f"g = {o_}.param_groups")
        lines.append(f"if len(g) != {len(groups)}: return False")
        for k, (group, skip) in enumerate(zip(groups, live)):
            lines.append(f"if g[{k}] is not {bind('group', group)} or len(g[{k}]) != {len(group)}: return False")
            for key, value in group.items():
                if key != "params" and key not in skip:
                    lines.append(f"if g[{k}].get({key!r}, missing) is not {bind('option', value)}: return False")
    for scope, name, value in plan.python_guards:
        if name is None:
            lines.append(f"if {bind('cell', scope)}.cell_contents is not {bind('value', value)}: return False")
        else:
            lines.append(f"if {bind('scope', scope)}.get({name!r}, missing) is not {bind('value', value)}: return False")
    lines.append("return True")
    params = "".join(f", {name}={name}" for name in names)
    source = f"def guards_hold({params[2:]}):\n" + "".join(f"    {line}\n" for line in lines)
    scope_: dict[str, Any] = {}
    exec(compile(source, "<minitorch.compile guards>", "exec"), dict(names), scope_)  # noqa: S102 (our own text)
    return source, scope_["guards_hold"]
