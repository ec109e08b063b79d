"""Pure helpers of the CLI: due styles, cell escaping, the optional --json value.

The relative due label itself runs the shared case table in test_dates.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from behflow_cli import output
from behflow_cli.commands.task import TASK_FIELDS
from behflow_cli.errors import CliError
from behflow_cli.main import _json_flag_values

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_overdue_is_red_and_soon_is_yellow() -> None:
    assert output.relative_due("2026-11-24T09:00:00Z", NOW)[1] == "bold red"
    assert output.relative_due("2026-11-24T15:00:00Z", NOW)[1] == "yellow"
    assert output.relative_due("2026-12-24T15:00:00Z", NOW)[1] == ""


def test_cells() -> None:
    assert output._plain_cell("a\tb\nc") == "a b c"
    assert output._tsv_cell("a\tb\\c\n") == "a\\tb\\\\c\\n"
    assert output._plain_cell(["x", "y"]) == "x,y"
    assert output._plain_cell(None) == ""
    assert output._plain_cell({"k": 1}) == '{"k":1}'


def test_json_takes_a_field_list_only_when_one_follows() -> None:
    assert _json_flag_values(["task", "list", "--json"]) == ["task", "list", "--json="]
    assert _json_flag_values(["task", "list", "--json", "number,title"]) == [
        "task",
        "list",
        "--json",
        "number,title",
    ]
    # A title word is not a field list: `--json` stands alone and the word stays a title.
    assert _json_flag_values(["task", "add", "--json", "Buy", "milk"]) == [
        "task",
        "add",
        "--json=",
        "Buy",
        "milk",
    ]
    assert _json_flag_values(["task", "add", "--", "--json"]) == ["task", "add", "--", "--json"]


def test_unknown_format_and_field_are_usage_errors() -> None:
    with pytest.raises(CliError) as bad_format:
        output.Output("yaml", None, TASK_FIELDS)
    assert bad_format.value.exit_code == 2
    with pytest.raises(CliError) as bad_field:
        output.Output(None, "number,colour", TASK_FIELDS)
    assert "colour" in bad_field.value.message and "title" in bad_field.value.message
    assert output.Output(None, "", TASK_FIELDS).format == "json"
