"""The ceiling for bench/api.py: a bare FastAPI endpoint returning a constant list of 50 rows."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ROW: dict[str, Any] = {
    "id": "6f1c6f0e-6d8a-4a53-9a57-0a8f0c6a1e01",
    "number": 1,
    "title": "Constant task row for the ceiling",
    "description": None,
    "status": "not_started",
    "priority": "medium",
    "due_at": "2026-12-01T09:00:00Z",
    "tags": ["bench", "ceiling"],
    "project": "bench",
    "recurrence": None,
    "remind_at": None,
    "created_at": "2026-11-24T12:00:00Z",
    "updated_at": "2026-11-24T12:00:00Z",
    "completed_at": None,
    "archived_at": None,
    "extra": {},
}
ROWS = [{**ROW, "number": n} for n in range(1, 51)]

app = FastAPI()


@app.get("/rows")
def rows() -> list[dict[str, Any]]:
    return ROWS
