"""Shell examples work pasted into an interactive bash: no `!` inside double quotes.

Interactive bash (and zsh) read `!word` inside double quotes as a history expansion, so
`behflow task add "Buy milk !high"` fails with "event not found". Examples use single quotes
(or `p2` / `priority:H`) instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# `--help` examples live in the command docstrings.
HELP_SOURCES = sorted((ROOT / "behflow_cli" / "commands").glob("*.py"))
_EXAMPLE = re.compile(r"^\s*(?:\$ )?behflow ")


def history_expansions(line: str) -> list[int]:
    """Positions of `!` that bash would expand: unescaped and inside double quotes."""
    found: list[int] = []
    quote: str | None = None
    escaped = False
    for position, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
        elif char == "!" and quote == '"':
            found.append(position)
    return found


def examples() -> list[tuple[str, int, str]]:
    """(file, line number, line) of every shell example starting `behflow ` or `$ behflow `."""
    lines: list[tuple[str, int, str]] = []
    for path in [*DOCUMENTS, *HELP_SOURCES]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if _EXAMPLE.match(line):
                lines.append((str(path.relative_to(ROOT)), number, line.strip()))
    return lines


@pytest.mark.parametrize(
    ("line", "bad"),
    [
        ('behflow task add "Buy milk !high"', True),
        ("behflow task add 'Buy milk !high'", False),
        ('behflow task add "Buy milk \\!high"', False),  # escaped (bash keeps the backslash)
        ('behflow task add "Buy milk p2"', False),
        ('behflow task add "it\'s" p2', False),
        ('behflow task add "say \\"hi\\" !now"', True),
        ("behflow task add 'a \"b\" !c'", False),
    ],
)
def test_the_checker(line: str, bad: bool) -> None:
    assert bool(history_expansions(line)) is bad


def test_there_are_examples_to_check() -> None:
    found = examples()
    assert len(found) > 20
    assert any(path == "README.md" for path, _, _ in found)


def test_no_example_trips_history_expansion() -> None:
    bad = [
        f"{path}:{number}: {line}" for path, number, line in examples() if history_expansions(line)
    ]
    assert bad == [], "use single quotes (or p2 / priority:H) around `!`:\n" + "\n".join(bad)
