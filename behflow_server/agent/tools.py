"""The agent's tools: thin callers of behflow_server.tasks.service.

Arguments are validated by Pydantic; any BehflowError or bad argument goes back to the model as
text. The user always comes from the authenticated request, never from model output. Deleting,
and changing more than one task at once, only happens after the user confirms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from behflow_server.agent import listing
from behflow_server.auth.models import User
from behflow_server.errors import BehflowError, Conflict, InvalidInput
from behflow_server.filters import service as filters_service
from behflow_server.notes import service as notes
from behflow_server.notes.models import MAX_NOTE_LENGTH
from behflow_server.tasks import changelog, history, matching, service
from behflow_server.tasks.models import (
    Task,
    TaskCreate,
    TaskPriority,
    TaskPublic,
    TaskStatus,
    TaskUpdate,
)
from behflow_server.tasks.query import TaskQuery, parse_statuses
from behflow_server.tasks.rule_words import describe_rule
from behflow_server.tasks.subtasks import SubtaskAction

# A stored task, or its public record as the list queries return it.
AnyTask = Task | TaskPublic

# Words that point at the task talked about last.
PRONOUNS = {
    "it",
    "that",
    "this",
    "that one",
    "this one",
    "the last one",
    "last",
    "the task",
    "that task",
    "this task",
    "the one",
    "them",
}
_NOISE = frozenset(
    {
        "the",
        "a",
        "an",
        "my",
        "one",
        "task",
        "todo",
        "to-do",
        "item",
        "thing",
        "about",
        "for",
        "with",
        "to",
        "of",
        "on",
        "called",
        "named",
        "titled",
    }
)


def _update_verb(changes: dict[str, Any], shift: str | None) -> str:
    status = changes.get("status")
    if status == TaskStatus.in_progress.value:
        return "mark as in progress"
    if status == TaskStatus.blocked.value:
        return "mark as blocked"
    parts: list[str] = []
    if shift:
        parts.append(f"move by {shift}")
    elif "due" in changes:
        parts.append(f"move to {changes['due']}")
    elif changes.get("clear_due"):
        parts.append("remove the due date of")
    if "title" in changes:
        parts.append(f"rename to “{changes['title']}”")
    if changes.get("title_fix"):
        wrong, right = changes["title_fix"]
        parts.append(f"correct “{wrong}” to “{right}” in")
    if "priority" in changes:
        parts.append(f"set {changes['priority']} priority on")
    if changes.get("priority_step"):
        parts.append(("raise" if changes["priority_step"] > 0 else "lower") + " the priority of")
    if changes.get("add_tags"):
        parts.append("tag " + " ".join(f"#{t}" for t in changes["add_tags"]))
    if changes.get("remove_tags"):
        parts.append("remove " + " ".join(f"#{t}" for t in changes["remove_tags"]) + " from")
    if changes.get("clear_tags"):
        parts.append("remove all tags from")
    if "project" in changes:
        project = changes["project"]
        parts.append(f"move to project:{project}" if project else "take out of its project")
    if changes.get("add_note"):
        parts.append(f"add the note “{changes['add_note']}” to")
    if changes.get("recurrence"):
        parts.append(f"repeat {describe_rule(changes['recurrence'])}")
    if changes.get("stop_repeating"):
        parts.append("stop repeating")
    if changes.get("parent"):
        parts.append(f"put under #{changes['parent']}")
    return " and ".join(parts) or "change"


_SHIFT = re.compile(r"^\s*(?P<n>[+-]?\d{1,4})\s*(?P<unit>minute|hour|day|week|month|year)s?\s*$")
SHIFT_PATTERN = _SHIFT.pattern


def shift_delta(shift: str) -> relativedelta:
    """ "2 days" -> relativedelta(days=2); the text was validated against SHIFT_PATTERN."""
    match = _SHIFT.match(shift)
    if match is None:
        raise InvalidInput(f"Cannot read {shift!r} as an amount of time, e.g. 2 days.")
    amount: dict[str, Any] = {match["unit"] + "s": int(match["n"])}
    return relativedelta(**amount)


class ListTasksArgs(BaseModel):
    """Which tasks to show (or count). Date windows are half-open, [from, to), and are read in
    the user's time zone; ISO 8601 datetimes or phrases ("monday", "next week") both work."""

    due: str | None = Field(
        default=None,
        max_length=100,
        description="today, tomorrow, week (the next 7 days), overdue (open and past due), "
        "none (no due date), or a date phrase: its whole day, week or month "
        '("friday", "next week", "this weekend", "July 13-15").',
    )
    due_from: str | None = Field(
        default=None,
        max_length=100,
        description="Due at or after this: ISO 8601 datetime, or a date phrase (from the start "
        "of that day).",
    )
    due_to: str | None = Field(
        default=None,
        max_length=100,
        description="Due before this (exclusive): ISO 8601 datetime, or a date phrase (that "
        "whole day included).",
    )
    completed_from: str | None = Field(
        default=None,
        max_length=100,
        description="Completed at or after this (ISO 8601 or a date phrase). Setting either "
        'completed_ bound lists completed tasks: "what did I finish yesterday".',
    )
    completed_to: str | None = Field(
        default=None,
        max_length=100,
        description="Completed before this (exclusive; a date phrase includes that whole day).",
    )
    status: Literal["open", "completed", "all"] = Field(
        default="open",
        description='open (not done), completed, or all (e.g. "is the report done?").',
    )
    priority: TaskPriority | None = Field(default=None, description="this priority or higher")
    tag: str | None = Field(default=None, description="tasks with this tag (without the #)")
    project: str | None = Field(default=None, description="tasks in this project")
    search: str | None = Field(
        default=None,
        max_length=200,
        description="topic words that must all appear in the title/notes (no filler words)",
    )
    sort: Literal["due", "priority", "created", "completed"] | None = Field(
        default=None,
        description="due: soonest first, then highest priority (undated last); priority: "
        "highest first; created: newest first; completed: most recently done first. "
        "Default: completed with a completed_ window, due otherwise. "
        'sort=due with limit<=5 answers "what\'s next?".',
    )
    count_only: bool = Field(
        default=False, description='The user asked how many ("how many did I finish?").'
    )
    query: str | None = Field(
        default=None,
        max_length=1000,
        description="A filter in Behflow's filter language, combined with the fields above: "
        "project:work +urgent -waiting due.before:eow priority.above:medium is:overdue "
        '(a or b) not x, words and "phrases" search (docs/filters.md).',
    )
    limit: int = Field(default=20, ge=1, le=100)


class TaskRef(BaseModel):
    """Which task(s): numbers, or `ref` words ("it", or words from the title)."""

    numbers: list[int] | None = Field(
        default=None, description="Task numbers (#3 is 3).", max_length=100
    )
    ref: str | None = Field(
        default=None,
        max_length=200,
        description='"it" for the task mentioned last, or words from the task\'s title.',
    )
    match: ListTasksArgs | None = Field(
        default=None, description='Every task matching these filters ("all completed tasks").'
    )


class AddTaskArgs(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    due: str | None = Field(
        default=None, max_length=200, description='When it is due: "tomorrow 5pm", ISO 8601, ...'
    )
    priority: TaskPriority | None = None
    tags: list[str] | None = None
    project: str | None = None
    recurrence: str | None = Field(
        default=None,
        description="RFC 5545 RRULE, FREQ=WEEKLY;...; add ;X-BEHFLOW-FROM=COMPLETION to count "
        "from when it is done (every 3 days after done)",
    )
    description: str | None = None
    remind: str | None = Field(
        default=None,
        max_length=100,
        description='A reminder: "30 minutes before" (the due time), or a date/time phrase.',
    )
    remind_at: datetime | None = Field(default=None, description="A reminder at this time.")
    parent: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description='Make it a subtask of this task number: "add buy tape under 12", '
        '"as a subtask of #12".',
    )


class UpdateTaskArgs(TaskRef):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    due: str | None = Field(default=None, max_length=200, description="new due date phrase")
    priority: TaskPriority | None = None
    tags: list[str] | None = Field(default=None, description="Replace all tags with these.")
    project: str | None = Field(
        default=None, max_length=100, description='Move to this project; "" takes it out.'
    )
    description: str | None = Field(default=None, description='Replace the notes; "" clears them.')
    status: TaskStatus | None = None
    shift: str | None = Field(
        default=None,
        pattern=SHIFT_PATTERN,
        description='Move the current due date by this much: "1 week", "2 days", "-3 hours".',
    )
    clear_due: bool = Field(default=False, description='Remove the due date ("no due date").')
    priority_step: Literal[-1, 1] | None = Field(
        default=None, description='One step up (1, "raise the priority") or down (-1, "lower").'
    )
    add_tags: list[str] | None = Field(
        default=None, max_length=50, description="Tags to add to the task's tags."
    )
    remove_tags: list[str] | None = Field(
        default=None, max_length=50, description="Tags to take off the task."
    )
    clear_tags: bool = Field(default=False, description='Take every tag off ("untag it").')
    add_note: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_NOTE_LENGTH,
        description="A note to add to the task (a timestamped Markdown note of its own).",
    )
    recurrence: str | None = Field(
        default=None,
        max_length=500,
        description="Repeat by this RFC 5545 RRULE, FREQ=WEEKLY;...; add "
        ";X-BEHFLOW-FROM=COMPLETION to count from when it is done",
    )
    stop_repeating: bool = Field(default=False, description="The task no longer repeats.")
    parent: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description='Move it under this task number, as a subtask ("put #14 under #12").',
    )
    title_fix: list[str] | None = Field(
        default=None,
        min_length=2,
        max_length=2,
        description='A typo fix in the title: [wrong word, right word], e.g. ["reciept", '
        '"receipt"].',
    )


# UpdateTaskArgs fields applied to each task's current values rather than set as they are.
_EDITS = (
    "shift",
    "clear_due",
    "priority_step",
    "add_tags",
    "remove_tags",
    "clear_tags",
    "add_note",
    "stop_repeating",
    "title_fix",
)


class CompleteTaskArgs(TaskRef):
    subtasks: SubtaskAction | None = Field(
        default=None,
        description="For a task with open subtasks: complete them too, or leave them open. "
        "Only when the user said which; otherwise leave it out and the user is asked.",
    )


class AddNoteArgs(TaskRef):
    text: str = Field(
        min_length=1,
        max_length=MAX_NOTE_LENGTH,
        description='The note, Markdown ("called the landlord, he comes friday").',
    )


class DeleteTaskArgs(TaskRef):
    pass


class ListHistoryArgs(BaseModel):
    today: bool = Field(
        default=True, description="Only today's changes; false: the most recent ones."
    )
    limit: int = Field(default=10, ge=1, le=50)


class UndoArgs(BaseModel):
    redo: bool = Field(default=False, description="Redo the last undone change instead.")
    force: bool = Field(
        default=False,
        description="Undo even over changes made since (only once the user agreed).",
    )


TOOL_ARGS: dict[str, type[BaseModel]] = {
    "add_task": AddTaskArgs,
    "list_tasks": ListTasksArgs,
    "update_task": UpdateTaskArgs,
    "complete_task": CompleteTaskArgs,
    "delete_task": DeleteTaskArgs,
    "list_history": ListHistoryArgs,
    "undo": UndoArgs,
    "add_note": AddNoteArgs,
}
TOOL_DESCRIPTIONS = {
    "add_task": "Create a task for the user.",
    "list_tasks": "List the user's tasks, optionally filtered by due date, status, priority, "
    "tag, project or search words.",
    "update_task": "Change a task: reschedule (due), rename (title), reprioritise, retag.",
    "complete_task": "Mark a task (or tasks) as done.",
    "delete_task": "Delete a task (or tasks). Always asks the user to confirm first.",
    "list_history": "What the user changed (from any client, the agent and automation "
    'included): "what did I change today?"',
    "undo": 'Undo the user\'s last change, whichever client made it ("undo that"); '
    "redo=true brings back the last undone one. An undo is itself undoable by redo.",
    "add_note": 'Add a timestamped note to a task ("note on 12: called the landlord").',
}
CHANGING_TOOLS = {"add_task", "update_task", "complete_task", "delete_task", "undo", "add_note"}


def tool_specs() -> list[dict[str, Any]]:
    """OpenAI-style function specs for bind_tools."""
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": TOOL_DESCRIPTIONS[name],
                "parameters": model.model_json_schema(),
            },
        }
        for name, model in TOOL_ARGS.items()
    ]


class NeedsAnswer(Exception):
    """The request is ambiguous or incomplete: the message is a question for the user."""


def describe(task: AnyTask, zone: ZoneInfo) -> str:
    parts = [f"#{task.number} {task.title}"]
    if task.due_at is not None:
        local = task.due_at.astimezone(zone)
        when = local.strftime("%a %d %b %Y")
        if (local.hour, local.minute) != (23, 59):
            when += local.strftime(" %H:%M")
        if task.original_due_at is not None:
            # Automation moved it: say from where, as every client does.
            original = task.original_due_at.astimezone(zone)
            when += f" (moved from {original:%a} {original.day} {original:%b})"
        parts.append(f"due {when}")
    if task.priority != TaskPriority.none.value:
        parts.append(f"{task.priority} priority")
    if task.tags:
        parts.append(" ".join(f"#{tag}" for tag in task.tags))
    if task.project:
        parts.append(f"project:{task.project}")
    if task.recurrence:
        parts.append(f"repeats {describe_rule(task.recurrence, task.recurrence_index or 1)}")
    record = service.public(task)
    if record.parent is not None:
        parts.append(f"subtask of #{record.parent}")
    if record.subtasks.total:
        parts.append(f"{record.subtasks.done}/{record.subtasks.total} subtasks done")
    if task.status == TaskStatus.completed.value:
        parts.append("done")
    return ", ".join(parts)


def agent_client() -> str:
    """The agent as history names it, with the client that carried the chat."""
    carrier = changelog.CLIENT.get()
    if carrier is None or carrier.startswith("agent"):
        return carrier or "agent"
    return f"agent (via {carrier})"


@dataclass
class ToolRunner:
    """Runs tool calls for one user, one message; remembers what was mentioned and changed."""

    session: Session
    user: User
    zone: ZoneInfo
    now: datetime
    recent: list[int] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[str, Any] | None = None
    # Tasks found by title words that did not all match (a change to them is proposed first).
    fuzzy: set[int] = field(default_factory=set)
    # The current call is proposed (agent/policy.py: the model was not sure), not carried out.
    proposing: bool = False
    # Who the history records (tasks/changelog.py); default "agent (via <the chat's client>)".
    client: str | None = None

    def run(
        self, name: str, args: dict[str, Any], *, confirmed: bool = False, propose: bool = False
    ) -> str:
        model = TOOL_ARGS.get(name)
        if model is None:
            return f"Error: there is no tool called {name!r}."
        self.proposing = propose and not confirmed
        try:
            parsed = model.model_validate(args)
            tool: Callable[[Any, bool], str] = getattr(self, f"_{name}")
            # One tool call is one changeset in the history, however many tasks it changes.
            with (
                changelog.acting_as(self.client or agent_client()),
                changelog.changeset(self.session),
            ):
                return tool(parsed, confirmed)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "arguments"
            return f"Error: invalid {where}: {first['msg']}."
        except NeedsAnswer as question:
            return f"Question for the user: {question}"
        except BehflowError as exc:
            self.session.rollback()
            return f"Error: {exc.message}"

    # references ------------------------------------------------------------
    def remember(self, numbers: list[int]) -> None:
        for number in numbers:
            if number in self.recent:
                self.recent.remove(number)
            self.recent.append(number)
        del self.recent[:-10]

    def resolve(self, ref: TaskRef) -> list[AnyTask]:
        if ref.match is not None:
            tasks, _ = self._query(ref.match, limit=1000)
            if not tasks:
                raise NeedsAnswer("No tasks match that.")
            return list[AnyTask](tasks)
        if ref.numbers:
            return [
                service.get_task(self.session, self.user, n) for n in dict.fromkeys(ref.numbers)
            ]
        words = (ref.ref or "").strip().lower()
        if not words or words in PRONOUNS:
            if not self.recent:
                raise NeedsAnswer(
                    "Which task do you mean? Give its number or words from its title."
                )
            return [service.get_task(self.session, self.user, self.recent[-1])]
        return [self._match(words)]

    def _match(self, words: str) -> AnyTask:
        """The task whose title holds the most of these words (open tasks first, then done
        ones); ambiguity is a question, not a guess."""
        wanted = matching.wanted_stems(words, _NOISE)
        if not wanted:
            raise NeedsAnswer("Which task do you mean? Give its number or words from its title.")
        for statuses in (parse_statuses(["open"]), [TaskStatus.completed]):
            tasks, _ = service.list_tasks(
                self.session, self.user, TaskQuery(statuses=statuses, limit=1000), zone=self.zone
            )
            top = matching.best_matches(tasks, wanted)
            if len(top) > 1:
                options = "; ".join(f"#{t.number} {t.title}" for t in top[:5])
                raise NeedsAnswer(f"Which one do you mean: {options}?")
            if top:
                if not matching.close_match(top[0].title, wanted):
                    self.fuzzy.add(top[0].number)
                return top[0]
        raise NeedsAnswer(f"I found no task matching “{words}”.")

    def _must_ask(self, tasks: list[AnyTask], confirmed: bool) -> bool:
        """Proposed, or about a task found by a loose match: ask before changing it."""
        if confirmed:
            return False
        return self.proposing or any(t.number in self.fuzzy for t in tasks)

    def _confirm(self, tool: str, tasks: list[AnyTask], args: dict[str, Any], verb: str) -> str:
        listed = "; ".join(f"#{t.number} {t.title}" for t in tasks[:10])
        if len(tasks) > 10:
            listed += f" and {len(tasks) - 10} more"
        # The confirmed call names the very tasks shown, whatever changes meanwhile.
        pinned = {**args, "numbers": [t.number for t in tasks], "ref": None, "match": None}
        return self._ask(tool, pinned, f"{verb} {listed}")

    def _ask(self, tool: str, args: dict[str, Any], summary: str) -> str:
        self.pending = {"tool": tool, "args": args, "summary": summary}
        if self.proposing or (tool != "delete_task" and len(args.get("numbers") or []) <= 1):
            return (
                f"Needs confirmation: Did you mean: {summary}? "
                "Reply “yes” to go ahead; anything else cancels."
            )
        return (
            f"Needs confirmation: I will {summary}. Reply “yes” to go ahead; anything else cancels."
        )

    def _act(self, kind: str, task: AnyTask) -> None:
        self.actions.append({"action": kind, "number": task.number, "title": task.title})
        self.remember([task.number])

    # tools -----------------------------------------------------------------
    def _add_task(self, args: AddTaskArgs, confirmed: bool) -> str:
        data = TaskCreate.model_validate(args.model_dump(exclude_none=True))
        if self._must_ask([], confirmed):
            due = f" due {args.due}" if args.due else ""
            return self._ask(
                "add_task", args.model_dump(exclude_none=True), f"add “{args.title}”{due}"
            )
        task = service.create_task(self.session, self.user, data, zone=self.zone)
        self._act("created", task)
        return f"Created {describe(task, self.zone)}."

    def _query(
        self, args: ListTasksArgs, *, limit: int | None = None
    ) -> tuple[list[TaskPublic], int]:
        found = listing.plan(args, self.zone, self.now, limit=limit or args.limit)
        # The active context scopes the agent's reads as every other client's.
        found.query.q = filters_service.scope(self.session, self.user, q=args.query)
        return service.list_tasks(
            self.session, self.user, found.query, zone=self.zone, now=self.now
        )

    def _list_tasks(self, args: ListTasksArgs, confirmed: bool) -> str:
        found = listing.plan(args, self.zone, self.now, limit=args.limit)
        tasks, total = self._query(args)
        if len(tasks) == 1:
            self.remember([tasks[0].number])
        lines = []
        for task in tasks:
            line = f"- {describe(task, self.zone)}"
            if found.completed_window is not None and task.completed_at is not None:
                done = task.completed_at.astimezone(self.zone)
                line += f" ({done:%a} {done.day} {done:%b %H:%M})"
            lines.append(line)
        return listing.answer(args, found, tasks, total, lines, self.zone)

    def _update_task(self, args: UpdateTaskArgs, confirmed: bool) -> str:
        asked = {
            name: value
            for name, value in args.model_dump(exclude={"numbers", "ref", "match"}).items()
            if value is not None and value is not False and value != []
        }
        if not asked:
            raise NeedsAnswer("What should I change: the date, title or priority?")
        changes = {k: v for k, v in asked.items() if k not in _EDITS}
        for name in ("project", "description"):
            if changes.get(name) == "":
                changes[name] = None  # "take it out of project:house", "clear the notes"
        if args.clear_due:
            changes["due_at"] = None
        if args.stop_repeating:
            changes["recurrence"] = None
        TaskUpdate.model_validate(changes)  # a bad value is an error before any task is found
        tasks = self.resolve(args)
        if args.shift is not None:
            undated = [f"#{t.number} {t.title}" for t in tasks if t.due_at is None]
            if undated:
                raise NeedsAnswer(f"{'; '.join(undated)} has no due date to move: when is it due?")
        data = {task.number: self._edited(task, changes, args) for task in tasks}
        if (len(tasks) > 1 and not confirmed) or self._must_ask(tasks, confirmed):
            verb = _update_verb(asked, args.shift)
            return self._confirm("update_task", tasks, asked, verb)
        done = []
        for task in tasks:
            updated: AnyTask = task
            if data[task.number].model_fields_set or not args.add_note:
                updated = service.update_task(
                    self.session, self.user, task.number, data[task.number], zone=self.zone
                )
            if args.add_note:
                notes.add_note(self.session, self.user, task.number, args.add_note)
            self._act("updated", updated)
            noted = " (note added)" if args.add_note else ""
            done.append(describe(updated, self.zone) + noted)
        return "Updated " + "; ".join(done) + "."

    def _edited(self, task: AnyTask, changes: dict[str, Any], args: UpdateTaskArgs) -> TaskUpdate:
        """The update for one task: the edits that depend on its current values applied."""
        values = dict(changes)
        if args.shift is not None:
            assert task.due_at is not None
            values["due_at"] = task.due_at + shift_delta(args.shift)
        if args.priority_step is not None and "priority" not in values:
            ranks = list(TaskPriority)
            rank = ranks.index(TaskPriority(task.priority)) + args.priority_step
            values["priority"] = ranks[max(0, min(rank, len(ranks) - 1))]
        if args.add_tags or args.remove_tags or args.clear_tags:
            tags = [] if args.clear_tags else list(values.get("tags") or task.tags or [])
            removing = {t.lstrip("#").lower() for t in args.remove_tags or []}
            missing = sorted(removing - set(tags))
            if missing and not args.clear_tags:
                names = " ".join(f"#{t}" for t in missing)
                raise NeedsAnswer(f"#{task.number} {task.title} is not tagged {names}.")
            tags = [t for t in tags if t not in removing]
            values["tags"] = tags + [t for t in args.add_tags or [] if t not in tags]
        if args.title_fix:
            wrong, right = args.title_fix
            title = values.get("title", task.title)
            pattern = re.compile(rf"(?<!\w){re.escape(wrong)}(?!\w)", re.IGNORECASE)
            if not pattern.search(title):
                raise NeedsAnswer(f"#{task.number} {title} has no “{wrong}” in its title.")
            values["title"] = pattern.sub(right, title)
        return TaskUpdate.model_validate(values)

    def _complete_task(self, args: CompleteTaskArgs, confirmed: bool) -> str:
        tasks = self.resolve(args)
        if (len(tasks) > 1 and not confirmed) or self._must_ask(tasks, confirmed):
            kept = {"subtasks": args.subtasks.value} if args.subtasks else {}
            return self._confirm("complete_task", tasks, kept, "mark as done")
        done: list[str] = []
        for task in tasks:
            try:
                completed = service.complete_task(
                    self.session, self.user, task.number, subtask_action=args.subtasks
                )
            except Conflict as exc:
                if exc.code != "open_subtasks" or done:
                    raise
                # Ask, as every client does: "yes" completes the open subtasks too.
                self.session.rollback()
                pending = exc.details["open_subtasks"]
                listed = ", ".join(f"#{n}" for n in pending)
                return self._ask(
                    "complete_task",
                    {"numbers": [task.number], "subtasks": SubtaskAction.complete.value},
                    f"mark as done #{task.number} {task.title} and its {len(pending)} open "
                    f"subtask{'s' if len(pending) != 1 else ''} ({listed})",
                )
            self._act("completed", completed)
            done.append(f"#{completed.number} {completed.title}")
        return "Marked as done: " + "; ".join(done) + "."

    def _delete_task(self, args: DeleteTaskArgs, confirmed: bool) -> str:
        tasks = self.resolve(args)
        if not confirmed:
            return self._confirm("delete_task", tasks, {}, "delete")
        done = []
        for task in tasks:
            deleted = service.delete_task(self.session, self.user, task.number)
            self._act("deleted", deleted)
            done.append(f"#{deleted.number} {deleted.title}")
        return "Deleted " + "; ".join(done) + " (archived: it can still be restored)."

    def _list_history(self, args: ListHistoryArgs, confirmed: bool) -> str:
        page = history.list_history(self.session, self.user, limit=50 if args.today else args.limit)
        items = page.items
        if args.today:
            start = self.now.astimezone(self.zone).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            items = [c for c in items if c.created_at >= start][: args.limit]
        if not items:
            return "You made no changes today." if args.today else "Your history is empty."
        lines = []
        for item in items:
            at = item.created_at.astimezone(self.zone)
            undone = " (undone)" if item.undone else ""
            lines.append(f"- {at:%H:%M} {item.summary}, from {item.client}{undone}")
        head = "Your changes today" if args.today else "Your recent changes"
        return f"{head}, newest first:\n" + "\n".join(lines)

    def _undo(self, args: UndoArgs, confirmed: bool) -> str:
        revert = history.redo if args.redo else history.undo
        result = revert(self.session, self.user, force=args.force)
        done = result.original
        for change in done.changes:
            if change.number is not None:
                self.actions.append(
                    {
                        "action": "redone" if args.redo else "undone",
                        "number": change.number,
                        "title": change.title or "",
                    }
                )
        if args.redo:
            return f"Redid: {done.summary} (from {done.client})."
        return f"Undid: {done.summary} (from {done.client}). Say “redo” to bring it back."

    def _add_note(self, args: AddNoteArgs, confirmed: bool) -> str:
        tasks = self.resolve(args)
        if (len(tasks) > 1 and not confirmed) or self._must_ask(tasks, confirmed):
            return self._confirm(
                "add_note", tasks, {"text": args.text}, f"add the note “{args.text}” to"
            )
        done = []
        for task in tasks:
            notes.add_note(self.session, self.user, task.number, args.text)
            self._act("noted", task)
            done.append(f"#{task.number} {task.title}")
        return f"Added the note “{args.text}” to " + "; ".join(done) + "."
