"""A call chain as one line of text (no numpy: `gaps` renders cached answers with it)."""


def chain_text(chain: list[tuple[str, str]]) -> str:
    """A chain of (function, kind of the step into it) as one line:
    `startup_64 -jump-> common_startup_64 -call-> f`."""
    return " ".join([chain[0][0]] + [f"-{kind}-> {fn}" for fn, kind in chain[1:]])
