"""Is a function's code the same in two images? The proof that an edit changed nothing that runs.

Same means: the function (by name, in each image's function table) has the same bytes, and every
reference it makes (calls, jumps, address and slot references) goes to a function or address of
the same name. A function whose layout moved (its call displacements changed because something
before it grew) reads as changed: the answer errs towards "changed", never towards "same".
"""

from __future__ import annotations


def same_code(base, head, name: str) -> bool | None:
    """True / False for a function both images hold; None when either lacks it."""
    parts = []
    for model in (base, head):
        index = model.code_symbol(name)
        if index is None:
            return None
        start = int(model.symbols.value[index])
        size = int(model.symbols.size[index])
        if not size:
            return None
        section = model.section_at(start)
        data = bytes(model.section_bytes(section)[start - section.addr:start - section.addr + size])
        refs = model.decode_references(section, [start], [start + size])
        targets = [_name_at(model, int(t)) for t in refs.target.tolist()]
        parts.append((data, list(refs.kind.tolist()), targets))
    return parts[0] == parts[1]


def _name_at(model, address: int) -> str:
    found = model.code_symbol_at(address)
    if found is not None:
        return f"{model.symbols.name(found[0])}+{found[1]}"
    return f"{address:#x}"
