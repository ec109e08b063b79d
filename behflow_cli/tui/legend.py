"""What the marks in the task list mean: the `?` screen shows it, and so can the CLI's help.

Built from the marks the CLI's table uses (behflow_cli.output), so the two never disagree.
No Textual import: `behflow --help` can use it without loading the TUI.
"""

from __future__ import annotations

from behflow_cli.output import PRIORITY_MARKS, STATUS_MARKS

STATUS_WORDS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "blocked": "blocked",
    "completed": "completed",
}


def status_legend() -> list[tuple[str, str]]:
    return [(STATUS_MARKS[s][0], STATUS_WORDS[s]) for s in STATUS_WORDS if s in STATUS_MARKS]


def priority_legend() -> list[tuple[str, str]]:
    return [(mark, name) for name, (mark, _) in PRIORITY_MARKS.items() if mark]


def legend_text() -> str:
    """Two lines: "Status: ○ open, not started  ◐ in progress ..." and the priority marks."""
    status = "  ".join(f"{mark} {words}" for mark, words in status_legend())
    priority = "  ".join(f"{mark} {name}" for mark, name in priority_legend())
    return f"Status:   {status}\nPriority: {priority}  (none: blank)"
