"""Benchmark of the recurrence phrase reader (quick add, `--recur`, the agent and the web).

    .venv/bin/python bench/recurrence.py [--errors]

Cases in bench/recurrence_cases.jsonl, written before the grammar for "after done", "every last
friday", "for 5 times", "until march 1" was changed: the "train" part is what the grammar was
written against, the "held_out" part was not looked at while tuning. A case is right when quick
add reads the same rule (parts compared in any order) and the same title. Read at
2026-11-25 09:00 Europe/London. Only train misses are printed (`--errors`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from behflow_server.errors import InvalidInput  # noqa: E402
from behflow_server.tasks.quickadd import parse_text  # noqa: E402

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZONE)


def _parts(rule: str | None) -> set[str]:
    return {part for part in (rule or "").upper().split(";") if part}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true", help="print the train part's misses")
    args = parser.parse_args()
    cases = [json.loads(line) for line in (ROOT / "bench" / "recurrence_cases.jsonl").open()]
    for part in ("train", "held_out"):
        rows = [case for case in cases if case["part"] == part]
        right = 0
        for case in rows:
            try:
                parsed = parse_text(case["text"], ZONE, NOW)
                rule, title = parsed.recurrence, parsed.title
            except InvalidInput as exc:
                rule, title = None, f"error: {exc}"
            if _parts(rule) == _parts(case["rule"]) and title == case["title"]:
                right += 1
            elif args.errors and part == "train":
                print(f"  miss: {case['text']!r} -> {rule!r} {title!r}")
        print(f"{part:9} {right}/{len(rows)} = {100 * right / len(rows):.0f} %")


if __name__ == "__main__":
    main()
