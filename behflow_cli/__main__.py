"""`python -m behflow_cli`: the same as the `behflow` command."""

from behflow_cli.main import run

run()
