"""The main screen: quick add and filter bars, the task table, the chat pane, the live status."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input

from behflow_cli.client import ApiError
from behflow_cli.tui import chat
from behflow_cli.tui.filters import TaskFilter
from behflow_cli.tui.live import EventStream
from behflow_cli.tui.messages import LiveEvent, LiveState, TasksLoaded
from behflow_cli.tui.screens.confirm import ConfirmScreen
from behflow_cli.tui.screens.edit import EditScreen
from behflow_cli.tui.screens.help import HelpScreen
from behflow_cli.tui.widgets.chat_pane import ChatPane
from behflow_cli.tui.widgets.filter_bar import FilterBar
from behflow_cli.tui.widgets.live_status import LiveStatus
from behflow_cli.tui.widgets.quick_add import QuickAdd
from behflow_cli.tui.widgets.task_table import SERVER_SORTS, TaskTable

if TYPE_CHECKING:
    from behflow_cli.tui.app import BehflowApp

T = TypeVar("T")
Task = dict[str, Any]

# (key, action, footer label, description): the bindings, the `?` screen, the command palette.
ACTIONS: list[tuple[str, str, str, str]] = [
    ("a", "add", "Add", "Add a task (quick-add text, parsed by the server)"),
    ("e", "edit", "Edit", "Edit the selected task"),
    ("s", "start", "Start", "Start the selected task (in progress)"),
    ("b", "block", "Block", "Mark the selected task blocked"),
    ("d", "done", "Done", "Complete the selected task"),
    ("o", "reopen", "Reopen", "Reopen the selected task"),
    ("x", "delete", "Delete", "Delete the selected task (asks first)"),
    ("u", "undo", "Undo", "Undo the last change"),
    ("r", "refresh", "Refresh", "Reload the list"),
    ("slash", "filter", "Filter", "Filter/search the list"),
    ("S", "next_sort", "Sort", "Sort by the next column"),
    ("V", "reverse_sort", "Reverse", "Reverse the sort order"),
    ("c", "toggle_chat", "Chat", "Show or hide the chat pane"),
    ("t", "toggle_theme", "Theme", "Switch dark/light theme"),
    ("question_mark", "help", "Help", "Show the keys"),
    ("q", "quit", "Quit", "Quit"),
]
FOOTER_KEYS = {"a", "e", "d", "x", "u", "c", "question_mark", "q"}
SORT_CYCLE = ("due", "priority", "number", "title", "created", "updated")
UNDO_DEPTH = 50
HIGHLIGHT_SECONDS = 4.0


def key_label(key: str) -> str:
    return {"slash": "/", "question_mark": "?"}.get(key, key)


@dataclass
class Undo:
    label: str
    run: Callable[[], Any]


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, action, label, show=key in FOOTER_KEYS, tooltip=description)
        for key, action, label, description in ACTIONS
    ] + [
        Binding("delete", "delete", "Delete", show=False),
        Binding("y", "answer('yes')", "Yes", show=False),
        Binding("n", "answer('no')", "No", show=False),
        Binding("escape", "focus_table", "List", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = TaskFilter()
        self.sort_descending = False
        self.undo_stack: list[Undo] = []
        self.chat_session: str | None = None
        # Task number -> until when (monotonic) its row stays highlighted.
        self.highlights: dict[int, float] = {}
        self.stream: EventStream | None = None
        self.loads = 0

    @property
    def behflow(self) -> BehflowApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Horizontal(id="bars"):
            yield QuickAdd(id="quick-add")
            yield FilterBar(id="filter")
        with Horizontal(id="body"):
            yield TaskTable(self.behflow.clock, id="tasks")
            yield ChatPane(id="chat")
        yield LiveStatus(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ChatPane).display = False
        self.query_one(TaskTable).focus()
        self.action_refresh()
        if self.behflow.live:
            self.start_live()

    def on_unmount(self) -> None:
        if self.stream is not None:
            self.stream.stop()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "narrow")

    # --- background work --------------------------------------------------------------------

    def call_api(
        self,
        job: Callable[[], T],
        done: Callable[[T], None] | None = None,
        *,
        label: str,
        group: str = "api",
        exclusive: bool = False,
    ) -> None:
        """Run an HTTP call in a worker thread; failures become notifications, never crashes."""

        def work() -> None:
            try:
                result = job()
            except ApiError as exc:
                self.app.call_from_thread(self.failed, label, exc.message, exc.status)
                return
            except Exception as exc:  # the UI must survive anything a request throws
                self.app.call_from_thread(self.failed, label, str(exc) or type(exc).__name__, 0)
                return
            if done is not None:
                self.app.call_from_thread(done, result)

        self.run_worker(
            work, thread=True, group=group, exclusive=exclusive, name=label, exit_on_error=False
        )

    def failed(self, label: str, message: str, status: int) -> None:
        if status == 401:
            message = f"{message} Run `behflow login`, then restart the TUI."
        self.notify(message, title=f"{label} failed", severity="error", timeout=6)

    # --- loading ----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        params = self.filter.params()
        if self.filter.sort is None and self.sort_descending:
            params["sort"] = "-due"
        client = self.behflow.client

        def load() -> TasksLoaded:
            page = client.list_tasks(**params, limit=500)
            return TasksLoaded(list(page["items"]), page["total"])

        self.call_api(load, self.post_message, label="Loading tasks", group="load", exclusive=True)

    def on_tasks_loaded(self, message: TasksLoaded) -> None:
        self.loads += 1
        table = self.query_one(TaskTable)
        table.show(message.tasks, self.active_highlights())
        if table.highlighted:
            self.set_timer(HIGHLIGHT_SECONDS, self.fade_highlights)
        shown = len(message.tasks)
        summary = f"{shown} task{'s' if shown != 1 else ''}"
        if message.total > shown:
            summary = f"{shown} of {message.total} tasks"
        sort = self.filter.sort or ("-due" if self.sort_descending else "due")
        self.query_one(LiveStatus).summary = f"{summary} · sort {sort}"

    def active_highlights(self) -> set[int]:
        now = time.monotonic()
        self.highlights = {n: until for n, until in self.highlights.items() if until > now}
        return set(self.highlights)

    def fade_highlights(self) -> None:
        table = self.query_one(TaskTable)
        table.show(table.tasks, self.active_highlights())

    def reload_soon(self, numbers: set[int] | None = None) -> None:
        until = time.monotonic() + HIGHLIGHT_SECONDS
        self.highlights.update(dict.fromkeys(numbers or (), until))
        self.set_timer(0.05, self.action_refresh)

    # --- live events ------------------------------------------------------------------------

    def start_live(self) -> None:
        self.stream = EventStream(
            self.behflow.client,
            on_frame=lambda frame: self.post_message(LiveEvent(frame.type, frame.data)),
            on_state=lambda online, detail: self.post_message(LiveState(online, detail)),
        )
        self.run_worker(
            self.stream.run, thread=True, group="live", name="event stream", exit_on_error=False
        )

    def on_live_state(self, message: LiveState) -> None:
        status = self.query_one(LiveStatus)
        status.online = message.online
        status.detail = message.detail

    def on_live_event(self, message: LiveEvent) -> None:
        if message.type in ("ready", "reset"):
            self.reload_soon()
        elif message.type == "reminder.due":
            task = message.data.get("data", {}).get("task") or {}
            self.notify(
                f"#{task.get('number', '?')} {task.get('title', '')}", title="Reminder", timeout=15
            )
        elif message.type.startswith("task."):
            task = message.data.get("data", {}).get("task") or {}
            number = task.get("number")
            self.reload_soon({number} if isinstance(number, int) else set())

    # --- task actions -----------------------------------------------------------------------

    def selected(self) -> Task | None:
        task = self.query_one(TaskTable).selected_task()
        if task is None:
            self.notify("No task selected.", severity="warning")
        return task

    def remember(self, label: str, run: Callable[[], Any]) -> None:
        self.undo_stack.append(Undo(label, run))
        del self.undo_stack[:-UNDO_DEPTH]

    def changed(self, task: Task, verb: str) -> None:
        self.notify(f"{verb} #{task['number']} {task['title']}", timeout=3)
        self.reload_soon({task["number"]})

    def action_add(self) -> None:
        self.query_one(QuickAdd).focus()

    @on(QuickAdd.Added)
    def add_task(self, message: QuickAdd.Added) -> None:
        client = self.behflow.client

        def done(task: Task) -> None:
            number = task["number"]
            self.remember(f"add #{number}", lambda: client.delete_task(number))
            self.changed(task, "Added")

        self.call_api(lambda: client.quick_add(message.text), done, label="Adding")

    def set_status(self, status: str, verb: str) -> None:
        task = self.selected()
        if task is None:
            return
        client, number = self.behflow.client, task["number"]

        def change() -> tuple[Task, str]:
            # The row may be a moment old: undo must restore what the server had.
            before = client.get_task(number)["status"]
            return client.update_task(number, status=status), before

        def done(result: tuple[Task, str]) -> None:
            updated, before = result
            self.remember(
                f"{verb.lower()} #{number}", lambda: client.update_task(number, status=before)
            )
            self.changed(updated, verb)

        self.call_api(change, done, label=verb)

    def action_start(self) -> None:
        self.set_status("in_progress", "Started")

    def action_block(self) -> None:
        self.set_status("blocked", "Blocked")

    def action_done(self) -> None:
        self.set_status("completed", "Completed")

    def action_reopen(self) -> None:
        self.set_status("not_started", "Reopened")

    def action_delete(self) -> None:
        task = self.selected()
        if task is None:
            return
        client, number = self.behflow.client, task["number"]

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def done(_: None) -> None:
                self.remember(f"delete #{number}", lambda: client.restore_task(number))
                self.changed(task, "Deleted")

            self.call_api(lambda: client.delete_task(number), done, label="Deleting")

        self.app.push_screen(ConfirmScreen(f"Delete #{number} {task['title']}?"), answered)

    def action_edit(self) -> None:
        task = self.selected()
        if task is None:
            return
        client, number = self.behflow.client, task["number"]

        def edited(changes: dict[str, Any] | None) -> None:
            if not changes:
                return
            clear = ["due_at" if n == "due" else n for n, v in changes.items() if v is None]
            fields = {k: v for k, v in changes.items() if v is not None}
            names = {"due_at" if n == "due" else n for n in (*fields, *clear)}

            def change() -> tuple[Task, dict[str, Any]]:
                current = client.get_task(number)
                return client.update_task(number, **fields, clear=clear), {
                    name: current.get(name) for name in names
                }

            def done(result: tuple[Task, dict[str, Any]]) -> None:
                updated, previous = result
                self.remember(
                    f"edit #{number}",
                    lambda: client.update_task(
                        number,
                        **{k: v for k, v in previous.items() if v is not None},
                        clear=[k for k, v in previous.items() if v is None],
                    ),
                )
                self.changed(updated, "Saved")

            self.call_api(change, done, label="Saving")

        self.app.push_screen(EditScreen(task), edited)

    def on_data_table_row_selected(self, event: TaskTable.RowSelected) -> None:
        event.stop()
        self.action_edit()  # Enter on a row

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.", severity="warning")
            return
        last = self.undo_stack.pop()

        def done(_: Any) -> None:
            self.notify(f"Undid {last.label}", timeout=3)
            self.reload_soon()

        self.call_api(last.run, done, label="Undo")

    # --- filter and sort --------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterBar).focus()

    def action_focus_table(self) -> None:
        self.query_one(TaskTable).focus()

    @on(FilterBar.Applied)
    def filter_changed(self, message: FilterBar.Applied) -> None:
        self.filter = message.filter
        self.query_one(TaskTable).focus()
        self.action_refresh()

    @on(FilterBar.Rejected)
    def filter_invalid(self, message: FilterBar.Rejected) -> None:
        self.notify(message.reason, title="Filter", severity="error")

    def sort_by(self, key: str, descending: bool) -> None:
        self.filter.sort = ("-" if descending else "") + key
        self.sort_descending = descending
        self.action_refresh()

    @on(TaskTable.SortRequested)
    def header_sort(self, message: TaskTable.SortRequested) -> None:
        current = (self.filter.sort or "due").lstrip("-")
        if message.column in SERVER_SORTS:
            key = SERVER_SORTS[message.column]
            self.sort_by(key, not self.sort_descending if key == current else False)
        else:
            self.sort_descending = not self.sort_descending
            self.query_one(TaskTable).sort_locally(message.column, self.sort_descending)

    def action_next_sort(self) -> None:
        current = (self.filter.sort or "due").lstrip("-")
        following = SORT_CYCLE[(SORT_CYCLE.index(current) + 1) % len(SORT_CYCLE)]
        self.sort_by(following, False)

    def action_reverse_sort(self) -> None:
        self.sort_by((self.filter.sort or "due").lstrip("-"), not self.sort_descending)

    # --- chat -------------------------------------------------------------------------------

    def action_toggle_chat(self) -> None:
        pane = self.query_one(ChatPane)
        pane.display = not pane.display
        if pane.display:
            pane.focus_input()
        else:
            self.query_one(TaskTable).focus()

    @on(ChatPane.Send)
    def send_chat(self, message: ChatPane.Send) -> None:
        pane = self.query_one(ChatPane)
        pane.add_message("me", message.text)
        pane.begin_reply()
        client, session = self.behflow.client, self.chat_session

        def chunk(text: str) -> None:
            self.app.call_from_thread(pane.stream_reply, text)

        def job() -> dict[str, Any]:
            return chat.send(client, message.text, session, chunk)

        def done(result: dict[str, Any]) -> None:
            self.chat_session = str(result.get("session_id") or "") or self.chat_session
            actions = [a for a in result.get("actions") or [] if isinstance(a, dict)]
            pane.finish_reply(str(result.get("reply") or ""), actions, result.get("pending"))
            numbers = set()
            for action in actions:
                number = action.get("number", (action.get("task") or {}).get("number"))
                if isinstance(number, int):
                    numbers.add(number)
            if actions:
                self.reload_soon(numbers)

        def work() -> None:
            try:
                result = job()
            except ApiError as exc:
                self.app.call_from_thread(pane.fail_reply, exc.message)
                return
            except Exception as exc:
                self.app.call_from_thread(pane.fail_reply, str(exc) or type(exc).__name__)
                return
            self.app.call_from_thread(done, result)

        self.run_worker(work, thread=True, group="chat", name="chat", exit_on_error=False)

    # --- app-wide ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer":  # y/n answer the agent's question, unless typing somewhere
            pane = self.query_one(ChatPane)
            return (
                pane.display
                and pane.pending is not None
                and not isinstance(self.app.focused, Input)
            )
        return True

    def action_answer(self, answer: str) -> None:
        self.query_one(ChatPane).action_answer(answer)

    def action_quit(self) -> None:
        self.app.exit()

    def action_toggle_theme(self) -> None:
        self.behflow.toggle_theme()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen([(key_label(k), d) for k, _, _, d in ACTIONS]))
