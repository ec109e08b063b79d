"""The CLI fixtures (a real server process, the real CLI in a subprocess) for tests/interop."""

from tests.cli.conftest import account, alice, cli, cli_env, cli_server

__all__ = ["account", "alice", "cli", "cli_env", "cli_server"]
