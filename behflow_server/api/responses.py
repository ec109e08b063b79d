"""A model straight to JSON bytes by pydantic-core's serializer.

A route that returns a model makes FastAPI validate it again, dump it to Python objects and
`json.dumps` those; for a page of 50 tasks that is most of the request's CPU (issue #15,
docs/benchmarks.md). Returning `model_json(page)` skips all three: the bytes are what
FastAPI would have sent. The route keeps `response_model=` for the OpenAPI document.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


def model_json(model: BaseModel, status_code: int = 200) -> Response:
    return Response(
        model.__pydantic_serializer__.to_json(model),
        status_code=status_code,
        media_type="application/json",
    )
