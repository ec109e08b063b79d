"""Changes sent to the server, in the order the user asked for them, and how to undo each.

Every change (and every undo) is a `Change` in one sequence: its worker waits for the change
before it to land, so two quick keys reach the server in the order they were pressed. The
undo stack holds the changes themselves, not their results: `u` pressed while the last change
is still in flight takes that change, and its worker waits for it to land before undoing it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

DEPTH = 50
# A change waits at most this long for the one before it (a request times out well before).
WAIT_SECONDS = 60.0

Inverse = Callable[[], Any]


@dataclass(eq=False)
class Change:
    label: str  # "complete #3"
    previous: Change | None = None
    inverse: Inverse | None = None
    number: int | None = None  # the task it changed, once known
    failed: bool = False
    _landed: threading.Event = field(default_factory=threading.Event, repr=False)

    @contextmanager
    def turn(self) -> Iterator[Change]:
        """Wait for the change before this one, then run; always mark this one finished."""
        if self.previous is not None:
            self.previous.wait()
            self.previous = None  # let finished changes be collected
        try:
            yield self
        except BaseException:
            self.failed = True
            raise
        finally:
            self._landed.set()

    def wait(self, timeout: float = WAIT_SECONDS) -> bool:
        return self._landed.wait(timeout)

    @property
    def finished(self) -> bool:
        return self._landed.is_set()


class ChangeLog:
    """The sequence of changes and the stack of those that can be undone (newest last)."""

    def __init__(self, depth: int = DEPTH) -> None:
        self.depth = depth
        self._last: Change | None = None
        self._stack: list[Change] = []

    def begin(self, label: str, *, undoable: bool = True) -> Change:
        change = Change(label, previous=self._last)
        self._last = change
        if undoable:
            self._stack.append(change)
            del self._stack[: -self.depth]
        return change

    def pop(self) -> Change | None:
        """The newest undoable change; changes that failed are dropped on the way."""
        while self._stack:
            change = self._stack.pop()
            if not (change.finished and change.failed):
                return change
        return None

    def labels(self) -> list[str]:
        return [change.label for change in self._stack]

    def __len__(self) -> int:
        return len(self._stack)
