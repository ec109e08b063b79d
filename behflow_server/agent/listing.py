"""List questions: from what a user types to list_tasks arguments, and back to an answer.

`list_args` reads a message already known to be a list request ("what's on this weekend?",
"what did I finish last week?", "anything about insurance?", "is the report done?") and
returns the list_tasks tool arguments; `plan` turns those arguments into a `TaskQuery`
(windows resolved in the user's zone, relative to the runner's `now`); `answer` phrases the
result and says which window it read, so the user sees how their words were understood.

Windows are half-open, [from, to), and come from `behflow_server.tasks.query.read_window`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from behflow_server.dates import day_bounds, find_when
from behflow_server.tasks import matching
from behflow_server.tasks.models import OPEN_STATUSES, TaskPriority, TaskStatus
from behflow_server.tasks.query import (
    WINDOW_PATTERNS,
    TaskQuery,
    TaskSort,
    Window,
    parse_statuses,
    parsed_window,
    read_window,
    window_bound,
)

if TYPE_CHECKING:
    from behflow_server.agent.tools import ListTasksArgs
    from behflow_server.tasks.models import Task, TaskPublic

# A window whose edges may be open: (from, to), either None.
Edges = tuple[datetime | None, datetime | None]

# How many tasks "what's next?" shows.
NEXT_UP_LIMIT = 5


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# "#work", "@work" (Todoist) and "+work" (Taskwarrior) are tags, as in quick add.
_TAG = _rx(r"(?<![\w#@+])[#@+]([^\W\d_][\w-]*)")
_TAGGED = _rx(r"\b(?:tagged(?:\s+(?:as|with))?|with\s+(?:the\s+)?tag|labell?ed)\s+[#@]?([\w-]+)")
_PROJECT_COLON = _rx(r"\b(?:project|pro)\s*[:=]\s*([\w\-/.]+)")
_PROJECT_NAMED = _rx(
    r"\b(?:(?:in|for|from|under|on|of)\s+)?(?:(?:my|the|our)\s+)?([\w-]+)\s+project\b"
    r"|\b(?:in|for|from|under)\s+(?:the\s+)?project\s+([\w-]+)"
)
_LIST_NAMED = _rx(r"\b(?:on|in|from|for)\s+(?:my|the|our)\s+([\w' -]+?)\s*(?:list|checklist)\b")
_NOT_A_LIST_NAME = {"", "to do", "todo", "to-do", "task", "tasks", "my", "whole", "entire"}
_QUOTED = re.compile(r"[\"“”]([^\"“”]{1,100})[\"“”]")

_NEXT_UP = _rx(
    r"\bwhat(?:'s|s| is)?\s+(?:up\s+)?next\b|\bnext\s+up\b|\bup\s+next\b"
    r"|\bwhat\s+(?:should|shall|can|could|do|must)\s+i\s+(?:do|work\s+on|tackle|focus\s+on"
    r"|start(?:\s+(?:with|on))?|pick(?:\s+up)?|get\s+(?:on\s+with|started\s+on))\b"
    r"(?:\s+(?:next|now|first|right\s+now))?"
    r"|\bwhat\s+to\s+do\s+(?:next|now|first)\b|\bwhere\s+(?:should|do|shall)\s+i\s+start\b"
    r"|\bwhat\s+now\b"
)
_COUNT = _rx(r"\bhow\s+many\b|\bcount\b|\bnumber\s+of\b|\btotal\b")
_OVERDUE = _rx(
    r"\b(?:overdue|past[- ]due|late|behind(?:\s+on)?|slipped"
    r"|(?:did\s+i\s+|have\s+i\s+)?miss(?:ed)?)\b"
)
_DONE = _rx(
    r"\b(?:finish(?:ed)?|complet(?:e|ed)|done|accomplish(?:ed)?|achiev(?:e|ed)"
    r"|(?:ticked|checked|crossed)\s+off|got\s+through|get\s+through)\b"
    r"|\b(?:did\s+i\s+do|have\s+i\s+done|i\s+did)\b"
)
# "what do I still need to finish", "what's not done": open work, not completed work.
_NOT_YET = _rx(
    r"\b(?:need|needs|have\s+to|has\s+to|got\s+to|gotta|should|must|to\s+be|still|left|not"
    r"|yet|to\s+get|to|want\s+to|going\s+to|gonna)\s+(?:\w+\s+){0,2}$|n't\s+(?:\w+\s+){0,2}$"
)
# A yes/no question about a thing ("is the report done?", "did I add the milk?").
_YES_NO = _rx(
    r"^(?:is|are|was|were|did|didn'?t|have|haven'?t|has|hasn'?t|had)\b(?!\s+(?:there|any)\b)"
)
_ALL_STATUSES = _rx(
    r"\b(?:all|every|everything)\b.*\btasks?\b|\bincluding\s+(?:the\s+)?(?:done|completed|finished)"
    r"|\b(?:done\s+or\s+not|open\s+or\s+(?:done|closed|completed))\b"
)
_PRIORITIES: list[tuple[re.Pattern[str], str]] = [
    (_rx(r"\b(?:urgent(?:ly)?|critical|asap|top[- ]priority|emergenc(?:y|ies))\b"), "urgent"),
    (
        _rx(r"\b(?:high(?:est)?(?:[- ]priority)?|important|priority|prioriti[sz]ed|crucial)\b"),
        "high",
    ),
    (_rx(r"\bmedium(?:[- ]priority)?\b"), "medium"),
    (_rx(r"\blow(?:[- ]priority)\b"), "low"),
]
_THIS_WEEK = _rx(r"(?:^|\s)(?:this|the|this\s+coming|coming)\s+week$")

# Words that ask, point or fill, never what a task is about.
_FILLER_WORDS = """
a an the this that these those my mine our your me i i'm im i've ive we us you it its it's
what what's whats which who whom when where why how how's hows
is are was were be been being am do does did doing done have has had having got get gets
getting gotten go going gone will would shall should can could may might must need needs
wanna want gonna gotta let let's lets please pls plz kindly just only also still yet now
then so and or but if about regarding re concerning mentioning mention mentions mentioned
related relating relate to for of with without on in at by from into onto up out over under
any anything anythin something somethin everything nothing stuff things thing items item
all every each some much many more most lot lots bit
task tasks todo todos to-do to-dos todo's to-do's list lists reminder reminders agenda
schedule schedules calendar calendars plan plans plate pipeline
show list display tell give find search look see view check read pull bring open
remind know hear say said
there here left remaining pending open outstanding upcoming coming scheduled planned
happening lined due dated
add added adding put create created make made write wrote note noted remember remembered
save saved include included set
delete deleted remove removed erase clear cancel drop mark marked tick ticked
anybody anyone thanks thank hey hi ok okay assistant
since after before until till word words contain contains containing named called titled
say says saying tag tags tagged label labels labelled labeled everything
"""
_FILLER = frozenset(_FILLER_WORDS.split())

_WORD = matching.WORD


class _Text:
    """The message with the parts already read blanked out (positions stay valid)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, start: int, end: int) -> None:
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def take_all(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        found = list(pattern.finditer(self.text))
        for match in found:
            self.take(match.start(), match.end())
        return found


def list_args(message: str, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """list_tasks arguments for a message that asks to see (or count) tasks."""
    work = _Text(message.strip().rstrip("?!. "))
    args: dict[str, Any] = {}

    quoted = work.take_all(_QUOTED)
    tags = [m[1] for m in work.take_all(_TAG)] + [m[1] for m in work.take_all(_TAGGED)]
    projects = [m[1] for m in work.take_all(_PROJECT_COLON)]
    projects += [m[1] or m[2] for m in work.take_all(_PROJECT_NAMED) if (m[1] or m[2])]
    for match in list(_LIST_NAMED.finditer(work.text)):
        name = " ".join(match[1].lower().split())
        if name not in _NOT_A_LIST_NAME and not read_window(name, zone, now):
            tags.append(re.sub(r"\W+", "-", name.split()[-1]))
        work.take(match.start(), match.end())
    if tags:
        args["tag"] = tags[0].lower()
    projects = [p for p in projects if p.lower() not in {"my", "the", "our", "a", "this"}]
    if projects:
        args["project"] = projects[0].lower()

    if work.take_all(_NEXT_UP):
        args["sort"] = "due"
        args["limit"] = NEXT_UP_LIMIT
    if work.take_all(_COUNT):
        args["count_only"] = True
    overdue = bool(work.take_all(_OVERDUE))

    done = False
    for match in list(_DONE.finditer(work.text)):
        before = work.text[: match.start()]
        if not _NOT_YET.search(before):
            done = True
        work.take(match.start(), match.end())

    window, this_week = _take_window(work, zone, now, past=done)

    for pattern, value in _PRIORITIES:
        if work.take_all(pattern):
            args["priority"] = value
            break

    search = " ".join(m[1].strip() for m in quoted) or _search_words(work.text)
    if search:
        args["search"] = search

    about_a_thing = bool(_YES_NO.match(message.strip())) and bool(search) and not overdue
    if about_a_thing:
        # "is the report done?": show it whatever its status; the answer says whether it is.
        args["status"] = "all"
    elif done and not overdue:
        args["status"] = "completed"
        if window is not None:
            args.update(_edge_args("completed", window))
        window = None
    elif _ALL_STATUSES.search(message) and not overdue:
        args["status"] = "all"

    if overdue:
        args["due"] = "overdue"
    elif window is not None:
        args.update(_due_args(window, this_week, zone, now))
    return args


# Before a date phrase: a window open on one side ("due by friday", "since monday").
_OPEN_LEAD = _rx(
    r"\b(?P<word>by|before|until|till|til|up\s+to|no\s+later\s+than|after|since|from"
    r"|starting(?:\s+(?:from|on))?|beginning)\s+(?:the\s+)?$"
)


def _take_window(
    work: _Text, zone: ZoneInfo, now: datetime, *, past: bool = False
) -> tuple[Edges | None, bool]:
    """The date window the message names (and blanks it), and whether it said "this week".
    `past`: the question is about what happened, so the window is the last one, not the next."""
    text = work.text
    found = _find_window(work, zone, now)
    if found is None:
        return None, False
    window, start, end, this_week = found
    if past:
        window = _in_the_past(window, now)
    # The lead word is before the phrase, or the phrase's own first word ("by friday").
    head = text[:start]
    first = re.match(r"\s*(\S+)", text[start:end])
    lead = _OPEN_LEAD.search(head) or (
        _OPEN_LEAD.search(head + first.group(1) + " ") if first is not None else None
    )
    edges: Edges = window
    if lead is not None:
        word = lead["word"].split()[0].lower()
        if word in {"by", "until", "till", "til", "up", "no"}:
            edges = (None, window[1])
        elif word == "before":
            edges = (None, window[0])
        elif word == "after":
            edges = (window[1], None)
        else:
            edges = (window[0], None)
        start = lead.start()
        this_week = False
    work.take(start, end)
    return edges, this_week


def _find_window(
    work: _Text, zone: ZoneInfo, now: datetime
) -> tuple[Window, int, int, bool] | None:
    """The first window phrase: (window, start, end, said "this week")."""
    for _, pattern in WINDOW_PATTERNS:
        for match in pattern.finditer(work.text):
            window = read_window(match.group(0), zone, now)
            if window is not None:
                return window, match.start(), match.end(), False
    found = find_when(work.text, zone, now)
    if found is None:
        return None
    phrase = " ".join(work.text[found.start : found.end].split())
    start, end = found.start, found.end
    # "monday to wednesday", "between dec 1 and dec 5": a second phrase after a connector.
    joined = re.match(r"\s*(?:-|\u2013|to|until|till|through|thru|and)\s+", work.text[end:], re.I)
    if joined is not None:
        rest = work.text[end + joined.end() :]
        second = find_when(rest, zone, now)
        if second is not None and second.start == 0:
            lead = re.search(r"\b(?:between|from)\s+$", work.text[:start], re.I)
            first = lead.start() if lead is not None else start
            stop = end + joined.end() + second.end
            window = read_window(work.text[first:stop], zone, now)
            if window is not None:
                return window, first, stop, False
    # Further parts of the phrase ("at 10am" after "tomorrow's meeting") are blanked too.
    work.text = found.without(work.text)
    return parsed_window(found.when, zone), start, end, bool(_THIS_WEEK.search(phrase))


def _in_the_past(window: Window, now: datetime) -> Window:
    """A window asked about in the past tense ("what did I finish on friday") is the last one,
    not the next: a window of a week or less that starts after `now` moves back by weeks."""
    start, end = window
    if end - start > timedelta(days=7):
        return window
    while start > now:
        start, end = start - timedelta(days=7), end - timedelta(days=7)
    return start, end


def _search_words(text: str) -> str:
    words = [w for w in _WORD.findall(text) if w.lower().replace("\u2019", "'") not in _FILLER]
    return " ".join(words)


def _edge_args(prefix: str, window: Edges) -> dict[str, str]:
    start, end = window
    args = {}
    if start is not None:
        args[f"{prefix}_from"] = start.isoformat()
    if end is not None:
        args[f"{prefix}_to"] = end.isoformat()
    return args


def _due_args(window: Edges, this_week: bool, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """The shortest arguments for a due window: a keyword or a date when they say it."""
    if this_week:
        return {"due": "week"}
    start, end = window
    if start is not None and end is not None:
        today = now.astimezone(zone).date()
        for offset, word in ((0, "today"), (1, "tomorrow")):
            if (start, end) == day_bounds(today + timedelta(days=offset), zone):
                return {"due": word}
        local = start.astimezone(zone)
        if (start, end) == day_bounds(local.date(), zone):
            return {"due": local.date().isoformat()}
    return _edge_args("due", window)


# From arguments to a query --------------------------------------------------------------------


@dataclass
class ListPlan:
    """A list_tasks call resolved: the query, and what to tell the user about it."""

    query: TaskQuery
    due_window: Edges | None = None
    completed_window: Edges | None = None
    overdue: bool = False
    next_up: bool = False
    rolling_week: bool = False


def _narrow(window: Edges | None, start: datetime | None, end: datetime | None) -> Edges | None:
    """`window` cut to [start, end); None edges are open."""
    if start is None and end is None:
        return window
    if window is None:
        return start, end
    low = max((e for e in (window[0], start) if e is not None), default=None)
    high = min((e for e in (window[1], end) if e is not None), default=None)
    return low, high


def _edges(
    start: str | None, end: str | None, zone: ZoneInfo, now: datetime
) -> tuple[datetime | None, datetime | None]:
    return (
        window_bound(start, zone, now, end=False) if start else None,
        window_bound(end, zone, now, end=True) if end else None,
    )


def plan(args: ListTasksArgs, zone: ZoneInfo, now: datetime, *, limit: int) -> ListPlan:
    """The query for these arguments, every relative phrase read at `now` in `zone`."""
    result = ListPlan(TaskQuery(limit=limit))
    query = result.query
    statuses = parse_statuses([] if args.status == "all" else [args.status])
    due_window: Edges | None = None
    if args.due:
        key = args.due.strip().lower()
        if key == "none":
            query.due = "none"
        elif key == "overdue":
            # The one overdue rule (open and past due), as the list endpoint's due=overdue.
            result.overdue = query.overdue = True
            statuses = [s for s in statuses if s in OPEN_STATUSES]
        elif key == "week":
            result.rolling_week = True
            today = now.astimezone(zone).date()
            due_window = day_bounds(today, zone)[0], day_bounds(today + timedelta(days=6), zone)[1]
        else:
            due_window = read_window(args.due, zone, now) or (
                window_bound(args.due, zone, now, end=False),  # raises InvalidInput
                None,
            )
    due_window = _narrow(due_window, *_edges(args.due_from, args.due_to, zone, now))
    if due_window is not None:
        result.due_window = due_window
        query.due_after, query.due_before = due_window
    done_window = _narrow(None, *_edges(args.completed_from, args.completed_to, zone, now))
    if done_window is not None:
        statuses = [TaskStatus.completed]
        result.completed_window = done_window
        query.completed_after, query.completed_before = done_window
    query.statuses = statuses
    if args.priority is not None:
        query.min_priority = args.priority
    if args.tag:
        query.tags = [args.tag]
    query.project = args.project
    if args.search:
        query.search = matching.search_terms(args.search)
    sort = args.sort or ("completed" if done_window is not None else "due")
    result.next_up = args.sort == "due" and args.limit <= NEXT_UP_LIMIT and not args.count_only
    query.sort = TaskSort(sort)
    # Newest first for creation and completion; soonest first (then priority) for due dates.
    query.descending = sort in {"created", "completed"}
    query.priority_ties = sort == "due"
    return result


# Answers ----------------------------------------------------------------------------------------


def _day(value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}"


def _clock(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M")


def window_text(window: Edges, zone: ZoneInfo) -> str:
    """ "on Mon 30 Nov", "between Mon 30 Nov and Wed 2 Dec", "on Sat 28 Nov 17:00-24:00"."""
    start, end = (None if w is None else w.astimezone(zone) for w in window)
    if start is None or end is None:
        if end is not None:
            if (end.hour, end.minute) == (0, 0):
                return f"by {_day(end - timedelta(days=1), zone)}"
            return f"before {_day(end, zone)} {_clock(end, zone)}"
        assert start is not None
        clock = "" if (start.hour, start.minute) == (0, 0) else f" {_clock(start, zone)}"
        return f"on or after {_day(start, zone)}{clock}"
    whole_days = (start.hour, start.minute, end.hour, end.minute) == (0, 0, 0, 0)
    if whole_days:
        last = end - timedelta(days=1)
        if last.date() <= start.date():
            return f"on {_day(start, zone)}"
        return f"between {_day(start, zone)} and {_day(last, zone)}"
    if end - start <= timedelta(days=1):
        stop = "24:00" if (end.hour, end.minute) == (0, 0) else _clock(end, zone)
        return f"on {_day(start, zone)} {_clock(start, zone)}-{stop}"
    return (
        f"between {_day(start, zone)} {_clock(start, zone)} and {_day(end, zone)} "
        f"{_clock(end, zone)}"
    )


def _plural(count: int, noun: str = "task") -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _filters_text(args: ListTasksArgs) -> str:
    parts = []
    if args.priority is not None and args.priority is not TaskPriority.none:
        parts.append(f"{args.priority.value} priority or higher")
    if args.tag:
        parts.append(f"tagged #{args.tag.lstrip('#@')}")
    if args.project:
        parts.append(f"in project:{args.project.lstrip('+')}")
    if args.search:
        parts.append(f"matching “{args.search}”")
    if args.query:
        parts.append(f"matching the filter “{args.query}”")
    return (" " + ", ".join(parts)) if parts else ""


def answer(
    args: ListTasksArgs,
    found: ListPlan,
    tasks: Sequence[Task | TaskPublic],
    total: int,
    lines: list[str],
    zone: ZoneInfo,
) -> str:
    """The reply for a list_tasks call: count, overdue, completed, next up, window or plain."""
    filters = _filters_text(args)
    if args.status == "all":
        # Whatever its status: say which are done and which are not ("is the report done?").
        lines = [
            line if task.status == TaskStatus.completed.value else f"{line} (not done yet)"
            for line, task in zip(lines, tasks, strict=False)
        ]
    more = f"\n(and {total - len(tasks)} more)" if total > len(tasks) else ""
    body = ("\n" + "\n".join(lines) + more) if lines else ""
    if found.completed_window is not None:
        when = window_text(found.completed_window, zone)
        if not total:
            return f"You completed no tasks{filters} {when}."
        verb = "completed" if args.count_only else "finished"
        return f"You {verb} {_plural(total)}{filters} {when}:{body}"
    if found.overdue:
        if not total:
            return f"Nothing{filters} is overdue."
        verb = "is" if total == 1 else "are"
        return f"{_plural(total)}{filters} {verb} overdue:{body}"
    when = ""
    if found.due_window is not None:
        when = " due " + window_text(found.due_window, zone)
        if found.rolling_week:
            when = " due in the next 7 days (" + window_text(found.due_window, zone) + ")"
    if found.next_up:
        if not total:
            return f"Nothing{filters} is open{when}: you are all caught up."
        return f"Next up{filters}{when}:{body}"
    status = {"completed": "completed ", "open": "open ", "all": ""}[args.status]
    if args.count_only:
        if args.status == "completed":
            return f"You completed {_plural(total)}{filters}{when}{':' if total else '.'}{body}"
        if not total:
            return f"You have no {status}tasks{filters}{when}."
        return f"You have {total} {status}{'task' if total == 1 else 'tasks'}{filters}{when}:{body}"
    if not total:
        if found.due_window is not None:
            return f"Nothing{filters} is{when}."
        return f"No tasks match{':' if filters else ''}{filters}."
    return f"{_plural(total)}{filters}{when}:{body}"
