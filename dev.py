#!/usr/bin/env python3
"""Set up and run Behflow from a checkout, with nothing but Python 3.11+.

    python3 dev.py run    # create .venv, install the locked versions, start the server
    python3 dev.py test   # the same, plus test tools, then run the whole test suite
    python3 dev.py lint   # ruff

Extra arguments go to the command underneath (`behflow server start ...` or `pytest ...`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".behflow-lock-hash"


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py runs under any python3)
        sys.exit("error: Behflow needs Python 3.11 or newer")
    if not _python().exists():
        print("creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes())
    if STAMP.exists() and STAMP.read_text() == wanted.hexdigest():
        return
    print("installing locked dependencies into .venv ...", file=sys.stderr)
    pip = [str(_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted.hexdigest())


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    ensure_environment()
    if command == "run":
        return subprocess.call([str(BIN / "behflow"), "server", "start", *rest])
    if command == "test":
        return subprocess.call([str(_python()), "-m", "pytest", *rest], cwd=ROOT)
    if command == "lint":
        return subprocess.call([str(BIN / "ruff"), "check", str(ROOT), *rest])
    if command == "setup":
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
