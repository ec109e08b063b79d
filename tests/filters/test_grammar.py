"""The filter language's grammar table: each text is compiled to SQL and run against six
tasks on SQLite and PostgreSQL, at a fixed instant (Wednesday 2026-12-02 12:00 UTC)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import col

from behflow_server.auth.models import RegisterRequest, User
from behflow_server.auth.service import register
from behflow_server.db import Database
from behflow_server.errors import InvalidInput
from behflow_server.tasks import filterlang
from behflow_server.tasks.models import Task
from tests.support.databases import empty_postgres, migrated, postgres_url, prepare_postgres

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("UTC")
ALL = {1, 2, 3, 4, 5, 6}


def _at(day: int, hour: int = 12, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


TASKS = [
    dict(number=1, title="Write quarterly report", project="work", tags=["urgent"],
         priority="high", due_at=_at(2, 15)),
    dict(number=2, title="Plan offsite", project="work.q1", priority="medium",
         due_at=_at(4, 10), status="in_progress"),
    dict(number=3, title="Buy milk", project="home", tags=["errand"], priority="low",
         due_at=_at(1, 9)),
    dict(number=4, title="Call mom", tags=["family", "urgent"], priority="urgent",
         description="about the quarterly visit", status="blocked"),
    dict(number=5, title="Read book", project="workshop", due_at=_at(10),
         status="completed", completed_at=_at(1, 20)),
    dict(number=6, title="File taxes", project="home", tags=["urgent"], priority="high",
         due_at=_at(31), recurrence="FREQ=MONTHLY", remind_at=_at(30),
         created_at=_at(2, 8)),
]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, User]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('grammar') / 'behflow.db'}"
    else:
        found = postgres_url()
        if found is None:
            pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
        url = found
        prepare_postgres(url)
        empty_postgres(url)
    database = migrated(url)
    with database.session() as session:
        user = register(
            session, RegisterRequest(username="grammar", password="correct horse", timezone="UTC")
        )
        for fields in TASKS:
            row = {"created_at": _at(20, month=11), "priority": "none", "tags": [], **fields}
            row["updated_at"] = row["created_at"]
            session.add(Task(user_id=user.id, **row))
        session.commit()
        session.refresh(user)
        session.expunge(user)
    yield database, user
    if request.param == "postgresql":
        empty_postgres(url)
    database.dispose()


def _numbers(store: tuple[Database, User], text: str) -> set[int]:
    database, user = store
    with database.session() as session:
        compiled = filterlang.compile_filter(session, [text], ZONE, NOW)
        statement = sa.select(col(Task.number)).where(col(Task.user_id) == user.id)
        if compiled is not None:
            statement = statement.where(compiled.condition)
        return set(session.execute(statement).scalars())


CASES = [
    ("", ALL),
    ("project:work", {1, 2}),  # sub-projects too, not "workshop"
    ("PROJECT:Work", {1, 2}),
    ("proj:work.q1", {2}),
    ("project.is:work", {1}),
    ("-project:work", {3, 4, 5, 6}),  # tasks without a project stay in
    ("project.not:work", {3, 4, 5, 6}),
    ("project:", {4}),
    ("+urgent", {1, 4, 6}),
    ("-urgent", {2, 3, 5}),
    ("tag:errand", {3}),
    ("+#errand", {3}),
    ("status:open", {1, 2, 3, 4, 6}),
    ("status:completed", {5}),
    ("status:blocked,in_progress", {2, 4}),
    ("status.not:completed", {1, 2, 3, 4, 6}),
    ("priority:high", {1, 6}),
    ("priority:h", {1, 6}),
    ("pri.above:medium", {1, 4, 6}),
    ("priority.below:medium", {3, 5}),
    ("priority:low,none", {3, 5}),
    ("due:today", {1}),
    ("due:tomorrow", set()),
    ("due:yesterday", {3}),
    ("due.before:today", {3}),
    ("due.by:today", {1, 3}),
    ("due.before:eow", {1, 2, 3}),
    ("due.after:eow", {5, 6}),
    ("due:eow", set()),  # Sunday, the week's last day
    ("due.before:sow", set()),
    ("due.before:eom", {1, 2, 3, 5, 6}),
    ("due:eom", {6}),
    ("due.after:soy", {1, 2, 3, 5, 6}),
    ("due:none", {4}),
    ("due:", {4}),
    ("due:2026-12-10", {5}),
    ("due.after:2026-12-02T14:00", {1, 2, 5, 6}),
    ("due.before:+3d", {1, 2, 3}),
    ("due.after:+1w", {5, 6}),
    ("due.before:-1d", {3}),
    ("due.after:+4h", {2, 5, 6}),
    ("due.before:+1m", {1, 2, 3, 5, 6}),
    ("due:friday", {2}),
    ("due:'next week'", {5}),
    ('due:"dec 31"', {6}),
    ("is:overdue", {3}),
    ("not is:overdue", {1, 2, 4, 5, 6}),
    ("is:open", {1, 2, 3, 4, 6}),
    ("is:completed", {5}),
    ("is:recurring", {6}),
    ("has:due", {1, 2, 3, 5, 6}),
    ("-has:project", {4}),
    ("has:tags", {1, 3, 4, 6}),
    ("has:description", {4}),
    ("has:reminder", {6}),
    ("has:recurrence", {6}),
    ("completed.after:2026-11-30", {5}),
    ("end:yesterday", {5}),
    ("completed:none", {1, 2, 3, 4, 6}),
    ("created.after:yesterday", {6}),
    ("entry.before:today", {1, 2, 3, 4, 5}),
    ("modified.before:today", {1, 2, 3, 4, 5}),
    ("quarterly", {1, 4}),  # title or description
    ("quart", {1, 4}),  # words are prefixes
    ("quarterly report", {1}),
    ('"quarterly report"', {1}),
    ('"report quarterly"', set()),  # a quoted phrase is exact
    ('-"quarterly report"', {2, 3, 4, 5, 6}),
    ("don't", set()),  # a quote inside a word is a letter
    ("project:work +urgent", {1}),
    ("project:work and +urgent", {1}),
    ("project:work AND +urgent", {1}),
    ("project:work or project:home", {1, 2, 3, 6}),
    ("(project:work or project:home) +urgent", {1, 6}),
    ("project:work or project:home +urgent", {1, 2, 6}),  # and binds tighter than or
    ("not (project:work or +urgent)", {3, 5}),
    ("- ( +urgent )", {2, 3, 5}),
    ("-(project:home)", {1, 2, 4, 5}),
    ("not not +urgent", {1, 4, 6}),
    ("project:work +urgent due.before:eow status:open", {1}),
    ("((+urgent))", {1, 4, 6}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "blank" for c in CASES])
def test_grammar(store: tuple[Database, User], text: str, expected: set[int]) -> None:
    assert _numbers(store, text) == expected


BAD = [
    ("prio:high", 0, "prio:high", "unknown field 'prio' at 0; did you mean 'priority'?"),
    ("project:work prio:high", 13, "prio:high", "unknown field 'prio' at 13"),
    ("projcet:work", 0, "projcet:work", "did you mean 'project'?"),
    ("(project:work", 0, "(", "'(' is never closed at 0"),
    ("project:work)", 12, ")", "unmatched ')' at 12"),
    ("status:done", 0, "status:done", "status: unknown value 'done'"),
    ("priority.above:extreme", 0, "priority.above:extreme", "priority: unknown value"),
    ("due.since:today", 0, "due.since:today", "unknown modifier 'since'"),
    ("due:blorpday", 0, "due:blorpday", "cannot read 'blorpday' as a date"),
    ("x due.before:'someday maybe'", 2, "due.before:'someday maybe'", "cannot read"),
    ("and +x", 0, "and", "needs a term on each side"),
    ("+x or", 5, "", "a term is missing at the end"),
    ("+x ()", 4, ")", "unexpected ')' at 4"),
    ('a "unterminated', 2, '"unterminated', "unterminated quote at 2"),
    ("is:late", 0, "is:late", "is: unknown value 'late'"),
    ("has:tag", 0, "has:tag", "did you mean 'tags'?"),
    ("+", 0, "+", "needs a tag name"),
    ("(" * 30 + "x" + ")" * 30, 20, "(", "nested too deeply"),
    ("not " * 30 + "x", 80, "not", "nested too deeply"),
    ("x " * 600, 1000, "", "too long"),
    ("a " * 250, 400, "a", "too many terms"),
]


@pytest.mark.parametrize(
    ("text", "position", "token", "message"), BAD, ids=[b[0][:30] for b in BAD]
)
def test_bad_input(
    store: tuple[Database, User], text: str, position: int, token: str, message: str | None
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _numbers(store, text)
    error = caught.value
    assert error.code == "invalid_filter"
    assert error.details == {"position": position, "token": token}
    if message is not None:
        assert message in error.message


def test_write_defaults() -> None:
    assert filterlang.write_defaults("project:Work +urgent +#Home due:today") == (
        "Work",
        ["urgent", "home"],
    )
    assert filterlang.write_defaults("project:work or +urgent") == (None, [])
    assert filterlang.write_defaults("-project:work -urgent") == (None, [])
