"""/docs: Swagger UI served from this server, so it works offline and under a strict CSP.

FastAPI's own /docs page loads Swagger UI from a public CDN (a floating version, no SRI) and
starts it with an inline script. Here the assets come from the `fastapi-offline` package (it
ships swagger-ui-dist's files and is kept current), the start-up code is a file of ours, and
the page's Content-Security-Policy allows scripts from this origin only.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from behflow_server.errors import NotFound

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
_BUNDLE = Path(str(files("fastapi_offline") / "static"))
_OURS = Path(__file__).resolve().parent / "docs_static"
ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_BUNDLE / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_BUNDLE / "swagger-ui.css", "text/css"),
    "favicon.png": (_BUNDLE / "favicon.png", "image/png"),
    "swagger-init.js": (_OURS / "swagger-init.js", "text/javascript"),
}

# Scripts and style sheets from this origin only; Swagger UI sets style attributes on its
# elements (style-src-attr), draws icons as data: images and calls this API (connect-src).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-elem 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{assets}/favicon.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve /docs and its assets on `app` (built with docs_url=None, redoc_url=None)."""
    assert app.openapi_url is not None

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = _PAGE.format(
            title=html.escape(f"{app.title} API"),
            assets=html.escape(f"{root}{ASSETS_URL}"),
            openapi=html.escape(f"{root}{app.openapi_url}"),
        )
        return HTMLResponse(page, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

    @app.get(ASSETS_URL + "/{name}", include_in_schema=False)
    async def swagger_asset(name: Annotated[str, PathParam(max_length=40)]) -> FileResponse:
        asset = ASSETS.get(name)
        if asset is None:
            raise NotFound(f"No such file: {name}.")
        path, media_type = asset
        # The bundle changes only with the installed package: let browsers keep it a day.
        return FileResponse(
            path,
            media_type=media_type,
            headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"},
        )
