"""`entrylint entries IMAGE`: the doors of a vmlinux, how each is announced, where it converges,
and every ELF note decoded.

Text (default):

    image    vmlinux  build-id 5e2afcf6…  relocations: yes
    PATH     DOOR                  ADDRESS             SECTION     ANNOUNCED BY                CONVERGES AT
    native   startup_64            0xffffffff81000000  .text       elf:e_entry=0x1000000       x86_64_start_reservations, start_kernel
    xen-pv   startup_xen           0xffffffff81002000  .init.text  note:Xen:1=0xffffffff81002000  ...
    OWNER  TYPE  NAME          VALUE
    Xen    1     ENTRY         0xffffffff81002000 (startup_xen)

`--compare VMLINUX2`: per path, the doors of both images side by side, a door only in the second
marked `+`, one only in the first `-` (JSON: {"images": [A, B], "paths": {path: {"a", "b",
"only_a", "only_b"}}}). Each image's report comes from the answers cache like a plain run's.
Two arches (an x86_64 and an arm64 image) are shown side by side, each with its own profile's
paths, and what each announces to a loader is listed: x86's Xen PV and PVH doors against arm64's
one; no door counts as new or lost across arches.

JSON (`--format json`): {"image", "build_id", "relocations", "warnings",
"entries": [{"path", "symbol", "address", "section", "offset", "resolves", "announced_by",
"announced_values", "converges_at"}], "notes": [{"owner", "type", "name", "value", "address",
"symbol"}]}. Addresses and integer note values are hex strings ("0x1000000"): 64-bit values do not
survive JSON readers that use doubles.
"""

from __future__ import annotations

import json
import sys


def run(args) -> int:
    """args: image (path), format ("text"|"json"), no_cache (bool), profile (path or None),
    compare (a second image, or None)."""
    from linter.image.answers import answered

    if getattr(args, "compare", None):
        return _compare(args)
    report = answered(args, "entries", {}, entries_report)
    _warn(report)
    return _write(args, report, render_text)


def _warn(report: dict) -> None:
    for warning in report["warnings"]:
        print(f"entrylint: {report['image']}: {warning}", file=sys.stderr)


def _write(args, report: dict, render) -> int:
    if getattr(args, "format", "text") == "json":
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(report))
    return 0


def entries_report(model, profile) -> dict:
    entries = []
    for door in model.doors:
        item = door.to_dict()
        path = profile.paths.get(door.path) if door.path else None
        item["converges_at"] = list(path.converges_at) if path else []
        entries.append(item)
    notes = []
    for note in model.notes:
        symbol = None
        if note.owner in profile.notes and note.type in profile.notes[note.owner].announces_entry:
            symbol = next((d.label for d in model.doors if f"note:{note.owner}:{note.type}" in d.announced_by
                           and d.announced_at.get(f"note:{note.owner}:{note.type}") == note.value), None)
        notes.append({"owner": note.owner, "type": note.type, "name": note.name, "value": _json_value(note.value),
                      "address": f"{note.address:#x}", "symbol": symbol})
    return {"image": model.path, "arch": model.arch, "build_id": model.build_id, "relocations": model.has_relocations,
            "warnings": list(model.warnings), "entries": entries, "notes": notes}


def render_text(report: dict) -> str:
    lines = [f"image    {report['image']}  build-id {report['build_id'] or '-'}  "
             f"relocations: {'yes' if report['relocations'] else 'no'}", ""]
    rows = [("PATH", "DOOR", "ADDRESS", "SECTION", "ANNOUNCED BY", "CONVERGES AT")]
    for e in report["entries"]:
        label = e["symbol"] if e["resolves"] else "(not code)"
        if e["resolves"] and e["offset"]:
            label += f"+{e['offset']:#x}"
        announced = ", ".join(f"{a}={e['announced_values'][a]}" for a in e["announced_by"]) or "profile entry symbol"
        rows.append((e["path"] or "-", label, e["address"], e["section"] or "-", announced,
                     ", ".join(e["converges_at"]) or "-"))
    lines += _table(rows) + [""]
    rows = [("OWNER", "TYPE", "NAME", "VALUE")]
    for n in report["notes"]:
        value = n["value"] if isinstance(n["value"], str) and n["value"].startswith("0x") else json.dumps(n["value"])
        rows.append((n["owner"], str(n["type"]), n["name"], value + (f" ({n['symbol']})" if n["symbol"] else "")))
    return "\n".join(lines + _table(rows)) + "\n"


def _json_value(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return f"{value:#x}"
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]


# -- two images side by side -------------------------------------------------------------------------

def _compare(args) -> int:
    """`entries A --compare B`: per path, the doors of each image and how each is announced; a
    door in one image only is marked (+ in B only, - in A only)."""
    import argparse

    from linter.image.answers import answered

    reports = [answered(argparse.Namespace(**{**vars(args), "image": image}), "entries", {}, entries_report)
               for image in (args.image, args.compare)]
    for report in reports:
        _warn(report)
    return _write(args, compare_report(*reports), render_compare)


def compare_report(a: dict, b: dict) -> dict:
    """{"images": [A, B], "paths": {path: {"a": [door], "b": [door], "only_a": [symbol],
    "only_b": [symbol]}}}, each door {"symbol", "announced_by"}; paths in the order A names them,
    then B's new ones."""
    def doors(report: dict) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for e in report["entries"]:
            label = e["symbol"] if e["resolves"] else f"(not code) {e['address']}"
            out.setdefault(e["path"] or "-", []).append({"symbol": label, "announced_by": e["announced_by"]})
        return out

    da, db = doors(a), doors(b)
    # two arches (x86_64 against arm64) are shown side by side: no door is new or lost there
    same_arch = a.get("arch") == b.get("arch")
    paths = {}
    for name in list(da) + [p for p in db if p not in da]:
        sa = [d["symbol"] for d in da.get(name, [])]
        sb = [d["symbol"] for d in db.get(name, [])]
        paths[name] = {"a": da.get(name, []), "b": db.get(name, []),
                       "only_a": [s for s in sa if s not in sb] if same_arch else [],
                       "only_b": [s for s in sb if s not in sa] if same_arch else []}
    return {"images": [a["image"], b["image"]], "arches": [a.get("arch"), b.get("arch")], "paths": paths,
            "announced": [_announcements(a), _announcements(b)]}


def _announcements(report: dict) -> list[str]:
    """What tells a loader or firmware where to start: each door's announcements, in order."""
    return [f"{how} -> {e['symbol'] or e['address']}" for e in report["entries"] for how in e["announced_by"]]


def render_compare(report: dict) -> str:
    a, b = report["images"]
    arch_a, arch_b = report.get("arches", [None, None])
    lines = [f"A  {a}" + (f"  ({arch_a})" if arch_a else ""), f"B  {b}" + (f"  ({arch_b})" if arch_b else ""), ""]
    rows = [("PATH", "DOORS IN A", "DOORS IN B")]
    for name, p in report["paths"].items():
        def cell(doors: list[dict], only: list[str], mark: str) -> str:
            shown = [f"{mark}{d['symbol']}" if d["symbol"] in only else d["symbol"] for d in doors]
            return ", ".join(shown) or "-"
        rows.append((name, cell(p["a"], p["only_a"], "-"), cell(p["b"], p["only_b"], "+")))
    lines += _table(rows)
    if arch_a != arch_b:
        lines += [""] + [f"{side} ({arch}): {len(found)} door{'s' if len(found) != 1 else ''} announced to a loader: "
                         f"{'; '.join(found) or 'none'}"
                         for side, arch, found in (("A", arch_a, report["announced"][0]),
                                                   ("B", arch_b, report["announced"][1]))]
        return "\n".join(lines) + "\n"
    new = sum(len(p["only_b"]) for p in report["paths"].values())
    lost = sum(len(p["only_a"]) for p in report["paths"].values())
    lines += ["", f"{new} door{'s' if new != 1 else ''} only in B (+), {lost} only in A (-)"]
    return "\n".join(lines) + "\n"
