"""Pure helpers of the CLI: relative due dates, cell escaping, the optional --json value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from behflow_cli import output
from behflow_cli.errors import CliError
from behflow_cli.main import _json_flag_values

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due", "text"),
    [
        (None, ""),
        ("2026-11-24T12:00:20Z", "due now"),
        ("2026-11-24T12:45:00Z", "in 45 min"),
        ("2026-11-25T11:00:00Z", "in 23 h"),
        ("2026-11-27T12:00:00Z", "in 3 days"),
        ("2026-11-24T09:00:00Z", "overdue 3 h"),
        ("2026-11-14T12:00:00+00:00", "overdue 10 days"),
        ("2027-06-01T00:00:00Z", "in 6 months"),
    ],
)
def test_relative_due(due: str | None, text: str) -> None:
    assert output.relative_due(due, NOW)[0] == text


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
        output.Output("yaml", None, output.TASK_FIELDS)
    assert bad_format.value.exit_code == 2
    with pytest.raises(CliError) as bad_field:
        output.Output(None, "number,colour", output.TASK_FIELDS)
    assert "colour" in bad_field.value.message and "title" in bad_field.value.message
    assert output.Output(None, "", output.TASK_FIELDS).format == "json"
