"""/api/v1/tasks/{number}/notes: thin callers of the note service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from behflow_server.api.deps import CurrentUser, SessionDep
from behflow_server.notes import service
from behflow_server.notes.models import NoteList, NotePublic, NoteWrite

router = APIRouter(prefix="/tasks/{number}/notes", tags=["notes"])

TaskNumber = Annotated[int, Path(ge=1, le=2_147_483_647, description="The task's #number")]
NoteRef = Annotated[
    str, Path(min_length=4, max_length=36, description="The note's id or its first 4+ hex digits")
]


@router.get("", response_model=NoteList)
def list_notes(number: TaskNumber, session: SessionDep, user: CurrentUser) -> NoteList:
    """The task's notes, oldest first."""
    task, notes = service.list_notes(session, user, number)
    return NoteList(items=[service.note_public(n, task) for n in notes])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NotePublic)
def add_note(
    number: TaskNumber, data: NoteWrite, session: SessionDep, user: CurrentUser
) -> NotePublic:
    """Add a Markdown note (at most 10,000 characters; a task keeps at most 500)."""
    task, note = service.add_note(session, user, number, data.body)
    return service.note_public(note, task)


@router.patch("/{note_id}", response_model=NotePublic)
def update_note(
    number: TaskNumber, note_id: NoteRef, data: NoteWrite, session: SessionDep, user: CurrentUser
) -> NotePublic:
    task, note = service.update_note(session, user, number, note_id, data.body)
    return service.note_public(note, task)


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(
    number: TaskNumber, note_id: NoteRef, session: SessionDep, user: CurrentUser
) -> Response:
    service.delete_note(session, user, number, note_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
