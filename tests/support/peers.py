"""Real programs some tests drive (Taskwarrior, tmux). A missing one skips those tests on a
developer's machine, and fails the run where BEHFLOW_REQUIRE_PEERS=1 (CI installs them all)."""

from __future__ import annotations

import os
import shutil

import pytest


def needs_program(name: str, package: str) -> pytest.MarkDecorator:
    """A mark for tests that run `name` (Debian package `package`); call it at import time."""
    if shutil.which(name) is not None:
        return pytest.mark.usefixtures()  # nothing to add
    missing = f"`{name}` is not installed (apt-get install {package})"
    if os.environ.get("BEHFLOW_REQUIRE_PEERS") == "1":
        pytest.fail(f"BEHFLOW_REQUIRE_PEERS=1 but {missing}", pytrace=False)
    return pytest.mark.skip(reason=missing)
