"""The calendar feed: managed under /api/v1/calendar/feed, served at /calendar/{secret}.ics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from behflow_server.api.deps import CurrentUser, SessionDep
from behflow_server.calendar import service
from behflow_server.calendar.models import FeedCreated, FeedStatus

router = APIRouter(prefix="/calendar/feed", tags=["calendar"])
# Mounted at the root: a calendar app fetches the URL with no bearer token (the secret is the
# credential).
public_router = APIRouter(tags=["calendar"])


@router.get("", response_model=FeedStatus)
def feed_status(session: SessionDep, user: CurrentUser) -> FeedStatus:
    return service.status(session, user)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FeedCreated)
def rotate_feed(request: Request, session: SessionDep, user: CurrentUser) -> FeedCreated:
    """Make the feed URL, or a new one in place of the old (which stops working). The URL is
    shown only in this answer."""
    secret, feed = service.rotate(session, user)
    url = str(request.url_for("calendar_feed", secret=secret))
    return FeedCreated(
        active=True,
        created_at=feed.created_at,
        last_used_at=None,
        url=url,
        events_url=url + "?events=true",
    )


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def revoke_feed(session: SessionDep, user: CurrentUser) -> Response:
    service.revoke(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public_router.get(
    "/calendar/{secret}.ics",
    name="calendar_feed",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def calendar_feed(
    secret: Annotated[str, Path(max_length=100)],
    session: SessionDep,
    events: bool = False,
) -> Response:
    """The feed itself: open tasks and those done in the last 30 days; `events=true` makes
    dated tasks VEVENTs (for calendars that ignore VTODO)."""
    user = service.owner(session, secret)
    return Response(
        service.render(session, user, events=events),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )
