"""@record: the part of @dataclass the diff path uses, without the cost of dataclasses.

Why hand-written: `import dataclasses` brings inspect, ast, dis and tokenize (~8 ms), and each
@dataclass class costs ~0.3 ms more to build; the ~26 classes a `check --staged` run defines made
those ~16 ms of a pre-commit run whose whole budget is 50 ms over the bare interpreter (measured
side by side in bench/). Same generated methods as dataclasses, for what we use: fields in
annotation order, defaults, field(default_factory=..., repr=False, compare=False), frozen=True
(immutable and hashable), __eq__ on the compared fields, __repr__, a record subclassing another
(its fields after the base's), and asdict(). The image side,
which imports numpy anyway, keeps dataclasses.
"""

from __future__ import annotations

_MISSING = object()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (the name dataclasses uses)."""


class Field:
    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default=_MISSING, default_factory=None, repr=True, compare=True):
        self.name = ""
        self.default, self.default_factory, self.repr, self.compare = default, default_factory, repr, compare


def field(*, default=_MISSING, default_factory=None, repr: bool = True, compare: bool = True):
    return Field(default, default_factory, repr, compare)


def record(cls=None, *, frozen: bool = False):
    """Decorate a class whose annotated attributes are its fields (as @dataclass does)."""
    def wrap(cls):
        return _build(cls, frozen)
    return wrap if cls is None else wrap(cls)


def fields(obj) -> tuple[Field, ...]:
    return type(obj).__record_fields__


def asdict(obj) -> dict:
    """A record as a dict, records inside it (in lists, tuples and dicts too) as dicts."""
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}


def _plain(value):
    if hasattr(type(value), "__record_fields__"):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _build(cls, frozen: bool):
    found = {}                                # a base record's fields come first, as with @dataclass
    for base in reversed(cls.__mro__[1:]):
        found.update((f.name, f) for f in getattr(base, "__record_fields__", ()))
    for name in cls.__dict__.get("__annotations__", {}):
        value = cls.__dict__.get(name, _MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        if isinstance(value, Field):          # the class attribute becomes the plain default, or goes
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        found[name] = f
    found = list(found.values())
    cls.__record_fields__ = tuple(found)
    scope = {"_MISSING": _MISSING, "_set": object.__setattr__}
    params, body = [], []
    for i, f in enumerate(found):
        if f.default_factory is not None:
            scope[f"_factory{i}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            value = f"_factory{i}() if {f.name} is _MISSING else {f.name}"
        elif f.default is not _MISSING:
            scope[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
            value = f.name
        else:
            params.append(f.name)
            value = f.name
        body.append(f"_set(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    source = f"def __init__(self, {', '.join(params)}):\n    " + ("\n    ".join(body) or "pass")
    exec(source, scope)                       # (as dataclasses does: a real signature, fast calls)
    cls.__init__ = scope["__init__"]
    compared = tuple(f.name for f in found if f.compare)
    shown = tuple(f.name for f in found if f.repr)

    def key(self):
        return tuple(getattr(self, name) for name in compared)

    def __eq__(self, other):
        return key(self) == key(other) if other.__class__ is self.__class__ else NotImplemented

    def __repr__(self):
        return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

    cls.__eq__, cls.__repr__ = __eq__, __repr__
    if frozen:
        def __setattr__(self, name, value):
            raise FrozenInstanceError(f"cannot assign to field '{name}'")

        def __delattr__(self, name):
            raise FrozenInstanceError(f"cannot delete field '{name}'")

        cls.__setattr__, cls.__delattr__ = __setattr__, __delattr__
        cls.__hash__ = lambda self: hash(key(self))
    else:
        cls.__hash__ = None                   # mutable and compared by value: unhashable, as @dataclass
    return cls
