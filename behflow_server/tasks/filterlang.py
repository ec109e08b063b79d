"""The filter language (docs/filters.md): one text shared by the CLI, `?q=`, the TUI, the web
search box and the agent's list tool, compiled to one SQLAlchemy condition.

    project:work +urgent due.before:eow status:open
    (priority.above:medium or +urgent) and not is:overdue "quarterly report"

A hand-written tokenizer and recursive-descent parser rather than a grammar library (lark):
the grammar is a dozen lines, every token keeps its offset for the error caret, nesting and
token counts are bounded before anything recurses, and the server gains no dependency.
Precedence, loosest first: `or`, `and` (also implied between terms), `not`/`-`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col

from behflow_server.dates import day_bounds, parse_iso, read_window
from behflow_server.db import dialect_of, json_list_contains, task_text_matches
from behflow_server.errors import InvalidInput
from behflow_server.tasks.models import PRIORITY_RANK, Task, TaskPriority
from behflow_server.tasks.query import TASKS_TABLE, is_open, is_overdue, parse_statuses

MAX_LENGTH = 1000
MAX_TOKENS = 200
MAX_DEPTH = 20

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_TOKENS",
    "Compiled",
    "Node",
    "compile_filter",
    "parse",
    "write_defaults",
]


# Tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    pos: int  # offset of the token's first character in the filter text (0-based)
    raw: str  # the text as typed
    text: str  # quotes removed
    kind: str  # "(", ")", "word", "phrase" (started with a quote)


def _error(message: str, token: Token | None, text: str, hint: str = "") -> InvalidInput:
    pos = token.pos if token is not None else len(text)
    shown = token.raw if token is not None else ""
    where = f"at {pos}" if token is not None else "at the end"
    return InvalidInput(
        f"{message} {where}{hint}",
        code="invalid_filter",
        details={"position": pos, "token": shown},
    )


_QUOTES = "\"'"


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise InvalidInput(
            f"filter is too long: {len(text)} characters, at most {MAX_LENGTH}",
            code="invalid_filter",
            details={"position": MAX_LENGTH, "token": ""},
        )
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            tokens.append(Token(i, ch, ch, ch))
            i += 1
        else:
            start = i
            parts: list[str] = []
            while i < n and not text[i].isspace() and text[i] not in "()":
                ch = text[i]
                # A quote opens a quoted stretch at a token's start, after a sign or after
                # a field's colon; elsewhere it is a letter ("don't").
                if ch in _QUOTES and (i == start or text[i - 1] in ":+-"):
                    end = text.find(ch, i + 1)
                    if end < 0:
                        bad = Token(i, text[i:], text[i + 1 :], "phrase")
                        raise _error("unterminated quote", bad, text)
                    parts.append(text[i + 1 : end])
                    i = end + 1
                    continue
                parts.append(ch)
                i += 1
            raw = text[start:i]
            kind = "phrase" if raw[0] in _QUOTES else "word"
            tokens.append(Token(start, raw, "".join(parts), kind))
        if len(tokens) > MAX_TOKENS:
            raise _error(f"filter has too many terms (at most {MAX_TOKENS})", tokens[-1], text)
    return tokens


# The tree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Term:
    """field[.modifier]:value; `+tag` is Term("tag", "", tag); a word is Term("text", ...)."""

    field: str
    modifier: str
    value: str
    token: Token


Node = And | Or | Not | Term

FIELDS: dict[str, tuple[str, ...]] = {
    # canonical field -> the modifiers it takes ("" = none given)
    "project": ("", "is", "not"),
    "status": ("", "not"),
    "priority": ("", "is", "above", "below", "not"),
    "due": ("", "is", "before", "after", "by", "not"),
    "completed": ("", "is", "before", "after", "by", "not"),
    "created": ("", "is", "before", "after", "by", "not"),
    "modified": ("", "is", "before", "after", "by", "not"),
    "tag": ("", "not"),
    "has": ("", "not"),
    "is": ("", "not"),
}
ALIASES = {
    "pri": "priority",
    "proj": "project",
    "tags": "tag",
    "end": "completed",
    "entry": "created",
    "updated": "modified",
}
HAS_VALUES = ("due", "project", "tags", "description", "reminder", "recurrence")
IS_VALUES = ("overdue", "open", "completed", "recurring")
PRIORITY_ALIASES = {"h": "high", "m": "medium", "l": "low", "u": "urgent", "n": "none"}

_FIELD = re.compile(r"^([A-Za-z]+)(?:\.([A-Za-z]+))?:")


def _suggest(word: str, choices: list[str], aliases: dict[str, str] | None = None) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    if not close:
        return ""
    return f"; did you mean {(aliases or {}).get(close[0], close[0])!r}?"


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def is_op(self, token: Token | None, word: str) -> bool:
        return token is not None and token.kind == "word" and token.text.lower() == word

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_()
        token = self.peek()
        if token is not None:  # only a stray ")" stops or_() early
            raise _error("unmatched ')'", token, self.text)
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.is_op(self.peek(), "or"):
            self.i += 1
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Node:
        items = [self.unary()]
        while True:
            token = self.peek()
            if token is None or token.kind == ")" or self.is_op(token, "or"):
                break
            if self.is_op(token, "and"):
                self.i += 1
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise _error("a term is missing", None, self.text)
        self.enter(token)
        try:
            if self.is_op(token, "not"):
                self.i += 1
                return Not(self.unary())
            if token.kind == "word" and token.raw == "-":
                # "-" alone before "(" or a term negates it, like `not`.
                self.i += 1
                return Not(self.unary())
            if token.kind == "(":
                self.i += 1
                node = self.or_()
                close = self.peek()
                if close is None or close.kind != ")":
                    raise _error("'(' is never closed", token, self.text)
                self.i += 1
                return node
            if token.kind == ")":
                raise _error("unexpected ')'", token, self.text)
            if self.is_op(token, "and") or self.is_op(token, "or"):
                raise _error(f"{token.text!r} needs a term on each side", token, self.text)
            self.i += 1
            return self.term(token)
        finally:
            self.depth -= 1

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(f"filter is nested too deeply (at most {MAX_DEPTH})", token, self.text)

    def term(self, token: Token) -> Node:
        if token.kind == "phrase":
            return Term("phrase", "", token.text, token)
        text = token.text
        if text == "+":
            raise _error("'+' needs a tag name after it", token, self.text)
        if text[0] in "+-" and len(text) > 1:
            negated = text[0] == "-"
            rest = text[1:]
            if _FIELD.match(rest) or token.raw[1] in _QUOTES:
                # -project:x, -"words": the sign negates the term after it.
                inner = Token(token.pos + 1, token.raw[1:], rest, "word")
                if token.raw[1] in _QUOTES:
                    inner = Token(token.pos + 1, token.raw[1:], rest, "phrase")
                signed = self.term(inner)
                return Not(signed) if negated else signed
            tag = Term("tag", "", rest, token)
            _check_tag(tag, self.text)
            return Not(tag) if negated else tag
        match = _FIELD.match(token.raw)
        if match is None:
            return Term("text", "", text, token)
        name, modifier = match.group(1).lower(), (match.group(2) or "").lower()
        field = ALIASES.get(name, name)
        if field not in FIELDS:
            hint = _suggest(name, [*FIELDS, *ALIASES], ALIASES)
            raise _error(f"unknown field {name!r}", token, self.text, hint)
        if modifier not in FIELDS[field]:
            allowed = ", ".join(m for m in FIELDS[field] if m)
            raise _error(
                f"{field}: unknown modifier {modifier!r} (use {allowed})", token, self.text
            )
        value = text[len(match.group(0)) :]
        kept = "" if modifier == "not" or (modifier == "is" and field != "project") else modifier
        term = Term(field, kept, value, token)
        _check_value(term, self.text)
        return Not(term) if modifier == "not" else term


def _check_tag(term: Term, text: str) -> None:
    if not term.value.lstrip("#") or len(term.value) > 50:
        raise _error("a tag needs a name of 1 to 50 characters", term.token, text)


def _check_value(term: Term, text: str) -> None:
    """Values that need no clock or zone are checked at parse time (so a saved filter is)."""
    field, value = term.field, term.value.strip().lower()
    if field == "status":
        try:
            parse_statuses(value.split(","))
        except InvalidInput as exc:
            raise _error(exc.message, term.token, text) from None
    elif field == "priority":
        for part in value.split(","):
            if PRIORITY_ALIASES.get(part, part) not in PRIORITY_RANK:
                allowed = ", ".join(p.value for p in TaskPriority)
                raise _error(f"priority: unknown value {part!r}; use {allowed}", term.token, text)
    elif field == "has" and value not in HAS_VALUES:
        hint = _suggest(value, list(HAS_VALUES))
        raise _error(f"has: unknown value {value!r}", term.token, text, hint)
    elif field == "is" and value not in IS_VALUES:
        hint = _suggest(value, list(IS_VALUES))
        raise _error(f"is: unknown value {value!r}", term.token, text, hint)
    elif field == "tag":
        _check_tag(term, text)
    elif field in ("project",) and len(value) > 100:
        raise _error("project: at most 100 characters", term.token, text)


def parse(text: str) -> Node | None:
    """The filter's tree (None for a blank filter); InvalidInput `invalid_filter` otherwise."""
    return _Parser(text, tokenize(text)).parse()


# Dates -----------------------------------------------------------------------------------

# What a compiled filter's meaning depends on, for caching list totals.
CLOCK_NONE, CLOCK_DAY, CLOCK_INSTANT = 0, 1, 2


@dataclass(frozen=True)
class DateRef:
    """A date value: an instant (start == end) or a window [start, end); `day` is the day
    window plain `due:` matches."""

    start: datetime
    end: datetime
    day: tuple[datetime, datetime]
    clock: int

    @property
    def point(self) -> bool:
        return self.start == self.end


_OFFSET = re.compile(r"^([+-])(\d{1,4})([hdwmy])$")
_DAY_WORDS = {"yesterday": -1, "today": 0, "tomorrow": 1}


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def read_date(value: str, zone: ZoneInfo, now: datetime) -> DateRef | None:
    """`today`, `sow`/`eow`, `+3d`, an ISO date or time, or any phrase the date grammar reads."""
    word = " ".join(value.strip().lower().split())
    local = now.astimezone(zone)
    today = local.date()

    def instant(at: datetime, clock: int, *, ends: bool = False) -> DateRef:
        # An end-of-period instant (eow: next Monday 00:00) belongs to the day before it.
        day = (at - timedelta(microseconds=1) if ends else at).astimezone(zone).date()
        return DateRef(at, at, day_bounds(day, zone), clock)

    if word in _DAY_WORDS:
        bounds = day_bounds(today + timedelta(days=_DAY_WORDS[word]), zone)
        return DateRef(bounds[0], bounds[1], bounds, CLOCK_DAY)
    if word == "now":
        return instant(now, CLOCK_INSTANT)
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    edges = {
        "sod": (today, False),
        "eod": (today + timedelta(days=1), True),
        "sow": (monday, False),
        "eow": (monday + timedelta(weeks=1), True),
        "som": (first, False),
        "eom": (first + relativedelta(months=1), True),
        "soy": (date(today.year, 1, 1), False),
        "eoy": (date(today.year + 1, 1, 1), True),
    }
    if word in edges:
        day, ends = edges[word]
        return instant(_midnight(day, zone), CLOCK_DAY, ends=ends)
    offset = _OFFSET.match(word)
    if offset is not None:
        sign = 1 if offset.group(1) == "+" else -1
        count = sign * int(offset.group(2))
        unit = offset.group(3)
        delta = {
            "h": relativedelta(hours=count),
            "d": relativedelta(days=count),
            "w": relativedelta(weeks=count),
            "m": relativedelta(months=count),
            "y": relativedelta(years=count),
        }[unit]
        return instant(local + delta, CLOCK_INSTANT)
    iso = parse_iso(value.strip(), zone)
    if iso is not None and iso.has_time:
        return instant(iso.value, CLOCK_NONE)
    if iso is not None:
        bounds = day_bounds(iso.value.date(), zone)
        return DateRef(bounds[0], bounds[1], bounds, CLOCK_NONE)
    window = read_window(word, zone, now)
    if window is None:
        return None
    start, end = window
    aligned = all(edge.astimezone(zone).time() == time.min for edge in (start, end))
    clock = CLOCK_DAY if aligned else CLOCK_INSTANT
    if start == end:
        return instant(start, clock)
    return DateRef(start, end, (start, end), clock)


# SQL -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    condition: sa.ColumnElement[bool]
    clock: int  # CLOCK_NONE: the same rows whenever asked; CLOCK_DAY: the same all day


_DATE_COLUMNS = {
    "due": col(Task.due_at),
    "completed": col(Task.completed_at),
    "created": col(Task.created_at),
    "modified": col(Task.updated_at),
}


class _Compiler:
    def __init__(self, session: Session, text: str, zone: ZoneInfo, now: datetime) -> None:
        self.session = session
        self.text = text
        self.zone = zone
        self.now = now
        self.clock = CLOCK_NONE

    def node(self, node: Node) -> sa.ColumnElement[bool]:
        if isinstance(node, And):
            return sa.and_(*(self.node(item) for item in node.items))
        if isinstance(node, Or):
            return sa.or_(*(self.node(item) for item in node.items))
        if isinstance(node, Not):
            return sa.not_(self.node(node.item))
        return self.term(node)

    def term(self, term: Term) -> sa.ColumnElement[bool]:
        # Every condition is true or false, never NULL, so `not` keeps the rows it should
        # (`-project:work` keeps tasks without a project).
        value = term.value.strip()
        lowered = value.lower()
        field = term.field
        if field == "text":
            return task_text_matches(self.session, TASKS_TABLE, value)
        if field == "phrase":
            return self.phrase(value)
        if field == "tag":
            return json_list_contains(self.session, col(Task.tags), lowered.lstrip("#"))
        if field == "project":
            return self.project(lowered.lstrip("+"), exact=term.modifier == "is")
        if field == "status":
            statuses = parse_statuses(lowered.split(","))
            return col(Task.status).in_([s.value for s in statuses])
        if field == "priority":
            return self.priority(lowered, term.modifier)
        if field in _DATE_COLUMNS:
            return self.dated(term, value)
        if field == "has":
            return self.has(lowered)
        return self.is_(lowered)

    def phrase(self, value: str) -> sa.ColumnElement[bool]:
        """The words (indexed search), then the exact phrase in the title or description."""
        if not value.strip():
            return sa.true()
        words = task_text_matches(self.session, TASKS_TABLE, value)
        needle = value.lower()
        title = sa.func.lower(col(Task.title)).contains(needle, autoescape=True)
        description = sa.and_(
            col(Task.description).is_not(None),
            sa.func.lower(col(Task.description)).contains(needle, autoescape=True),
        )
        return sa.and_(words, sa.or_(title, description))

    def project(self, name: str, *, exact: bool) -> sa.ColumnElement[bool]:
        column = col(Task.project)
        if not name:
            return column.is_(None)
        lowered = sa.func.lower(column)
        if exact:
            match = lowered == name
        else:  # project:work is work and every sub-project (work.q1, work.q1.x)
            match = sa.or_(lowered == name, lowered.startswith(name + ".", autoescape=True))
        return sa.and_(column.is_not(None), match)

    def priority(self, value: str, modifier: str) -> sa.ColumnElement[bool]:
        names = [PRIORITY_ALIASES.get(part, part) for part in value.split(",")]
        ranks = [PRIORITY_RANK[name] for name in names]
        if modifier == "above":
            allowed = [p for p, rank in PRIORITY_RANK.items() if rank > max(ranks)]
        elif modifier == "below":
            allowed = [p for p, rank in PRIORITY_RANK.items() if rank < min(ranks)]
        else:
            allowed = names
        return col(Task.priority).in_(allowed)

    def dated(self, term: Term, value: str) -> sa.ColumnElement[bool]:
        column = _DATE_COLUMNS[term.field]
        if value.lower() in ("", "none"):
            return column.is_(None)
        ref = read_date(value, self.zone, self.now)
        if ref is None:
            raise _error(
                f"{term.field}: cannot read {term.value!r} as a date", term.token, self.text
            )
        self.clock = max(self.clock, ref.clock)
        if term.modifier == "before":
            match = column < ref.start
        elif term.modifier == "after":
            match = column > ref.end if ref.point else column >= ref.end
        elif term.modifier == "by":
            match = column <= ref.end if ref.point else column < ref.end
        else:
            match = sa.and_(column >= ref.day[0], column < ref.day[1])
        return sa.and_(column.is_not(None), match)

    def has(self, value: str) -> sa.ColumnElement[bool]:
        if value == "tags":
            length = (
                sa.func.jsonb_array_length(col(Task.tags))
                if dialect_of(self.session) == "postgresql"
                else sa.func.json_array_length(col(Task.tags))
            )
            return sa.func.coalesce(length, 0) > 0
        if value == "description":
            return sa.and_(col(Task.description).is_not(None), col(Task.description) != "")
        column = {
            "due": col(Task.due_at),
            "project": col(Task.project),
            "reminder": col(Task.remind_at),
            "recurrence": col(Task.recurrence),
        }[value]
        return column.is_not(None)

    def is_(self, value: str) -> sa.ColumnElement[bool]:
        if value == "overdue":
            self.clock = CLOCK_INSTANT
            return sa.and_(col(Task.due_at).is_not(None), is_overdue(self.now))
        if value == "open":
            return is_open()
        if value == "completed":
            return col(Task.status) == "completed"
        return col(Task.recurrence).is_not(None)  # recurring


def compile_filter(
    session: Session, texts: list[str], zone: ZoneInfo, now: datetime
) -> Compiled | None:
    """The AND of the filters (a context, a saved filter, the request's q), or None when all
    are blank. Dates are read in `zone` relative to `now`."""
    conditions: list[sa.ColumnElement[bool]] = []
    clock = CLOCK_NONE
    for text in texts:
        node = parse(text)
        if node is None:
            continue
        compiler = _Compiler(session, text, zone, now)
        conditions.append(compiler.node(node))
        clock = max(clock, compiler.clock)
    if not conditions:
        return None
    return Compiled(sa.and_(*conditions), clock)


def write_defaults(text: str) -> tuple[str | None, list[str]]:
    """What a context gives a new task, as Taskwarrior's write context: the project of a
    positive `project:` term and the tags of `+tag` terms, taken only from the filter's top
    level AND (a filter with `or` at the top gives nothing)."""
    node = parse(text)
    items: tuple[Node, ...] = ()
    if isinstance(node, And):
        items = node.items
    elif isinstance(node, Term):
        items = (node,)
    project: str | None = None
    tags: list[str] = []
    for item in items:
        if not isinstance(item, Term):
            continue
        if item.field == "project" and item.value.strip() and project is None:
            project = item.value.strip().lstrip("+")
        elif item.field == "tag":
            tag = item.value.strip().lstrip("#").lower()
            if tag and tag not in tags:
                tags.append(tag)
    return project, tags
