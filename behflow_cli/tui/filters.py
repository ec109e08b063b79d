"""The filter bar's language: the filters of `behflow task list`, written as words.

status:open,blocked  s:completed   priority:high  !high   tag:work  #work  +work  @work
project:home  pro:home  due:today|tomorrow|week|overdue|none|<date>  all  sort:-priority
anything else        sent to the server as `q`, the filter language (docs/filters.md):
                     words search titles and descriptions; -tag, is:overdue, due.before:eow...
A filter with `and`, `or`, `not`, parentheses or a leading `-` goes to the server whole (only
`all` and `sort:` are taken out), so the shortcuts above do not cut terms out of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

STATUSES = {"open", "not_started", "in_progress", "blocked", "completed"}
PRIORITIES = {"none", "low", "medium", "high", "urgent"}
SORTS = {"due", "priority", "created", "updated", "number", "title"}
_ALIASES = {
    "s": "status",
    "p": "priority",
    "t": "tag",
    "pro": "project",
    "proj": "project",
    "d": "due",
}
# Tags as quick add reads them: #tag, and @label (Todoist) or +tag (Taskwarrior) when a letter
# follows, so "+1" or "@5" stay search words.
_TAG = re.compile(r"#(\S+)|[@+]([^\W\d_]\S*)")


class FilterError(ValueError):
    """A filter word that cannot be read; the message says which and what is allowed."""


@dataclass
class TaskFilter:
    statuses: list[str] = field(default_factory=list)
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    project: str | None = None
    due: str | None = None
    search: str | None = None
    all: bool = False
    sort: str | None = None
    q: str | None = None  # the filter language
    saved: str | None = None  # a saved filter's name (the saved-filter list, key F)

    def params(self) -> dict[str, Any]:
        """Keyword arguments for BehflowClient.list_tasks, as `behflow task list` sends them."""
        chooses = self.q is not None and _CHOOSES_STATUS.search(self.q) is not None
        return {
            "q": self.q,
            "saved_filter": self.saved,
            "status": self.statuses or ([] if self.all or chooses else ["open"]),
            "priority": self.priority,
            "tag": self.tags,
            "project": self.project,
            "due": self.due,
            "search": self.search,
            "archived": "include" if self.all else None,
            "sort": self.sort,
        }


def _one_of(name: str, value: str, allowed: set[str]) -> str:
    if value not in allowed:
        raise FilterError(f"{name}: {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


_CHOOSES_STATUS = re.compile(r"(^|[\s(+-])(status|is)[.:]")
_OPERATOR = re.compile(r"(^|\s)(and|or|not|-\S*)(\s|$)|[()]", re.IGNORECASE)


def parse_filter(text: str) -> TaskFilter:
    result = TaskFilter()
    words: list[str] = []
    if _OPERATOR.search(text):
        for token in text.split():
            lowered = token.lower()
            if lowered in ("all", "--all"):
                result.all = True
            elif lowered.startswith("sort:"):
                _one_of("sort", lowered[5:].lstrip("-"), SORTS)
                result.sort = lowered[5:]
            else:
                words.append(token)
        result.q = " ".join(words) or None
        return result
    for token in text.split():
        lowered = token.lower()
        if lowered in ("all", "--all"):
            result.all = True
        elif tag := _TAG.fullmatch(lowered):
            result.tags.append(tag.group(1) or tag.group(2))
        elif token.startswith("!") and len(token) > 1:
            result.priority = _one_of("priority", lowered[1:], PRIORITIES)
        elif ":" in token and token.split(":", 1)[0].lower() in {
            "status",
            "priority",
            "tag",
            "project",
            "due",
            "sort",
            *_ALIASES,
        }:
            key, value = token.split(":", 1)
            key = _ALIASES.get(key.lower(), key.lower())
            if not value:
                raise FilterError(f"{key}: give a value, e.g. {key}:{_EXAMPLES[key]}")
            if key == "status":
                result.statuses.extend(
                    _one_of("status", part, STATUSES) for part in value.lower().split(",") if part
                )
            elif key == "priority":
                result.priority = _one_of("priority", value.lower(), PRIORITIES)
            elif key == "tag":
                result.tags.extend(
                    part.lstrip("#@+") for part in value.lower().split(",") if part.lstrip("#@+")
                )
            elif key == "project":
                result.project = value.lstrip("+")
            elif key == "due":
                result.due = value
            elif key == "sort":
                _one_of("sort", value.lower().lstrip("-"), SORTS)
                result.sort = value.lower()
        else:
            words.append(token)
    result.q = " ".join(words) or None
    return result


_EXAMPLES = {
    "status": "open",
    "priority": "high",
    "tag": "work",
    "project": "home",
    "due": "today",
    "sort": "-priority",
}
