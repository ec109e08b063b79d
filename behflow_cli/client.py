"""BehflowClient: the Behflow HTTP API over httpx, for the CLI, the TUI and other clients.

Every failure is an ApiError carrying the server's error code, message and HTTP status; a
server that cannot be reached is ApiError(code="unreachable", status=0).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict


def _skip_httpx_cli() -> None:
    # httpx's __init__ imports its own command-line tool (click, rich, pygments: ~45 ms) when
    # those happen to be installed. We never call it, so give it an empty module instead.
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        stub = types.ModuleType("httpx._main")
        stub.main = lambda: None  # type: ignore[attr-defined]
        sys.modules["httpx._main"] = stub


_skip_httpx_cli()
import httpx  # noqa: E402

API = "/api/v1"
TASKS = f"{API}/tasks"


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
    remind_at: str | None
    created_at: str
    updated_at: str
    completed_at: str | None
    archived_at: str | None
    extra: dict[str, Any]


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


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class BehflowClient:
    """A synchronous client; one keep-alive connection for the client's lifetime."""

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

    @property
    def http(self) -> httpx.Client:
        """The underlying httpx.Client (for streaming responses, e.g. chat)."""
        if self._http is None:
            transport = self._transport
            if transport is None and self.base_url.startswith("http://"):
                # No TLS context, no httpcore import: ~30 ms less per CLI call.
                from behflow_cli.transport import PlainHTTPTransport

                transport = PlainHTTPTransport()
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=self._timeout,
                transport=transport,
                headers={"User-Agent": "behflow-cli"},
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> BehflowClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def headers(self, auth: bool = True) -> dict[str, str]:
        headers: dict[str, str] = {}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.timezone:
            headers["X-Timezone"] = self.timezone
        return headers

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
        try:
            response = self.http.request(
                method,
                path,
                params=_drop_none(params) if params else None,
                json=json,
                headers=self.headers(auth),
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ApiError(
                f"cannot reach the Behflow server at {self.base_url}: start it with "
                "`behflow server start --background`, or point BEHFLOW_URL at a running one",
                code="unreachable",
                status=0,
            ) from exc
        except httpx.TimeoutException as exc:
            raise ApiError(
                f"the Behflow server at {self.base_url} did not answer in time",
                code="timeout",
                status=0,
            ) from exc
        except httpx.HTTPError as exc:
            raise ApiError(
                f"request to {self.base_url} failed: {exc}", code="transport_error", status=0
            ) from exc
        return self._decode(response)

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
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
    def register(self, username: str, password: str, timezone: str | None = None) -> Token:
        body = _drop_none({"username": username, "password": password, "timezone": timezone})
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
    ) -> TaskPage:
        params = {
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

    def complete_task(self, number: int) -> Task:
        result: Task = self.request("POST", f"{TASKS}/{number}/complete")
        return result

    def restore_task(self, number: int) -> Task:
        result: Task = self.request("POST", f"{TASKS}/{number}/restore")
        return result

    def delete_task(self, number: int, *, hard: bool = False) -> None:
        self.request("DELETE", f"{TASKS}/{number}", params={"hard": "true" if hard else None})

    def bulk_complete(self, numbers: Iterable[int]) -> BulkResult:
        result: BulkResult = self.request(
            "POST", f"{TASKS}/bulk/complete", json={"numbers": list(numbers)}
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
