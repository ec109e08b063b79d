"""Quick add: one line of text -> task fields ("Call mom tomorrow 5pm #family !high").

The one reader of task text: POST /api/v1/tasks/quick, `behflow task add`, the TUI and web
quick-add boxes and the offline agent model all use `parse_text`.

Reads, in this order: Taskwarrior attributes (`due:tomorrow`, `project:Home` / `pro:Home`,
`priority:H` / `pri:H`), "quoted words" (kept literally), tags (`#tag`, Todoist's `@label`,
Taskwarrior's `+tag`), `!priority` / `p1`, recurrence words ("every other friday at 5pm"),
priority words ("urgent"), then one date phrase. What is left is the title, tidied: lead-ins
("I need to", "remember to") and words the removed parts left dangling ("by the") go, and the
first letter is capitalised. `read_text` also returns the character spans each field came from.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from pydantic import Field, computed_field
from sqlmodel import Session, SQLModel

from behflow_server.auth.models import User
from behflow_server.dates import END_OF_DAY, ParsedWhen, find_when, parse_when
from behflow_server.db import utcnow
from behflow_server.errors import InvalidInput
from behflow_server.phrases.vocabulary import SMALL, TENS
from behflow_server.tasks import recurrence as recurrence_rules
from behflow_server.tasks import recurrence_phrases, service
from behflow_server.tasks.models import (
    Task,
    TaskCreate,
    TaskDetails,
    TaskPriority,
    normalize_tags,
)
from behflow_server.tasks.rule_words import describe_rule
from behflow_server.timezones import get_zone

MAX_TEXT = 2000

PRIORITY_MARKS = {
    "urgent": TaskPriority.urgent,
    "high": TaskPriority.high,
    "medium": TaskPriority.medium,
    "med": TaskPriority.medium,
    "low": TaskPriority.low,
    "none": TaskPriority.none,
    "1": TaskPriority.urgent,
    "2": TaskPriority.high,
    "3": TaskPriority.medium,
    "4": TaskPriority.low,
}
# Words that set a priority; longest first so "high priority" wins over "high".
PRIORITY_WORDS: list[tuple[str, TaskPriority]] = [
    ("top priority", TaskPriority.urgent),
    ("high priority", TaskPriority.high),
    ("medium priority", TaskPriority.medium),
    ("low priority", TaskPriority.low),
    ("urgently", TaskPriority.urgent),
    ("urgent", TaskPriority.urgent),
    ("asap", TaskPriority.urgent),
    ("important", TaskPriority.high),
]

_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|'([^']{2,})'(?!\w)")
# Tags: #tag (Behflow), @label (Todoist), +tag (Taskwarrior; a letter first, so "+1" stays).
# "subtask of #12", "as a subtask of task 12", "under #12": the parent's number (read before
# tags, which would take "#12"). "under" needs the "#": "under 5 minutes" is no parent.
_PARENT = re.compile(
    r"(?<!\S)(?:(?:as\s+)?(?:an?\s+)?sub-?task\s+of\s+(?:task\s+)?#?|under\s+(?:task\s+)?#)"
    r"(\d{1,9})(?!\S)",
    re.IGNORECASE,
)
_TAGS = re.compile(r"(?<!\S)(?:#([\w][\w\-/.]*)|[@+]([^\W\d_][\w\-/.]*))")
_PRIORITY = re.compile(
    r"(?<!\S)(?:!(urgent|high|medium|med|low|none|[1-4])|p([1-4]))(?!\S)", re.IGNORECASE
)

_DAY_CODES = {"mo": "MO", "tu": "TU", "we": "WE", "th": "TH", "fr": "FR", "sa": "SA", "su": "SU"}
_WD = (
    r"(?:mondays?|mon|tuesdays?|tues?|wednesdays?|wed|thursdays?|thur?s?|fridays?|fri"
    r"|saturdays?|sat|sundays?|sun)"
)
_COUNT_WORDS = {
    "other": 2,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "2nd": 2,
    "second": 2,
    "3rd": 3,
    "third": 3,
}
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november"
    "|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_EVERY = r"(?:every|each)"
_NTH = r"(?P<md>\d{1,2})(?:st|nd|rd|th)?"
_POSITION = r"(?P<pos>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)"
_RECURRENCE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # "2 weeks after completion": an interval counted from completion, said without "every".
    (
        "after",
        re.compile(
            rf"\b(?:{_EVERY}\s+)?(?P<count>\d{{1,3}}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
            rf"|twelve)\s+(?P<unit>day|week|month|year)s?(?=\s+{recurrence_phrases.DONE}"
            r"(?!\s+(?:the|a|an|my|your|his|her|their|our|this|that|with|of)\b))",
            re.I,
        ),
    ),
    # "every last friday", "the 2nd tuesday of every month": a weekday's place in the month.
    (
        "monthpos",
        re.compile(
            rf"\b{_EVERY}\s+{_POSITION}\s+(?P<day>{_WD})(?:\s+of\s+(?:the|every|each)\s+month)?\b"
            rf"|\b(?:on\s+)?the\s+{_POSITION.replace('pos>', 'pos2>')}\s+(?P<day2>{_WD})"
            rf"\s+of\s+{_EVERY}\s+month\b",
            re.I,
        ),
    ),
    (
        "monthday",
        re.compile(rf"\b(?:on\s+)?(?:the\s+)?{_NTH}\s+(?:day\s+)?of\s+{_EVERY}\s+month\b", re.I),
    ),
    ("monthday", re.compile(rf"\b(?:{_EVERY}\s+month|monthly)\s+on\s+the\s+{_NTH}\b", re.I)),
    (
        "monthday",
        re.compile(rf"\b{_EVERY}\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)\b(?!\s+{_WD}\b)", re.I),
    ),
    (
        "yearday",
        re.compile(rf"\b{_EVERY}\s+(?:year\s+on\s+)?(?P<month>{_MONTHS})\s+{_NTH}\b", re.I),
    ),
    (
        "weekdays",
        re.compile(
            r"\b(?:every|each)\s+(?:weekday|workday|work\s+day|business\s+day)s?\b"
            r"|\b(?:on\s+)?weekdays\b",
            re.I,
        ),
    ),
    ("weekend", re.compile(r"\b(?:every|each)\s+weekend\b|\b(?:on\s+)?weekends\b", re.I)),
    (
        "days",
        re.compile(
            rf"\b{_EVERY}\s+(?:(?P<count>other|\d+|two|three|four|five|six|2nd|second|3rd|third)"
            rf"\s+)?(?P<days>{_WD}(?:\s*(?:,|and|&|,\s*and)\s*{_WD})*)\b",
            re.I,
        ),
    ),
    ("days", re.compile(r"\bon\s+(?P<days>(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b", re.I)),
    (
        "unit",
        re.compile(
            rf"\b{_EVERY}\s+(?:(?P<count>other|\d+|two|three|four|five|six|2nd|second|3rd|third)"
            r"\s+)?(?P<unit>day|week|month|year)s?\b",
            re.I,
        ),
    ),
    ("unit", re.compile(r"\b(?P<unit>everyday)\b", re.I)),
    # "weekly" and friends only at the very end: "Water plants daily", not "Weekly report".
    (
        "adverb",
        re.compile(
            r"\b(?P<adverb>daily|weekly|monthly|yearly|annually|biweekly|fortnightly)\s*$", re.I
        ),
    ),
]
# First four letters of a weekday's place in the month -> its BYDAY prefix.
_POSITIONS = {"firs": 1, "1st": 1, "seco": 2, "2nd": 2, "thir": 3, "3rd": 3, "four": 4, "4th": 4}
_POSITIONS |= {"fift": 5, "5th": 5, "last": -1}
_FREQ = {
    "day": "DAILY",
    "everyday": "DAILY",
    "week": "WEEKLY",
    "month": "MONTHLY",
    "year": "YEARLY",
}
_ADVERBS = {
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
    "yearly": "FREQ=YEARLY",
    "annually": "FREQ=YEARLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
}


class QuickAdd(TaskDetails):
    """POST /api/v1/tasks/quick: text plus optional fields that win over what the text says."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    due: str | None = Field(default=None, min_length=1, max_length=200)
    priority: TaskPriority | None = None
    # The parent task's number: the new task is its subtask (tasks/subtasks.py).
    parent: int | None = Field(default=None, ge=1, le=2_147_483_647)
    dry_run: bool = False


class QuickParsed(SQLModel):
    """The fields quick add would create."""

    title: str
    description: str | None = None
    due_at: datetime | None = None
    due_has_time: bool = False
    priority: TaskPriority = TaskPriority.none
    tags: list[str] = Field(default_factory=list)
    project: str | None = None
    recurrence: str | None = None
    remind_at: datetime | None = None
    # The end of a range such as "friday 3-4pm" (due_at is its start).
    ends_at: datetime | None = None
    # The parent task's number ("subtask of #12"): the new task is its subtask.
    parent: int | None = None
    # Date words left out because they could not be read with confidence ("11 in the
    # afternoon"): a wrong time is worse than none, so the time was not set.
    unsure: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recurrence_text(self) -> str | None:
        """The rule in words, as TaskPublic says it."""
        return describe_rule(self.recurrence)


class QuickSpan(SQLModel):
    """Characters text[start:end] that were read as `field` (and so left the title).

    field: due, priority, tags, project, recurrence, remind ("remind me an hour before"), parent,
    lead-in ("I need to") or filler (a word such as "by" or "the" that the removed parts left
    dangling, or one said around the task: "too", "please"). `value` is what the span became:
    a UTC ISO time for due (an ISO interval "start/end" for a range) and remind, the tag,
    project, priority or RRULE; none for lead-in and filler.
    """

    start: int
    end: int
    text: str
    field: str
    value: str | None = None


class QuickReading(SQLModel):
    """What parse_text reads, and from which characters."""

    parsed: QuickParsed
    spans: list[QuickSpan] = Field(default_factory=list)


class QuickPreview(SQLModel):
    parsed: QuickParsed
    spans: list[QuickSpan] = Field(default_factory=list)


# Quoted text is masked with private-use characters (one code point per quote, the same
# length as the quote) so positions stay those of the original text and no rule reads it.
_QUOTE_BASE = 0xF0000
_QUOTE_CHARS = "\U000f0000-\U000ffffd"
_QUOTE_RUN = re.compile(f"([{_QUOTE_CHARS}])\\1*")
_RESERVED = re.compile(f"[{_QUOTE_CHARS}]")

# Taskwarrior-style attributes: due:tomorrow, project:Home (pro:, proj:), priority:H (pri:).
_ATTRIBUTE = re.compile(
    r"(?<!\S)(?P<name>due|project|proj|pro|priority|pri):"
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"']\S*))",
    re.IGNORECASE,
)
_ATTRIBUTE_FIELDS = {
    "due": "due",
    "project": "project",
    "proj": "project",
    "pro": "project",
    "priority": "priority",
    "pri": "priority",
}
_ATTRIBUTE_PRIORITIES = {
    "h": TaskPriority.high,
    "m": TaskPriority.medium,
    "l": TaskPriority.low,
    **{p.value: p for p in TaskPriority},
    **{name: PRIORITY_MARKS[name] for name in ("med", "1", "2", "3", "4")},
}

# Words said before the task itself: "I need to call the plumber" is the task "Call the plumber";
# a label ("Reminder:", "todo -") and a statement's opening ("I have a", "there's a") too.
_LEAD_IN = re.compile(
    r"(?:(?:please|pls|plz|kindly)\s+)?(?:"
    r"(?:(?:i|we)\s+)?(?:really\s+|still\s+|also\s+)?(?:need|have)\s+to"
    r"|(?:(?:i|we)\s+)?(?:really\s+|still\s+|also\s+)?(?:must|should|ought\s+to|gotta)"
    r"|(?:i|we)(?:['\u2019]d|\s+had)?\s+better"
    r"|(?:i|we)(?:['\u2019]d|\s+would)\s+like\s+to|(?:i|we)\s+want\s+to"
    r"|(?:(?:i|we)(?:['\u2019]ve|\s+have)\s+)?got\s+to"
    r"|let['\u2019]s(?=\s+(?-i:[a-z]))|let\s+us(?=\s+(?-i:[a-z]))"
    r"|(?:remember|don['\u2019]?t\s+forget|do\s+not\s+forget)\s+to"
    r"|remind\s+(?:me|us)\s+to"
    r"|(?:(?:a|my)\s+)?(?:reminder|note)(?:\s+to\s+(?:self|myself))?\s*[:\-\u2013\u2014]"
    r"|(?:todo|to-do|to\s+do|task|memo)\s*[:\-\u2013\u2014]"
    r"|(?:a\s+)?reminder\s+(?:to|that)"
    r"|(?:i|we)\s+(?:have|['\u2019]?ve\s+got|have\s+got)\s+(?:a|an)"
    r"|(?:i|we)['\u2019]ve\s+got\s+(?:a|an)"
    r"|there(?:['\u2019]s|\s+is|\s+will\s+be|['\u2019]ll\s+be)\s+(?:a|an)"
    r"|(?:please|pls|plz|kindly)(?=\s+(?-i:[a-z]))"
    r")(?:\s+(?:really|definitely|probably|also|still))?(?=\s)",
    re.IGNORECASE,
)
# Words said after the task: "pay the water bill too", "..., please", "... thanks".
_TRAILING = re.compile(
    r"(?<![^\s,;])(?:too|as\s+well|also|please|pls|plz|(?:please\s+and\s+)?thank\s+you"
    r"|thanks|thx|ty|cheers"
    r"|for\s+me)[\s,;.!]*$",
    re.IGNORECASE,
)
# Words before "thanks" / "please" that make it part of the title ("Send a thank you card" is
# not trailing, and "Say please" keeps its "please").
_NOT_TRAILING_AFTER = re.compile(
    r"(?:^|\s)(?:a|an|the|say|send|write|my|our|big)\s*$", re.IGNORECASE
)
# Words that tie a priority to the task ("with low priority", "and make it high priority").
_PRIORITY_CONNECTIVE = re.compile(
    r"(?:[,;]\s*(?:and\s+)?|\s+and\s+|\s+|^)"
    r"(?:(?:make|mark|set|flag)\s+(?:it|this)\s+(?:as\s+)?|it(?:['\u2019]s|\s+is)\s+"
    r"|(?:with|at|as)\s+)(?:an?\s+)?(?:priority\s+(?:of\s+|is\s+)?)?\s*$",
    re.IGNORECASE,
)
# Tags and projects said in words: "tag it work", "with the tag garden", "in my home project".
# Only at the end of what is left, or before a comma or "and", so a title's "price tag" stays.
_PHRASE_END = r"(?=\s*(?:$|[,;.]|and\s))"
_TAG_PHRASE = re.compile(
    r"(?:(?:[,;]\s*(?:and\s+)?|\s+and\s+)(?:tag|label)(?:\s+(?:it|this))?"
    r"|\s+(?:tag|label)\s+(?:it|this)|\s+(?:tagged|labell?ed)"
    r"|\s+with\s+(?:the\s+|a\s+)?(?:tag|label))"
    r"(?:\s+(?:as|with))?\s*:?\s+(?P<tag>[^\W\d_][\w\-/]*)" + _PHRASE_END,
    re.IGNORECASE,
)
_PROJECT_PHRASE = re.compile(
    r"(?:[,;]\s*|\s+)(?:and\s+)?(?:put\s+it\s+|file\s+it\s+)?"
    r"(?:(?:in|into|under|to)\s+(?:my|the|our)\s+(?P<name>[^\W\d_][\w\-]*)\s+project"
    r"|(?:in|under)\s+project\s+(?P<named>[^\W\d_][\w\-]*))" + _PHRASE_END,
    re.IGNORECASE,
)
# A reminder asked for with the task: "... and remind me an hour before".
_REMINDER = re.compile(
    r"(?:[,;]\s*|\s+)(?:and\s+)?(?:remind\s+(?:me|us)|(?:with|set|add)\s+an?\s+reminder"
    r"|reminder)\s+(?:(?P<amount>\d+|an?|one|two|three|four|five|six|ten|fifteen|twenty"
    r"|thirty|forty-?five)\s*(?P<unit>m|mins?|minutes?|h|hrs?|hours?|days?|weeks?)"
    r"|the\s+(?P<unit1>day|week))\s+(?:before(?:hand)?|earlier|ahead)"
    r"(?:\s+(?:it(?:['\u2019]s|\s+is)\s+)?(?:due|starts?)|\s+(?:it|then|that))?"
    r"(?=\s*(?:$|[,;.!]))",
    re.IGNORECASE,
)
# Amounts in "remind me N minutes before": the grammar's number words, and "a"/"an".
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    **SMALL,
    **TENS,
    "fortyfive": 45,
    "forty-five": 45,
}
# "parents evening thursday 7pm", "quiz night on friday": a part of the day after a word that
# is not a date word names an event when another date phrase follows.
_NAMED_PART_OF_DAY = re.compile(
    r"(?<![\w'\u2019])(?P<word>[^\W\d_][\w'\u2019]*)\s+(?P<part>morning|afternoon|evening|night)"
    r"(?![\w'\u2019])",
    re.IGNORECASE,
)
_DATE_WORDS = {
    "this",
    "that",
    "the",
    "today",
    "tonight",
    "tomorrow",
    "tmrw",
    "tmr",
    "yesterday",
    "every",
    "each",
    "next",
    "last",
    "same",
    "in",
    "on",
    "by",
    "at",
    "for",
    "until",
    "till",
    "before",
    "after",
    "from",
    "of",
    "early",
    "late",
    "mid",
    "a",
    "one",
    "per",
    "good",
    "christmas",
    "easter",
    "eve",
    "weekday",
    "o'clock",
}
# Words a removed date or mark leaves dangling at an edge of the title ("Pay rent by").
_DANGLING = {
    "on",
    "by",
    "before",
    "due",
    "at",
    "for",
    "until",
    "till",
    "in",
    "of",
    "from",
    "the",
    "a",
    "an",
}
# A preposition (and article) right before a date phrase belongs to it: "by the end of ...".
_LEADING_PREPOSITION = re.compile(
    r"(?:(?<!\S)(?:on|by|before|due|at|for|until|till|from)\s+)?(?<!\S)the\s+$"
    r"|(?<!\S)(?:on|by|before|due|at|for|until|till|from)\s+$",
    re.IGNORECASE,
)
# "over", "within", "during" belong to a period that starts with an article or "next"
# ("over the next 3 days"); elsewhere "over" is often part of the verb ("think it over").
_PERIOD_PREPOSITION = re.compile(r"(?<!\S)(?:over|within|during|throughout)\s+$", re.IGNORECASE)
_PERIOD_START = re.compile(r"(?:the|this|next|these|a)\b", re.IGNORECASE)


@dataclass
class _Text:
    """The text being read: `text` has quotes masked and the parts already taken blanked."""

    original: str
    text: str
    quoted: list[str] = field(default_factory=list)
    spans: list[QuickSpan] = field(default_factory=list)

    def take(self, start: int, end: int, kind: str, value: str | None = None) -> None:
        """Read text[start:end] as `kind`, one span per stretch not taken before."""
        for piece_start, piece_end in self._pieces(start, end):
            self.spans.append(
                QuickSpan(
                    start=piece_start,
                    end=piece_end,
                    text=self.original[piece_start:piece_end],
                    field=kind,
                    value=value,
                )
            )
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def _pieces(self, start: int, end: int) -> list[tuple[int, int]]:
        """The words in text[start:end], joined where no taken part lies between them."""
        pieces: list[tuple[int, int]] = []
        for match in re.finditer(r"\S+", self.text[start:end]):
            word_start, word_end = start + match.start(), start + match.end()
            if pieces and not self.taken(pieces[-1][1], word_start):
                pieces[-1] = (pieces[-1][0], word_end)
            else:
                pieces.append((word_start, word_end))
        return pieces

    def taken(self, start: int, end: int, fields: frozenset[str] | None = None) -> bool:
        """Whether any character of text[start:end] was read as something (one of `fields`)."""
        return any(
            span.start < end and start < span.end and (fields is None or span.field in fields)
            for span in self.spans
        )


def parse_text(text: str, zone: ZoneInfo, now: datetime | None = None) -> QuickParsed:
    """Read one line of task text; raises InvalidInput when no title is left."""
    return read_text(text, zone, now).parsed


def read_text(text: str, zone: ZoneInfo, now: datetime | None = None) -> QuickReading:
    """Read one line of task text: the fields, and the spans of text each came from."""
    now = (now or utcnow()).astimezone(zone)
    # The masking range is reserved: a user's own character there would read as a quote.
    text = _RESERVED.sub("\ufffd", text)
    work = _Text(text, text)
    attributes = _take_attributes(work, zone, now)
    _mask_quotes(work)
    parent = _take_parent(work)
    tags = _take_tags(work)
    projects = attributes.projects
    priority = _take_priority_marks(work) or attributes.priority
    rule = _take_recurrence(work, zone, now)
    word_priority = _take_priority_words(work)
    priority = priority or word_priority or TaskPriority.none
    when = attributes.when
    if when is None:
        _protect_named_parts_of_day(work, zone, now)
        found = find_when(work.text, zone, now)
        if found is not None:
            when = found.when
            value = _when_value(when)
            for start, end in ((found.start, found.end), *found.more):
                work.take(_with_article(work, start), end, "due", value)
    due_at: datetime | None = when.value if when is not None else None
    has_time = when.has_time if when is not None else False
    ends_at: datetime | None = getattr(when, "end", None) if when is not None else None
    if rule is not None:
        first, has_time = _first_occurrence(rule, due_at, has_time, now)
        if ends_at is not None and due_at is not None:
            ends_at = first + (ends_at - due_at)
        due_at = first
    if ends_at is not None and (due_at is None or ends_at <= due_at):
        ends_at = None
    remind_at = _take_reminder(work, due_at, zone, now) if due_at is not None else None
    _take_priority_connectives(work)
    tags += _take_tag_phrases(work)
    projects = [*_take_project_phrases(work), *projects]
    _take_lead_in(work)
    _take_dangling(work)
    _take_trailing(work)
    title = _title(work)
    if not title:
        raise InvalidInput(
            "Nothing is left for a title after reading dates, tags and priorities; "
            'put literal words in quotes, e.g. "Tomorrow" tomorrow.',
            code="empty_title",
            details={"field": "text"},
        )
    parsed = QuickParsed(
        title=title[:500],
        due_at=due_at.astimezone(UTC) if due_at else None,
        due_has_time=has_time,
        priority=priority,
        tags=normalize_tags(tags) or [],
        project=projects[-1] if projects else None,
        recurrence=rule,
        remind_at=remind_at,
        ends_at=ends_at.astimezone(UTC) if ends_at else None,
        unsure=getattr(when, "unsure", None) if when is not None else None,
        parent=parent,
    )
    return QuickReading(parsed=parsed, spans=sorted(work.spans, key=lambda span: span.start))


def _when_value(when: ParsedWhen) -> str:
    start = when.value.astimezone(UTC).isoformat()
    end: datetime | None = getattr(when, "end", None)
    return f"{start}/{end.astimezone(UTC).isoformat()}" if end is not None else start


@dataclass
class _Attributes:
    when: ParsedWhen | None = None
    projects: list[str] = field(default_factory=list)
    priority: TaskPriority | None = None


def _take_attributes(work: _Text, zone: ZoneInfo, now: datetime) -> _Attributes:
    """Taskwarrior's `due:`, `project:` and `priority:` (read before quotes: due:"next friday")."""
    found = _Attributes()
    quotes = [(quote.start(), quote.end()) for quote in _QUOTED.finditer(work.text)]
    for match in list(_ATTRIBUTE.finditer(work.text)):
        if any(start < match.start() < end for start, end in quotes):
            continue  # inside quoted words, which stay literal
        kind = _ATTRIBUTE_FIELDS[match.group("name").lower()]
        bare = match.group("bare")
        raw = bare.rstrip(".,;") if bare is not None else match.group("dq") or match.group("sq")
        value = (raw or "").strip()
        end = match.start("bare") + len(raw or "") if bare is not None else match.end()
        if kind == "due":
            when = parse_when(value, zone, now) if value else None
            if when is None:
                raise InvalidInput(
                    f"Cannot read {value!r} (after due:) as a date or time.",
                    code="invalid_date",
                    details={"field": "text"},
                )
            found.when = when
            work.take(match.start(), end, "due", _when_value(when))
        elif kind == "project":
            if not value:
                raise InvalidInput(
                    f"{match.group()!r}: the project name is missing.",
                    details={"field": "text"},
                )
            found.projects.append(value)
            work.take(match.start(), end, "project", value)
        else:
            priority = _ATTRIBUTE_PRIORITIES.get(value.lower())
            if priority is None:
                raise InvalidInput(
                    f"{match.group()!r}: use priority:H, priority:M or priority:L.",
                    details={"field": "text"},
                )
            found.priority = priority
            work.take(match.start(), end, "priority", priority.value)
    return found


def _mask_quotes(work: _Text) -> None:
    pieces: list[str] = []
    last = 0
    for match in _QUOTED.finditer(work.text):
        marker = chr(_QUOTE_BASE + len(work.quoted))
        work.quoted.append(next(group for group in match.groups() if group is not None))
        pieces += [work.text[last : match.start()], marker * (match.end() - match.start())]
        last = match.end()
    work.text = "".join(pieces) + work.text[last:]


def _take_parent(work: _Text) -> int | None:
    parent: int | None = None
    for match in list(_PARENT.finditer(work.text)):
        parent = int(match.group(1))
        work.take(match.start(), match.end(), "parent", str(parent))
    return parent if parent is None or 1 <= parent <= 2_147_483_647 else None


def _take_tags(work: _Text) -> list[str]:
    values: list[str] = []
    for match in list(_TAGS.finditer(work.text)):
        group = 1 if match.group(1) is not None else 2
        value = match.group(group).rstrip(".,;")
        values.append(value)
        work.take(match.start(), match.start(group) + len(value), "tags", value.lower())
    return values


def _take_priority_marks(work: _Text) -> TaskPriority | None:
    priority: TaskPriority | None = None
    for match in list(_PRIORITY.finditer(work.text)):
        priority = PRIORITY_MARKS[(match.group(1) or match.group(2)).lower()]
        work.take(match.start(), match.end(), "priority", priority.value)
    return priority


def _take_priority_words(work: _Text) -> TaskPriority | None:
    """A priority word sets the priority; it leaves the title only when it stands at an edge."""
    lowered = work.text.lower()
    for phrase, priority in PRIORITY_WORDS:
        match = re.search(rf"(?<![\w{_QUOTE_CHARS}]){phrase}(?![\w{_QUOTE_CHARS}])", lowered)
        if match is None:
            continue
        before = work.text[: match.start()].strip(" ,;:-!")
        after = work.text[match.end() :].strip(" ,;:-!.")
        if not before or not after or "priority" in phrase:
            work.take(match.start(), match.end(), "priority", priority.value)
        return priority
    return None


def _take_recurrence(
    work: _Text, zone: ZoneInfo | None = None, now: datetime | None = None
) -> str | None:
    zone = zone or ZoneInfo("UTC")
    now = (now or utcnow()).astimezone(zone)
    for kind, pattern in _RECURRENCE_PATTERNS:
        match = pattern.search(work.text)
        if match is None:
            continue
        rule = _rule(kind, match)
        if rule is None:
            continue
        end = match.end()
        # "... after done", "... 5 times", "... until march 1" (tasks/recurrence_phrases.py).
        tail = recurrence_phrases.read_tail(work.text, end, zone, now)
        if tail is not None:
            end, extra, from_completion = tail
            if from_completion and any(part in rule for part in ("BYDAY", "BYMONTHDAY")):
                end, extra = match.end(), ""  # "every monday after done" says no interval
            rule += extra
        try:
            rule = recurrence_rules.validate_rule(rule)
        except InvalidInput:
            continue
        work.take(_with_article(work, match.start()), end, "recurrence", rule)
        return rule
    return None


def _with_article(work: _Text, start: int) -> int:
    """Where a phrase starting at `start` begins with its dangling "by the" / "on" taken along."""
    match = _LEADING_PREPOSITION.search(work.text[:start])
    if match is not None:
        return match.start()
    period = _PERIOD_PREPOSITION.search(work.text[:start])
    if period is not None and _PERIOD_START.match(work.text, start):
        return period.start()
    return start


def _take_lead_in(work: _Text) -> None:
    """Drop "I need to", "remember to", "Reminder:" and the like from the start of what is left."""
    for _ in range(4):  # "Reminder: I need to ...", "please remember to ..."
        first = len(work.text) - len(work.text.lstrip())
        match = _LEAD_IN.match(work.text, first)
        if match is None or not work.text[match.end() :].strip():
            break
        work.take(match.start(), match.end(), "lead-in")
    # "remind me in an hour to move the car": the "to" that followed the removed date.
    words = list(re.finditer(r"\S+", work.text))
    if (
        len(words) >= 2
        and words[0].group().lower() == "to"
        and work.taken(0, words[0].start(), _TIME_FIELDS)
    ):
        work.take(words[0].start(), words[0].end(), "lead-in")


def _take_trailing(work: _Text) -> None:
    """Drop "too", "as well", "please", "thanks" said after the task."""
    for _ in range(3):
        match = _TRAILING.search(work.text)
        if match is None or not work.text[: match.start()].strip(" ,;:-"):
            return
        if _NOT_TRAILING_AFTER.search(work.text[: match.start()]):
            return
        work.take(match.start(), match.end(), "filler")
        _take_dangling(work)


def _take_priority_connectives(work: _Text) -> None:
    """Drop the words that tied a removed priority to the task ("with", "and make it")."""
    for span in [span for span in work.spans if span.field == "priority"]:
        match = _PRIORITY_CONNECTIVE.search(work.text[: span.start])
        if match is not None and work.text[: match.start()].strip():
            work.take(match.start(), match.end(), "filler")


def _take_tag_phrases(work: _Text) -> list[str]:
    """Tags said in words: "tag it work", "with the tag garden", "labelled errands"."""
    values: list[str] = []
    for match in list(_TAG_PHRASE.finditer(work.text)):
        if not work.text[: match.start()].strip():
            continue
        value = match.group("tag")
        values.append(value)
        work.take(match.start(), match.end(), "tags", value.lower())
    return values


def _take_project_phrases(work: _Text) -> list[str]:
    """A project said in words: "in my home project", "under project garden"."""
    values: list[str] = []
    for match in list(_PROJECT_PHRASE.finditer(work.text)):
        if not work.text[: match.start()].strip():
            continue
        value = match.group("name") or match.group("named")
        values.append(value)
        work.take(match.start(), match.end(), "project", value)
    return values


def _take_reminder(work: _Text, due_at: datetime, zone: ZoneInfo, now: datetime) -> datetime | None:
    """A reminder relative to the due time said with the task ("and remind me an hour before")."""
    match = _REMINDER.search(work.text)
    if match is None or not work.text[: match.start()].strip():
        return None
    if match.group("unit1"):
        amount, unit = 1, match.group("unit1").lower()
    else:
        raw = match.group("amount").lower()
        amount = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        unit = match.group("unit").lower()
    try:
        remind_at = service.resolve_reminder(f"{amount} {unit} before", due_at, zone, now)
    except InvalidInput:
        return None
    work.take(match.start(), match.end(), "remind", remind_at.isoformat())
    return remind_at


def _protect_named_parts_of_day(work: _Text, zone: ZoneInfo, now: datetime) -> None:
    """Keep "evening" in "parents evening thursday 7pm" (an event's name, not its time): a part
    of the day after a word that is no date word stays in the title when a date phrase is left."""
    for match in list(_NAMED_PART_OF_DAY.finditer(work.text)):
        word = re.sub(r"['\u2019]s$", "", match.group("word").lower())
        if word in _DATE_WORDS or re.fullmatch(_WD, word):
            continue
        start, end = match.span("part")
        marker = chr(_QUOTE_BASE + len(work.quoted))
        masked = work.text[:start] + marker * (end - start) + work.text[end:]
        if find_when(masked, zone, now) is None:
            continue
        work.quoted.append(match.group("part"))
        work.text = masked


def _take_dangling(work: _Text) -> None:
    """Drop words such as "by" or "the" left at an edge of the title by a removed date."""
    while True:
        words = list(re.finditer(r"\S+", work.text))
        if len(words) < 2:
            return
        first, second = words[0], words[1]
        last = words[-1]
        if _dangles(first) and work.taken(first.end(), second.start(), _TIME_FIELDS):
            work.take(first.start(), first.end(), "filler")
        elif _dangles(last) and work.taken(last.end(), len(work.text), _TIME_FIELDS):
            work.take(last.start(), last.end(), "filler")
        else:
            return


# Parts whose removal can leave a word dangling ("Pay rent by" <date>); a tag cannot ("A #work
# report" keeps its "A").
_TIME_FIELDS = frozenset({"due", "recurrence", "filler"})


def _dangles(word: re.Match[str]) -> bool:
    return word.group().lower().strip(",;:") in _DANGLING


def _count(match: re.Match[str]) -> int:
    raw = (match.groupdict().get("count") or "").lower()
    if not raw:
        return 1
    return int(raw) if raw.isdigit() else _COUNT_WORDS[raw]


def _rule(kind: str, match: re.Match[str]) -> str | None:
    if kind == "monthday":
        day = int(match.group("md"))
        return f"FREQ=MONTHLY;BYMONTHDAY={day}" if 1 <= day <= 31 else None
    if kind == "yearday":
        day = int(match.group("md"))
        month = _MONTH_NUMBERS[match.group("month").lower()]
        # A day the month never has ("every feb 30") would be a rule that never fires.
        longest = calendar.monthrange(2024, month)[1]
        return f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}" if 1 <= day <= longest else None
    if kind == "weekdays":
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    if kind == "weekend":
        return "FREQ=WEEKLY;BYDAY=SA,SU"
    if kind == "adverb":
        return _ADVERBS[match.group("adverb").lower()]
    if kind == "monthpos":
        position = (match.group("pos") or match.group("pos2")).lower()
        if position[:4] in ("seco", "2nd", "thir", "3rd") and "month" not in match.group().lower():
            return None  # "every 2nd tuesday" is every other Tuesday (the "days" rule below)
        code = _DAY_CODES[(match.group("day") or match.group("day2"))[:2].lower()]
        return f"FREQ=MONTHLY;BYDAY={_POSITIONS[position[:4]]}{code}"
    if kind == "after":
        raw = match.group("count").lower()
        interval = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw, 0)
        if not 1 <= interval <= 999:
            return None
        suffix = f";INTERVAL={interval}" if interval > 1 else ""
        return f"FREQ={_FREQ[match.group('unit').lower()]}{suffix}"
    interval = _count(match)
    suffix = f";INTERVAL={interval}" if interval > 1 else ""
    if interval < 1 or interval > 999:
        return None
    if kind == "days":
        names = re.findall(_WD, match.group("days"), re.I)
        codes = list(dict.fromkeys(_DAY_CODES[name[:2].lower()] for name in names))
        return f"FREQ=WEEKLY{suffix};BYDAY={','.join(codes)}"
    unit = match.group("unit").lower()
    return f"FREQ={_FREQ[unit]}{suffix}"


def _first_occurrence(
    rule: str, due_at: datetime | None, has_time: bool, now: datetime
) -> tuple[datetime, bool]:
    """The rule's first occurrence from the phrase's date (or today), at its time if one."""
    zone = now.tzinfo
    clock = due_at.astimezone(zone).time() if due_at is not None and has_time else END_OF_DAY
    start_day = due_at.astimezone(zone).date() if due_at is not None else now.date()
    if due_at is not None and has_time and due_at.astimezone(zone).date() > now.date():
        # A time-only phrase ("at 5pm") may have rolled over to tomorrow; start from today.
        start_day = now.date()
    start = datetime.combine(start_day, clock).replace(tzinfo=None)
    floor = max(start, now.replace(tzinfo=None, second=0, microsecond=0))
    schedule = recurrence_rules.split_mode(rule)[0]
    occurrence = rrulestr(schedule, dtstart=start).after(floor, inc=True)
    if occurrence is None:
        return datetime.combine(start_day, clock, tzinfo=zone), has_time
    return occurrence.replace(tzinfo=zone), has_time


def _title(work: _Text) -> str:
    title = re.sub(r"\s+", " ", work.text).strip(" ,;:-\u2013")
    title = re.sub(r"\s+([,.;:!?])", r"\1", title)
    first = title.split(" ", 1)[0]
    if first[:1].islower() and not re.search(r"[A-Z:/.@_]", first):
        title = title[0].upper() + title[1:]  # "buy milk" -> "Buy milk"; "iPhone" stays
    return _QUOTE_RUN.sub(lambda match: work.quoted[ord(match.group(1)) - _QUOTE_BASE], title)


def resolve(data: QuickAdd, zone: ZoneInfo, now: datetime | None = None) -> QuickReading:
    """The fields a quick add creates: what the text says, with the explicit fields on top."""
    now = now or utcnow()
    reading = read_text(data.text, zone, now)
    parsed = reading.parsed
    due_at, has_time, ends_at = parsed.due_at, parsed.due_has_time, parsed.ends_at
    if data.due is not None:
        # Read exactly as create_task reads an explicit `due` (same reading, same error).
        due_at = service.resolve_due(data.due, zone, now)
        explicit = parse_when(data.due, zone, now)
        has_time = explicit is not None and explicit.has_time
        end: datetime | None = getattr(explicit, "end", None)
        ends_at = end.astimezone(UTC) if end is not None and end > due_at else None
    rule = data.recurrence if data.recurrence is not None else parsed.recurrence
    resolved = QuickParsed(
        title=parsed.title,
        description=data.description,
        due_at=due_at,
        due_has_time=has_time and due_at is not None,
        priority=data.priority if data.priority is not None else parsed.priority,
        tags=data.tags if data.tags is not None else parsed.tags,
        project=data.project if data.project is not None else parsed.project,
        recurrence=recurrence_rules.validate_rule(rule) if rule else None,
        remind_at=(
            service.resolve_reminder(data.remind, due_at, zone, now)
            if data.remind
            else parsed.remind_at
        ),
        ends_at=ends_at,
        # An explicit due replaces what the text said, and with it any doubt about the text.
        unsure=parsed.unsure if data.due is None else None,
        parent=data.parent if data.parent is not None else parsed.parent,
    )
    return QuickReading(parsed=resolved, spans=reading.spans)


def preview(data: QuickAdd, user: User, zone: ZoneInfo | None = None) -> QuickPreview:
    """What quick add would create, without saving (dry_run), and the text each field came from."""
    reading = resolve(data, zone or get_zone(user.timezone))
    return QuickPreview(parsed=reading.parsed, spans=reading.spans)


def quick_add(session: Session, user: User, data: QuickAdd, zone: ZoneInfo | None = None) -> Task:
    """Create the task the text describes."""
    zone = zone or get_zone(user.timezone)
    fields = resolve(data, zone).parsed.model_dump(
        exclude={"due_has_time", "unsure", "recurrence_text"}
    )
    return service.create_task(session, user, TaskCreate(**fields), zone=zone)
