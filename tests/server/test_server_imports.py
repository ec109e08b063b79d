"""What the server process loads at start (issue #15: idle resident memory)."""

from __future__ import annotations

import subprocess
import sys


def test_tokens_are_signed_without_loading_cryptography() -> None:
    # PyJWT alone would import cryptography (8 MB resident) for keys Behflow never uses.
    code = (
        "import sys; from behflow_server.auth import security; "
        "token = security.jwt.encode({'sub': 'x'}, 'k' * 32, algorithm='HS256'); "
        "assert security.jwt.decode(token, 'k' * 32, algorithms=['HS256'])['sub'] == 'x'; "
        "print('cryptography' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
