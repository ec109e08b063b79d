"""The file formats by name: how each is read and written, and what it is served as."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from behflow_server.errors import InvalidInput
from behflow_server.interop import csvfile, jsonfile, taskwarrior, todoist, todotxt
from behflow_server.interop.records import ImportRecord
from behflow_server.tasks.models import TaskPublic


class FileFormat(StrEnum):
    taskwarrior = "taskwarrior"
    todotxt = "todotxt"
    csv = "csv"
    json = "json"
    todoist = "todoist"


@dataclass(frozen=True)
class Format:
    parse: Callable[[str, ZoneInfo], list[ImportRecord]]
    dump: Callable[[list[TaskPublic], ZoneInfo], str]
    media_type: str
    extension: str


FORMATS: dict[str, Format] = {
    FileFormat.taskwarrior: Format(taskwarrior.parse, taskwarrior.dump, "application/json", "json"),
    FileFormat.todotxt: Format(todotxt.parse, todotxt.dump, "text/plain", "txt"),
    FileFormat.csv: Format(csvfile.parse, csvfile.dump, "text/csv", "csv"),
    FileFormat.json: Format(jsonfile.parse, jsonfile.dump, "application/json", "json"),
    FileFormat.todoist: Format(todoist.parse, todoist.dump, "text/csv", "csv"),
}


def get_format(name: str) -> Format:
    found = FORMATS.get(name)
    if found is None:
        raise InvalidInput(
            f"Unknown format {name!r}; use one of {', '.join(FORMATS)}.",
            code="unknown_format",
            details={"field": "format"},
        )
    return found
