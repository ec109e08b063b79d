"""Saved filter and context rules, once: REST routes, the task list, task create and the
agent's list tool call these."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.db import utcnow
from behflow_server.errors import Conflict, InvalidInput, NotFound
from behflow_server.filters.models import (
    NAME_PATTERN,
    ContextState,
    FilterCreate,
    FilterPublic,
    FilterUpdate,
    SavedFilter,
)
from behflow_server.tasks.filterlang import parse, write_defaults

MAX_FILTERS = 200
# `behflow context none` switches the context off; no filter may take the name.
RESERVED_NAMES = frozenset({"none", "off"})


def public(saved: SavedFilter) -> FilterPublic:
    return FilterPublic(
        name=saved.name,
        query=saved.query,
        context=saved.is_context,
        active=saved.active,
        created_at=saved.created_at,
        updated_at=saved.updated_at,
    )


def _validated(query: str) -> str:
    text = query.strip()
    if parse(text) is None:
        raise InvalidInput("query: the filter is blank", details={"field": "query"})
    return text


def list_filters(session: Session, user: User, *, contexts_only: bool = False) -> list[SavedFilter]:
    statement = select(SavedFilter).where(col(SavedFilter.user_id) == user.id)
    if contexts_only:
        statement = statement.where(col(SavedFilter.is_context).is_(True))
    return list(session.exec(statement.order_by(col(SavedFilter.name))).all())


def get_filter(session: Session, user: User, name: str) -> SavedFilter:
    """The user's filter of that name; another user's is simply not found."""
    saved = session.exec(
        select(SavedFilter).where(
            col(SavedFilter.user_id) == user.id, col(SavedFilter.name) == name.lower()
        )
    ).first()
    if saved is None:
        raise NotFound(
            f"No saved filter named {name!r}.", code="filter_not_found", details={"name": name}
        )
    return saved


def create_filter(session: Session, user: User, data: FilterCreate) -> SavedFilter:
    name = data.name.lower()
    if not re.match(NAME_PATTERN, name):
        raise InvalidInput(
            "name: letters, digits, '.', '_' and '-' (up to 50), starting with a letter or digit",
            details={"field": "name"},
        )
    if name in RESERVED_NAMES:
        raise InvalidInput(f"name: {name!r} is reserved", details={"field": "name"})
    query = _validated(data.query)
    existing = session.exec(select(SavedFilter.id).where(col(SavedFilter.user_id) == user.id)).all()
    if len(existing) >= MAX_FILTERS:
        raise Conflict(f"At most {MAX_FILTERS} saved filters.", code="too_many_filters")
    taken = session.exec(
        select(SavedFilter.id).where(
            col(SavedFilter.user_id) == user.id, col(SavedFilter.name) == name
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"A filter named {name!r} exists; change it with PUT (behflow filter add --force).",
            code="filter_exists",
            details={"name": name},
        )
    saved = SavedFilter(user_id=user.id, name=name, query=query, is_context=data.context)
    session.add(saved)
    session.commit()
    return saved


def update_filter(session: Session, user: User, name: str, data: FilterUpdate) -> SavedFilter:
    saved = get_filter(session, user, name)
    if data.query is not None:
        saved.query = _validated(data.query)
    if data.context is not None:
        saved.is_context = data.context
    saved.updated_at = utcnow()
    session.add(saved)
    session.commit()
    return saved


def delete_filter(session: Session, user: User, name: str) -> None:
    """Deleting the active context switches the context off."""
    session.delete(get_filter(session, user, name))
    session.commit()


def active_context(session: Session, user: User) -> SavedFilter | None:
    return session.exec(
        select(SavedFilter).where(
            col(SavedFilter.user_id) == user.id, col(SavedFilter.active).is_(True)
        )
    ).first()


def context_state(session: Session, user: User) -> ContextState:
    saved = active_context(session, user)
    if saved is None:
        return ContextState()
    project, tags = write_defaults(saved.query)
    return ContextState(name=saved.name, query=saved.query, project=project, tags=tags)


def set_context(session: Session, user: User, name: str) -> ContextState:
    """Make the named saved filter the active context (any saved filter may be one)."""
    chosen = get_filter(session, user, name)
    for saved in session.exec(
        select(SavedFilter).where(
            col(SavedFilter.user_id) == user.id, col(SavedFilter.active).is_(True)
        )
    ).all():
        saved.active = False
        session.add(saved)
    chosen.active = True
    session.add(chosen)
    session.commit()
    return context_state(session, user)


def clear_context(session: Session, user: User) -> None:
    saved = active_context(session, user)
    if saved is not None:
        saved.active = False
        session.add(saved)
        session.commit()


def scope(
    session: Session,
    user: User,
    *,
    filter_name: str | None = None,
    use_context: bool = True,
    q: str | None = None,
) -> tuple[str, ...]:
    """The filter texts a read combines with AND: the active context (unless bypassed), the
    named saved filter and the request's own q."""
    texts: list[str] = []
    if use_context:
        saved = active_context(session, user)
        if saved is not None:
            texts.append(saved.query)
    if filter_name:
        texts.append(get_filter(session, user, filter_name).query)
    if q and q.strip():
        texts.append(q)
    return tuple(texts)


def new_task_defaults(session: Session, user: User) -> tuple[str | None, list[str]]:
    """The project and tags the active context gives a new task (none without a context)."""
    saved = active_context(session, user)
    if saved is None:
        return None, []
    return write_defaults(saved.query)
