"""`python -m behflow_server`: run the server with settings from the environment."""

from __future__ import annotations

import sys

from behflow_server.config import ConfigError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from behflow_server.serve import serve

    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
