"""The task tree (GET /api/v1/tasks/tree): tasks in depth-first order with their depth.

Filters apply to every node, not only to top-level tasks: a matching subtask is shown with
its ancestors (marked `match: false` when they do not match themselves), so it is never shown
out of its place. Siblings keep the list's sort order.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, SQLModel, col, select

from behflow_server.auth.models import User
from behflow_server.errors import NotFound
from behflow_server.tasks.models import Task, TaskPublic
from behflow_server.tasks.query import (
    TASKS_TABLE,
    TaskQuery,
    build_filters,
    order_by,
    public_rows,
    public_select,
)
from behflow_server.tasks.subtasks import MAX_DEPTH, descendants

MAX_TREE_NODES = 5000


class TaskTreeNode(TaskPublic):
    depth: int
    match: bool = True


class TaskTree(SQLModel):
    items: list[TaskTreeNode]
    # Matching tasks (ancestors shown for context are not counted); `truncated` when more
    # matched than the limit.
    total: int
    truncated: bool = False


def task_tree(
    session: Session,
    user: User,
    query: TaskQuery,
    zone: ZoneInfo,
    *,
    root: int | None = None,
    limit: int = 1000,
    now: datetime | None = None,
) -> TaskTree:
    conditions = build_filters(session, user.id, query, zone, now)
    top: Task | None = None
    if root is not None:
        top = session.exec(
            select(Task).where(col(Task.user_id) == user.id, col(Task.number) == root)
        ).first()
        if top is None:
            raise NotFound(
                f"Task #{root} not found.", code="task_not_found", details={"number": root}
            )
        subtree = [top.id, *(t.id for t in descendants(session, top))]
        conditions.append(TASKS_TABLE.c.id.in_(subtree))
    matched = public_rows(
        session,
        user.id,
        public_select().where(*conditions).order_by(*order_by(query)).limit(limit + 1),
    )
    truncated = len(matched) > limit
    matched = matched[:limit]
    nodes: dict[int, TaskTreeNode] = {
        row.number: TaskTreeNode(**dict(row), depth=0) for row in matched
    }
    order = [row.number for row in matched]
    # Bring in missing ancestors, a level at a time (at most MAX_DEPTH queries).
    for _ in range(MAX_DEPTH):
        missing = {
            n.parent
            for n in nodes.values()
            if n.parent is not None
            and n.parent not in nodes
            and not (top is not None and n.number == top.number)
        }
        if not missing:
            break
        found = public_rows(
            session,
            user.id,
            public_select()
            .where(TASKS_TABLE.c.user_id == user.id, TASKS_TABLE.c.number.in_(missing))
            .order_by(TASKS_TABLE.c.number),
        )
        for row in found:
            nodes[row.number] = TaskTreeNode(**dict(row), depth=0, match=False)
            order.append(row.number)
    children: dict[int | None, list[int]] = {}
    for number in order:
        node = nodes[number]
        is_root = node.parent is None or node.parent not in nodes
        if top is not None and number == top.number:
            is_root = True
        children.setdefault(None if is_root else node.parent, []).append(number)
    items: list[TaskTreeNode] = []

    def walk(number: int, depth: int) -> None:
        node = nodes[number]
        node.depth = depth
        items.append(node)
        for child in children.get(number, []):
            walk(child, depth + 1)

    for number in children.get(None, []):
        walk(number, 0)
    return TaskTree(items=items, total=len(matched), truncated=truncated)
