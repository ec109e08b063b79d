"""How well the agent understands people: every figure on the training part and the held-out part.

    .venv/bin/python bench/agent.py [--data DIR] [--errors N] [--llm [--limit N]]

Data: HWU64 and CLINC150 (../shared/data/nlu/, mapped to our intents) plus our own typed examples
(behflow_server/agent/examples/), each cut by `behflow_server.agent.corpus` into a fixed 20 %
held-out part that no rule, example or threshold was tuned on; Duckling's date phrases, cut the
same way (bench/dates.py); and the everyday chat scenarios of bench/everyday_cases.jsonl, written
independently of the training examples and judged by their effect on a real store.

A message's decision is what the agent would do with it: the offline model's tool call (start and
block are update_task calls with a status), then the confirmation policy (agent/policy.py): a
change is carried out ("act") or proposed and left waiting for a yes ("propose"). Deletes always
wait for a yes, so a delete counts as proposed. With --llm the tool call comes from the model
named by BEHFLOW_LLM_BASE_URL / BEHFLOW_LLM_MODEL / BEHFLOW_LLM_API_KEY (any OpenAI-compatible
endpoint, e.g. Ollama), the same policy applied.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from behflow_server.agent import corpus, policy  # noqa: E402
from behflow_server.agent.classifier import shipped_model  # noqa: E402
from behflow_server.agent.offline import interpret  # noqa: E402

UTC = ZoneInfo("UTC")
# The intent rows carry no time of their own: read them on a fixed Tuesday morning.
NOW = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
INTENTS = list(corpus.INTENTS)
CHANGES = set(policy.CHANGES)


@dataclass(frozen=True)
class Decision:
    intent: str  # what the agent did: an intent name, "other" for a plain answer
    action: str  # "act", "propose" or "none"


def offline_decision(text: str) -> Decision:
    result = interpret(text, UTC, NOW)
    if result.reply is not None:
        return Decision("other", "none")
    return _with_policy(result.intent, result.args, text)


def _with_policy(tool: str, args: dict[str, Any], text: str) -> Decision:
    verdict = policy.review(tool, args, text)
    intent = policy.intent_of_call(tool, args)
    if intent not in CHANGES:
        return Decision(intent, "none")
    if verdict.decision == "refuse":
        return Decision("other", "none")
    action = "propose" if intent == "delete_task" else verdict.decision
    return Decision(intent, action)


def llm_decider() -> Callable[[str], Decision]:
    """The configured LLM's first tool call for a message, under the same policy."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    from behflow_server.agent.models import llm_configured, make_llm
    from behflow_server.agent.prompts import system_prompt
    from behflow_server.agent.tools import tool_specs
    from behflow_server.config import load_settings

    settings = load_settings()
    if not llm_configured(settings):
        raise SystemExit("error: set BEHFLOW_LLM_BASE_URL (and _MODEL, _API_KEY) for --llm")
    bound = make_llm(settings).bind_tools(tool_specs())
    system = SystemMessage(content=system_prompt(NOW, UTC, []))

    def decide(text: str) -> Decision:
        message = bound.invoke([system, HumanMessage(content=text)])
        if not isinstance(message, AIMessage) or not message.tool_calls:
            return Decision("other", "none")
        call = message.tool_calls[0]
        return _with_policy(call["name"], call["args"] or {}, text)

    return decide


@dataclass
class IntentFigures:
    rows: int
    per_intent: dict[str, tuple[float, float, float, int]]
    add_created: float
    list_answered: float
    other_false_actions: float
    other_proposed: float
    proposed_of_changes: float
    questions: int
    question_changes: int
    errors: list[tuple[str, str, str]]
    latencies_ms: list[float]


def score(examples: list[corpus.Example], decide: Callable[[str], Decision]) -> IntentFigures:
    decisions: list[Decision] = []
    latencies: list[float] = []
    for example in examples:
        start = time.perf_counter()
        decisions.append(decide(example.text))
        latencies.append((time.perf_counter() - start) * 1000)
    gold = [e.intent for e in examples]
    per_intent = {}
    for intent in INTENTS:
        tp = sum(d.intent == intent and g == intent for d, g in zip(decisions, gold, strict=True))
        fp = sum(d.intent == intent and g != intent for d, g in zip(decisions, gold, strict=True))
        fn = sum(d.intent != intent and g == intent for d, g in zip(decisions, gold, strict=True))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per_intent[intent] = (p, r, f1, tp + fn)

    def share(of: str, test: Callable[[Decision], bool]) -> float:
        chosen = [d for d, g in zip(decisions, gold, strict=True) if g == of]
        return sum(map(test, chosen)) / len(chosen) if chosen else 0.0

    changes = [d for d in decisions if d.intent in CHANGES]
    questions = [
        (e, d) for e, d in zip(examples, decisions, strict=True) if policy.is_question(e.text)
    ]
    errors = [
        (g, f"{d.intent}/{d.action}", e.text)
        for e, d, g in zip(examples, decisions, gold, strict=True)
        if d.intent != g
    ]
    return IntentFigures(
        rows=len(examples),
        per_intent=per_intent,
        add_created=share("add_task", lambda d: d.intent == "add_task" and d.action == "act"),
        list_answered=share("list_tasks", lambda d: d.intent == "list_tasks"),
        other_false_actions=share("other", lambda d: d.action == "act"),
        other_proposed=share("other", lambda d: d.action == "propose"),
        proposed_of_changes=(
            sum(d.action == "propose" for d in changes) / len(changes) if changes else 0.0
        ),
        questions=len(questions),
        question_changes=sum(d.action == "act" for _, d in questions),
        errors=errors,
        latencies_ms=latencies,
    )


def _pct(value: float) -> str:
    return f"{value * 100:5.1f} %"


def print_intents(parts: dict[str, IntentFigures], errors: int) -> None:
    names = list(parts)
    print("\n## Intents (decision = offline model + confirmation policy)")
    print(f"{'':26}" + "".join(f"{n:>28}" for n in names))
    print(f"{'rows':26}" + "".join(f"{parts[n].rows:>28}" for n in names))
    print("per intent: precision / recall / F1 (gold rows)")
    for intent in INTENTS:
        cells = []
        for n in names:
            p, r, f1, support = parts[n].per_intent[intent]
            cells.append(f"{p:.3f} / {r:.3f} / {f1:.3f} ({support})".rjust(28))
        print(f"  {intent:24}" + "".join(cells))
    macro = {n: statistics.mean(v[2] for v in parts[n].per_intent.values()) for n in names}
    print(f"{'  macro F1':26}" + "".join(f"{macro[n]:>28.3f}" for n in names))
    rows: list[tuple[str, Callable[[IntentFigures], str]]] = [
        ("add creates one task", lambda f: _pct(f.add_created)),
        ("list really answered", lambda f: _pct(f.list_answered)),
        ("false actions on other", lambda f: _pct(f.other_false_actions)),
        ("proposals on other", lambda f: _pct(f.other_proposed)),
        ("changes proposed, not done", lambda f: _pct(f.proposed_of_changes)),
        ("questions changing a task", lambda f: f"{f.question_changes} of {f.questions}"),
        (
            "latency p50 / p95 (ms)",
            lambda f: (
                f"{statistics.median(f.latencies_ms):.2f} / "
                f"{statistics.quantiles(f.latencies_ms, n=20)[18]:.2f}"
            ),
        ),
    ]
    for label, cell in rows:
        print(f"{label:26}" + "".join(f"{cell(parts[n]):>28}" for n in names))
    if errors and "train" in parts:
        print(f"\nfirst {errors} errors on the training part (gold, decided, text):")
        for gold, got, text in parts["train"].errors[:errors]:
            print(f"  {gold:14} {got:22} {text}")


def print_dates(directory: Path) -> None:
    from dates import date_report

    print("\n## Date phrases (Duckling, at the expected grain; bench/dates.py has the detail)")
    for part in ("train", "held_out"):
        report = date_report(corpus.date_phrases(directory, part))
        total = report["total"]
        assert isinstance(total, dict)
        right, conv, n = total.get("right", 0), total.get("convention", 0), total.get("total", 0)
        print(
            f"  {part:9} right {right}/{n} ({right / n:.1%}), convention differences {conv}, "
            f"non-dates read {report['negatives_wrongly_read']}/{report['negatives']}"
        )
        classes = report["classes"]
        assert isinstance(classes, dict)
        for name, counts in classes.items():
            print(f"      {name:18} {counts.get('right', 0):>3}/{counts['total']:<3}")


def print_everyday(llm: bool) -> None:
    from everyday import DEFAULT_CASES, run_everyday

    print("\n## Everyday chat scenarios (bench/everyday_cases.jsonl, effect on a real store)")
    result = run_everyday(DEFAULT_CASES, model="llm" if llm else None)
    false_changes, no_change = result["false_changes"]
    proposals, changes = result["proposals"]
    print(
        f"  fully right {result['right']}/{result['cases']} "
        f"({result['right'] / result['cases']:.1%}); false changes {false_changes}/{no_change}; "
        f"proposals {proposals}/{changes}; chat request p50 {result['latency_p50_ms']:.1f} ms, "
        f"p95 {result['latency_p95_ms']:.1f} ms"
    )
    for category, (right, total) in result["per_category"].items():
        print(f"      {category:22} {right:>3}/{total:<3}")
    # Title exactness: of the adds that created a task, how many titles were exactly right.
    adds = [r for r in result["results"] if r["expect"]["effect"] == "add"]
    created = [r for r in adds if not any("tasks created" in p for p in r["problems"])]
    exact = [
        r for r in created if not any(p.startswith("#") and "title" in p for p in r["problems"])
    ]
    print(f"  titles exactly right on the adds that created a task: {len(exact)}/{len(created)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=corpus.DEFAULT_PUBLIC_DIR)
    parser.add_argument("--errors", type=int, default=0, help="print N training-part errors")
    parser.add_argument("--llm", action="store_true", help="the model from BEHFLOW_LLM_*")
    parser.add_argument("--limit", type=int, default=0, help="score at most N rows a part")
    parser.add_argument("--skip-everyday", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    shipped_model()
    print(f"intent model loaded in {(time.perf_counter() - start) * 1000:.0f} ms")
    decide = llm_decider() if args.llm else offline_decision
    parts = {}
    for part in ("train", "held_out"):
        examples = corpus.intent_examples(args.data, part)
        if args.limit:
            examples = examples[:: max(1, len(examples) // args.limit)][: args.limit]
        parts[part] = score(examples, decide)
        by_source = Counter(e.source for e in examples)
        print(f"{part}: {len(examples)} rows {dict(sorted(by_source.items()))}")
    for source in ("hwu64", "clinc150", "own"):
        subset = {}
        for part in ("train", "held_out"):
            examples = [e for e in corpus.intent_examples(args.data, part) if e.source == source]
            if args.limit:
                examples = examples[:: max(1, len(examples) // args.limit)][: args.limit]
            subset[f"{part}:{source}"] = score(examples, decide)
        parts.update(subset)
    print_intents(parts, args.errors)
    if not args.llm:
        print_dates(args.data)
    if not args.skip_everyday:
        print_everyday(args.llm)


if __name__ == "__main__":
    main()
