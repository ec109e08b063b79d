"""The words said after a recurrence phrase that change how it repeats: "after done" (count from
completion), "for 5 times" / "10 times" (COUNT), "until march 1" (UNTIL), in any order:
"every 3 months after completion until june 30". Quick add's reader (tasks/quickadd.py) calls
`read_tail` right after a phrase such as "every 3 days", so quick add, `--recur`, the agent and
the web page all read them the same way.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from behflow_server.dates import find_when
from behflow_server.phrases.vocabulary import SMALL
from behflow_server.tasks.recurrence import MAX_COUNT
from behflow_server.tasks.rule_words import FROM_COMPLETION, MODE_KEY

DONE = (
    r"(?:after|from|since)\s+(?:(?:it(?:'s|\s+is|\s+was|\s+gets)|i'?m|i\s+am|i'?ve|being"
    r"|the\s+last\s+(?:one\s+)?(?:is\s+|was\s+)?|last\s+)\s*)?"
    r"(?:done|completed?|completion|completing(?:\s+it)?|finished|finishing(?:\s+it)?"
    r"|i\s+(?:do|did|finish|finished|complete|completed)\s+it)\b"
)
_SEP = r"^[ \t]*,?[ \t]*(?:and[ \t]+)?"
_MODE = re.compile(_SEP + DONE, re.I)
_NUMBER = r"\d{1,5}|" + "|".join(sorted(SMALL, key=len, reverse=True))
_COUNT = re.compile(_SEP + rf"(?:for[ \t]+)?(?P<n>{_NUMBER})[ \t]+times\b", re.I)
_UNTIL = re.compile(_SEP + r"(?:until|till|til|up\s+to|through|ending(?:\s+on)?)[ \t]+", re.I)


def number(word: str) -> int | None:
    word = word.lower()
    return int(word) if word.isdigit() else SMALL.get(word)


def read_tail(text: str, start: int, zone: ZoneInfo, now: datetime) -> tuple[int, str, bool] | None:
    """What follows a recurrence phrase ending at text[start]: (where the words end, the rule
    parts they add, e.g. ";COUNT=5", whether they say "after done"); None when nothing does."""
    position, extra, from_completion = start, "", False
    while True:
        rest = text[position:]
        if not from_completion and (mode := _MODE.match(rest)):
            position += mode.end()
            from_completion = True
            continue
        if "COUNT" not in extra and "UNTIL" not in extra:
            count = _COUNT.match(rest)
            times = number(count.group("n")) if count else None
            if count and times is not None and 1 <= times <= MAX_COUNT:
                position += count.end()
                extra += f";COUNT={times}"
                continue
            until = _UNTIL.match(rest)
            if until is not None:
                found = find_when(rest[until.end() :], zone, now)
                if found is not None and not rest[until.end() : until.end() + found.start].strip():
                    day = found.when.value.astimezone(zone).date()
                    position += until.end() + found.end
                    extra += f";UNTIL={day:%Y%m%d}T235959"
                    continue
        break
    if position == start:
        return None
    if from_completion:
        extra += f";{MODE_KEY}={FROM_COMPLETION}"
    return position, extra, from_completion
