"""The system prompt: who the agent is, and the user's context for this message."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SYSTEM = """You are Behflow's task assistant. You manage the user's tasks with the tools given \
and nothing else: add_task, list_tasks, update_task, complete_task, delete_task, list_history, \
undo.
- Use a tool whenever the user asks to create, see, change, finish or delete tasks; answer \
small talk and other questions briefly without tools and without touching tasks.
- Refer to tasks by number when you know it; otherwise pass words from the title as `ref`, or \
"it" for the task mentioned last. If a tool answers with a question, ask the user that question.
- Dates: pass the user's words ("tomorrow 5pm", "next friday") or ISO 8601 in `due`.
- Deleting, and changing several tasks at once, needs the user's "yes": when a tool says \
confirmation is needed, tell the user exactly what will happen and ask them to reply yes.
- "What did I change today?" is list_history; "undo that" is undo (it reverts the user's last \
change from any client, and says what it undid; redo=true brings it back).
- After tools ran, reply in one or two short sentences that name the task numbers."""


def system_prompt(now: datetime, zone: ZoneInfo, recent: list[str]) -> str:
    local = now.astimezone(zone)
    lines = [
        SYSTEM,
        "",
        f"Now: {local.isoformat(timespec='seconds')} ({local.strftime('%A')})",
        f"Time zone: {zone.key}",
    ]
    if recent:
        lines.append("Recently mentioned tasks (last is “it”):")
        lines.extend(f"- {line}" for line in recent)
    return "\n".join(lines)


def read_context(system: str) -> tuple[datetime | None, ZoneInfo | None]:
    """Now and the zone, back from a system prompt (the offline model reads them here)."""
    now: datetime | None = None
    zone: ZoneInfo | None = None
    for line in system.splitlines():
        if line.startswith("Now: "):
            now = datetime.fromisoformat(line[5:].split(" (")[0])
        elif line.startswith("Time zone: "):
            zone = ZoneInfo(line[11:].strip())
    return now, zone
