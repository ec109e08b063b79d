"""Reading a change to a task from one message: which task, and what changes.

`update_args` returns the `update_task` tool arguments (agent/tools.py `UpdateTaskArgs`), or None
when no change can be read. Each reader takes the words it used out of the text, so what is
left names the task ("push the dentist to friday": "dentist"). Renames and notes are read first:
their text may hold dates, tags or numbers that are not changes. Recurrence is quick add's reader.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from behflow_server.dates import find_when
from behflow_server.phrases.vocabulary import SMALL
from behflow_server.tasks.quickadd import _take_recurrence, _Text


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_NUMBER_REF = r"(?:#|\b(?:task|number|no\.?|item)\s*#?)\d{1,9}\b"
_Q = r"[\"“”'\u2018\u2019]"
_TASK = r"(?:task|one|item|todo|to-?do|reminder)"

# Things Behflow keeps no field for: said plainly, nothing changed.
_NAME = re.compile(r"\bto\s+(?:[A-Z][a-z]+)\s*$")
_NO_FIELD: list[tuple[re.Pattern[str], str]] = [
    (
        _rx(
            r"\b(?:assign(?:ee|ed|s)?|delegate|reassign)\b|\bgive\b.+\bto\s+(?:my\s+|the\s+|our\s+)?"
            r"(?:kids?|children|husband|wife|partner|mum|mom|dad|son|daughter|brother|sister"
            r"|boss|team|flatmate|roommate)\s*$"
        ),
        "Behflow tasks have no assignee, so I can't hand a task to someone; "
        "you could add a tag or a note instead.",
    ),
    (
        _rx(r"\b(?:location|venue|address|place)\b.*\bto\b|\bwhere\b"),
        "Behflow tasks have no location field; I can add it to the task's notes instead.",
    ),
    (
        _rx(
            r"\b(?:duration|how long)\b|\b\d+\s*(?:mins?|minutes?|hours?|hrs?)\s+long\b"
            r"|\blast(?:s)?\s+(?:for\s+)?\d+\s*(?:mins?|minutes?|hours?)\b"
        ),
        "Behflow tasks have no duration; I can only change when a task is due.",
    ),
    (
        _rx(r"\bsplit\b.+\binto\b"),
        "I can't split a task; add the parts as new tasks and delete this one.",
    ),
]
_GIVE = _rx(r"^(?:give|hand|pass|move)\b")


def no_field(message: str) -> str | None:
    """A plain answer when the message asks for a field Behflow does not have."""
    for pattern, answer in _NO_FIELD:
        if pattern.search(message):
            return answer
    text = message.strip().rstrip(" ?!.")
    if _GIVE.search(text) and _NAME.search(text) and find_when(text[-12:], ZoneInfo("UTC")) is None:
        # "move the smoke alarm task to Dad": a person, not a date.
        return _NO_FIELD[0][1]
    return None


# --- renames ---------------------------------------------------------------------------------
_RENAME: list[re.Pattern[str]] = [
    # change "dentist" to "dentist - bring x-rays"
    _rx(
        rf"^(?:change|rename|edit|update)\s+(?P<ref>{_Q}[^\"“”]+{_Q})\s+(?:to|into)\s+(?P<title>.+)$"
    ),
    # rename #3 to X, rename the milk task as X, #11 rename to X, rename task 2 "X"
    _rx(
        r"^(?P<ref>.*?)\brename[ds]?\s+(?P<ref2>(?:(?!\band\b).)*?)\s*(?:\b(?:to|as|into)\b\s*|:\s*|(?=[\"“]))"
        r"(?P<title>.+)$"
    ),
    # retitle the gym task: leg day / retitle X as Y / edit #10 title: Y / edit #3: Y
    _rx(r"^(?:retitle|re-title)\s+(?P<ref>.+?)\s*(?::|\b(?:as|to)\b)\s*(?P<title>.+)$"),
    _rx(
        r"^(?:edit|change|update|set)\s+(?P<ref>.+?)(?:'s)?\s+(?:title|name|wording)\s*"
        r"(?::|\bto\b)\s*(?P<title>.+)$"
    ),
    _rx(rf"^(?:edit|change|update)\s+(?P<ref>{_NUMBER_REF})\s*:\s*(?P<title>.+)$"),
    # change the wording on X to Y / update the name of X to Y / edit the title of the bike one to Y
    _rx(
        r"^(?:change|update|edit|set|fix)\s+(?:the\s+)?(?:title|name|wording|text)\s+"
        r"(?:of|on|for|in)\s+(?P<ref>.+?)\s+(?:to(?:\s+say)?|as)\s+(?P<title>.+)$"
    ),
    # the vet one should say X / should be called X / make it say X / call it X instead
    _rx(r"^(?P<ref>.+?)\s+(?:should\s+(?:say|read|be\s+called|be\s+named))\s+(?P<title>.+)$"),
    _rx(r"^(?:make|have)\s+(?P<ref>.+?)\s+(?:say|read)\s+(?P<title>.+)$"),
    _rx(rf"^(?:call|name)\s+(?P<ref>.+?)\s+(?P<title>{_Q}.+{_Q})(?:\s+instead)?$"),
    _rx(r"^(?:call|name)\s+(?P<ref>it|that|this)\s+(?P<title>.+?)(?:\s+instead)?$"),
    # fix the typo in #8, it should say "X"
    _rx(r"^.*?\btypo\s+in\s+(?P<ref>.+?),?\s+(?:it\s+)?should\s+(?:say|read|be)\s+(?P<title>.+)$"),
    # change "buy gift" to buy gift for Ana's birthday (one quoted title, plain new text)
    _rx(
        r"^(?:change|update)\s+(?P<ref>the\s+.+?\s+" + _TASK + r")\s+to\s+(?P<title>" + _Q + r".+)$"
    ),
]
# fix the typo in #4, it's "receipt" not "reciept"
_TYPO = _rx(
    rf"\btypo\s+(?:in|on)\s+(?P<ref>.+?),?\s+(?:it'?s|it\s+is|should\s+be)\s+{_Q}?(?P<right>[\w-]+(?:'\w+)?){_Q}?"
    rf"\s+not\s+{_Q}?(?P<wrong>[\w-]+(?:'\w+)?){_Q}?\s*$"
)


def _unquote(text: str) -> str:
    text = text.strip().rstrip(" .!?")
    if len(text) >= 2 and text[0] in "\"“'\u2018" and text[-1] in "\"”'\u2019":
        inner = text[1:-1]
        if not re.search(r"[\"“”]", inner):
            return inner.strip()
    return text.strip()


def _rename(message: str) -> tuple[str, dict[str, Any]] | None:
    typo = _TYPO.search(message)
    if typo is not None:
        return typo["ref"], {"title_fix": [typo["wrong"], typo["right"]]}
    for pattern in _RENAME:
        match = pattern.search(message)
        if match is None:
            continue
        title = _unquote(match["title"])
        if not re.search(r"\w", title):
            continue
        groups = match.groupdict()
        ref = " ".join(g for g in (groups.get("ref"), groups.get("ref2")) if g)
        return ref, {"title": title}
    return None


# --- notes -----------------------------------------------------------------------------------
_NOTE_WORD = r"(?:a\s+)?(?:note|notes|description|comment)"
_NOTES: list[re.Pattern[str]] = [
    # note on the dentist task - bring insurance card / note on X: ... / attach a note to X - ...
    _rx(
        rf"^(?:(?:add|attach|stick|put|leave|write|make)\s+)?{_NOTE_WORD}\s+(?:on|to|for)\s+"
        r"(?P<ref>.+?)\s*(?:[:\u2013\u2014]|\s-\s|,)\s*(?:that\s+|saying\s+)?(?P<note>.+)$"
    ),
    # add "code is 4471" to (the notes on) the parcel pickup / append "x" to the expenses task
    _rx(
        rf"^(?:add|append|put|stick|write)\s+(?P<note>{_Q}[^\"“”]+{_Q})\s+(?:to|on|in)\s+"
        r"(?:the\s+notes?\s+(?:on|of|for)\s+)?(?P<ref>.+)$"
    ),
    # add to the passport task that I need 2 photos / add to the notes of the laundry one - ...
    _rx(
        r"^(?:add|append)\s+to\s+(?:the\s+notes?\s+(?:on|of|for)\s+)?(?P<ref>.+?)\s*"
        r"(?:\bthat\b|:|\s-\s|,)\s*(?P<note>.+)$"
    ),
    # update the notes on #5 to say ... / change the description of task 9 to include ...
    _rx(
        r"^(?:update|change|set|edit)\s+(?:the\s+)?(?:notes?|description)\s+(?:on|of|for)\s+"
        r"(?P<ref>.+?)\s+to\s+(?:say\s+|include\s+|read\s+)?(?P<note>.+)$"
    ),
    # clear the notes on the flights task (the notes become empty)
    _rx(
        r"^(?:clear|remove|delete|wipe|empty)\s+(?:all\s+)?(?:the\s+)?(?:notes?|description)"
        r"\s+(?:on|of|for|from)\s+(?P<ref>.+?)(?P<note>)$"
    ),
    # put a link in the notes for the flights task: skyscanner.net/abc
    _rx(
        r"^(?:put|add)\s+.+?\s+(?:in|to)\s+the\s+notes?\s+(?:on|of|for)\s+(?P<ref>.+?)\s*"
        r"(?::|\s-\s)\s*(?P<note>.+)$"
    ),
    # update the description: ... / note: ask Priya first / add a note saying ...
    _rx(r"^(?:update|change|set)\s+the\s+(?:notes?|description)\s*:\s*(?P<note>.+)$"),
    _rx(r"^(?:note|notes)\s*:\s*(?P<note>.+)$"),
    _rx(
        rf"^(?:(?:and|also)\s+)?(?:add|attach|leave|put)\s+{_NOTE_WORD}\s*(?:saying|that|:|,|-)\s*"
        r"(?P<note>.+)$"
    ),
    # add a note to the plumber task: bring the spare key (covered above); the plumber task -
    # add his number 07700 900123
    _rx(rf"^(?P<ref>.+?\b{_TASK})\s*(?:-|:|,)\s*add\s+(?P<note>.+)$"),
    # the vet's number is 01632 960123, stick that on the task
    _rx(r"^(?P<note>.+?),?\s+(?:stick|put|add)\s+(?:that|this|it)\s+(?:on|to|in)\s+(?P<ref>.+)$"),
]


_NUMBERED = re.compile(r"^(?:#|(?:task|number|no\.?|item)\s*#?)?\s*\d{1,9}$", re.I)


def names_a_note(message: str) -> bool:
    """The message starts by saying it is a note for a numbered task ("note on 12: called
    the landlord", "add a note to #4 - bring ID"), whatever else its words suggest."""
    match = _NOTES[0].search(message)
    return match is not None and _NUMBERED.match(match["ref"].strip()) is not None


def _note(message: str) -> tuple[str, dict[str, Any]] | None:
    for pattern in _NOTES:
        match = pattern.search(message)
        if match is None:
            continue
        note = _unquote(match["note"])
        ref = match.groupdict().get("ref") or ""
        if not match["note"] and ref:
            return ref, {"description": ""}
        if not re.search(r"\w", note):
            continue
        return ref, {"add_note": note[0].upper() + note[1:]}
    return None


# --- the field readers, each taking its words out of the text ---------------------------------
def _take(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


_CLEAR_DUE = _rx(
    r"\bno\s+(?:due\s+date|deadline|date)s?\b(?:\s+(?:for|on))?"
    r"|\b(?:remove|clear|take|drop|delete|get\s+rid\s+of|unset|wipe)\s+(?:all\s+)?(?:the\s+|its\s+)?"
    r"(?:due\s+)?(?:dates?|deadlines?)\b(?:\s+(?:from|on|off|of|for))?"
    r"|\b(?:undate|unschedule)\b"
)
_STOP_REPEAT = _rx(
    r"\bstop\s+(?P<ref>.*?)\s*(?:from\s+)?(?:repeating|recurring)\b|\bstop\s+(?:repeating|recurring)\b"
    r"|\b(?:no longer|don'?t|do not|not)\s+(?:repeat|recur)(?:ing)?\b"
    r"|\bjust\s+once(?:\s+is\s+fine)?\b|\b(?:one-?off|non-?recurring)\b"
    r"|\b(?:remove|clear|take off|turn off)\s+(?:the\s+)?(?:recurrence|repeat)\b"
)
_REPEAT_WORDS = _rx(
    r"\b(?:to\s+)?(?:repeat(?:s|ing)?|recurr?(?:ing|ence|s)?)\b(?:\s+(?:of|on|for))?"
)
_CORRECTION = _rx(
    r",?\s*\b(?:not|rather than|instead of)\s+(?!(?:urgent|important|high|low)\b)"
    r"(?:(?:the|on|at|every|other|a)\s+)*[\w:.']+(?:\s+day)?\b(?=\s*(?:[,.;]|$|\s+(?:so|and|but)\b))"
)


_SHIFT_BY = _rx(
    r"\b(?:by\s+|back\s+)?(?P<n>\d{1,4}|a|an|one|two|three|four|five|six|seven"
    r"|eight|nine|ten)\s+(?P<unit>minute|min|hour|hr|day|week|fortnight|month|year)s?"
    r"(?:\s+(?:later|earlier))?\b(?!\s+(?:from|ago|hence|before|after))"
)
_EARLIER = _rx(r"\b(?:earlier|sooner|forward|up)\b")
_SHIFT_VERB = _rx(
    r"\b(?:push(?:ed)?|delay(?:ed)?|postpone[ds]?|defer(?:red)?|snooze[ds]?|bump(?:ed)?|move[ds]?"
    r"|bring|brought|pull(?:ed)?|kick|put|shift(?:ed)?|later|earlier|back|forward)\b"
)
_UNITS = {"min": "minute", "hr": "hour"}

_PRIORITY_MARK = _rx(
    r"(?<!\S)(?:!(?P<bang>urgent|high|medium|med|low|none|[1-4])|p(?P<p>[1-4])"
    r"|pri(?:ority)?:(?P<tw>[hml]|high|medium|low|urgent|none))(?!\S)"
)
_MARKS = {
    "1": "urgent",
    "2": "high",
    "3": "medium",
    "4": "low",
    "h": "high",
    "m": "medium",
    "l": "low",
    "med": "medium",
}
_PRIORITY_WORD = _rx(
    r"\b(?:(?:to|as)\s+)?(?P<word>urgent|high|low|medium|normal|important|top|critical|asap)"
    r"(?:\s+prio(?:rity)?)?\b"
)
_WORDS = {"top": "urgent", "critical": "urgent", "asap": "urgent", "important": "high"}
_NOT_PRIORITY = _rx(r"\bnot\s+(?:urgent|important)\s+(?:any\s?more)\b")
_DOWN = _rx(
    r"\b(?:lower|downgrade|de-?prioriti[sz]e|deprioriti[sz]e|less\s+(?:urgent|important)"
    r"|reduce|drop|decrease)\b(?:\s+(?:the\s+|its\s+)?prio(?:rity)?(?:\s+(?:of|on|for))?)?"
)
_UP = _rx(
    r"\b(?:raise|upgrade|increase|bump\s+up|escalate|prioriti[sz]e|more\s+(?:urgent|important)"
    r"|put\s+(?P<first>.+?)\s+first)\b(?:\s+(?:the\s+|its\s+)?prio(?:rity)?(?:\s+(?:of|on|for))?)?"
)
_PRIORITY_NOUN = _rx(r"\b(?:the\s+|its\s+)?prio(?:rity)?\b(?:\s+(?:of|on|for))?")

_TAG_TOKEN = re.compile(r"(?<![\w#@+])(?:#|@|\+)(?P<tag>[^\W\d_][\w\-/.]*)")
_UNTAG = _rx(
    r"\buntag\b|\b(?:remove|clear|take off|drop|delete)\s+(?:all\s+)?(?:the\s+|its\s+)?tags\b"
)
_TAG_REMOVE = _rx(
    r"\b(?:remove|take|drop|delete|strip)\s+(?:the\s+)?(?:tag\s+)?(?P<tags>[#@+]?[\w-]+)"
    r"(?:\s+tag)?\s+(?:off|from)\b(?:\s+(?:of\s+)?)?"
)
_TAG_CHANGE = _rx(
    r"\bchange\s+(?:the\s+)?tag\s+(?:on|of|for)\s+(?P<ref>.+?)\s+from\s+[#@]?(?P<old>[\w-]+)\s+"
    r"to\s+[#@]?(?P<new>[\w-]+)"
)
_TAG_PHRASES: list[re.Pattern[str]] = [
    # add the home tag to / add the tag finance to / add tags kids and school to
    _rx(
        r"\b(?:add|put|stick)\s+(?:the\s+|a\s+)?(?:(?P<a>[\w-]+)\s+tag|tags?\s+[\"“']?"
        r"(?P<b>[\w-]+(?:\s*(?:,|and|&)\s*[\w-]+)*)[\"”']?)\s+(?:to|on)\b"
    ),
    # tag X with Y / tag X as Y / tag it work / tag all the cleaning tasks with chores
    _rx(r"\btag\s+(?P<ref>.+?)\s+(?:with|as)\s+(?P<c>[\w-]+(?:\s*(?:,|and|&)\s*[\w-]+)*)\s*$"),
    _rx(r"\btag\s+(?P<ref>it|that|this|them)\s+(?P<c>[\w-]+)\s*$"),
    # make that one a work thing
    _rx(r"\bmake\s+(?P<ref>.+?)\s+an?\s+(?P<c>[\w-]+)\s+(?:thing|task|one)\s*$"),
    # move #15 to the work list / put the groceries one in the shopping list
    _rx(
        r"\b(?:move|put|add)\s+(?P<ref>.+?)\s+(?:to|in|into|on|onto)\s+(?:the\s+|my\s+)"
        r"(?P<c>[\w-]+)\s+list\s*$"
    ),
]

_PROJECT_ATTR = _rx(r"(?<!\S)(?:project|proj|pro):(?P<name>[\w\-/.]+)")
_PROJECT_OUT = _rx(
    r"\b(?:take|remove|move|pull|get)\s+(?P<ref>.+?)\s+(?:out\s+of|from|off)\s+(?:the\s+|its\s+)?"
    r"(?:(?:project:)?[\w -]+?\s+project|project:[\w\-/.]+|project)\s*$"
    r"|\b(?:remove|clear)\s+(?:the\s+|its\s+)?project\b(?:\s+(?:from|on|of))?"
    r"|\bno\s+project\b(?:\s+(?:for|on))?"
)
_PROJECT_PHRASES: list[re.Pattern[str]] = [
    # move X into/to the Work project / put X in the reno project
    _rx(
        r"\b(?:move|put|file|link|add|assign|set)\s+(?P<ref>.+?)\s+(?:in|into|to|under|onto)\s+"
        r"(?:the\s+|my\s+)?(?P<name>[\w'-]+(?:\s+[\w'-]+){0,2}?)\s+project\s*$"
    ),
    # change its project to Travel 2025 / set the project of X to Y
    _rx(
        r"\b(?:change|set|update|switch)\s+(?:the\s+)?project\s+(?:of|on|for)\s+(?P<ref>.+?)\s+"
        r"to\s+(?P<name>.+)$"
    ),
    _rx(r"\b(?:change|set|update|switch)\s+(?P<ref>its|the)\s+project\s+to\s+(?P<name>.+)$"),
    # put #21 in Side Hustle / file the car tax under Admin (a capitalised name)
    _rx(
        r"\b(?:file|put|move)\s+(?P<ref>.+?)\s+(?:under|in|into)\s+(?P<name>[A-Z][\w'-]*(?:\s+[A-Z0-9][\w'-]*)*)\s*$"
    ),
    _rx(r"\bfile\s+(?P<ref>.+?)\s+under\s+(?P<name>[\w'-]+)\s*$"),
    _rx(r"\bput\s+(?P<ref>.+?)\s+under\s+(?P<name>[\w'-]+)\s*$"),
]


def _tags_in(text: str) -> list[str]:
    return [
        t.strip().lstrip("#@+").lower()
        for t in re.split(r"\s*(?:,|\band\b|&)\s*", text)
        if t.strip()
    ]


def _priority(body: str, args: dict[str, Any]) -> str:
    mark = _PRIORITY_MARK.search(body)
    if mark is not None:
        raw = (mark["bang"] or mark["p"] or mark["tw"]).lower()
        args["priority"] = _MARKS.get(raw, raw)
        return _take(body, mark)
    if _NOT_PRIORITY.search(body):
        # "it's not urgent anymore": one step down, unless a new priority is named.
        args["priority_step"] = -1
        body = _NOT_PRIORITY.sub(" ", body)
    word = _PRIORITY_WORD.search(body)
    if word is not None:
        value = word["word"].lower()
        args.pop("priority_step", None)
        args["priority"] = {"normal": "medium"}.get(value, _WORDS.get(value, value))
        body = _PRIORITY_WORD.sub(" ", body)
        return _PRIORITY_NOUN.sub(" ", _DOWN.sub(" ", _UP.sub(" ", body)))
    if "priority_step" in args:
        return body
    down = _DOWN.search(body)
    if down is not None and ("prio" in down.group().lower() or not _mentions_other(body)):
        args["priority_step"] = -1
        return _take(body, down)
    up = _UP.search(body)
    if up is not None and ("prio" in up.group().lower() or not _mentions_other(body)):
        args["priority_step"] = 1
        if up["first"]:
            return up["first"]
        return _take(body, up)
    return body


def _mentions_other(body: str) -> bool:
    return bool(re.search(r"\b(?:tag|project|note|date|deadline|title)\b", body, re.I))


def _tags(body: str, numbers_text: str, args: dict[str, Any]) -> tuple[str, str | None]:
    """Tags to add or remove; returns the text left and a reference found by a phrase."""
    ref: str | None = None
    change = _TAG_CHANGE.search(body)
    if change is not None:
        args["remove_tags"] = [change["old"].lower()]
        args["add_tags"] = [change["new"].lower()]
        return _take(body, change), change["ref"]
    removing = _TAG_REMOVE.search(body)
    if removing is not None:
        args["remove_tags"] = _tags_in(removing["tags"])
        return _take(body, removing), None
    if _UNTAG.search(body):
        tokens = [m["tag"].lower() for m in _TAG_TOKEN.finditer(body)]
        if tokens:
            args["remove_tags"] = tokens
            body = _TAG_TOKEN.sub(" ", body)
        else:
            args["clear_tags"] = True
        return _UNTAG.sub(" ", body), None
    tokens = [m["tag"].lower() for m in _TAG_TOKEN.finditer(body) if not _names_tasks(body, m)]
    if tokens:
        args["add_tags"] = list(dict.fromkeys(tokens))
        body = _TAG_TOKEN.sub(lambda m: m.group() if _names_tasks(body, m) else " ", body)
        body = re.sub(r"\btag(?:ged|s)?\b(?:\s+(?:it|with|as))?", " ", body, flags=re.I)
        return body, None
    for pattern in _TAG_PHRASES:
        match = pattern.search(body)
        if match is None:
            continue
        groups = match.groupdict()
        found = groups.get("a") or groups.get("b") or groups.get("c") or ""
        tags = [t for t in _tags_in(found) if t not in {"the", "a", "my"}]
        if not tags:
            continue
        args["add_tags"] = tags
        ref = groups.get("ref")
        return _take(body, match), ref
    return body, ref


_TAG_FILTER_AFTER = _rx(r"^\s+(?:ones?|tasks?|items?|things?|stuff|jobs?)\b")
_TAG_FILTER_BEFORE = _rx(r"\b(?:tagged|with)\s+$")


def _names_tasks(body: str, tag: re.Match[str]) -> bool:
    """A tag that says which tasks ("all the #work ones", "everything tagged #diy")."""
    return bool(
        _TAG_FILTER_AFTER.search(body[tag.end() :])
        or (
            _TAG_FILTER_BEFORE.search(body[: tag.start()])
            and not re.search(r"\btag\b", body[: tag.start()], re.I)
        )
    )


def _project(body: str, args: dict[str, Any]) -> tuple[str, str | None]:
    out = _PROJECT_OUT.search(body)
    if out is not None:
        args["project"] = ""
        return _take(body, out), out["ref"]
    attr = _PROJECT_ATTR.search(body)
    if attr is not None:
        args["project"] = attr["name"]
        body = _take(body, attr)
        body = re.sub(r"\b(?:into|in|to|under|onto)\s*$", " ", body.rstrip(), flags=re.I)
        return body, None
    for pattern in _PROJECT_PHRASES:
        match = pattern.search(body)
        if match is None:
            continue
        name = match["name"].strip(" .")
        if name.lower() in {"the", "a", "my", "it"} or _TAG_TOKEN.fullmatch(name):
            continue
        args["project"] = name
        return _take(body, match), match["ref"]
    return body, None


_DAY = (
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday)"
)
_DAY_RUN = _rx(rf"\b({_DAY})\s+(?={_DAY}\b)")


def _recurrence(
    body: str, args: dict[str, Any], zone: ZoneInfo | None = None, now: datetime | None = None
) -> str:
    stop = _STOP_REPEAT.search(body)
    if stop is not None:
        args["stop_repeating"] = True
        ref = stop.groupdict().get("ref")
        return ref if ref else _STOP_REPEAT.sub(" ", body)
    trimmed = re.sub(r"\s*\b(?:instead|now|please|pls)\b\s*$", "", body.rstrip(" .!"), flags=re.I)
    trimmed = _DAY_RUN.sub(r"\1, ", trimmed)  # "every mon wed fri"
    work = _Text(original=trimmed, text=trimmed)
    rule = _take_recurrence(work, zone, now)
    if rule is None:
        return body
    args["recurrence"] = rule
    return _REPEAT_WORDS.sub(" ", work.text)


_ON_DAY = _rx(r"\b(to|till|until|for|til|is|it)(\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b)")
_HALF = _rx(r"\bhalf\s+(\d{1,2})\b(?!\s*(?:an?\s+)?(?:hour|day|week))")
_DOT_TIME = _rx(r"\b(\d{1,2})\.(\d{2})\b")
_TO_HOUR = _rx(r"\b(to|for|it)(\s+\d{1,2}(?::\d{2})?)(?=\s*(?:$|[,.;]|\s+(?:instead|now|then)\b))")


_AFTER_LUNCH = _rx(r"\bafter\s+lunch\b")
_BARE_DAY = _rx(r"\b(?:to|on|for|till|until|by)\s+(\d{1,2}(?:st|nd|rd|th))\b")


def _when(body: str, zone: ZoneInfo, now: datetime, args: dict[str, Any]) -> str:
    shift = _SHIFT_BY.search(body)
    if (
        shift is not None
        and _SHIFT_VERB.search(body)
        and not re.search(r"\bin\s*$", body[: shift.start()])
    ):
        amount = shift["n"].lower()
        count = int(amount) if amount.isdigit() else SMALL.get(amount, 1)
        unit = _UNITS.get(shift["unit"].lower(), shift["unit"].lower())
        if unit == "fortnight":
            unit, count = "week", count * 2
        sign = -1 if _EARLIER.search(body) else 1
        plural = "s" if count != 1 else ""
        args["shift"] = f"{sign * count} {unit}{plural}"
        body = _take(body, shift)
        return re.sub(r"\b(?:forward|back|up|earlier|later|sooner)\b", " ", body, flags=re.I)
    # "now" says the change is current ("the dentist is now 4pm"), it is not the new time.
    masked = re.sub(r"\bnow\b", lambda m: " " * len(m.group()), body, flags=re.I)
    # Same-length rewrites keep the positions: "to the 20th" -> "on the 20th", "half 4" ->
    # "4:30", "2.45" -> "2:45"; and, when nothing else reads, "to 3" -> "at 3".
    rewritten: list[tuple[int, int]] = []

    def rewrite(pattern: re.Pattern[str], new: Any, text: str) -> str:
        rewritten.extend(m.span() for m in pattern.finditer(text))
        return pattern.sub(new, text)

    masked = rewrite(_ON_DAY, lambda m: " " * (len(m[1]) - 2) + "on" + m[2], masked)
    masked = rewrite(_HALF, lambda m: f"{m[1]}:30".rjust(len(m.group())), masked)
    masked = rewrite(_DOT_TIME, r"\1:\2", masked)
    masked = rewrite(_AFTER_LUNCH, lambda m: "1pm".rjust(len(m.group())), masked)
    found = find_when(masked, zone, now)
    bare = _BARE_DAY.search(masked) if found is None else None
    if bare is not None:
        # "to 30th": read as "on the 30th".
        day = find_when(f"on the {bare[1]}", zone, now)
        if day is not None:
            args["due"] = day.when.value.isoformat()
            return _take(body, bare)
    if found is None:
        masked = rewrite(_TO_HOUR, lambda m: "at" + " " * (len(m[1]) - 2) + m[2], masked)
        found = find_when(masked, zone, now)
    if found is None:
        return body
    args["due"] = found.when.value.isoformat()
    body = found.without(body)
    for start, end in rewritten:
        if any(start < e and s < end for s, e in ((found.start, found.end), *found.more)):
            body = body[:start] + " " * (end - start) + body[end:]
    return body


# --- what names the task ---------------------------------------------------------------------
_FILLER = _rx(
    r"\b(?:ok(?:ay)?|hey|so|and|also|then|please|pls|plz|kindly|just|actually|oops|hmm+|nah"
    r"|no wait|wait|correction|changed my mind|can you|could you|can u|would you|i want"
    r"|i'?d like|let'?s|i'?ll|i'?ve|i\b|you|me|my|the|a|an|its|their|his|her|of|on|for|to|from"
    r"|in|into|at|by|with|as|till|until|til|is|are|was|were|be|been|being|should|has|have|had"
    r"|got|gets|it'?s|that'?s|not|now|instead|rather than|again|any ?more|too|up|back|forward"
    r"|later|earlier|sooner|task|tasks|item|todo|to-?do|entry|thing|stuff"
    r"|due(?: date)?|date|deadline|time|day|reminder|wrong|fix|typo|new|same"
    r"|move[ds]?|moving|push(?:ed)?|postpone[ds]?|reschedul(?:e[ds]?|ing)|delay(?:ed)?"
    r"|defer(?:red)?|snooze[ds]?|bump(?:ed)?|shift(?:ed)?|bring|brought|pull(?:ed)?|kick"
    r"|rename[ds]?|retitle|change[ds]?|update[ds]?|edit|modify|set|make|put|add|remove"
    r"|clear|tag|untag|note|stick|attach|append|lower|raise|downgrade|upgrade|flag|mark"
    r"|swap|file|link|give|repeat(?:ing)?|recurring|stop|call(?=\s+it\b)|rebooked|rescheduled"
    r"|rang|says|said|asked|needs|need|happen|coming|come|can'?t|won'?t|get|do|more|less"
    r"|priority|prio|tagged|project|list|extended|out|off|away|more time|only|like|whole|go|goes"
    r"|drop|added|remind|about|than i thought|thought|getting close|close|once|fine|'s)\b"
)
_PRONOUN = _rx(
    r"\b(?:it|that|this|them|those|these|last one|previous one|one i (?:just )?added"
    r"|(?:task|one) i added(?: earlier)?)\b"
)
_CLAUSE_TAIL = _rx(
    r",?\s*\b(?:so\s+)?(?:update|change|move|fix|set)\s+(?:it|that|this)(?:\s+please)?\s*$"
)


_IMPERATIVE = _rx(
    r"^\s*(?:(?:and|so|then|pls|please|can you|could you)\s+)*(?:move|push|postpone|reschedule"
    r"|delay|defer|snooze|bump|shift|bring|pull|change|update|edit|set|make|put|take|add"
    r"|tag|untag|lower|raise|downgrade|upgrade|flag|mark|file|link)\b"
)


def _reference(text: str) -> str | None:
    """Words from the task's title, "it" for the task talked about last, or None.

    Of several clauses ("mum's visit is pushed back, move the guest room tasks") the one that
    gives the order names the task, unless it only says "it"; else the first that names one."""
    clauses = [c for c in re.split(r"\s*(?:[,;]|\s-\s|\.\s)\s*", text) if c.strip()]
    if len(clauses) > 1:
        read = [(_IMPERATIVE.search(c) is not None, _reference_words(c)) for c in clauses]
        named = [(order, words) for order, words in read if words not in {None, "it"}]
        for order, words in named:
            if order:
                return words
        if named:
            return named[0][1]
        return "it" if any(words == "it" for _, words in read) else None
    return _reference_words(text)


_VERBS = ["change", "reschedule", "push", "move", "postpone", "update", "delay", "rename"]


def _reference_words(text: str) -> str | None:
    text = re.sub(_NUMBER_REF, " ", text, flags=re.I)
    first = re.match(r"\s*([a-z]{4,})\b", text, re.I)
    if (
        first is not None
        and not _FILLER.fullmatch(first[1])
        and difflib.get_close_matches(first[1].lower(), _VERBS, 1, 0.8)
    ):
        text = text[first.end() :]  # "chnage the dentist", "reshedule the meeting"
    text = _CLAUSE_TAIL.sub(" ", text)
    quoted = re.search(r"[\"“']([^\"“”']{2,})[\"”']", text)
    if quoted is not None:
        return quoted.group(1).strip()
    words = _FILLER.sub(" ", text)
    if _PRONOUN.search(words) and not re.search(r"\w{3,}", _PRONOUN.sub(" ", words)):
        return "it"
    words = _PRONOUN.sub(" ", words)
    words = re.sub(r"\b(?:one|ones)\b|[^\w'&+ -]+|(?<!\w)[-']|[-'](?!\w)", " ", words, flags=re.I)
    words = " ".join(words.split())
    if not words:
        return "it" if _PRONOUN.search(text) else None
    return words


def update_args(
    message: str, numbers: list[int], zone: ZoneInfo, now: datetime
) -> dict[str, Any] | None:
    """The update_task arguments for `message`, or None when no change can be read."""
    text = _POLITE_TAIL.sub("", message.strip().rstrip(" ?!."))
    ref: str | None = None
    for reader in (_rename, _note):
        found = reader(text)
        if found is not None:
            ref_text, changes = found
            # A number inside the new title or note ("his number 07700") names no task; a
            # bare number as the task ("note on 12: ...") does.
            bare = re.fullmatch(r"\s*(\d{1,9})\s*", ref_text)
            named = [int(bare[1])] if bare else []
            named += [n for n in numbers if re.search(_number_ref(n), ref_text, re.I)]
            return {**_target(_reference(ref_text), named), **changes}
    args: dict[str, Any] = {}
    body = text
    clear = _CLEAR_DUE.search(body)
    if clear is not None:
        args["clear_due"] = True
        body = _take(body, clear)
    body, ref = _tags(body, text, args)
    body, project_ref = _project(body, args)
    ref = ref or project_ref
    # "sunday not saturday", "weekly instead of daily": the old value is not a change.
    body = _CORRECTION.sub(" ", body)
    body = _recurrence(body, args, zone, now)
    body = _priority(body, args)
    if "clear_due" not in args:
        body = _when(body, zone, now, args)
    if not args:
        return None
    return {**_target(_reference(ref if ref is not None else body), numbers), **args}


_POLITE_TAIL = _rx(r"[\s,]+(?:please|pls|plz|thanks|thank you|thx|ta)$")


def _number_ref(number: int) -> str:
    return rf"(?:#|\b(?:task|number|no\.?|item)\s*#?)0*{number}\b"


def _target(ref: str | None, numbers: list[int]) -> dict[str, Any]:
    if numbers:
        return {"numbers": numbers}
    return {"ref": ref or "it"}
