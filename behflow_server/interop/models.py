"""The import answer: what was (or, in a dry run, would be) created, updated and skipped."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import SQLModel


class ImportAction(StrEnum):
    created = "created"
    updated = "updated"
    skipped = "skipped"


class ImportItem(SQLModel):
    line: int
    action: ImportAction
    title: str
    # The task created or updated (in a dry run: the number it would get).
    number: int | None = None
    # Why a task was skipped, or which fields an update changed.
    reason: str | None = None
    changed: list[str] = []


class ImportResult(SQLModel):
    format: str
    dry_run: bool
    created: int
    updated: int
    skipped: int
    items: list[ImportItem]
