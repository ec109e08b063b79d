"""/api/v1/tasks: thin callers of the task service."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from behflow_server.api.concurrency import LARGE_PAGE
from behflow_server.api.deps import CurrentUser, SessionDep, UserZone
from behflow_server.tasks import quickadd, service, tree
from behflow_server.tasks.models import (
    BulkResult,
    LabelList,
    TaskCreate,
    TaskNumbers,
    TaskPage,
    TaskPublic,
    TaskUpdate,
)
from behflow_server.tasks.params import NoContext, TaskFilters, sort_order
from behflow_server.tasks.subtasks import SubtaskAction

router = APIRouter(prefix="/tasks", tags=["tasks"])
labels_router = APIRouter(tags=["tasks"])

TaskNumber = Annotated[int, Path(ge=1, le=2_147_483_647, description="The task's #number")]
# Completing a parent with open subtasks: complete them too, or leave them open; without it
# the request is refused with 409 open_subtasks (docs/api.md, Subtasks).
SubtasksParam = Annotated[
    SubtaskAction | None,
    Query(alias="subtasks", description="complete | leave: what completing does to open subtasks"),
]
OPEN_SUBTASKS: dict[int | str, dict[str, Any]] = {
    409: {"description": "open_subtasks: say ?subtasks=complete or leave"}
}


# Reads are short indexed queries: they run on the event loop, which serves them about twice
# as fast as a thread-pool hand-off would (docs/benchmarks.md). Writes stay in the pool.
@router.get("", response_model=TaskPage)
async def list_tasks(
    session: SessionDep,
    user: CurrentUser,
    zone: UserZone,
    filters: TaskFilters,
    sort: Annotated[str, Query(max_length=20)] = "due",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> TaskPage:
    """List tasks. Filters combine with AND; `status` and `tag` may repeat or be comma lists."""
    sort_key, descending = sort_order(sort)
    query = replace(filters, sort=sort_key, descending=descending, limit=limit, offset=offset)

    def page() -> TaskPage:
        tasks, total = service.list_tasks(session, user, query, zone=zone)
        return TaskPage(
            items=[service.public(t) for t in tasks], total=total, limit=limit, offset=offset
        )

    # A big page would hold the event loop, and so every other user, for tens of ms (issue
    # #10.6, docs/benchmarks.md): it is read in the thread pool; the default page stays here.
    return await run_in_threadpool(page) if limit > LARGE_PAGE else page()


@router.get("/tree", response_model=tree.TaskTree)
def task_tree(
    session: SessionDep,
    user: CurrentUser,
    zone: UserZone,
    filters: TaskFilters,
    root: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    sort: Annotated[str, Query(max_length=20)] = "due",
    limit: Annotated[int, Query(ge=1, le=tree.MAX_TREE_NODES)] = 1000,
) -> tree.TaskTree:
    """Tasks depth-first with `depth`; filters apply to every node, and a matching subtask
    comes with its ancestors (`match: false`). `root` limits it to one task's subtree."""
    sort_key, descending = sort_order(sort)
    query = replace(filters, sort=sort_key, descending=descending)
    return tree.task_tree(session, user, query, zone, root=root, limit=limit)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
def create_task(
    data: TaskCreate, session: SessionDep, user: CurrentUser, zone: UserZone
) -> TaskPublic:
    return service.public(service.create_task(session, user, data, zone=zone))


@router.post(
    "/quick",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskPublic | quickadd.QuickPreview,
    responses={200: {"model": quickadd.QuickPreview, "description": "dry_run: the parsed fields"}},
)
def quick_add(
    data: quickadd.QuickAdd, session: SessionDep, user: CurrentUser, zone: UserZone
) -> TaskPublic | JSONResponse:
    """Create a task from one line of text ("Call mom tomorrow 5pm #family !high")."""
    if data.dry_run:
        return JSONResponse(quickadd.preview(data, user, zone).model_dump(mode="json"))
    return service.public(quickadd.quick_add(session, user, data, zone))


@router.post("/bulk/complete", response_model=BulkResult, responses=OPEN_SUBTASKS)
def bulk_complete(
    data: TaskNumbers, session: SessionDep, user: CurrentUser, subtasks: SubtasksParam = None
) -> BulkResult:
    return service.bulk_complete(session, user, data.numbers, subtask_action=subtasks)


@router.post("/bulk/delete", response_model=BulkResult)
def bulk_delete(
    data: TaskNumbers, session: SessionDep, user: CurrentUser, hard: bool = False
) -> BulkResult:
    return service.bulk_delete(session, user, data.numbers, hard=hard)


@router.get("/{number}", response_model=TaskPublic)
async def get_task(number: TaskNumber, session: SessionDep, user: CurrentUser) -> TaskPublic:
    return service.public(service.get_task(session, user, number))


@router.patch("/{number}", response_model=TaskPublic, responses=OPEN_SUBTASKS)
def update_task(
    number: TaskNumber,
    data: TaskUpdate,
    session: SessionDep,
    user: CurrentUser,
    zone: UserZone,
    subtasks: SubtasksParam = None,
) -> TaskPublic:
    return service.public(
        service.update_task(session, user, number, data, zone=zone, subtask_action=subtasks)
    )


@router.post("/{number}/complete", response_model=TaskPublic, responses=OPEN_SUBTASKS)
def complete_task(
    number: TaskNumber, session: SessionDep, user: CurrentUser, subtasks: SubtasksParam = None
) -> TaskPublic:
    return service.public(service.complete_task(session, user, number, subtask_action=subtasks))


@router.post("/{number}/reopen", response_model=TaskPublic)
def reopen_task(number: TaskNumber, session: SessionDep, user: CurrentUser) -> TaskPublic:
    """A completed task back to not_started (completed_at cleared); an open one is unchanged."""
    return service.public(service.reopen_task(session, user, number))


@router.post(
    "/{number}/restore-due",
    response_model=TaskPublic,
    responses={409: {"description": "nothing_to_restore: automation never moved the task"}},
)
def restore_due(number: TaskNumber, session: SessionDep, user: CurrentUser) -> TaskPublic:
    """Put back the due date automation moved (original_due_at); the reminder moves with it."""
    return service.public(service.restore_due(session, user, number))


@router.post("/{number}/restore", response_model=TaskPublic)
def restore_task(number: TaskNumber, session: SessionDep, user: CurrentUser) -> TaskPublic:
    """Undo an archive-delete."""
    return service.public(service.restore_task(session, user, number))


@router.delete("/{number}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(
    number: TaskNumber, session: SessionDep, user: CurrentUser, hard: bool = False
) -> Response:
    """Archive the task; `?hard=true` removes it for good."""
    service.delete_task(session, user, number, hard=hard)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@labels_router.get("/projects", response_model=LabelList)
def list_projects(session: SessionDep, user: CurrentUser, context: NoContext = None) -> LabelList:
    """The user's projects, by name, with open, overdue and total counts (archived left out;
    the active context applies unless `context=none`)."""
    return LabelList(items=service.list_projects(session, user, use_context=context is None))


@labels_router.get("/tags", response_model=LabelList)
def list_tags(session: SessionDep, user: CurrentUser, context: NoContext = None) -> LabelList:
    """The user's tags, by name, with open, overdue and total counts (archived left out; the
    active context applies unless `context=none`)."""
    return LabelList(items=service.list_tags(session, user, use_context=context is None))
