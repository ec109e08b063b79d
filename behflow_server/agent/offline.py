"""The offline model: reads a message with rules and answers with the same tool calls an LLM would.

`interpret` is plain Python (the benchmark calls it directly); `OfflineChatModel` wraps it as a
LangChain chat model so the very same graph runs with it or with an LLM.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from behflow_server.dates import FoundWhen, find_when
from behflow_server.errors import InvalidInput
from behflow_server.phrases.vocabulary import SMALL
from behflow_server.tasks.quickadd import parse_text

Intent = str  # add_task | list_tasks | update_task | complete_task | delete_task | other


@dataclass
class Interpretation:
    intent: Intent
    args: dict[str, Any] = field(default_factory=dict)
    # A plain answer instead of a tool call (small talk, or a question back to the user).
    reply: str | None = None

    @property
    def changes_tasks(self) -> bool:
        return self.reply is None and self.intent in {
            "add_task",
            "update_task",
            "complete_task",
            "delete_task",
        }


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_LEAD = _rx(
    r"^(?:(?:ok(?:ay)?|hey|hi|so|and|also|now|then|olly|please|pls|plz|kindly|just|pda|alexa"
    r"|siri|google|computer|assistant|s\d)\b[\s,:;.]*)+"
    r"|^(?:(?:can|could|would|will) you\s+(?:please\s+)?|i (?:want|need|would like) you to\s+"
    r"|i'?d like you to\s+|(?:go ahead and|help me)\s+)"
)
# Alarms and wake-up calls are not tasks (also misspelt: "alaram", "aarm").
_ALARM = _rx(r"\b(ala?r?a?ms?|alrams?|aarms?|wake me|wake up|wake-?up|snooze|get (?:me )?up)\b")
_CLOCK_QUESTION = _rx(
    r"\b(what(?:'s| is)? (?:the )?(?:current |exact )?(?:time|date|day)\b(?! (?:is|are|for) my)"
    r"|what time is it|time (?:is it|in|now in|difference)|current (?:time|date)|today'?s date"
    r"|what day is|what(?:'s| is) today|whats today|date today|date of today|(?:which|what) date"
    r"|how many days|when is (?:easter|christmas|thanksgiving|the \w+ \w+ of)"
    r"|(?:national|bank|public) holiday|is (?:it|today) \w+|today is \w+|when it is"
    r"|what will (?:his|her|the|their) time|is what in)"
)
_ZONE_TALK = _rx(
    r"\b(time ?zones?|(?<!o )(?<!o')clock|convert|gmt|ist|est|pst|cst|pacific|central time)\b"
)
_JOKE = _rx(r"\b(jokes?|funny|laugh)\b")
_GREETING = _rx(r"^(hi|hello|hey|good (morning|afternoon|evening)|howdy|yo)\b")
_THANKS = _rx(r"\b(thanks?|thank you|thx|appreciated?|great job|well done|awesome|perfect)\b")
_HELP = _rx(r"^(help|what can you do|how does this work|commands)\b")

_LIST_NOUN = r"(?:lists?|lsit|calend[ae]rs?|calender|schedules?|agenda|to-?do(?:'s)?(?: list)?)"
_DELETE = _rx(
    r"\b(delet(?:e|ed|es|ing)?|remov(?:e|ed|es|ing)|eras(?:e|ed|ing)|trash|cancel(?:l?ed)?"
    r"|drop|discard|get rid of|wipe|purge|scratch|eliminate|rm|kill|abolish|destroy|dismiss"
    r"|disregard|throw (?:away|out)|cross out|x out|strike (?:out|off)"
    r"|clear (?:my|the|out|up|all|everything|it|that|this|off)"
    r"|clean (?:my|the|out|up)|empty (?:my|the)|format (?:my|the)|reset (?:my|the)"
    r"|take\b.{1,40}\b(?:off|away|out)|taken (?:off|away|out)"
    rf"|off (?:of )?(?:the |my )?{_LIST_NOUN}|no longer (?:need|going|joining|be|want)"
    r"|don'?t want)\b"
)
_COMPLETE = _rx(
    r"\b(mark(?:ed)?\b.*\b(?:as )?(?:done|complete|completed|finished)"
    r"|(?:tick|check|cross)(?:ed)? (?:\w+ ){0,4}off|i(?: have|'ve| ve)? (?:finished|completed|done)"
    r"|i did (?!not\b|n't)|done with|finished with|is (?:done|finished|complete|completed)"
    r"|complete (?:task|#|it\b|that|the|my|all|every)|^(?:done|finished|completed)\b)"
)
_UPDATE = _rx(
    r"\b(move|push|postpone|reschedule|delay|bump|shift|bring|rename|change|update|edit|modify"
    r"|prioriti[sz]e|set (?:the )?(?:priority|due|deadline)|make (?:it|that|this|the|#?\d+)\b"
    r".*\b(?:urgent|high|low|medium|important)|put off)\b"
)
# "update my grocery list with shoes" adds to a list.
_UPDATE_LIST_WITH = _rx(rf"\b(?:update|edit)\b.*\b{_LIST_NOUN}\b.*\bwith\b")
_ADD_VERB = _rx(
    r"\b(add|added|adding|create|put|insert|include|schedule|set up|setup|book|remind(?: me)?"
    r"|new (?:task|todo|to-do|reminder|event|meeting|appointment|item|list|entry|\w+ list)"
    r"|make (?:a|an|me a|new|list|this)\b|(?:start|begin|generate|produce|bring up|open up)"
    r" (?:a |an |my |new |fresh |this )+\w*|fresh list|enter\b|notify me|alert me"
    r"|set (?:a |an |up a |me |me a )?(?:\w+ )?(?:reminders?|events?|meeting|appointment|task"
    r"|todo|to-do|notification)|block off|mark (?:next|on|the)|remember (?:to|that)"
    r"|don'?t let me forget|jot|write down|note (?:down|that)|save (?:a|an|this|that)"
    r"|plan (?:a|an|to)|arrange|organi[sz]e a|i must|i should|i gotta"
    r"|i (?:need|have) to (?!hear|know|see|find|understand|get up|be\b)"
    r"|(?:tell|remind|alert|notify) me (?:on|at|in|by|tomorrow|today|tonight|next|this)\b"
    r"|(?:we|i) need (?!you\b|to know\b|help\b|information\b)|need to remember|todo:?|to-do:?"
    r"|task:)\b"
)
_QUESTION = _rx(
    r"^(what|what's|whats|which|when|where|who|how many|how much|how soon|do i|did i|am i"
    r"|are there|is there|is my|are my|have i|any|show|list|display|read|tell me|give me"
    r"|check|view|see|open|find|search|look|get me|what else|anything|whats up|is|are|was"
    r"|were|does|do (?:i|you|we|they)|did (?:i|you|we|they)|can i|could i"
    r"|let me (?:know|see|hear)|pull up|recite|name|speak"
    r"|provide|describe|count|go through|let's go through|i want to (?:see|know|hear))\b"
)
# Showing or reading something back, anywhere in the message.
_RETRIEVE = _rx(
    r"\b(show|read|open|display|pull up|bring up|view|see|hear|tell me|let me know|recite"
    r"|what(?:'s| is| are)? on|whats on|what do i have|what have i got|go through|check"
    r"|provide|give me|can i have|look at|review|evaluate|name)\b"
)
# Whose business the question is: the user's ("what do I have") or the assistant's.
_ABOUT_ME = _rx(r"\b(i|i'm|my|me|we|our|us)\b")
_ABOUT_YOU = _rx(r"\b(you|your|you're)\b")
_LIST_WORDS = _rx(
    r"\b(agenda|schedules?|plans?|calend[ae]rs?|calender|calander|overdue|upcoming"
    r"|to-?do(?:'s| list)?|tasks?|lists?|reminders?|events?|meetings?|appointments?|due|busy"
    r"|free|planned|birthday|party|anniversary)\b"
)
_EVENTISH = _rx(
    r"\b(meeting|meet|appointment|event|reminder|dinner|lunch|party|call|birthday|church"
    r"|class|doctor|dentist|interview|conference|flight|visit|date with|gym|session|wedding"
    r"|reservations?|match|game|movie|trip|payment|fees|rent|pick up|buy|pay)\b"
)
_ALL = _rx(r"\b(all|every|everything)\b")
_NUMBERS = _rx(r"(?:#|\b(?:task|number|no\.?|item)\s*#?)(\d{1,9})\b")

_ADD_STRIP = _rx(
    r"^(?:(?:please |can you |could you |would you |will you )*)"
    r"(?:(?:add|create|put|insert|include|schedule|set up|setup|book|make|set|new|save|jot down"
    r"|write down|note down|note|plan|arrange)\b\s*(?:me\s+)?(?:(?:a|an|the|this|that)\s+)?"
    r"(?:new\s+)?(?:(?:task|todo|to-do|reminder|event|meeting entry|calendar entry|entry|item"
    r"|note)\b\s*)?(?:(?:to|for|that|about|called|named|titled|saying)\b\s*|:\s*)?"
    r"|remind me (?:to |about |that |of )?|(?:please )?remember (?:to |that )?"
    r"|don'?t let me forget (?:to |about )?|i (?:need|have|must|should|gotta) to |i must |i should "
    r"|(?:todo|to-do|task):?\s+)",
)
_LIST_SUFFIX = _rx(
    r"\s+(?:to|on|in|into|onto)\s+(?:my|the|our)\s+([\w' -]+?)\s*(?:list|calendar|schedule"
    r"|agenda|to-?do list)\b"
)
_UPDATE_STRIP = _rx(
    r"^(?:move|push|postpone|reschedule|delay|bump|shift|bring|rename|change|update|edit|modify"
    r"|prioriti[sz]e|set|make|put off)\s+"
)
_REF_TAIL = _rx(
    r"\s*\b(?:as )?(?:done|complete|completed|finished|off|off my list|from (?:my |the )?\w+"
    r"(?: list)?|please|for me|now)\b.*$"
)
# "delay the haircut by a week", "push it back 2 days", "move #3 three hours later"
_SHIFT_BY = _rx(
    r"\b(?:by\s+|back\s+)?(?P<n>\d{1,4}|a|an|one|two|three|four|five|six|seven"
    r"|eight|nine|ten)\s+(?P<unit>minute|hour|day|week|month|year)s?(?:\s+(?:later|earlier))?\b"
    r"(?!\s+(?:from|ago|hence))"
)
_PRIORITY_CHANGE = _rx(r"\b(urgent|high|low|medium|important|top)(?: priority)?\b")
_PRIORITY_VALUE = {
    "urgent": "urgent",
    "top": "urgent",
    "high": "high",
    "important": "high",
    "low": "low",
    "medium": "medium",
}


def clean(text: str) -> str:
    text = text.strip()
    previous = None
    while previous != text:
        previous = text
        text = _LEAD.sub("", text).strip(" ,")
    return text.rstrip(" ?!.")


# A request is a sentence or two; reading no further bounds the work a pasted essay can cause.
MAX_READ_CHARS = 600


def interpret(text: str, zone: ZoneInfo, now: datetime) -> Interpretation:
    """What the message asks for: a tool call, or a plain answer (intent "other")."""
    result = _interpret(text[:MAX_READ_CHARS], zone, now)
    if result.reply is not None:
        # Incomplete requests ("remind me at 5pm") get a question back, not a tool call.
        return Interpretation("other", reply=result.reply)
    return result


def _interpret(text: str, zone: ZoneInfo, now: datetime) -> Interpretation:
    message = clean(text)
    lowered = message.lower()
    if not lowered:
        return Interpretation("other", reply=_help())
    if _ALARM.search(lowered):
        return Interpretation(
            "other",
            reply="I manage tasks, not alarms; I can add a task with a due time instead, "
            "e.g. “call mom tomorrow at 7am”.",
        )
    if _ZONE_TALK.search(lowered) or (
        _CLOCK_QUESTION.search(lowered)
        and not _ABOUT_ME.search(lowered)
        and not _LIST_WORDS.search(lowered)
    ):
        local = now.astimezone(zone)
        return Interpretation(
            "other", reply=local.strftime(f"It is %H:%M on %A %d %B %Y ({zone.key}).")
        )
    numbers = [int(n) for n in _NUMBERS.findall(lowered)]
    if _COMPLETE.search(lowered):
        if _ALL.search(lowered) and not numbers:
            # "mark all overdue tasks done": the open ones, whatever "done" says about status.
            match = _match_all(message, zone, now, _complete_ref, keep_status=False)
            return Interpretation("complete_task", {"match": match})
        return Interpretation("complete_task", _ref_args(_complete_ref(message), numbers))
    if _DELETE.search(lowered) and not _is_bare_cancel(lowered):
        if _ALL.search(lowered) and not numbers:
            match = _match_all(message, zone, now, _delete_ref)
            return Interpretation("delete_task", {"match": match})
        return Interpretation("delete_task", _ref_args(_delete_ref(message), numbers))
    add_verb = _ADD_VERB.search(lowered)
    if _UPDATE_LIST_WITH.search(lowered):
        return _add(re.sub(r"^.*?\bwith\s*", "", message), zone, now)
    if _UPDATE.search(lowered) and not add_verb:
        return _update(message, numbers, zone, now)
    # A request phrased as a question ("..., can you remind me?") is still a request.
    is_question = bool(_INTERROGATIVE.match(lowered)) or (
        not add_verb and (bool(_QUESTION.match(lowered)) or text.rstrip().endswith("?"))
    )
    found = find_when(message, zone, now)
    if is_question:
        if _JOKE.search(lowered):
            return _joke()
        about_me = _ABOUT_ME.search(lowered) and not _ABOUT_YOU.search(lowered)
        if _LIST_WORDS.search(lowered) or _EVENTISH.search(lowered) or (found and about_me):
            return _list(message, zone, now)
        return Interpretation("other", reply=_help(unknown=True))
    if _JOKE.search(lowered) and not re.search(r"\b(add|remind|create)\b", lowered):
        return _joke()
    if _YES_ALONE.match(lowered):
        return Interpretation("other", reply="There is nothing waiting for a yes right now.")
    if add_verb or (found is not None and _imperative_with_date(lowered, found)):
        return _add(message, zone, now)
    if _LIST_WORDS.search(lowered) and (_RETRIEVE.search(lowered) or len(lowered.split()) <= 4):
        return _list(message, zone, now)
    if _GREETING.search(text.strip().lower()):
        return Interpretation("other", reply="Hello! " + _help())
    if _THANKS.search(lowered):
        return Interpretation("other", reply="You're welcome!")
    return Interpretation("other", reply=_help(unknown=True))


_INTERROGATIVE = _rx(
    r"^(what|what's|whats|when|which|where|who|how|have i|any|is|are|was|were|am i|does"
    r"|do (?:i|you|we)|did (?:i|you|we))\b"
)
_YES_ALONE = _rx(r"^(yes|yeah|yep|yup|sure|ok|okay|confirm(ed)?|do it|go ahead)\W*$")
# A statement ("I had lunch with Ann today", "the weather is sunny today") is not a request.
_STATEMENT = _rx(
    r"\b(had|was|were|did|saw|met|enjoyed|happened|went|ate|wore|been|couldn'?t|is|are"
    r"|it'?s)\b"
)


def _imperative_with_date(lowered: str, found: FoundWhen) -> bool:
    """ "Do the dishes tomorrow", "dentist appointment friday 10am": a task with a date."""
    if _STATEMENT.search(lowered):
        return False
    rest = found.without(lowered)
    return bool(_EVENTISH.search(rest)) or len(re.findall(r"[a-z']{3,}", rest)) >= 2


def _joke() -> Interpretation:
    return Interpretation(
        "other",
        reply="Why did the task go to therapy? It had too many unresolved issues. "
        "(I am better at tasks than jokes.)",
    )


def _help(*, unknown: bool = False) -> str:
    lead = "I did not understand that. " if unknown else ""
    return (
        f"{lead}I can add, list, change, complete and delete tasks, e.g. “remind me to call mom "
        "tomorrow at 5pm”, “what's due this week?”, “push the dentist task to friday”, "
        "“mark it done”, “delete the grocery task”."
    )


def _is_bare_cancel(lowered: str) -> bool:
    """ "cancel it please" after nothing pending is a stop request, not a deletion."""
    match = re.search(r"\bcancel\b(.*)$", lowered)
    if match is None or _rx(r"\b(delete|remove|erase|clear|trash)\b").search(lowered):
        return False
    rest = set(re.findall(r"[\w']+", match.group(1))) - {
        "please",
        "now",
        "that",
        "it",
        "this",
        "everything",
        "all",
    }
    return not rest


def _ref_args(ref: str | None, numbers: list[int]) -> dict[str, Any]:
    if numbers:
        return {"numbers": numbers}
    return {"ref": ref or "it"}


def _strip_ref(text: str) -> str:
    text = _NUMBERS.sub(" ", text)
    text = _REF_TAIL.sub("", text)
    text = re.sub(r"^(?:(?:the|my|a|an)\s+)+", "", text.strip(), flags=re.I)
    text = re.sub(
        r"\s+(?:task|one|item|todo|to-?do|reminder|event|appointment)$", "", text, flags=re.I
    )
    return text.strip(" ,.")


def _complete_ref(message: str) -> str | None:
    text = re.sub(
        r"^(?:mark(?:ed)?|tick|check|cross|complete|i(?: have|'ve| ve)? (?:finished|completed|done)"
        r"|i did|(?:i'?m )?done with|finished with|done|finished|completed)\s*(?:off\s+)?",
        "",
        message,
        flags=re.I,
    )
    text = re.sub(r"\s+(?:is|are) (?:done|finished|complete|completed)$", "", text, flags=re.I)
    return _strip_ref(text) or None


def _delete_ref(message: str) -> str | None:
    text = _DELETE.sub(" ", message, count=1)
    text = re.sub(r"^.*?\b(?:delete|remove|erase|clear|trash|cancel|drop)\b", "", text, flags=re.I)
    return _strip_ref(text) or None


def _match_all(
    message: str,
    zone: ZoneInfo,
    now: datetime,
    ref_of: Callable[[str], str | None],
    *,
    keep_status: bool = True,
) -> dict[str, Any]:
    """Filters for "all completed tasks", "everything tagged #old", "all the grocery items"."""
    filters = _list(message, zone, now).args
    if not keep_status:
        filters.pop("status", None)
    if filters:
        return filters
    words = _strip_ref(_ALL.sub(" ", ref_of(message) or ""))
    words = re.sub(r"\b(?:the|my|of|tasks?|items?|things?|to-?dos?)\b", " ", words, flags=re.I)
    words = " ".join(words.split())
    return {"search": words} if words else {}


def _update(message: str, numbers: list[int], zone: ZoneInfo, now: datetime) -> Interpretation:
    args: dict[str, Any] = {}
    body = _UPDATE_STRIP.sub("", message.strip())
    rename = re.match(r"^(.*?)\s+(?:to|as|into)\s+[\"“]?(.+?)[\"”]?$", body)
    if message.lower().startswith("rename") and rename:
        args["title"] = rename.group(2).strip()
        return Interpretation(
            "update_task", {**_ref_args(_strip_ref(rename.group(1)), numbers), **args}
        )
    shift = _SHIFT_BY.search(body)
    found = find_when(body, zone, now) if shift is None else None
    if shift is not None:
        amount = shift["n"].lower()
        count = int(amount) if amount.isdigit() else SMALL.get(amount, 1)
        # "push back" is later; "earlier", "sooner", "bring forward", "move up" are earlier.
        sign = -1 if re.search(r"\b(earlier|sooner|forward|up)\b", body, re.I) else 1
        plural = "s" if count != 1 else ""
        args["shift"] = f"{sign * count} {shift['unit'].lower()}{plural}"
        body = body[: shift.start()] + body[shift.end() :]
        body = re.sub(r"\b(?:forward|back|up|earlier|later|sooner)\b", " ", body, flags=re.I)
    elif found is not None:
        args["due"] = found.when.value.isoformat()
        body = found.without(body)
    priority = _PRIORITY_CHANGE.search(body)
    if priority is not None:
        args["priority"] = _PRIORITY_VALUE[priority.group(1).lower()]
        body = body[: priority.start()] + body[priority.end() :]
    body = re.sub(
        r"\b(?:to|till|until|for|priority|the due date of|due date|deadline of"
        r"|date of)\b",
        " ",
        body,
        flags=re.I,
    )
    if not args:
        return Interpretation(
            "update_task",
            reply="What should I change: the due date, the "
            "title or the priority? E.g. “move the dentist task to friday”.",
        )
    return Interpretation("update_task", {**_ref_args(_strip_ref(body) or None, numbers), **args})


def _list(message: str, zone: ZoneInfo, now: datetime) -> Interpretation:
    lowered = message.lower()
    args: dict[str, Any] = {}
    if re.search(r"\b(overdue|late|past due|missed)\b", lowered):
        args["due"] = "overdue"
    elif re.search(
        r"\b(this|the|next 7 days|rest of the) week\b|\bweek\b", lowered
    ) and not re.search(r"\bnext week\b", lowered):
        args["due"] = "week"
    elif re.search(r"\btoday\b|\btonight\b", lowered):
        args["due"] = "today"
    elif re.search(r"\btomorrow\b", lowered):
        args["due"] = "tomorrow"
    else:
        found = find_when(message, zone, now)
        if found is not None and found.when.grain not in {"week", "month", "year"}:
            args["due"] = found.when.value.date().isoformat()
    if re.search(r"\b(completed|finished|done)\b", lowered):
        args["status"] = "completed"
    elif re.search(r"\b(all|every)\b.*\btasks\b", lowered):
        args["status"] = "all"
    priority = re.search(r"\b(urgent|high[- ]priority|important)\b", lowered)
    if priority:
        args["priority"] = "urgent" if priority.group(1) == "urgent" else "high"
    tag = re.search(r"(?<!\S)#([\w-]+)", message)
    if tag:
        args["tag"] = tag.group(1)
    project = re.search(r"(?<!\S)\+([\w-]+)", message)
    if project:
        args["project"] = project.group(1)
    search = re.search(
        r"\b(?:about|called|named|matching|containing|mentioning|with)\s+"
        r"[\"“]?([\w' -]+?)[\"”]?$",
        message,
        flags=re.I,
    )
    if search and not find_when(search.group(1), zone, now):
        args["search"] = search.group(1).strip()
    return Interpretation("list_tasks", args)


def _add(message: str, zone: ZoneInfo, now: datetime) -> Interpretation:
    text = message.strip()
    tags: list[str] = []
    list_name = _LIST_SUFFIX.search(text)
    if list_name is not None:
        name = list_name.group(1).strip().lower()
        if name not in {"to do", "todo", "to-do", "task", "tasks", ""}:
            tags.append(re.sub(r"\W+", "-", name.split()[-1]))
        text = text[: list_name.start()] + text[list_name.end() :]
    text = _ADD_STRIP.sub("", text, count=1).strip()
    text = re.sub(
        r"^(?:a |an |the )?(?:new )?(?:task|todo|to-do|reminder)\s+(?:to |for |about )?",
        "",
        text,
        flags=re.I,
    )
    try:
        parsed = parse_text(text or "-", zone, now)
    except InvalidInput:
        parsed = None
    if parsed is None or parsed.title in {"-", ""} or not re.search(r"\w", parsed.title):
        return Interpretation(
            "add_task", reply="What should the task say? E.g. “add call mom tomorrow at 5pm”."
        )
    args: dict[str, Any] = {"title": parsed.title[0].upper() + parsed.title[1:]}
    if parsed.due_at is not None:
        local = parsed.due_at.astimezone(zone)
        args["due"] = local.isoformat()
    if parsed.priority.value != "none":
        args["priority"] = parsed.priority.value
    if parsed.tags or tags:
        args["tags"] = list(dict.fromkeys(parsed.tags + tags))
    if parsed.project:
        args["project"] = parsed.project
    if parsed.recurrence:
        args["recurrence"] = parsed.recurrence
    return Interpretation("add_task", args)
