"""The pages' own static files, ``/static/<name>`` (``mediakg/static``: the stylesheet and the small scripts
of the home and search pages); the vendored libraries are under ``/static/vendor/`` (:mod:`..docs_pages`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

router = APIRouter()
STATIC = Path(__file__).resolve().parents[2] / "static"


@router.api_route("/static/{name}", methods=["GET", "HEAD"], include_in_schema=False)
async def static(request: Request, name: str) -> Response:
    """The stylesheet and scripts (any file of ``mediakg/static``)."""
    # Looked up among the files there, never opened by the name asked for (8,000 characters: ENAMETOOLONG)
    if name not in {p.name for p in STATIC.iterdir() if p.is_file() and not p.name.startswith(".")}:
        return Response("not found\n", status_code=404, media_type="text/plain")
    return FileResponse(STATIC / name)
