"""The web page: static files at `/` and `/static/...`, with a strict Content-Security-Policy.

The script is a set of native ES modules (`main.js` imports the rest), served from this origin,
so `script-src 'self'` covers them: no build step, nothing inline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from behflow_server.errors import NotFound

WEB_DIR = Path(__file__).resolve().parent
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
# The page's own files, listed once at import: the ES modules and the style sheet. A name not
# in this map is a 404, so nothing else in the package (routes.py, ...) can ever be served.
ASSETS = {
    path.name: MEDIA_TYPES[path.suffix]
    for path in sorted(WEB_DIR.iterdir())
    if path.suffix in MEDIA_TYPES and path.is_file()
}

# Scripts, styles and connections only from this origin; nothing inline, no framing, no plugins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def index() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers=SECURITY_HEADERS)


@router.get("/static/{name}")
async def asset(name: Annotated[str, PathParam(max_length=40)]) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"No such file: {name}.")
    return FileResponse(WEB_DIR / name, media_type=media_type, headers=SECURITY_HEADERS)
