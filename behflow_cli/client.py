"""BehflowClient: the Behflow HTTP API, for the CLI, the TUI and other clients.

Plain http:// requests go over the standard library (behflow_cli/wire.py); httpx is imported
only for https://, streaming (chat) and a caller's own transport.

Every failure is an ApiError carrying the server's error code, message and HTTP status; a
server that cannot be reached is ApiError(code="unreachable", status=0).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict, cast

if TYPE_CHECKING:
    import httpx

    from behflow_cli.wire import Wire


def _skip_httpx_cli() -> None:
    # httpx's __init__ imports its own command-line tool (click, rich, pygments: ~45 ms) when
    # those happen to be installed. We never call it, so give it an empty module instead.
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        stub = types.ModuleType("httpx._main")
        stub.main = lambda: None  # type: ignore[attr-defined]  # a bare module object
        sys.modules["httpx._main"] = stub


_skip_httpx_cli()

USER_AGENT = "behflow-cli"

API = "/api/v1"
TASKS = f"{API}/tasks"
PROCESSES = f"{API}/processes"
WEBHOOKS = f"{API}/webhooks"
NOTIFY_TARGETS = f"{API}/notify/targets"
CHAT = f"{API}/chat"


class Task(TypedDict):
    id: str
    number: int
    title: str
    description: str | None
    status: str
    priority: str
    due_at: str | None
    tags: list[str]
    project: str | None
    recurrence: str | None
    recurrence_text: str | None
    remind_at: str | None
    created_at: str
    updated_at: str
    completed_at: str | None
    archived_at: str | None
    extra: dict[str, Any]
    # Set when automation (the reschedule_overdue process) moved the due date: the date the
    # user had set, and which process moved it. Absent on servers before the field existed.
    original_due_at: str | None
    due_moved_by: str | None
    # Subtasks: the parent's number and {"done", "total"} over direct subtasks.
    parent: int | None
    subtasks: dict[str, int]


class Note(TypedDict):
    id: str
    task_number: int
    body: str
    created_at: str
    updated_at: str


class TaskPage(TypedDict):
    items: list[Task]
    total: int
    limit: int
    offset: int


class Token(TypedDict):
    access_token: str
    token_type: str
    expires_at: str


class User(TypedDict):
    id: str
    username: str
    timezone: str
    created_at: str


class BulkResult(TypedDict):
    changed: list[int]
    not_found: list[int]


class Preview(TypedDict):
    """A quick-add dry run: the fields the text reads as and the spans each came from."""

    parsed: dict[str, Any]
    spans: list[dict[str, Any]]


class NameCount(TypedDict):
    """One project or tag with its task counts (over non-archived tasks)."""

    name: str
    open: int
    overdue: int
    total: int


class AccountSession(TypedDict):
    """One signed-in session (a token) of the account."""

    id: str
    client: str | None
    created_at: str
    last_seen_at: str | None
    expires_at: str
    current: bool


class ChatAction(TypedDict):
    action: str
    number: int
    title: str


class ChatReply(TypedDict):
    session_id: str
    reply: str
    actions: list[ChatAction]
    pending: dict[str, Any] | None
    model: str


class ChatSession(TypedDict):
    id: str
    title: str | None
    created_at: str
    last_active_at: str


class ChatMessage(TypedDict):
    id: str
    role: str
    content: str
    actions: list[dict[str, Any]]
    created_at: str


class ChatToken(TypedDict):
    text: str


ChatEvent = tuple[Literal["token"], ChatToken] | tuple[Literal["done"], ChatReply]


class ApiError(Exception):
    """A request that did not succeed: the server's {"error": {code, message, details}}."""

    def __init__(self, message: str, *, code: str, status: int, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details = details

    def __str__(self) -> str:
        return self.message


class _Answer(Protocol):
    """What _decode reads: an httpx.Response or a wire.Response."""

    @property
    def status_code(self) -> int: ...
    @property
    def reason_phrase(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def is_success(self) -> bool: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class BehflowClient:
    """A synchronous client; one keep-alive connection for the client's lifetime."""

    # Who the server's history records as making the changes (X-Behflow-Client); the TUI
    # sets "tui" on its client.
    client_name = "cli"

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timezone: str | None = None,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timezone = timezone
        self._timeout = timeout
        self._transport = transport
        self._http: httpx.Client | None = None
        self._wire: Wire | None = None

    @property
    def http(self) -> httpx.Client:
        """The underlying httpx.Client (for streaming responses, e.g. chat)."""
        if self._http is None:
            import httpx

            transport = self._transport
            if transport is None and self.base_url.startswith("http://"):
                # No TLS context, no httpcore import: ~30 ms less per CLI call.
                from behflow_cli.transport import PlainHTTPTransport

                transport = PlainHTTPTransport()
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=self._timeout,
                transport=transport,
                headers={"User-Agent": USER_AGENT},
            )
        return self._http

    def _plain(self) -> Wire | None:
        """The stdlib connection pool, for a plain http:// server and no custom transport."""
        if self._wire is None and self._transport is None and self.base_url.startswith("http://"):
            from behflow_cli.wire import Wire

            self._wire = Wire(self.base_url, self._timeout)
        return self._wire

    def close(self) -> None:
        if self._wire is not None:
            self._wire.close()
            self._wire = None
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> BehflowClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def headers(self, auth: bool = True) -> dict[str, str]:
        """Every request's headers, built here only (both transports send these)."""
        headers: dict[str, str] = {"User-Agent": USER_AGENT}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.timezone:
            headers["X-Timezone"] = self.timezone
        headers["X-Behflow-Client"] = self.client_name
        return headers

    @contextmanager
    def _transport_errors(self) -> Iterator[None]:
        """httpx's failures to reach the server, as ApiError with status 0."""
        import httpx

        try:
            yield
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise self._unreachable() from exc
        except httpx.TimeoutException as exc:
            raise self._timed_out() from exc
        except httpx.HTTPError as exc:
            raise self._failed(exc) from exc

    def _unreachable(self) -> ApiError:
        return ApiError(
            f"cannot reach the Behflow server at {self.base_url}: start it with "
            "`behflow server start --background`, or point BEHFLOW_URL at a running one",
            code="unreachable",
            status=0,
        )

    def _timed_out(self) -> ApiError:
        return ApiError(
            f"the Behflow server at {self.base_url} did not answer in time",
            code="timeout",
            status=0,
        )

    def _failed(self, exc: Exception) -> ApiError:
        return ApiError(
            f"request to {self.base_url} failed: {exc}", code="transport_error", status=0
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        auth: bool = True,
    ) -> Any:
        """Send one request; returns the decoded JSON body (None for 204). Raises ApiError."""
        wire = self._plain()
        if wire is not None:
            from behflow_cli import wire as plain

            try:
                answer = wire.send(
                    method,
                    path,
                    params=_drop_none(params) if params else None,
                    json_body=json,
                    headers=self.headers(auth),
                )
            except plain.Unreachable as exc:
                raise self._unreachable() from exc
            except plain.ReadTimeout as exc:
                raise self._timed_out() from exc
            except OSError as exc:
                raise self._failed(exc) from exc
            return self._decode(answer)
        with self._transport_errors():
            response = self.http.request(
                method,
                path,
                params=_drop_none(params) if params else None,
                json=json,
                headers=self.headers(auth),
            )
        return self._decode(response)

    @staticmethod
    def _decode(response: _Answer) -> Any:
        if response.is_success:
            if response.status_code == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                return response.text
        try:
            body = response.json()
            error = body["error"]
            raise ApiError(
                str(error.get("message") or response.reason_phrase),
                code=str(error.get("code") or "http_error"),
                status=response.status_code,
                details=error.get("details"),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ApiError(
                f"HTTP {response.status_code} {response.reason_phrase}",
                code="http_error",
                status=response.status_code,
            ) from None

    # operations -----------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/health", auth=False)
        return result

    # accounts -------------------------------------------------------------------------------
    def register(
        self,
        username: str,
        password: str,
        timezone: str | None = None,
        *,
        reschedule_overdue: bool = False,
    ) -> Token:
        """Create an account; `reschedule_overdue` switches on the nightly overdue move."""
        body = _drop_none(
            {
                "username": username,
                "password": password,
                "timezone": timezone,
                "reschedule_overdue": reschedule_overdue,
            }
        )
        result: Token = self.request("POST", "/register", json=body, auth=False)
        return result

    def login(self, username: str, password: str) -> Token:
        body = {"username": username, "password": password}
        result: Token = self.request("POST", "/login", json=body, auth=False)
        return result

    def logout(self, everywhere: bool = False) -> None:
        self.request("POST", "/logout", params={"everywhere": "true" if everywhere else None})

    def me(self) -> User:
        result: User = self.request("GET", "/me")
        return result

    def update_me(self, *, timezone: str | None = None) -> User:
        result: User = self.request("PATCH", "/me", json=_drop_none({"timezone": timezone}))
        return result

    def change_password(self, current_password: str, new_password: str) -> Token:
        body = {"current_password": current_password, "new_password": new_password}
        result: Token = self.request("POST", "/me/password", json=body)
        return result

    # tasks ----------------------------------------------------------------------------------
    def list_tasks(
        self,
        *,
        status: Iterable[str] | None = None,
        priority: str | None = None,
        tag: Iterable[str] | None = None,
        project: str | None = None,
        due: str | None = None,
        due_before: str | None = None,
        due_after: str | None = None,
        overdue: bool | None = None,
        archived: str | None = None,
        search: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        q: str | None = None,
        saved_filter: str | None = None,
    ) -> TaskPage:
        """`q`: the filter language (docs/filters.md); `saved_filter`: a saved filter's name."""
        params = {
            "q": q,
            "filter": saved_filter,
            "status": list(status) if status else None,
            "priority": priority,
            "tag": list(tag) if tag else None,
            "project": project,
            "due": due,
            "due_before": due_before,
            "due_after": due_after,
            "overdue": "true" if overdue else None,
            "archived": archived,
            "search": search,
            "sort": sort,
            "limit": limit,
            "offset": offset,
        }
        result: TaskPage = self.request("GET", TASKS, params=params)
        return result

    def task_tree(
        self, root: int | None = None, *, status: Iterable[str] | None = None, **filters: Any
    ) -> dict[str, Any]:
        """GET /tasks/tree: items depth-first, each with `depth` and `match`."""
        params = {"root": root, "status": list(status) if status else None, **filters}
        result: dict[str, Any] = self.request("GET", f"{TASKS}/tree", params=params)
        return result

    def create_task(self, title: str, **fields: Any) -> Task:
        """Fields as in TaskCreate: description, status, priority, due_at, due (a phrase),
        tags, project, recurrence, remind_at, extra."""
        result: Task = self.request("POST", TASKS, json=_drop_none({"title": title, **fields}))
        return result

    def quick_add(self, text: str, **overrides: Any) -> Task:
        """Create a task from quick-add text; explicit fields win over what the text says."""
        body = _drop_none({"text": text, **overrides})
        result: Task = self.request("POST", f"{TASKS}/quick", json=body)
        return result

    def quick_preview(self, text: str, **overrides: Any) -> dict[str, Any]:
        """What quick_add would create, without creating it."""
        body = _drop_none({"text": text, **overrides, "dry_run": True})
        result: dict[str, Any] = self.request("POST", f"{TASKS}/quick", json=body)
        return dict(result.get("parsed", result))

    def get_task(self, number: int) -> Task:
        result: Task = self.request("GET", f"{TASKS}/{number}")
        return result

    def update_task(self, number: int, **fields: Any) -> Task:
        """PATCH: only the given fields change; pass None explicitly through `clear`."""
        clear = fields.pop("clear", ())
        body = _drop_none(fields) | {name: None for name in clear}
        result: Task = self.request("PATCH", f"{TASKS}/{number}", json=body)
        return result

    def complete_task(self, number: int, *, subtasks: str | None = None) -> Task:
        """`subtasks`: complete | leave, for a parent with open subtasks (else 409)."""
        result: Task = self.request(
            "POST", f"{TASKS}/{number}/complete", params={"subtasks": subtasks}
        )
        return result

    def restore_task(self, number: int) -> Task:
        result: Task = self.request("POST", f"{TASKS}/{number}/restore")
        return result

    def delete_task(self, number: int, *, hard: bool = False) -> None:
        self.request("DELETE", f"{TASKS}/{number}", params={"hard": "true" if hard else None})

    def bulk_complete(self, numbers: Iterable[int], *, subtasks: str | None = None) -> BulkResult:
        result: BulkResult = self.request(
            "POST",
            f"{TASKS}/bulk/complete",
            json={"numbers": list(numbers)},
            params={"subtasks": subtasks},
        )
        return result

    def bulk_delete(self, numbers: Iterable[int], *, hard: bool = False) -> BulkResult:
        result: BulkResult = self.request(
            "POST",
            f"{TASKS}/bulk/delete",
            json={"numbers": list(numbers)},
            params={"hard": "true" if hard else None},
        )
        return result

    def reopen_task(self, number: int) -> Task:
        """A completed task back to not started (POST /tasks/{n}/reopen)."""
        result: Task = self.request("POST", f"{TASKS}/{number}/reopen")
        return result

    def skip_occurrence(self, number: int) -> Task:
        """A recurring task to its next date, the series unchanged (POST /tasks/{n}/skip)."""
        result: Task = self.request("POST", f"{TASKS}/{number}/skip")
        return result

    def move_occurrence(self, number: int, due: str) -> Task:
        """This occurrence only to another due date (POST /tasks/{n}/occurrence)."""
        result: Task = self.request("POST", f"{TASKS}/{number}/occurrence", json={"due": due})
        return result

    def restore_due(self, number: int) -> Task:
        """Put back the due date automation moved (and its reminder)."""
        result: Task = self.request("POST", f"{TASKS}/{number}/restore-due")
        return result

    def list_notes(self, number: int) -> list[Note]:
        """The task's notes, oldest first."""
        result: dict[str, list[Note]] = self.request("GET", f"{TASKS}/{number}/notes")
        return result["items"]

    def add_note(self, number: int, body: str) -> Note:
        result: Note = self.request("POST", f"{TASKS}/{number}/notes", json={"body": body})
        return result

    def update_note(self, number: int, note_id: str, body: str) -> Note:
        """`note_id`: the id or its first 4+ hex digits."""
        result: Note = self.request(
            "PATCH", f"{TASKS}/{number}/notes/{note_id}", json={"body": body}
        )
        return result

    def delete_note(self, number: int, note_id: str) -> None:
        self.request("DELETE", f"{TASKS}/{number}/notes/{note_id}")

    def preview(self, text: str, **overrides: Any) -> Preview:
        """A quick-add dry run with the spans of text each field came from."""
        body = _drop_none({"text": text, **overrides, "dry_run": True})
        result: dict[str, Any] = self.request("POST", f"{TASKS}/quick", json=body)
        return {"parsed": dict(result["parsed"]), "spans": list(result.get("spans") or [])}

    # history and undo ---------------------------------------------------------------------
    def history(self, *, limit: int = 20, offset: int = 0) -> dict[str, Any]:
        """Recent changesets, newest first (GET /history)."""
        result: dict[str, Any] = self.request(
            "GET", f"{API}/history", params={"limit": limit, "offset": offset}
        )
        return result

    def task_history(self, number: int, *, limit: int = 100) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "GET", f"{API}/tasks/{number}/history", params={"limit": limit}
        )
        return result

    def undo(
        self, *, redo: bool = False, changeset: str | None = None, force: bool = False
    ) -> dict[str, Any]:
        """POST /history/undo (or redo): {"reverted": changeset, "changeset": the new one}."""
        body = _drop_none({"changeset": changeset, "force": force})
        result: dict[str, Any] = self.request(
            "POST", f"{API}/history/{'redo' if redo else 'undo'}", json=body
        )
        return result

    def projects(self) -> list[NameCount]:
        """The user's projects with open/overdue/total counts, sorted by name."""
        result: dict[str, list[NameCount]] = self.request("GET", f"{API}/projects")
        return result["items"]

    def tags(self) -> list[NameCount]:
        """The user's tags with open/overdue/total counts, sorted by name."""
        result: dict[str, list[NameCount]] = self.request("GET", f"{API}/tags")
        return result["items"]

    # account sessions -----------------------------------------------------------------------
    def sessions(self) -> list[AccountSession]:
        """The account's signed-in sessions (tokens not revoked or expired), newest first."""
        result: dict[str, list[AccountSession]] = self.request("GET", "/me/sessions")
        return result["items"]

    def revoke_session(self, session_id: str) -> None:
        self.request("DELETE", f"/me/sessions/{session_id}")

    # processes ------------------------------------------------------------------------------
    def processes(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", PROCESSES)
        return result

    def process(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"{PROCESSES}/{name}")
        return result

    def create_process(self, name: str, kind: str, schedule: str, **fields: Any) -> dict[str, Any]:
        """Fields as in ProcessCreate: config, timezone, enabled, max_attempts, timeout_seconds."""
        body = _drop_none({"name": name, "kind": kind, "schedule": schedule, **fields})
        result: dict[str, Any] = self.request("POST", PROCESSES, json=body)
        return result

    def update_process(self, name: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "PATCH", f"{PROCESSES}/{name}", json=_drop_none(fields)
        )
        return result

    def enable_process(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"{PROCESSES}/{name}/enable")
        return result

    def disable_process(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"{PROCESSES}/{name}/disable")
        return result

    def run_process(self, name: str) -> dict[str, Any]:
        """Run now; the execution record (status succeeded, failed or retrying)."""
        result: dict[str, Any] = self.request("POST", f"{PROCESSES}/{name}/run")
        return result

    def process_history(self, name: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request(
            "GET", f"{PROCESSES}/{name}/history", params={"limit": limit}
        )
        return result

    # webhooks -------------------------------------------------------------------------------
    def webhooks(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.request("GET", WEBHOOKS)
        return result

    def create_webhook(self, url: str, events: Iterable[str] = ()) -> dict[str, Any]:
        """The new webhook, with its signing secret (shown only in this answer)."""
        body = {"url": url, "events": list(events)}
        result: dict[str, Any] = self.request("POST", WEBHOOKS, json=body)
        return result

    def delete_webhook(self, webhook_id: str) -> None:
        self.request("DELETE", f"{WEBHOOKS}/{webhook_id}")

    def test_webhook(self, webhook_id: str) -> dict[str, Any]:
        """Send a test event now; the delivery record."""
        result: dict[str, Any] = self.request("POST", f"{WEBHOOKS}/{webhook_id}/test")
        return result

    # notification targets (Apprise) --------------------------------------------------------
    def notify_targets(self) -> list[dict[str, Any]]:
        """The account's targets, URLs masked, with their last delivery status."""
        result: list[dict[str, Any]] = self.request("GET", NOTIFY_TARGETS)
        return result

    def add_notify_target(self, url: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", NOTIFY_TARGETS, json={"url": url})
        return result

    def remove_notify_target(self, target_id: str) -> None:
        self.request("DELETE", f"{NOTIFY_TARGETS}/{target_id}")

    def test_notify_target(self, target_id: str) -> dict[str, Any]:
        """Send a test notification now: {"status", "error", "target"}."""
        result: dict[str, Any] = self.request("POST", f"{NOTIFY_TARGETS}/{target_id}/test")
        return result

    # stats ----------------------------------------------------------------------------------
    def stats(self, *, days: int | None = None) -> dict[str, Any]:
        """Per-day figures (created, completed, overdue), streak, open and overdue counts."""
        result: dict[str, Any] = self.request("GET", f"{API}/stats", params={"days": days})
        return result

    # chat -----------------------------------------------------------------------------------
    def chat_stream(self, message: str, session_id: str | None = None) -> Iterator[ChatEvent]:
        """Talk to the agent over POST /chat/stream (Server-Sent Events, parsed by httpx-sse):
        ("token", {"text"}) pieces of the reply as they come, then ("done", ChatReply).

        An `error` event, or an error answer before the stream starts, raises ApiError."""
        import httpx
        from httpx_sse import SSEError, connect_sse

        body = _drop_none({"message": message, "session_id": session_id})
        with (
            self._transport_errors(),
            connect_sse(
                self.http,
                "POST",
                f"{CHAT}/stream",
                json=body,
                headers=self.headers(),
                timeout=httpx.Timeout(self._timeout, read=None),
            ) as source,
        ):
            if not source.response.is_success:
                source.response.read()
                self._decode(source.response)
            try:
                for event in source.iter_sse():
                    if event.event == "token":
                        yield "token", event.json()
                    elif event.event == "done":
                        yield "done", event.json()
                        return
                    elif event.event == "error":
                        error = event.json()
                        raise ApiError(
                            str(error.get("message") or "the agent failed"),
                            code=str(error.get("code") or "chat_error"),
                            status=int(error.get("status") or 400),
                            details=error.get("details"),
                        )
            except SSEError as exc:
                raise ApiError(
                    f"the server did not answer with an event stream: {exc}",
                    code="bad_stream",
                    status=0,
                ) from exc
        raise ApiError(
            "the chat stream ended before the reply was complete",
            code="stream_cut",
            status=0,
        )

    def chat(self, message: str, session_id: str | None = None) -> ChatReply:
        """The whole reply of one chat turn (read from the stream)."""
        for kind, body in self.chat_stream(message, session_id):
            if kind == "done":
                return cast(ChatReply, body)
        raise AssertionError("chat_stream ends with done or raises")  # pragma: no cover

    def chat_sessions(self) -> list[ChatSession]:
        """Live chat sessions, most recent first."""
        result: list[ChatSession] = self.request("GET", f"{CHAT}/sessions")
        return result

    def chat_messages(self, session_id: str) -> list[ChatMessage]:
        result: list[ChatMessage] = self.request("GET", f"{CHAT}/sessions/{session_id}/messages")
        return result

    def delete_chat_session(self, session_id: str) -> None:
        self.request("DELETE", f"{CHAT}/sessions/{session_id}")
