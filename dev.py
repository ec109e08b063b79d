#!/usr/bin/env python3
"""Set up and run Behflow from a checkout, with nothing but Python 3.11+.

    python3 dev.py run    # create .venv, install the locked versions, start the server
    python3 dev.py test   # the same, plus test tools, then run the whole test suite
    python3 dev.py lint   # ruff check, ruff format --check, mypy --strict

Extra arguments go to the command underneath (`behflow server start ...` or `pytest ...`).
`run` stops the server it started on Ctrl-C or SIGTERM; `behflow server stop` stops it too.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".behflow-lock-hash"
STOP_TIMEOUT = 20.0  # seconds the server gets to finish its requests before it is killed
POSTGRES_NOTE = (
    "note: BEHFLOW_TEST_DATABASE_URL is not set, so the PostgreSQL third of the suite is "
    "skipped; to run it too: BEHFLOW_TEST_DATABASE_URL=postgresql://user@host:5432/dbname "
    "python3 dev.py test"
)


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
    print("installing locked dependencies into .venv (pip shows its progress) ...", file=sys.stderr)
    pip = [str(_python()), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    # compat: a plain path entry in a .pth file, not setuptools' import-hook finder, which
    # costs every `behflow` call ~10-25 ms at start-up (issue #15).
    editable = ["--config-settings", "editable_mode=compat", "-e", str(ROOT)]
    subprocess.run([*pip, "--no-deps", *editable], check=True)
    STAMP.write_text(wanted.hexdigest())


def run_server(args: list[str]) -> int:
    """`behflow server start` in the foreground, stopped with this process.

    The server runs in its own process group, so a Ctrl-C reaches it once, from here (uvicorn
    reads a second SIGINT as "quit now"); SIGTERM is passed on the same way. A server that has
    not stopped after STOP_TIMEOUT seconds is killed: nothing is left running behind us."""
    process = subprocess.Popen([str(BIN / "behflow"), "server", "start", *args], process_group=0)
    print(
        "Stop the server with Ctrl-C (or SIGTERM to this process, or `behflow server stop`).",
        file=sys.stderr,
    )

    deadline: list[float] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        if process.poll() is None and not deadline:
            process.send_signal(signum)
            deadline.append(time.monotonic() + STOP_TIMEOUT)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            code = process.wait(timeout=0.2)
            # Stopped by a signal (uvicorn re-raises it after shutting down): the shell's 128+n.
            return 128 - code if code < 0 else code
        except subprocess.TimeoutExpired:
            if deadline and time.monotonic() > deadline[0]:
                process.kill()


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    ensure_environment()
    if command == "run":
        return run_server(rest)
    if command == "test":
        if not os.environ.get("BEHFLOW_TEST_DATABASE_URL"):
            print(POSTGRES_NOTE, file=sys.stderr)
        return subprocess.call([str(_python()), "-m", "pytest", *rest], cwd=ROOT)
    if command == "lint":
        checks = [
            [str(BIN / "ruff"), "check", str(ROOT), *rest],
            [str(BIN / "ruff"), "format", "--check", str(ROOT)],
            [str(BIN / "mypy")],  # files and strictness: [tool.mypy] in pyproject.toml
        ]
        failed = [c for c in checks if subprocess.call(c, cwd=ROOT) != 0]
        return 1 if failed else 0
    if command == "setup":
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
