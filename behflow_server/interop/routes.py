"""/api/v1/export and /api/v1/import: thin callers of the interop service."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from behflow_server.api.deps import Context, CurrentUser, SessionDep, UserZone
from behflow_server.errors import InvalidInput
from behflow_server.interop import service
from behflow_server.interop.formats import FileFormat, get_format
from behflow_server.interop.models import ImportResult
from behflow_server.tasks.params import TaskFilters
from behflow_server.tasks.query import TaskSort

router = APIRouter(tags=["import and export"])


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}, "text/plain": {}}}},
)
def export_tasks(
    session: SessionDep,
    user: CurrentUser,
    zone: UserZone,
    filters: TaskFilters,
    format: FileFormat = FileFormat.json,
) -> Response:
    """The user's tasks as a file; filters as for GET /tasks (default: every task not deleted)."""
    query = replace(filters, sort=TaskSort.number)
    chosen = get_format(format)
    body = service.export_text(session, user, format, query, zone)
    filename = f"behflow-tasks-{format}.{chosen.extension}"
    return Response(
        body,
        media_type=chosen.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# The body is the file itself, read raw: declared here so the OpenAPI document shows it.
_FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


@router.post("/import", response_model=ImportResult, openapi_extra=_FILE_BODY)
async def import_tasks(
    request: Request,
    context: Context,
    user: CurrentUser,
    zone: UserZone,
    format: FileFormat,
    dry_run: bool = False,
    project: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> ImportResult:
    """Import a file (the request body, up to the server's body limit) in one transaction:
    all of it or, when a line is bad, none of it (422 naming the line)."""
    body = await request.body()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"line {line}: the file is not UTF-8 text",
            code="invalid_import",
            details={"line": line, "format": format.value},
        ) from None
    return await anyio.to_thread.run_sync(
        lambda: service.import_text(
            context.db, user.id, format, text, zone=zone, dry_run=dry_run, project=project
        )
    )
