"""/api/v1/filters and /api/v1/context: thin callers of the filter service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from behflow_server.api.deps import CurrentUser, SessionDep
from behflow_server.filters import service
from behflow_server.filters.models import (
    ContextSet,
    ContextState,
    FilterCreate,
    FilterList,
    FilterPublic,
    FilterUpdate,
)

router = APIRouter(prefix="/filters", tags=["filters"])
context_router = APIRouter(prefix="/context", tags=["filters"])

FilterName = Annotated[str, Path(min_length=1, max_length=50)]


@router.get("", response_model=FilterList)
def list_filters(session: SessionDep, user: CurrentUser, context: bool = False) -> FilterList:
    """The saved filters by name; `?context=true`: only those defined as contexts."""
    saved = service.list_filters(session, user, contexts_only=context)
    return FilterList(items=[service.public(s) for s in saved])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FilterPublic)
def create_filter(data: FilterCreate, session: SessionDep, user: CurrentUser) -> FilterPublic:
    return service.public(service.create_filter(session, user, data))


@router.get("/{name}", response_model=FilterPublic)
def get_filter(name: FilterName, session: SessionDep, user: CurrentUser) -> FilterPublic:
    return service.public(service.get_filter(session, user, name))


@router.put("/{name}", response_model=FilterPublic)
def update_filter(
    name: FilterName, data: FilterUpdate, session: SessionDep, user: CurrentUser
) -> FilterPublic:
    return service.public(service.update_filter(session, user, name, data))


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_filter(name: FilterName, session: SessionDep, user: CurrentUser) -> Response:
    service.delete_filter(session, user, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@context_router.get("", response_model=ContextState)
def get_context(session: SessionDep, user: CurrentUser) -> ContextState:
    return service.context_state(session, user)


@context_router.put("", response_model=ContextState)
def set_context(data: ContextSet, session: SessionDep, user: CurrentUser) -> ContextState:
    return service.set_context(session, user, data.name)


@context_router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def clear_context(session: SessionDep, user: CurrentUser) -> Response:
    service.clear_context(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
