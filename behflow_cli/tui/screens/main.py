"""The main screen: quick add and filter bars, the task list, the chat pane, the live status.

Every HTTP call runs in a `@work` thread worker that posts a message back (tui/messages.py);
a worker that fails lands in the one handler, `on_worker_state_changed`. What the calls are
lives in tui/api.py, the keys in tui/actions.py, the order of changes and undo in tui/undo.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from behflow_cli.tui import actions, api, chat
from behflow_cli.tui.filters import TaskFilter
from behflow_cli.tui.legend import legend_text
from behflow_cli.tui.live import EventStream
from behflow_cli.tui.messages import (
    ChatReplied,
    ChatToken,
    ContextLoaded,
    LiveEvent,
    LiveState,
    NotesLoaded,
    SavedFiltersLoaded,
    TaskChanged,
    TasksLoaded,
    Undone,
)
from behflow_cli.tui.screens.confirm import ConfirmScreen, SubtasksQuestion
from behflow_cli.tui.screens.edit import EditScreen
from behflow_cli.tui.screens.help import HelpScreen
from behflow_cli.tui.screens.note import NoteScreen
from behflow_cli.tui.screens.saved_filters import SavedFiltersScreen
from behflow_cli.tui.undo import Change, ChangeLog
from behflow_cli.tui.widgets.chat_pane import ChatInput, ChatPane
from behflow_cli.tui.widgets.filter_bar import FilterBar
from behflow_cli.tui.widgets.live_status import LiveStatus
from behflow_cli.tui.widgets.quick_add import QuickAdd
from behflow_cli.tui.widgets.task_detail import TaskDetail
from behflow_cli.tui.widgets.task_notes import TaskNotes
from behflow_cli.tui.widgets.task_table import SERVER_SORTS, TaskTable

if TYPE_CHECKING:
    from behflow_cli.tui.app import BehflowApp

Task = dict[str, Any]
SORT_CYCLE = ("due", "priority", "number", "title", "created", "updated")
# Where a sort starts: the most urgent and the newest first (`-` is descending on the server).
STARTS_DESCENDING = {"priority", "created", "updated"}
HIGHLIGHT_SECONDS = 4.0


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        *actions.bindings(),
        Binding("y", "answer('yes')", "Yes", show=False),
        Binding("n", "answer('no')", "No", show=False),
        Binding("escape", "focus_table", "Back to the list", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = TaskFilter()
        self.sort_descending = False
        self.changes = ChangeLog()
        self.chat_session: str | None = None
        self.chat_history_loaded = False
        # Task number -> until when (monotonic) its row stays highlighted.
        self.highlights: dict[int, float] = {}
        self.stream: EventStream | None = None
        self.loads = 0
        self.load_generation = 0
        # The task the cursor moves to on the next load (one the user added or brought back).
        self.focus_number: int | None = None

    @property
    def behflow(self) -> BehflowApp:
        return self.app  # type: ignore[return-value]  # this screen runs only in BehflowApp

    def compose(self) -> ComposeResult:
        with Horizontal(id="bars"):
            yield QuickAdd(id="quick-add")
            yield FilterBar(id="filter")
        with Horizontal(id="body"):
            yield TaskTable(self.behflow.clock, self.behflow.client.timezone, id="tasks")
            yield ChatPane(id="chat")
        yield TaskDetail(self.behflow.clock, self.behflow.client.timezone, id="detail")
        yield TaskNotes(id="notes")
        yield LiveStatus(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ChatPane).display = False
        self.table.focus()
        self.action_refresh()
        if self.behflow.live:
            self.start_live()

    def on_unmount(self) -> None:
        if self.stream is not None:
            self.stream.stop()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "narrow")

    @property
    def table(self) -> TaskTable:
        return self.query_one(TaskTable)

    def focus_now(self, widget: Widget) -> None:
        """Move the focus before the next key is handled. Widget.focus() only schedules it,
        so keys typed right after `a` (fast typing, a paste) would reach the list as commands."""
        self.set_focus(widget)

    # --- the one handler for workers that failed ---------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        failed = error if isinstance(error, api.Failed) else None
        message = failed.message if failed else (str(error) or type(error).__name__)
        if event.worker.group == "chat":
            self.query_one(ChatPane).fail_reply(message)
            return
        if failed is not None and failed.status == 401:
            message = f"{message} Run `behflow login`, then restart the TUI."
        if failed is not None and failed.typed:
            self.query_one(QuickAdd).give_back(failed.typed)
        label = failed.label if failed else (event.worker.name or "Request")
        self.notify(message, title=f"{label} failed", severity="error", timeout=6)

    # --- loading ------------------------------------------------------------------------------

    @work(thread=True, group="load", exclusive=True, exit_on_error=False)
    def load_tasks(self, params: dict[str, Any], generation: int) -> None:
        with api.failing_as("Loading tasks"):
            tasks, total = api.load(self.behflow.client, params)
            context = api.active_context(self.behflow.client)
        self.post_message(TasksLoaded(tasks, total, generation))
        self.post_message(ContextLoaded(context or ""))

    def on_context_loaded(self, message: ContextLoaded) -> None:
        self.query_one(LiveStatus).context = message.name

    # --- saved filters (docs/filters.md) ------------------------------------------------------

    def action_saved_filters(self) -> None:
        self.load_saved_filters()

    @work(thread=True, group="saved", exclusive=True, exit_on_error=False)
    def load_saved_filters(self) -> None:
        with api.failing_as("Loading saved filters"):
            items = api.saved_filters(self.behflow.client)
        self.post_message(SavedFiltersLoaded(items))

    def on_saved_filters_loaded(self, message: SavedFiltersLoaded) -> None:
        def chosen(name: str | None) -> None:
            if name is None:
                return
            self.filter = TaskFilter(saved=name or None)
            self.query_one(FilterBar).value = ""
            self.action_refresh()
            if name:
                self.notify(f"Saved filter {name}", title="Filter")

        self.app.push_screen(SavedFiltersScreen(message.filters), chosen)

    def action_refresh(self) -> None:
        params = self.filter.params()
        if self.filter.sort is None and self.sort_descending:
            params["sort"] = "-due"
        # `exclusive` cancels the previous load, but a thread already waiting on the server
        # still answers: the generation tells its late answer from the one asked for last.
        self.load_generation += 1
        self.load_tasks(params, self.load_generation)

    def on_tasks_loaded(self, message: TasksLoaded) -> None:
        if message.generation != self.load_generation:
            return
        self.loads += 1
        self.table.show(message.tasks, self.active_highlights(), self.focus_number)
        self.focus_number = None
        if self.table.highlighted:
            self.set_timer(HIGHLIGHT_SECONDS, self.fade_highlights)
        shown = len(message.tasks)
        summary = f"{shown} task{'s' if shown != 1 else ''}"
        if message.total > shown:
            summary = f"{shown} of {message.total} tasks"
        sort = self.filter.sort or ("-due" if self.sort_descending else "due")
        self.query_one(LiveStatus).summary = f"{summary} · sort {sort}"
        self.show_detail()

    def active_highlights(self) -> set[int]:
        now = time.monotonic()
        self.highlights = {n: until for n, until in self.highlights.items() if until > now}
        return set(self.highlights)

    def fade_highlights(self) -> None:
        self.table.show(self.table.tasks, self.active_highlights())

    def reload_soon(self, numbers: set[int] | None = None) -> None:
        until = time.monotonic() + HIGHLIGHT_SECONDS
        self.highlights.update(dict.fromkeys(numbers or (), until))
        self.set_timer(0.05, self.action_refresh)

    @on(TaskTable.RowHighlighted)
    def show_detail(self) -> None:
        task = self.table.selected_task()
        self.query_one(TaskDetail).current = task
        notes = self.query_one(TaskNotes)
        if task is None:
            notes.show(None, [])
        elif task["number"] != notes.number:
            notes.show(task["number"], [])
            self.load_notes(task["number"])

    @work(thread=True, group="notes", exclusive=True, exit_on_error=False)
    def load_notes(self, number: int) -> None:
        with api.failing_as("Loading notes"):
            found = api.notes(self.behflow.client, number)
        self.post_message(NotesLoaded(number, found))

    def on_notes_loaded(self, message: NotesLoaded) -> None:
        notes = self.query_one(TaskNotes)
        if notes.number == message.number:
            notes.show(message.number, message.notes)

    # --- live events --------------------------------------------------------------------------

    def start_live(self) -> None:
        self.stream = EventStream(
            self.behflow.client,
            on_frame=lambda frame: self.post_message(LiveEvent(frame.type, frame.data)),
            on_state=lambda online, detail: self.post_message(LiveState(online, detail)),
        )
        self.run_worker(
            self.stream.run, thread=True, group="live", name="Event stream", exit_on_error=False
        )

    def on_live_state(self, message: LiveState) -> None:
        status = self.query_one(LiveStatus)
        status.online = message.online
        status.detail = message.detail

    def on_live_event(self, message: LiveEvent) -> None:
        task = message.data.get("data", {}).get("task") or {}
        if message.type in ("ready", "reset"):
            self.reload_soon()
        elif message.type == "reminder.due":
            self.notify(
                f"#{task.get('number', '?')} {task.get('title', '')}", title="Reminder", timeout=15
            )
        elif message.type.startswith("task.note_"):
            if task.get("number") == self.query_one(TaskNotes).number:
                self.load_notes(task["number"])
        elif message.type.startswith("task."):
            number = task.get("number")
            self.reload_soon({number} if isinstance(number, int) else set())

    # --- changes and undo ---------------------------------------------------------------------

    @work(thread=True, group="change", exit_on_error=False)
    def send_change(self, change: Change, request: Callable[[], api.Applied]) -> None:
        with api.failing_as(change.label.capitalize()), change.turn():
            applied = request()
            change.inverse, change.number = applied.inverse, applied.task["number"]
        self.post_message(TaskChanged(applied.task, applied.verb))

    @work(thread=True, group="change", exit_on_error=False)
    def send_undo(
        self, step: Change, redo: bool = False, changeset: str | None = None, force: bool = False
    ) -> None:
        """The server's undo: it reverts this user's last change whichever client made it (a
        change still in flight from here lands first: `step` waits for it)."""
        word = "Redo" if redo else "Undo"
        try:
            with api.failing_as(word), step.turn():
                done = api.undo(self.behflow.client, redo=redo, changeset=changeset, force=force)
        except api.Conflict as conflict:
            self.app.call_from_thread(self.ask_force, conflict, redo)
            return
        label = f"{done.summary} (from {done.origin})"
        self.post_message(Undone(("redid " if redo else "") + label, True, done.number))

    def ask_force(self, conflict: api.Conflict, redo: bool) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                step = self.changes.begin("redo" if redo else "undo", undoable=False)
                self.send_undo(step, redo, conflict.changeset, True)

        word = "Redo" if redo else "Undo"
        self.app.push_screen(
            ConfirmScreen(f"{conflict.message.split(' Reverting')[0]}. {word} anyway?"), answered
        )

    def change(self, label: str, request: Callable[[], api.Applied]) -> None:
        self.send_change(self.changes.begin(label), request)

    def on_task_changed(self, message: TaskChanged) -> None:
        task = message.task
        self.notify(f"{message.verb} #{task['number']} {task['title']}", timeout=3)
        if task["number"] == self.query_one(TaskNotes).number:
            self.load_notes(task["number"])
        if message.verb == "Added":
            self.focus_number = task["number"]
        self.reload_soon({task["number"]})

    def action_undo(self) -> None:
        self.send_undo(self.changes.begin("undo", undoable=False))

    def action_redo(self) -> None:
        self.send_undo(self.changes.begin("redo", undoable=False), redo=True)

    def on_undone(self, message: Undone) -> None:
        if message.done:
            said = message.label if message.label.startswith("redid ") else f"undid {message.label}"
            self.notify(said[0].upper() + said[1:], timeout=3)
            self.focus_number = message.number
            self.reload_soon({message.number} if message.number is not None else None)
        else:
            self.notify(f"Nothing undone: {message.label} had failed.", severity="warning")

    # --- task actions -------------------------------------------------------------------------

    def selected(self) -> Task | None:
        task = self.table.selected_task()
        if task is None:
            self.notify("No task selected.", severity="warning")
        return task

    def action_add(self) -> None:
        self.focus_now(self.query_one(QuickAdd))

    @on(QuickAdd.Added)
    def add_task(self, message: QuickAdd.Added) -> None:
        client = self.behflow.client
        self.change("add", lambda: api.add(client, message.text))

    def set_status(self, status: str, verb: str, label: str, subtasks: str | None = None) -> None:
        task = self.selected()
        if task is None:
            return
        client, number = self.behflow.client, task["number"]
        self.change(
            f"{label} #{number}", lambda: api.set_status(client, number, status, verb, subtasks)
        )

    def action_start(self) -> None:
        self.set_status("in_progress", "Started", "start")

    def action_block(self) -> None:
        self.set_status("blocked", "Blocked", "block")

    def action_done(self) -> None:
        task = self.selected()
        counts = (task or {}).get("subtasks") or {}
        open_count = int(counts.get("total") or 0) - int(counts.get("done") or 0)
        if task is None or task["status"] == "completed" or open_count <= 0:
            self.set_status("completed", "Completed", "complete")
            return

        def answered(choice: str | None) -> None:
            if choice is not None:
                self.set_status("completed", "Completed", "complete", subtasks=choice)

        noun = "subtask" if open_count == 1 else "subtasks"
        question = (
            f"#{task['number']} {task['title']} has {open_count} open {noun}. "
            f"Complete its {open_count} open {noun} too?"
        )
        self.app.push_screen(SubtasksQuestion(question), answered)

    def action_reopen(self) -> None:
        task = self.selected()
        if task is not None and task["status"] != "completed":
            self.notify(f"#{task['number']} is not completed.", severity="warning")
            return
        self.set_status("not_started", "Reopened", "reopen")

    def action_restore_due(self) -> None:
        task = self.selected()
        if task is None:
            return
        if not task.get("original_due_at"):
            self.notify(f"#{task['number']}'s due date was not moved.", severity="warning")
            return
        client, number = self.behflow.client, task["number"]
        self.change(f"restore-due #{number}", lambda: api.restore_due(client, number))

    def action_delete(self) -> None:
        task = self.selected()
        if task is None:
            return
        client = self.behflow.client

        def answered(yes: bool | None) -> None:
            if yes:
                self.change(f"delete #{task['number']}", lambda: api.delete(client, task))

        question = f"Delete #{task['number']} {task['title']}?  (u undoes it)"
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_note(self) -> None:
        task = self.selected()
        if task is None:
            return
        client = self.behflow.client

        def written(body: str | None) -> None:
            if body:
                self.change(f"note #{task['number']}", lambda: api.add_note(client, task, body))

        self.app.push_screen(NoteScreen(f"Note on #{task['number']} {task['title']}"), written)

    def action_edit(self) -> None:
        task = self.selected()
        if task is None:
            return
        client, number = self.behflow.client, task["number"]

        def edited(changes: dict[str, Any] | None) -> None:
            if changes:
                self.change(f"edit #{number}", lambda: api.edit(client, number, changes))

        self.app.push_screen(EditScreen(task, self.behflow.client.timezone), edited)

    def on_data_table_row_selected(self, event: TaskTable.RowSelected) -> None:
        event.stop()
        self.action_edit()  # Enter on a row

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    # --- filter and sort ----------------------------------------------------------------------

    def action_filter(self) -> None:
        self.focus_now(self.query_one(FilterBar))

    def action_focus_table(self) -> None:
        self.focus_now(self.table)

    @on(FilterBar.Applied)
    def filter_changed(self, message: FilterBar.Applied) -> None:
        # Focus stays in the box: what is typed next must never be taken as list commands.
        self.filter = message.filter
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
            self.sort_by(
                key, not self.sort_descending if key == current else key in STARTS_DESCENDING
            )
        else:
            self.sort_descending = not self.sort_descending
            self.table.sort_locally(message.column, self.sort_descending)

    def action_next_sort(self) -> None:
        current = (self.filter.sort or "due").lstrip("-")
        following = SORT_CYCLE[(SORT_CYCLE.index(current) + 1) % len(SORT_CYCLE)]
        self.sort_by(following, following in STARTS_DESCENDING)

    def action_reverse_sort(self) -> None:
        self.sort_by((self.filter.sort or "due").lstrip("-"), not self.sort_descending)

    # --- chat ---------------------------------------------------------------------------------

    def action_toggle_chat(self) -> None:
        pane = self.query_one(ChatPane)
        pane.display = not pane.display
        if pane.display:
            self.focus_now(pane.query_one(ChatInput))
            if not self.chat_history_loaded:
                self.chat_history_loaded = True
                self.load_chat_history()
        else:
            self.focus_now(self.table)

    @work(thread=True, group="chat-history", exit_on_error=False)
    def load_chat_history(self) -> None:
        with api.failing_as("Loading the last chat"):
            last = chat.last_session(self.behflow.client)
        if last is not None:
            self.app.call_from_thread(self.show_chat_history, *last)

    def show_chat_history(self, session_id: str, messages: list[dict[str, Any]]) -> None:
        if self.chat_session is None:  # a conversation started meanwhile wins
            self.chat_session = session_id
            self.query_one(ChatPane).show_history(messages)

    @on(ChatPane.Send)
    def send_chat(self, message: ChatPane.Send) -> None:
        pane = self.query_one(ChatPane)
        pane.add_message("me", message.text)
        pane.begin_reply()
        self.converse(message.text, self.chat_session)

    @work(thread=True, group="chat", exit_on_error=False)
    def converse(self, text: str, session_id: str | None) -> None:
        with api.failing_as("Chat"):
            reply = chat.converse(
                self.behflow.client, text, session_id, lambda t: self.post_message(ChatToken(t))
            )
        self.post_message(ChatReplied(reply))

    def on_chat_token(self, message: ChatToken) -> None:
        self.query_one(ChatPane).stream_reply(message.text)

    def on_chat_replied(self, message: ChatReplied) -> None:
        reply = message.reply
        self.chat_session = str(reply.get("session_id") or "") or self.chat_session
        changed = [a for a in reply.get("actions") or [] if isinstance(a, dict)]
        self.query_one(ChatPane).finish_reply(
            str(reply.get("reply") or ""), changed, reply.get("pending")
        )
        if changed:
            self.reload_soon({a["number"] for a in changed if isinstance(a.get("number"), int)})

    # --- app-wide -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # This screen's focus, not a dialog's. The list's keys act only on the list: in a text
        # box they are typed, on a button Enter presses it.
        on_list = self.focused is None or isinstance(self.focused, TaskTable)
        if action == "focus_table":
            return not on_list  # shown as "Esc Back to the list" while in a box
        if action == "answer":  # y/n answer the agent's question, unless typing somewhere
            pane = self.query_one(ChatPane)
            return pane.display and pane.pending is not None and not isinstance(self.focused, Input)
        return on_list

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    def action_answer(self, answer: str) -> None:
        self.query_one(ChatPane).action_answer(answer)

    def action_quit(self) -> None:
        self.app.exit()

    def action_toggle_theme(self) -> None:
        self.behflow.toggle_theme()

    def action_help(self) -> None:
        keys = [(actions.key_label(a.key), a.description) for a in actions.ACTIONS]
        self.app.push_screen(HelpScreen(keys, legend_text()))
