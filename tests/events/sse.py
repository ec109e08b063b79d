"""A small Server-Sent Events reader over an httpx streaming response, for tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Frame:
    event: str = "message"
    id: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    @property
    def json(self) -> Any:
        return json.loads(self.data)

    @property
    def is_heartbeat(self) -> bool:
        return not self.data and "heartbeat" in self.comments


class SSEReader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines: Iterator[str] = response.iter_lines()

    def frame(self) -> Frame:
        """The next frame (a heartbeat or comment-only frame included)."""
        current = Frame()
        seen_anything = False
        data: list[str] = []
        for line in self._lines:
            if line == "":
                if seen_anything:
                    current.data = "\n".join(data)
                    return current
                continue
            seen_anything = True
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                current.comments.append(value)
            elif name == "event":
                current.event = value
            elif name == "id":
                current.id = value
            elif name == "data":
                data.append(value)
        raise EOFError("the event stream ended")

    def event(self, *, skip: tuple[str, ...] = ()) -> Frame:
        """The next frame that carries data and whose type is not in `skip`."""
        while True:
            frame = self.frame()
            if frame.data and frame.event not in skip:
                return frame

    def until(self, event_type: str) -> Frame:
        while True:
            frame = self.event()
            if frame.event == event_type:
                return frame
