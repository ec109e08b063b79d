"""The chat pane: the conversation with the agent, its task cards and pending confirmations."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static

from behflow_cli.tui.widgets.task_card import TaskCard


class ChatInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Send")]


class ChatPane(Vertical):
    """Pending confirmations: y/n are bound on the screen, so they also work from the list."""

    class Send(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pending: Any = None
        self._reply: Static | None = None
        self._reply_text = ""

    def compose(self) -> ComposeResult:
        yield Static("Chat with the agent", classes="pane-title")
        yield VerticalScroll(id="chat-log")
        with Horizontal(id="confirm"):
            yield Static("", id="confirm-question")
            yield Button("Yes", id="confirm-yes", variant="success", compact=True)
            yield Button("No", id="confirm-no", variant="error", compact=True)
        yield ChatInput(
            placeholder="Message (Enter sends)", id="chat-input", max_length=4000, compact=True
        )

    def on_mount(self) -> None:
        self.query_one("#confirm").display = False

    def focus_input(self) -> None:
        self.query_one("#chat-input", Input).focus()

    def _log(self) -> VerticalScroll:
        return self.query_one("#chat-log", VerticalScroll)

    @staticmethod
    def _bubble(who: str, text: str) -> Static:
        label = Text("you  " if who == "me" else "agent  ", style="bold")
        return Static(label + Text(text), classes=f"msg {who}")

    def add_message(self, who: str, text: str) -> Static:
        widget = self._bubble(who, text)
        self._log().mount(widget)
        self._log().scroll_end(animate=False)
        return widget

    def begin_reply(self) -> None:
        self._reply_text = ""
        self._reply = self.add_message("agent", "…")

    def stream_reply(self, chunk: str) -> None:
        """Append a piece of a reply as it arrives."""
        if self._reply is None:
            self.begin_reply()
        self._reply_text += chunk
        assert self._reply is not None
        self._reply.update(Text("agent  ", style="bold") + Text(self._reply_text))
        self._log().scroll_end(animate=False)

    def finish_reply(self, reply: str, actions: list[dict[str, Any]], pending: Any) -> None:
        if self._reply is None:
            self.begin_reply()
        assert self._reply is not None
        self._reply.update(Text("agent  ", style="bold") + Text(reply or self._reply_text))
        self._reply = None
        for action in actions:
            if isinstance(action, dict):
                self._log().mount(TaskCard(action))
        self.set_pending(pending)
        self._log().scroll_end(animate=False)

    def fail_reply(self, message: str) -> None:
        if self._reply is not None:
            self._reply.remove()
            self._reply = None
        self.add_message("error", message)

    def set_pending(self, pending: Any) -> None:
        """A PendingAction ({action, numbers, summary}) waits for "yes" or "no"."""
        self.pending = pending if isinstance(pending, dict) else None
        bar = self.query_one("#confirm")
        bar.display = self.pending is not None
        if self.pending is not None:
            question = str(self.pending.get("summary") or "Confirm?")
            self.query_one("#confirm-question", Static).update(Text(question + "  (y/n)"))
        self.refresh_bindings()

    def show_history(self, messages: list[dict[str, Any]]) -> None:
        """The last session's messages (ChatMessagePublic), above anything said since."""
        log = self._log()
        widgets: list[Static] = []
        for message in messages:
            who = "me" if message.get("role") == "user" else "agent"
            widgets.append(self._bubble(who, str(message.get("content") or "")))
            widgets.extend(
                TaskCard(action)
                for action in message.get("actions") or []
                if isinstance(action, dict)
            )
        if widgets:
            widgets.append(Static(Text("— earlier conversation above —", style="dim")))
            log.mount_all(widgets, before=0 if log.children else None)
            log.scroll_end(animate=False)

    def action_answer(self, answer: str) -> None:
        self.set_pending(None)
        self.post_message(self.Send(answer))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id in ("confirm-yes", "confirm-no"):
            self.action_answer("yes" if event.button.id == "confirm-yes" else "no")
            self.focus_input()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        event.input.clear()
        if self.pending is not None and text.lower() in ("y", "n"):
            text = "yes" if text.lower() == "y" else "no"
        self.set_pending(None)
        self.post_message(self.Send(text))
