"""When a change to the user's tasks may happen: the same rule for the offline model and an LLM.

Every tool call that would change tasks is checked against the user's message before it runs:
- a question ("is the report done?", "how do I delete a task?") never changes anything;
- the intent model's confidence that the message asks for this change decides: at or above
  `ACT` the call runs, below it the agent proposes the change and waits for a yes (the pending
  action that deletes already use).
Deletes and changes to several tasks always wait for a yes (tools.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from behflow_server.agent.classifier import Prediction, classify

# The lowest confidence at which the intent model's top intent is acted on; below it a change
# is proposed instead. Chosen on the training part by cross-validation (docs/agent.md).
ACT = {
    "add_task": 0.3,
    "update_task": 0.45,
    "complete_task": 0.45,
    "start_task": 0.45,
    "block_task": 0.45,
    "delete_task": 0.45,
}
# Below this the message is not read as that change at all (the offline model answers instead).
CONSIDER = 0.25
CHANGES = frozenset(ACT)

Decision = Literal["act", "propose", "refuse"]

# A question asks; it does not request. "can you add ...?" and "could you mark ...?" are
# requests phrased as questions and are not caught here.
_QUESTION = re.compile(
    r"^\s*(?:(?:so|and|ok|okay|hey|hi|um+|wait)[,\s]+)*"
    r"(?:(?:how|what|what's|whats|which|when|where|who|why|any|anything)\b"
    # "is the report done", "did you add the milk", "has the invoice gone"
    r"|(?:is|are|was|were|am|did|does|has)\s+(?:i|you|u|we|they|he|she|it|my|the|this|that"
    r"|there|our|your|task|#?\d+)\b"
    # "do I ...", "have we ...", "should I ..." (but "do the dishes", "have to call" are tasks)
    r"|(?:do|have|had|should|shall)\s+(?:i|you|u|we|they|he|she)\b)",
    re.IGNORECASE,
)
_POLITE_REQUEST = re.compile(
    r"^\s*(?:(?:please|pls|so|and|ok|okay|hey|hi)[,\s]+)*"
    r"(?:can|could|would|will|won't|wouldn't)\s+(?:you|u|ya)\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """A question about the state of things, not a request phrased as one."""
    if _POLITE_REQUEST.match(text):
        return False
    return bool(_QUESTION.match(text))


def intent_of_call(tool: str, args: dict[str, Any]) -> str:
    """The intent a tool call carries out ("update_task" with a status is a start or block)."""
    if tool == "add_note":
        return "update_task"  # the classifier reads "add a note to ..." as an update
    if tool == "update_task":
        status = args.get("status")
        if status == "in_progress":
            return "start_task"
        if status == "blocked":
            return "block_task"
        if status == "completed":
            return "complete_task"
    return tool


@dataclass(frozen=True)
class Review:
    decision: Decision
    intent: str
    confidence: float


def review(tool: str, args: dict[str, Any], message: str) -> Review:
    """Whether a tool call asked for by the model may run on the user's `message`."""
    intent = intent_of_call(tool, args)
    if intent not in CHANGES:
        return Review("act", intent, 1.0)
    if is_question(message):
        return Review("refuse", intent, 0.0)
    prediction = classify(message)
    return review_prediction(intent, prediction)


def review_prediction(intent: str, prediction: Prediction) -> Review:
    confidence = prediction.probability(intent)
    if prediction.intent == intent and confidence >= ACT[intent]:
        return Review("act", intent, confidence)
    return Review("propose", intent, confidence)
