"""The offline model: answers a message with the same tool calls an LLM would.

The trained intent model (classifier.py) decides what a message asks for, with a confidence;
rules here only read the fields (title, dates, which task). No keyword alone turns a message into
a change: that is the intent model's call, and agent/policy.py decides whether a change runs or
is proposed first. `interpret` is plain Python (the benchmark calls it directly);
`OfflineChatModel` wraps it as a LangChain chat model so the very same graph runs with it or with
an LLM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from behflow_server.agent import policy, updating
from behflow_server.agent.classifier import Prediction, classify
from behflow_server.agent.listing import list_args
from behflow_server.errors import InvalidInput
from behflow_server.tasks.quickadd import parse_text

# add_task | list_tasks | update_task | complete_task | start_task | block_task | delete_task
# | other; start and block are carried out by the update_task tool.
Intent = str


@dataclass
class Interpretation:
    intent: Intent
    args: dict[str, Any] = field(default_factory=dict)
    # A plain answer instead of a tool call (small talk, or a question back to the user).
    reply: str | None = None
    # The intent model's probability for `intent` (0 for plain answers).
    confidence: float = 0.0
    # Said to the user along with the tool call's result ("I left out ...").
    note: str | None = None

    @property
    def changes_tasks(self) -> bool:
        return self.reply is None and self.intent in {
            "add_task",
            "update_task",
            "complete_task",
            "delete_task",
            "undo",
        }


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_LEAD = _rx(
    r"^(?:(?:ok(?:ay)?|hey|hi|so|and|also|now|then|please|pls|plz|kindly|just)\b[\s,:;.]*)+"
    r"|^(?:(?:can|could|would|will) you\s+(?:please\s+)?|i (?:want|need|would like) you to\s+"
    r"|i'?d like you to\s+|(?:go ahead and|help me)\s+)"
)
# Alarms, timers and wake-up calls are not tasks.
_ALARM = _rx(r"\b(alarms?|timers?|stopwatch|count ?down|wake me|wake-?up|snooze)\b")
_CLOCK_QUESTION = _rx(
    r"\b(what(?:'s| is)? (?:the )?(?:current |exact )?(?:time|date|day)\b(?! (?:is|are|for) my)"
    r"|what time is it|time (?:is it|in|now in|difference)|current (?:time|date)|today'?s date"
    r"|what day is|what(?:'s| is) today|whats today|date today|(?:which|what) date)"
)
_JOKE = _rx(r"\b(jokes?|funny|laugh)\b")
_GREETING = _rx(r"^(hi|hello|hey|good (morning|afternoon|evening)|howdy|yo)\b")
_THANKS = _rx(r"\b(thanks?|thank you|thx|appreciated?|great job|well done|awesome|perfect)\b")
_ALL = _rx(r"\b(all|every|everything)\b")
_NUMBERS = _rx(r"(?:#|\b(?:task|number|no\.?|item)\s*#?)(\d{1,9})\b")
_ADD_NOUN = r"(?:task|todo|to-do|reminder|event|meeting entry|calendar entry|entry|item|note)\b\s*"
# The words that ask for an add. Verbs that are also tasks ("book the vet", "plan the offsite",
# "make dinner") go only before a noun such as "a reminder"; "I need to" and other lead-ins are
# quick add's to read.
_ADD_STRIP = _rx(
    r"^(?:(?:please |can you |could you |would you |will you )*)"
    r"(?:(?:(?:i'?d like|i would like|i want|can i (?:have|get)|give me|add|create|put|insert"
    r"|include|schedule|new|save|jot down|write down|note down)\b\s*(?:me\s+)?"
    rf"(?:(?:a|an|the|this|that)\s+)?(?:new\s+)?(?:{_ADD_NOUN})?"
    r"|(?:set up|setup|book|make|set|plan|arrange|note|take|leave)\s+(?:me\s+)?"
    rf"(?:(?:a|an|the|this|that|my)\s+)?(?:new\s+)?{_ADD_NOUN})"
    r"(?:(?:to|for|that|about|called|named|titled|saying)\b\s*|:\s*)?"
    r"|remind me (?:to |about |that |of )?|(?:please )?remember (?:to |that )?"
    r"|don'?t let me forget (?:to |about )?"
    r"|(?:todo|to-do|task):?\s+)",
)
# "... to my shopping list" (a tag), "... on my list" / "... to my to-do list" (no tag).
_LIST_SUFFIX = _rx(
    r"\s+(?:to|on|in|into|onto)\s+(?:my|the|our)\s+(?:([\w' -]+?)\s+)?(?:to-?do list|list"
    r"|calendar|schedule|agenda)\b"
)
_REF_TAIL = _rx(
    r"\s*\b(?:as )?(?:done|complete|completed|finished|off|off my list|from (?:my |the )?\w+"
    r"(?: list)?|please|for me|now)\b.*$"
)


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
    asked = _history_request(lowered)
    if asked is not None:
        return asked
    prediction = classify(message)
    intent = prediction.intent
    if intent in policy.CHANGES and prediction.confidence < policy.CONSIDER:
        intent = "other"
    question = policy.is_question(text)
    if intent != "update_task" and not question and updating.names_a_note(message):
        # "note on 12: called the landlord" reads like "done with 12" to the model; the
        # policy still proposes (asks) when the model's own confidence in an update is low.
        intent = "update_task"
    if intent in policy.CHANGES and question:
        # "is the report done?", "did you add the milk?": look it up, change nothing.
        intent = "list_tasks" if _is_about_tasks(message, prediction) else "other"
    if _ALARM.search(lowered) and intent in {"add_task", "other"}:
        return Interpretation(
            "other",
            reply="I manage tasks, not alarms or timers; I can add a task with a due time "
            "instead, e.g. “call mom tomorrow at 7am”.",
        )
    numbers = [int(n) for n in _NUMBERS.findall(lowered)]
    result = _read_fields(intent, message, numbers, zone, now)
    result.confidence = prediction.probability(intent) if intent != "other" else 0.0
    return result


# Requests about the history itself (issue #14), read only as a WHOLE message: "undo that",
# "redo", "what did I change today". Anchored at both ends, so a task about undoing something
# ("undo the sink repair", "revert the budget to v2") is left to the intent model.
_UNDO = _rx(
    r"(?:oops[\s,]*)?(?:undo|revert|take back)"
    r"(?: (?:that|this|it|the last (?:change|action|thing|one)|my last (?:change|action)"
    r"|what (?:you|i) just did|the last thing (?:you|i) did))?"
    r"(?:,? please)?"
)
_REDO = _rx(r"redo(?: (?:that|it|the last undo|what you undid))?(?:,? please)?")
_HISTORY = _rx(
    r"what (?:did|have) (?:i|we) (?:changed?|edited|edit)"
    r"(?: (?:today|so far today|recently|lately))?"
    r"|what (?:has )?changed today|(?:show|list|view)(?: me)? (?:my |the )?"
    r"(?:recent changes|changes|change history|history)(?: (?:for |of )?today)?|my changes today"
)


def _history_request(lowered: str) -> Interpretation | None:
    if _UNDO.fullmatch(lowered):
        return Interpretation("undo", {}, confidence=1.0)
    if _REDO.fullmatch(lowered):
        return Interpretation("undo", {"redo": True}, confidence=1.0)
    if _HISTORY.fullmatch(lowered):
        recent = re.search(r"\b(?:recent(?:ly)?|lately|history)\b", lowered) is not None
        today = "today" in lowered or not recent
        return Interpretation("list_history", {"today": today, "limit": 10}, confidence=1.0)
    return None


_HOW_TO = _rx(r"^\W*(?:how|why)\b")


def _is_about_tasks(text: str, prediction: Prediction) -> bool:
    """A question the model would otherwise read as a change asks about the user's tasks
    ("is the report done?"), not how the app works ("how do I delete a task?")."""
    return not _HOW_TO.match(text) and prediction.probability("other") < 0.5


def _read_fields(
    intent: str, message: str, numbers: list[int], zone: ZoneInfo, now: datetime
) -> Interpretation:
    """The intent model decided what is asked; these rules only read its fields."""
    if intent == "add_task":
        return _add(message, zone, now)
    if intent == "list_tasks":
        return Interpretation("list_tasks", list_args(message, zone, now))
    if intent == "update_task":
        return _update(message, numbers, zone, now)
    if intent in {"complete_task", "delete_task"}:
        if _ALL.search(message) and not numbers:
            # "mark all overdue tasks done": the open ones, whatever "done" says about status.
            match = _match_all(message, zone, now, keep_status=intent == "delete_task")
            return Interpretation(intent, {"match": match})
        return Interpretation(intent, _ref_args(_ref_words(message), numbers))
    if intent in {"start_task", "block_task"}:
        status = "in_progress" if intent == "start_task" else "blocked"
        args = {**_ref_args(_ref_words(message), numbers), "status": status}
        cause = _BLOCK_CAUSE.search(message) if intent == "block_task" else None
        if cause is not None and len(cause.group(0).split()) > 1:
            # "blocked on legal", "waiting for the client": kept in the task's notes.
            note = cause.group(0).strip(" .!")
            args["add_note"] = note[0].upper() + note[1:]
        return Interpretation("update_task", args)
    return _small_talk(message, zone, now)


def add_instead(message: str, zone: ZoneInfo, now: datetime) -> dict[str, Any] | None:
    """The add_task arguments for a message read as a change to a task that does not exist
    ("take the bins out" when no task is about bins): offered as a new task instead."""
    if policy.is_question(message):
        return None
    result = _add(clean(message)[:MAX_READ_CHARS], zone, now)
    return result.args if result.reply is None else None


def _small_talk(message: str, zone: ZoneInfo, now: datetime) -> Interpretation:
    lowered = message.lower()
    if _CLOCK_QUESTION.search(lowered):
        return _clock(now, zone)
    if _JOKE.search(lowered):
        return _joke()
    if _YES_ALONE.match(lowered):
        return Interpretation("other", reply="There is nothing waiting for a yes right now.")
    if _GREETING.search(lowered):
        return Interpretation("other", reply="Hello! " + _help())
    if _THANKS.search(lowered):
        return Interpretation("other", reply="You're welcome!")
    return Interpretation("other", reply=_help(unknown=True))


def _clock(now: datetime, zone: ZoneInfo) -> Interpretation:
    local = now.astimezone(zone)
    return Interpretation(
        "other", reply=local.strftime(f"It is %H:%M on %A %d %B %Y ({zone.key}).")
    )


_YES_ALONE = _rx(r"^(yes|yeah|yep|yup|sure|ok|okay|confirm(ed)?|do it|go ahead)\W*$")


def _joke() -> Interpretation:
    return Interpretation(
        "other",
        reply="Why did the task go to therapy? It had too many unresolved issues. "
        "(I am better at tasks than jokes.)",
    )


def _help(*, unknown: bool = False) -> str:
    lead = "I did not understand that. " if unknown else ""
    return (
        f"{lead}I can add, list, change, start, block, complete and delete tasks, e.g. “remind "
        "me to call mom tomorrow at 5pm”, “what's due this week?”, “push the dentist task to "
        "friday”, “I'm starting on the report”, “mark it done”, “delete the grocery task”."
    )


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


# Words that say what to do with a task rather than which task: dropped before matching titles.
_COMMAND_WORDS = _rx(
    r"\b(?:mark(?:ed)?|tick(?:ed)?|check(?:ed)?|cross(?:ed)?|off|as|done|complete[ds]?"
    r"|finish(?:ed)?|i'?ve|i'?m|i|we|have|has|had|just|already|finally|now|is|are|was|were|been"
    r"|got|status|set|to|in progress|start(?:ed|ing)?|begin(?:ning)?|began|working on|on it"
    r"|block(?:ed)?|stuck|waiting|on hold|hold|put|please|delete|remove|get rid of|scrap"
    r"|trash|bin|drop|cancel|discard|erase|clear|anymore|any more|don'?t|do not|need|want"
    r"|it'?s|that'?s|not happening|task|item|one|can'?t|cannot|do)\b"
)
# "blocked on legal", "waiting for the client": the cause is not the task's name.
_BLOCK_CAUSE = _rx(r"\b(?:blocked|stuck|waiting|on hold)\b.*$|\b(?:until|till|because)\b.*$")


def _ref_words(message: str) -> str | None:
    """Which task a message talks about: its words minus the request's own words."""
    text = _BLOCK_CAUSE.sub(" ", message)
    if not text.strip():
        text = message
    text = _COMMAND_WORDS.sub(" ", _NUMBERS.sub(" ", text))
    return _strip_ref(" ".join(text.split())) or None


def _match_all(
    message: str,
    zone: ZoneInfo,
    now: datetime,
    *,
    keep_status: bool = True,
) -> dict[str, Any]:
    """Filters for "all completed tasks", "everything tagged #old", "all the grocery items"."""
    filters = list_args(message, zone, now)
    if not keep_status:
        filters.pop("status", None)
    if filters:
        return filters
    words = _strip_ref(_ALL.sub(" ", _ref_words(message) or ""))
    words = re.sub(r"\b(?:the|my|of|tasks?|items?|things?|to-?dos?)\b", " ", words, flags=re.I)
    words = " ".join(words.split())
    return {"search": words} if words else {}


def _update(message: str, numbers: list[int], zone: ZoneInfo, now: datetime) -> Interpretation:
    missing = updating.no_field(message)
    if missing is not None:
        return Interpretation("update_task", reply=missing)
    args = updating.update_args(message, numbers, zone, now)
    if args is None:
        return Interpretation(
            "update_task",
            reply="What should I change: the due date, the "
            "title or the priority? E.g. “move the dentist task to friday”.",
        )
    return Interpretation("update_task", args)


def _add(message: str, zone: ZoneInfo, now: datetime) -> Interpretation:
    text = message.strip()
    tags: list[str] = []
    list_name = _LIST_SUFFIX.search(text)
    if list_name is not None:
        name = (list_name.group(1) or "").strip().lower()
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
    if parsed.remind_at is not None:
        args["remind_at"] = parsed.remind_at.astimezone(zone).isoformat()
    if parsed.parent is not None:
        args["parent"] = parsed.parent
    result = Interpretation("add_task", args)
    if parsed.unsure:
        result.note = f"(I left out “{parsed.unsure}”: I was not sure of the time.)"
    return result
