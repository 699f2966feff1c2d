"""`entrylint gaps IMAGE [--path A --vs B]`: what each entry path runs before it converges, and
what it runs that its counterparts do not, with the shortest chain from a door to each function.

Text (default):

    native: 9 functions before convergence (x86_64_start_reservations, start_kernel); vs xen-pv: 9 only here
      copy_bootdata        startup_64 -jump-> common_startup_64 -slot-read-> x86_64_start_kernel -call-> copy_bootdata
    xen-pv: ...
      hook  xen_start_kernel writes x86_init.resources.memory_setup: e820__memory_setup_default -> xen_memory_setup;
            called by e820__memory_setup, setup_arch, start_kernel  (one line)

A slot is named by its DWARF member path when the image has debug info, else by the data symbol
that owns it (`x86_init+0x10`), never by a bare address (linter.image.slotnames); "called by" lists
the common functions that call the slot, nearest first (linter.image.hookmap). With `hooks` set
(args.hooks) the text is the hooks view only: per path, each slot, its native default, the path's
function, who writes it and who calls it.

JSON (`--format json`): {"image", "functions", "decoded", "warnings", "paths": {name: {"doors", "converges_at",
"vs", "reach": [names], "only": [{"function", "chain": [{"function", "kind"}]}], "hooks":
[{"writer", "slot", "address", "default", "new", "called_by"}]}}}. Names fold gcc's clones (.cold,
.part.N, .constprop.N, .isra.N) into the function's own name. `--format dot` draws the chains and
the hooks (writer -> slot -> new function, dashed).
`--validate` also decodes every visited function with capstone and prints the agreement on stderr.
"""

from __future__ import annotations

import json
import sys

from linter.errors import ConfigError


def run(args) -> int:
    """args: image, path (or None), vs (or None), format ("text"|"json"|"dot"), no_cache, profile, validate."""
    from linter.image.answers import answered

    validate = getattr(args, "validate", False)
    path, vs = getattr(args, "path", None), getattr(args, "vs", None)

    def build(model, profile) -> dict:
        from linter.image.paths import analyse

        analysis = analyse(model, profile)
        report = gaps_report(analysis, path, vs)
        if validate:
            _validate(analysis)
        return report

    report = answered(args, "gaps", {"path": path, "vs": vs}, build, store=not validate)
    fmt = getattr(args, "format", "text")
    if fmt == "json":
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif fmt == "dot":
        sys.stdout.write(render_dot(report))
    elif args.hooks:
        sys.stdout.write(render_hooks(report))
    else:
        sys.stdout.write(render_text(report))
    for warning in report["warnings"]:
        print(f"entrylint: {args.image}: {warning}", file=sys.stderr)
    return 0


def gaps_report(analysis, path: str | None = None, vs: str | None = None) -> dict:
    from linter.image.hookmap import image_hook_map
    from linter.image.tables_referenced import referenced_tables

    known = sorted(analysis.paths)
    for name, what in ((path, "--path"), (vs, "--vs")):
        if name is not None and name not in analysis.paths:
            raise ConfigError(what, f"no path '{name}' with a door in {analysis.model.path} "
                                    f"(paths here: {', '.join(known) or 'none'})")
    if vs is not None and path is None:
        raise ConfigError("--vs", "needs --path: the path to compare with it")
    hook_map = image_hook_map(analysis.model, analysis.profile, analysis)
    paths = {}
    for name in ([path] if path else list(analysis.paths)):
        versus = [vs] if vs else analysis.counterparts(name)
        only = analysis.only(name, versus) if versus else {}
        paths[name] = {
            "doors": [analysis.name(f) for f in analysis.paths[name].doors],
            "converges_at": list(analysis.profile.paths[name].converges_at),
            "vs": versus,
            "reach": sorted(analysis.reach_names(name)),
            "only": [{"function": fn, "chain": [{"function": f, "kind": k} for f, k in analysis.chain(name, node)]}
                     for fn, node in sorted(only.items())],
            "hooks": [{"writer": o.writer, "slot": o.slot, "address": f"{o.address:#x}", "default": o.default,
                       "new": o.new, "called_by": hook_map.called_by(o.slot)}
                      for o in hook_map.overrides[name]],
            "tables": [{"table": t.table, "referenced_by": t.referenced_by, "functions": t.functions}
                       for t in referenced_tables(analysis, name)],
        }
    return {"image": analysis.model.path, "functions": len(analysis.funcs), "decoded": analysis.decoded,
            "paths": paths, "warnings": list(analysis.model.warnings)}


def render_text(report: dict) -> str:
    from linter.image.chaintext import chain_text

    lines = []
    for name, p in report["paths"].items():
        head = (f"{name}: {len(p['reach'])} functions before convergence ({', '.join(p['converges_at'])})")
        if p["vs"]:
            head += f"; vs {', '.join(p['vs'])}: {len(p['only'])} only here"
        lines.append(head)
        width = max((len(o["function"]) for o in p["only"]), default=0)
        lines += [f"  {o['function'].ljust(width)}  {chain_text([(s['function'], s['kind']) for s in o['chain']])}"
                  for o in p["only"]]
        lines += [f"  hook  {h['writer']} writes {h['slot']}: {h['default'] or '?'} -> {h['new'] or '?'}"
                  f"{_called_by(h)}" for h in p["hooks"]]
        lines += [f"  table {t['referenced_by']} refers to {t['table']}: {len(t['functions'])} function "
                  f"pointer{'s' if len(t['functions']) != 1 else ''} ({', '.join(t['functions'][:4])}"
                  f"{', …' if len(t['functions']) > 4 else ''})" for t in p["tables"]]
    return "\n".join(lines) + "\n"


def _called_by(hook: dict, most: int = 4) -> str:
    callers = hook["called_by"]
    if not callers:
        return ""
    return f"; called by {', '.join(callers[:most])}{', …' if len(callers) > most else ''}"


def render_hooks(report: dict) -> str:
    """The hooks view: per path, each slot it overrides, the native default and the path's
    function, who writes it and which common functions call it."""
    lines = []
    for name, p in report["paths"].items():
        lines.append(f"{name}: {len(p['hooks'])} slot{'s' if len(p['hooks']) != 1 else ''} overridden")
        width = max((len(h["slot"]) for h in p["hooks"]), default=0)
        lines += [f"  {h['slot'].ljust(width)}  {h['default'] or '?'} -> {h['new'] or '?'}  by {h['writer']}"
                  f"{_called_by(h)}" for h in p["hooks"]]
    return "\n".join(lines) + "\n"


def render_dot(report: dict) -> str:
    lines = ["digraph gaps {", "  rankdir=LR;", "  node [shape=box, fontname=monospace];"]
    edges = set()
    for name, p in report["paths"].items():
        lines.append(f'  subgraph "cluster_{name}" {{ label="{name} only";')
        lines += [f'    "{o["function"]}";' for o in p["only"]]
        lines.append("  }")
        for o in p["only"]:
            for a, b in zip(o["chain"], o["chain"][1:]):
                edges.add((a["function"], b["function"], b["kind"]))
    lines += [f'  "{a}" -> "{b}" [label="{k}"];' for a, b, k in sorted(edges)]
    # hooks: the writer puts the path's function into the slot (dashed: not a call of the path)
    hooks = {(h["writer"], h["slot"], h["new"]) for p in report["paths"].values() for h in p["hooks"]}
    lines += [f'  "{slot}" [shape=ellipse];' for slot in sorted({s for _, s, _ in hooks})]
    lines += sorted({f'  "{w}" -> "{s}" [style=dashed, label="writes"];' for w, s, _ in hooks})
    lines += sorted({f'  "{s}" -> "{n}" [style=dashed];' for _, s, n in hooks if n})
    return "\n".join(lines + ["}"]) + "\n"


def _validate(analysis) -> None:
    """Decode the functions the searches visited with capstone too, and say how well we agree."""
    import numpy as np

    funcs, model = analysis.funcs, analysis.model
    if model.arch == "arm64":
        from linter.image.validate_a64 import validate
    else:
        from linter.image.validate import validate
    visited = np.zeros(len(funcs), bool)
    for pr in analysis.paths.values():
        visited |= pr.search.visited
    visited |= analysis.common.visited
    for sec in np.unique(funcs.section[visited]):
        section = model.sections[int(sec)]
        local = np.flatnonzero(funcs.section == sec)
        result = validate(model.section_bytes(section), section.addr, funcs.start[local], funcs.end[local],
                          asm_mask=funcs.asm[local], only=np.flatnonzero(visited[local]))
        verdict = "exact" if result.exact else "DIFFERS"
        for line in [f"validate {section.name}: {verdict}"] + result.lines():
            print(f"entrylint: {line}", file=sys.stderr)
