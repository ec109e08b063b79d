"""PyJWT, imported without `cryptography` (issue #15: 8 MB of the server's idle memory).

PyJWT imports `cryptography` when it is installed (the OS keyring of the CLI pulls it in), only
to offer RSA, EC and EdDSA keys. Behflow signs its tokens with HS256 (the standard library's
hmac), so the import is hidden from PyJWT while it loads: its documented fallback for a missing
`cryptography` leaves the HMAC algorithms as they are. Anything that needs `cryptography`
later (the MCP SDK, some Apprise services) imports it normally.
"""

from __future__ import annotations

import sys

if "jwt" in sys.modules or "cryptography" in sys.modules:
    import jwt
else:
    sys.modules["cryptography"] = None  # type: ignore[assignment]  # None: "not importable"
    try:
        import jwt
    finally:
        if sys.modules.get("cryptography", ...) is None:
            del sys.modules["cryptography"]

__all__ = ["jwt"]
