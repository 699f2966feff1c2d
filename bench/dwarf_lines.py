"""Changed lines → image functions on a real debug vmlinux: time for one touched file.

    .venv/bin/python bench/dwarf_lines.py [VMLINUX] [FILE]

Defaults: Debian's 6.1 cloud-amd64 debug vmlinux of the e2e run (DWARF 5, 590 MB) and
arch/x86/kernel/head64.c. Runs three fresh processes: the whole image load plus the line map of
every line of FILE with no cache, then the same with the per-image cache an earlier run left.
Prints wall time, peak memory, and the inlined functions found. Nothing here asserts a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

DEFAULT = os.environ.get("E2E_DIR", "/var/tmp/entrylint-e2e") + "/debian/6.1.0-56-cloud-amd64/vmlinux"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from linter.profile import load_profile
from linter.image.model import load_image
from linter.image.lines import functions_for_lines
model = load_image(sys.argv[1], load_profile(), use_cache=sys.argv[3] == "1")
t1 = time.perf_counter()
hits = functions_for_lines(model, sys.argv[2], list(range(1, 5000)))
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "lines": t2 - t1, "hits": len(hits),
                  "functions": len({h.function for h in hits}),
                  "inlined": sorted({f"{h.inlined} -> {h.function}" for h in hits if h.inlined}),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def run(image: str, file: str, cache: bool, env: dict) -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, image, file, "1" if cache else "0"], cwd=ROOT,
                         env=env, check=True, capture_output=True, text=True).stdout
    return {**json.loads(out), "wall": time.perf_counter() - start}


def main() -> None:
    image = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    file = sys.argv[2] if len(sys.argv) > 2 else "arch/x86/kernel/head64.c"
    with tempfile.TemporaryDirectory() as cache_home:
        env = {**os.environ, "XDG_CACHE_HOME": cache_home}
        for label, cache in (("no cache", False), ("filling the cache", True), ("cached", True)):
            r = run(image, file, cache, env)
            print(f"{label:18} wall {r['wall']:.2f} s (load_image {r['load']:.2f} s, line map {r['lines']:.2f} s), "
                  f"peak {r['peak_mb']} MB, {r['hits']} hits in {r['functions']} functions")
    print("inlined:", ", ".join(r["inlined"]))


if __name__ == "__main__":
    main()
