"""Domain errors. Services raise these; one handler renders them as JSON.

Nothing here imports FastAPI, so services, agent tools and scheduler jobs can use them freely.
"""

from __future__ import annotations

from typing import Any


class BehflowError(Exception):
    """A failure the caller can understand and act on."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class InvalidInput(BehflowError):
    status = 422
    code = "invalid_input"


class NotFound(BehflowError):
    status = 404
    code = "not_found"


class Conflict(BehflowError):
    status = 409
    code = "conflict"


class Unauthorized(BehflowError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str = "Authentication required.", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(BehflowError):
    status = 403
    code = "forbidden"


class RateLimited(BehflowError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(
            message,
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class ServiceUnavailable(BehflowError):
    status = 503
    code = "unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached right now (restart, outage, a write lock held too long).

    Temporary by nature, so the answer says when to try again.
    """

    code = "database_unavailable"

    def __init__(
        self,
        message: str = "The database is not reachable right now; try again shortly.",
        *,
        retry_after: int = 5,
    ) -> None:
        super().__init__(message, details={}, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after
