"""/api/v1/processes and /api/v1/stats: thin callers of the process and analytics services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from behflow_server.api.deps import Context, CurrentUser, SessionDep, UserZone
from behflow_server.context import AppContext
from behflow_server.processes import analytics, service
from behflow_server.processes.engine import Clock
from behflow_server.processes.jobs import KINDS
from behflow_server.processes.models import (
    PROCESS_NAME_PATTERN,
    ExecutionPublic,
    ProcessCreate,
    ProcessPublic,
    ProcessUpdate,
    StatsPublic,
)

router = APIRouter(prefix="/processes", tags=["processes"])
stats_router = APIRouter(prefix="/stats", tags=["processes"])

ProcessName = Annotated[str, Path(max_length=100, pattern=PROCESS_NAME_PATTERN)]


def _clock(context: AppContext) -> Clock:
    return context.clock


def _public(process: object) -> ProcessPublic:
    return ProcessPublic.model_validate(process, from_attributes=True)


@router.get("", response_model=list[ProcessPublic])
def list_processes(session: SessionDep, user: CurrentUser) -> list[ProcessPublic]:
    return [_public(p) for p in service.list_processes(session, user)]


@router.get("/kinds")
def list_kinds() -> list[dict[str, str]]:
    """The kinds an account can create."""
    return [{"kind": k.name, "description": k.description} for k in KINDS.values() if not k.system]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProcessPublic)
def create_process(
    data: ProcessCreate, session: SessionDep, user: CurrentUser, context: Context
) -> ProcessPublic:
    process = service.create_process(
        session, user, data, settings=context.settings, now=_clock(context)()
    )
    return _public(process)


@router.get("/{name}", response_model=ProcessPublic)
def get_process(name: ProcessName, session: SessionDep, user: CurrentUser) -> ProcessPublic:
    return _public(service.get_process(session, user, name))


@router.patch("/{name}", response_model=ProcessPublic)
def update_process(
    name: ProcessName, data: ProcessUpdate, session: SessionDep, user: CurrentUser, context: Context
) -> ProcessPublic:
    process = service.update_process(
        session, user, name, data, settings=context.settings, now=_clock(context)()
    )
    return _public(process)


@router.post("/{name}/enable", response_model=ProcessPublic)
def enable_process(
    name: ProcessName, session: SessionDep, user: CurrentUser, context: Context
) -> ProcessPublic:
    process = service.set_enabled(
        session, user, name, True, settings=context.settings, now=_clock(context)()
    )
    return _public(process)


@router.post("/{name}/disable", response_model=ProcessPublic)
def disable_process(
    name: ProcessName, session: SessionDep, user: CurrentUser, context: Context
) -> ProcessPublic:
    process = service.set_enabled(
        session, user, name, False, settings=context.settings, now=_clock(context)()
    )
    return _public(process)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_process(name: ProcessName, session: SessionDep, user: CurrentUser) -> Response:
    service.delete_process(session, user, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{name}/run", response_model=ExecutionPublic)
def run_process(
    name: ProcessName, session: SessionDep, user: CurrentUser, context: Context
) -> ExecutionPublic:
    execution = service.run_now(
        context.db, session, user, name, settings=context.settings, clock=_clock(context)
    )
    return ExecutionPublic.model_validate(execution, from_attributes=True)


@router.get("/{name}/history", response_model=list[ExecutionPublic])
def process_history(
    name: ProcessName,
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[ExecutionPublic]:
    executions = service.history(session, user, name, limit)
    return [ExecutionPublic.model_validate(e, from_attributes=True) for e in executions]


@stats_router.get("", response_model=StatsPublic)
def get_stats(
    session: SessionDep,
    user: CurrentUser,
    zone: UserZone,
    context: Context,
    days: Annotated[int, Query(ge=1, le=analytics.MAX_DAYS)] = 28,
) -> StatsPublic:
    return analytics.stats(session, user, days, _clock(context)(), zone)
