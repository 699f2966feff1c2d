"""entrylint as its users run it: this checkout `pip install`ed (not editable) into WORK/venv.

The development venv's editable install puts an import hook in every Python start-up (~5 ms, a
few % of a diff check); pip and pre-commit install a plain package, with its bytecode compiled at
install time. The first run downloads the dependencies (pip's cache keeps them); later runs
reinstall only entrylint itself.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def installed(work: Path, log) -> tuple[str, str]:
    """(python, entrylint) of a venv holding this checkout as a normal install."""
    venv = work / "venv"
    python, entrylint = venv / "bin" / "python", venv / "bin" / "entrylint"
    shutil.rmtree(REPO / "build", ignore_errors=True)   # setuptools' staging: a removed module would linger
    if not python.exists():
        log(f"creating {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(REPO)], check=True)
    else:   # dependencies are there: reinstall only entrylint, from the checkout as it is now
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(REPO)],
                       check=True)
    return str(python), str(entrylint)
