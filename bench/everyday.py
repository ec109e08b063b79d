"""Everyday-chat benchmark of the agent: does a new user's message have the right EFFECT?

    .venv/bin/python bench/everyday.py [--llm] [--show-failures] [--cases PATH] [--real-clock]

Each scenario in everyday_cases.jsonl gets a fresh SQLite store and user (time zone
Europe/London), its seed tasks are created through behflow_server.tasks.service, and the
message is sent through behflow_server.chat.service.send_message (what POST /api/v1/chat calls)
with now = 2026-11-25T09:00 Europe/London (a Wednesday). The verdict comes from the store
afterwards (tasks created / changed / completed / started / blocked / archived, and whether a
confirmation is pending) and from the reply text; the agent's internals are never consulted.

The wall clock read by the service layer (behflow_server.db.utcnow, imported by many modules)
is pinned to the reference time too, so results do not depend on the day the benchmark runs;
--real-clock leaves it alone (the difference shows where the injected `now` is not honoured).

Expectations (`expect`):
  {"effect": "add", "title": ..., "due_date"?: "YYYY-MM-DD", "due_time"?: "HH:MM",
   "priority"?: ..., "tags"?: [...], "remind"?: true}     one new task, nothing else changed
  {"effect": "complete"|"start"|"block", "number": N}      task N completed / in_progress / blocked
  {"effect": "update", "number": N, "due_date"?, "due_time"?, "title"?, "priority"?}
  {"effect": "delete_proposed", "number": N}               nothing changed, a pending delete of #N
  {"effect": "none", "reply_lists"?: [N, ...], "reply_may"?: [N, ...], "reply_has"?: [regex]}
                       nothing changed, nothing pending; the reply names every #N of reply_lists
                       and no other seeded task (except those in reply_may)
  {"effect": "proposed"}                                   nothing changed, a question / pending
Any change expectation may carry "or_proposed": true: asking instead (nothing changed) is also
right for that fuzzy request (it is still counted under "proposals made").
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CASES = Path(__file__).resolve().parent / "everyday_cases.jsonl"
ZONE = ZoneInfo("Europe/London")
REFERENCE = datetime(2026, 11, 25, 9, 0, tzinfo=ZONE)
USERNAME = "newuser"
SECRET = "everyday-benchmark-secret-key-long-enough-for-hs256-0123456789"
CATEGORIES = [
    "add",
    "list",
    "complete",
    "start",
    "block",
    "update",
    "delete",
    "question",
    "smalltalk",
    "timer",
]
CATEGORY_LABELS = {"smalltalk": "off-topic/small talk", "timer": "timer/alarm"}
CHANGE_EFFECTS = {"add", "complete", "start", "block", "update"}
STATUS_OF = {"complete": "completed", "start": "in_progress", "block": "blocked"}


# --- the clock -------------------------------------------------------------------------------
class _Clock:
    """The wall clock the service layer reads, pinned (and moved while seeding)."""

    def __init__(self) -> None:
        self.value: datetime = REFERENCE
        self.pinned = True
        self._original: Any = None

    def now(self) -> datetime:
        from datetime import UTC

        return self.value.astimezone(UTC)

    def install(self) -> None:
        """Point every loaded behflow_server module's `utcnow` at this clock (or back, unpinned)."""
        import behflow_server.db as db

        if self._original is None:
            self._original = db.utcnow
        old, new = (self._original, self.now) if self.pinned else (self.now, self._original)
        for name, module in list(sys.modules.items()):
            if not name.startswith("behflow_server") or module is None:
                continue
            if getattr(module, "utcnow", None) == old:
                module.utcnow = new  # type: ignore[attr-defined]


CLOCK = _Clock()


def _local(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZONE)


# --- a store per scenario ----------------------------------------------------------------------
class Store:
    """A migrated SQLite template holding one new user, copied for each scenario."""

    def __init__(self, directory: Path) -> None:
        from behflow_server.auth import service as auth_service
        from behflow_server.auth.models import RegisterRequest
        from behflow_server.db import Database
        from behflow_server.migrate import upgrade

        self.directory = directory
        self.template = directory / "template.db"
        database = Database(f"sqlite:///{self.template}")
        upgrade(database.engine)
        with database.session() as session:  # the user once: password hashing is slow
            auth_service.register(
                session,
                RegisterRequest(username=USERNAME, password="correct horse", timezone=ZONE.key),
            )
        database.dispose()
        self.count = 0

    def fresh(self) -> Any:
        from behflow_server.db import Database

        self.count += 1
        path = self.directory / f"case{self.count}.db"
        shutil.copyfile(self.template, path)
        return Database(f"sqlite:///{path}")


def _make_agent(model: Any, directory: Path) -> Any:
    """The chat service's Agent: offline (None), the configured LLM ("llm"), or a chat model."""
    from behflow_server.chat.service import Agent, build_agent
    from behflow_server.config import Settings

    if model is None or model == "llm":
        settings = Settings(
            data_dir=directory,
            database_url=f"sqlite:///{directory / 'unused.db'}",
            secret_key=SECRET,  # type: ignore[arg-type]
            scheduler_enabled=False,
        )
        if model is None:
            settings = settings.model_copy(
                update={"llm_base_url": None, "llm_api_key": None, "llm_model": None}
            )
        elif not (settings.llm_base_url or settings.llm_key):
            raise SystemExit("--llm: set BEHFLOW_LLM_BASE_URL (and BEHFLOW_LLM_MODEL / _API_KEY)")
        return build_agent(settings)
    from behflow_server.agent.graph import build_graph

    return Agent(graph=build_graph(model), model=getattr(model, "model_name", type(model).__name__))


def _seed(session: Any, user: Any, seeds: list[dict[str, Any]]) -> None:
    from behflow_server.tasks import service
    from behflow_server.tasks.models import TaskCreate, TaskStatus

    for seed in seeds:
        CLOCK.value = REFERENCE
        fields: dict[str, Any] = {"title": seed["title"]}
        if seed.get("due"):
            fields["due"] = seed["due"]
        for key in ("priority", "tags", "description", "project"):
            if seed.get(key):
                fields[key] = seed[key]
        if seed.get("created"):
            CLOCK.value = _local(seed["created"])
        task = service.create_task(session, user, TaskCreate(**fields), zone=ZONE)
        due = seed.get("due")
        if due and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", due):
            local = task.due_at.astimezone(ZONE) if task.due_at else None
            if local is None or local.strftime("%Y-%m-%d") != due[:10]:
                raise ValueError(f"seed {seed['title']!r}: due {due} stored as {local}")
        status = seed.get("status")
        if status:
            CLOCK.value = _local(seed["completed_at"]) if seed.get("completed_at") else REFERENCE
            service.set_status(session, user, task.number, TaskStatus(status))
    CLOCK.value = REFERENCE


def _snapshot(session: Any, user: Any) -> dict[int, dict[str, Any]]:
    from sqlmodel import col, select

    from behflow_server.notes.models import TaskNote
    from behflow_server.tasks.models import Task

    session.expire_all()
    rows = session.exec(select(Task).where(col(Task.user_id) == user.id)).all()
    # A note added is a change like any other (notes are rows of their own, issue #14).
    notes = list(session.exec(select(TaskNote.task_id).where(col(TaskNote.user_id) == user.id)))
    return {
        t.number: {
            "title": t.title,
            "status": t.status,
            "priority": t.priority,
            "due_at": t.due_at,
            "tags": list(t.tags or []),
            "remind_at": t.remind_at,
            "archived": t.archived_at is not None,
            "project": t.project,
            "description": t.description,
            "notes": notes.count(t.id),
        }
        for t in rows
    }


_ARTICLES = {"the", "a", "an", "my"}


def _norm(text: str) -> str:
    """Lower case, words only, articles dropped: "Take the bins out" ~ "take bins out"."""
    words = re.findall(r"[\w']+", text.lower().replace("\u2019", "'"))
    return " ".join(w for w in words if w not in _ARTICLES)


def _due_matches(task: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    problems = []
    due = task["due_at"]
    local = due.astimezone(ZONE) if due is not None else None
    if "due_date" in expect:
        if expect["due_date"] is None:
            if local is not None:
                problems.append(f"due {local:%Y-%m-%d %H:%M}, expected none")
        elif local is None or local.strftime("%Y-%m-%d") != expect["due_date"]:
            got = f"{local:%Y-%m-%d %H:%M}" if local else "none"
            problems.append(f"due {got}, expected {expect['due_date']}")
    if "due_time" in expect and (local is None or local.strftime("%H:%M") != expect["due_time"]):
        got = f"{local:%Y-%m-%d %H:%M}" if local else "none"
        problems.append(f"due {got}, expected time {expect['due_time']}")
    return problems


def _fields_match(task: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    problems = _due_matches(task, expect)
    if "title" in expect:
        wanted = [expect["title"], *expect.get("title_any", [])]
        if _norm(task["title"]) not in {_norm(w) for w in wanted}:
            problems.append(f"title {task['title']!r}, expected {expect['title']!r}")
    if "priority" in expect and task["priority"] != expect["priority"]:
        problems.append(f"priority {task['priority']}, expected {expect['priority']}")
    if "tags" in expect and not set(expect["tags"]) <= set(task["tags"]):
        problems.append(f"tags {task['tags']}, expected {expect['tags']}")
    if expect.get("remind") and task["remind_at"] is None:
        problems.append("no reminder set")
    return problems


def _describe_changes(
    before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]]
) -> tuple[list[int], dict[int, list[str]]]:
    created = sorted(n for n in after if n not in before)
    changed: dict[int, list[str]] = {}
    for number, old in before.items():
        new = after.get(number)
        if new is None:
            changed[number] = ["removed"]
            continue
        diff = [key for key in old if old[key] != new[key]]
        if diff:
            changed[number] = diff
    return created, changed


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def _asks(reply: str) -> bool:
    """The reply puts a question to the user (examples in quotes do not count)."""
    return "?" in _QUOTED.sub("", reply)


def judge(
    expect: dict[str, Any],
    before: dict[int, dict[str, Any]],
    after: dict[int, dict[str, Any]],
    reply: str,
    pending: Any,
) -> tuple[bool, list[str], bool]:
    """(right, problems, asked): asked = nothing changed and the reply asks / a yes is pending."""
    created, changed = _describe_changes(before, after)
    unchanged = not created and not changed
    asked = unchanged and (pending is not None or _asks(reply))
    effect = expect["effect"]
    problems: list[str] = []

    def no_others(allowed: set[int]) -> None:
        if created and effect != "add":
            titles = [f"#{n} {after[n]['title']}" for n in created]
            problems.append(f"created {titles}")
        for number, diff in changed.items():
            if number not in allowed:
                problems.append(f"also changed #{number} ({', '.join(diff)})")

    if effect == "add":
        if len(created) != 1:
            problems.append(f"{len(created)} tasks created, expected 1")
        else:
            task = after[created[0]]
            problems += [f"#{created[0]}: {p}" for p in _fields_match(task, expect)]
        no_others(set())
    elif effect in STATUS_OF:
        number = expect["number"]
        task = after.get(number)
        if task is None or task["status"] != STATUS_OF[effect]:
            got = task["status"] if task else "missing"
            problems.append(f"#{number} status {got}, expected {STATUS_OF[effect]}")
        elif task["archived"]:
            problems.append(f"#{number} was deleted")
        no_others({number})
    elif effect == "update":
        number = expect["number"]
        task = after.get(number)
        if task is None or number not in changed:
            problems.append(f"#{number} not changed")
        else:
            problems += [f"#{number}: {p}" for p in _fields_match(task, expect)]
            if task["archived"]:
                problems.append(f"#{number} was deleted")
        no_others({number})
    elif effect == "delete_proposed":
        no_others(set())
        if pending is None:
            problems.append("no confirmation pending")
        elif expect["number"] not in (pending.numbers or []) or pending.action != "delete_task":
            problems.append(f"pending {pending.action} {pending.numbers}")
    elif effect == "none":
        no_others(set())
        if pending is not None:
            problems.append(f"proposed {pending.action} {pending.numbers}")
        if "reply_lists" in expect:
            mentioned = {int(n) for n in re.findall(r"#(\d+)\b", reply)}
            wanted = set(expect["reply_lists"])
            missing = wanted - mentioned
            extra = (mentioned & set(before)) - wanted - set(expect.get("reply_may", []))
            if missing:
                problems.append(f"reply misses {sorted(missing)}")
            if extra:
                problems.append(f"reply also lists {sorted(extra)}")
        for pattern in expect.get("reply_has", []):
            if not re.search(pattern, reply, re.IGNORECASE):
                problems.append(f"reply lacks /{pattern}/")
    elif effect == "proposed":
        no_others(set())
        if not asked:
            problems.append("did not ask")
    else:
        raise ValueError(f"unknown effect {effect!r}")

    if problems and expect.get("or_proposed") and asked:
        return True, [], True
    return not problems, problems, asked


def run_everyday(
    cases_path: str | Path = DEFAULT_CASES, *, model: Any = None, real_clock: bool = False
) -> dict[str, Any]:
    """Run every scenario; `model` is None (offline), "llm" (the configured LLM) or a chat model.

    Returns totals, per-category figures, false changes, proposals, latencies and failures."""
    from sqlmodel import col, select

    from behflow_server.auth.models import User
    from behflow_server.chat import service as chat_service

    cases = [json.loads(line) for line in Path(cases_path).read_text().splitlines() if line.strip()]
    CLOCK.pinned = not real_clock
    results: list[dict[str, Any]] = []
    latencies: list[float] = []
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() else None  # in memory when the system has it: no fsyncs
    with tempfile.TemporaryDirectory(prefix="behflow-everyday-", dir=base) as tmp:
        directory = Path(tmp)
        agent = _make_agent(model, directory)
        CLOCK.install()
        store = Store(directory)
        for case in cases:
            CLOCK.install()  # modules imported lazily since the last case
            CLOCK.value = REFERENCE
            database = store.fresh()
            try:
                with database.session() as session:
                    user = session.exec(select(User).where(col(User.username) == USERNAME)).one()
                    _seed(session, user, case.get("seed", []))
                    before = _snapshot(session, user)
                    start = time.perf_counter()
                    error = None
                    try:
                        reply = chat_service.send_message(
                            session,
                            user,
                            case["message"],
                            None,
                            agent=agent,
                            zone=ZONE,
                            ttl_hours=24 * 7,
                            now=REFERENCE,
                        )
                        text, pending, used = reply.reply, reply.pending, reply.model
                    except Exception as exc:  # a crash is a wrong answer, not the end of the run
                        session.rollback()
                        text, pending, used = "", None, "error"
                        error = f"{type(exc).__name__}: {exc}"
                    latencies.append((time.perf_counter() - start) * 1000)
                    after = _snapshot(session, user)
            finally:
                database.dispose()
            right, problems, asked = judge(case["expect"], before, after, text, pending)
            if error:
                right, problems = False, [f"crashed: {error}"]
            results.append(
                {
                    "id": case["id"],
                    "category": case["category"],
                    "message": case["message"],
                    "expect": case["expect"],
                    "right": right,
                    "problems": problems,
                    "asked": asked,
                    "reply": text,
                    "model": used,
                    "changed": before != after,
                }
            )
    by_category: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_category[r["category"]].append(r["right"])
    expect_none = [r for r in results if r["expect"]["effect"] == "none"]
    wants_change = [r for r in results if r["expect"]["effect"] in CHANGE_EFFECTS]
    ordered = sorted(latencies)
    return {
        "cases": len(results),
        "right": sum(r["right"] for r in results),
        "per_category": {
            c: (sum(by_category[c]), len(by_category[c])) for c in CATEGORIES if by_category[c]
        },
        "false_changes": (sum(r["changed"] for r in expect_none), len(expect_none)),
        "proposals": (sum(r["asked"] for r in wants_change), len(wants_change)),
        "degraded": sum(r["model"] in ("offline", "error") for r in results)
        if model is not None
        else sum(r["model"] == "error" for r in results),
        "latency_p50_ms": statistics.median(ordered) if ordered else 0.0,
        "latency_p95_ms": ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0,
        "failures": [r for r in results if not r["right"]],
        "results": results,
    }


def _pct(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f}% ({right}/{total})" if total else "   n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--llm", action="store_true", help="the model from BEHFLOW_LLM_*")
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument(
        "--real-clock", action="store_true", help="do not pin the service layer's wall clock"
    )
    parser.add_argument("--json", type=Path, help="also write every result to this file")
    options = parser.parse_args()

    started = time.perf_counter()
    report = run_everyday(
        options.cases, model="llm" if options.llm else None, real_clock=options.real_clock
    )
    elapsed = time.perf_counter() - started

    print(
        f"Everyday chat benchmark: {report['cases']} scenarios, "
        f"{'LLM' if options.llm else 'offline model'}, now {REFERENCE.isoformat()} {ZONE.key}"
        f"{' (real wall clock)' if options.real_clock else ''}"
    )
    print(f"Fully right: {_pct(report['right'], report['cases'])}")
    for category, (right, total) in report["per_category"].items():
        print(f"  {CATEGORY_LABELS.get(category, category):22} {_pct(right, total)}")
    changed, none = report["false_changes"]
    print(f"False changes (store changed when nothing should): {changed}/{none}")
    asked, wanted = report["proposals"]
    print(f"Proposals made (asked instead of acting, on requests to change): {asked}/{wanted}")
    if report["degraded"]:
        print(f"Answered by the fallback or crashed: {report['degraded']}")
    print(
        f"Latency of a whole chat request: p50 {report['latency_p50_ms']:.1f} ms, "
        f"p95 {report['latency_p95_ms']:.1f} ms (run {elapsed:.1f} s)"
    )
    if options.show_failures:
        print("\nFailures:")
        for r in report["failures"]:
            reply = r["reply"].replace("\n", " | ")
            print(f"- [{r['category']}] {r['id']}: {r['message']!r}")
            print(f"    expect {json.dumps(r['expect'])}")
            print(f"    {'; '.join(r['problems'])}")
            print(f"    reply: {reply[:200]}")
    if options.json:
        options.json.write_text(json.dumps(report["results"], indent=1, default=str))


if __name__ == "__main__":
    main()
