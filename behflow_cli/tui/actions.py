"""The action table: every key of the task list, its footer label and what it does.

One table feeds the screen's bindings, the `?` screen, the command palette and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    key: str  # Textual key name(s), comma-separated
    name: str  # the screen's `action_<name>`
    label: str  # footer label
    description: str  # the `?` screen and the command palette
    footer: bool = False
    palette: bool = True


ACTIONS: tuple[Action, ...] = (
    Action("a", "add", "Add", "Add a task (quick-add text, parsed by the server)", footer=True),
    Action("e,enter", "edit", "Edit", "Edit the selected task", footer=True),
    Action("s", "start", "Start", "Start the selected task (in progress)"),
    Action("b", "block", "Block", "Mark the selected task blocked"),
    Action("d", "done", "Done", "Complete the selected task (u undoes)", footer=True),
    Action("o", "reopen", "Reopen", "Reopen the selected completed task"),
    Action("x,delete", "delete", "Delete", "Delete the selected task (asks first)", footer=True),
    Action("N", "note", "Note", "Add a note (Markdown) to the selected task"),
    Action("m", "restore_due", "Due back", "Put back the due date automation moved"),
    Action("u", "undo", "Undo", "Undo the last change (from any client)", footer=True),
    Action("U", "redo", "Redo", "Redo what the last undo reverted"),
    Action("j", "cursor_down", "Down", "Next task (also the down arrow)", palette=False),
    Action("k", "cursor_up", "Up", "Previous task (also the up arrow)", palette=False),
    Action("r", "refresh", "Refresh", "Reload the list"),
    Action("slash", "filter", "Filter", "Filter/search the list", footer=True),
    Action("F", "saved_filters", "Saved", "Pick one of your saved filters (docs/filters.md)"),
    Action("S", "next_sort", "Sort", "Sort by the next column"),
    Action("V", "reverse_sort", "Reverse", "Reverse the sort order"),
    Action("c", "toggle_chat", "Chat", "Show or hide the chat pane", footer=True),
    Action("t", "toggle_theme", "Theme", "Switch dark/light theme"),
    Action("question_mark", "help", "Help", "Show the keys and what the marks mean", footer=True),
    Action("q", "quit", "Quit", "Quit", footer=True, palette=False),
)

_KEY_NAMES = {"slash": "/", "question_mark": "?", "enter": "Enter", "delete": "Del"}


def key_label(key: str) -> str:
    """How a key is written for people: "x,delete" -> "x / Del"."""
    return " / ".join(_KEY_NAMES.get(part, part) for part in key.split(","))


def bindings() -> list[Binding]:
    """Priority bindings: the app decides for each key, in the order they were typed, whether
    it is a command (the list has the focus) or text (the screen's check_action says no while a
    box has it, and the key goes on to the box). Without priority a key typed right after `a`
    is already on its way to the list when the focus moves: it is lost, or run as a command."""
    return [
        # The key bar shows each action's first key ("e Edit", not "⏎ Edit").
        Binding(
            key, a.name, a.label, show=a.footer and n == 0, tooltip=a.description, priority=True
        )
        for a in ACTIONS
        for n, key in enumerate(a.key.split(","))
    ]
