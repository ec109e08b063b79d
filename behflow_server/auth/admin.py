r"""Operator commands on the server's own database, for when self-registration is closed.

    printf '%s\n' "$PASSWORD" | python -m behflow_server.auth.admin create-user alice \
        [--timezone Europe/Berlin] [--reschedule-overdue]

Reads the same BEHFLOW_* settings as the server (BEHFLOW_DATABASE_URL, BEHFLOW_DATA_DIR) and the
password from the first line of stdin, so it never shows in the process list or shell history.
"""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from behflow_server.config import ConfigError, load_settings


def create_user(
    username: str, password: str, timezone: str | None, *, reschedule_overdue: bool = False
) -> int:
    # An operator command is an entry point, like create_app: it loads the domains that hook
    # into registration (processes: the default processes), which auth.service never imports.
    import behflow_server.processes.defaults  # noqa: F401
    from behflow_server import migrate
    from behflow_server.auth import service
    from behflow_server.auth.models import RegisterRequest
    from behflow_server.db import Database
    from behflow_server.errors import BehflowError

    try:
        settings = load_settings()
        data = RegisterRequest(
            username=username,
            password=password,
            timezone=timezone,
            reschedule_overdue=reschedule_overdue,
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        error = exc.errors()[0]
        print(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    database = Database(settings.resolved_database_url, pool_size=1)
    try:
        migrate.upgrade(database.engine)
        with database.session() as session:
            user = service.register(session, data)
    except BehflowError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"created account {user.username!r}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m behflow_server.auth.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create an account (password on stdin)")
    create.add_argument("username")
    create.add_argument("--timezone", default=None, help="IANA zone, e.g. Europe/Berlin")
    create.add_argument(
        "--reschedule-overdue",
        action="store_true",
        help="move the account's overdue tasks to today every night (off unless given)",
    )
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\r\n")
    return create_user(
        args.username, password, args.timezone, reschedule_overdue=args.reschedule_overdue
    )


if __name__ == "__main__":
    sys.exit(main())
