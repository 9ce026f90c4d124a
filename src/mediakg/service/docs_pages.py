"""The API documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), made from the app's own copies
of their scripts instead of FastAPI's default CDN links, so that they work without internet; and
``/static/vendor/<path>``, which serves those copies and the other vendored browser libraries.

The files under ``mediakg/static/vendor/`` are built by ``web/`` (``npm ci && npm run build``, see
``web/README.md``) and committed. Pages link them with :func:`vendor_url`, whose ``?v=`` (the file's hash)
lets browsers keep them for a year and still never use an old copy after an update.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

VENDOR = Path(__file__).resolve().parents[1] / "static" / "vendor"
VENDOR_PATH = "/static/vendor/"
BUILD_COMMAND = "cd web && npm ci && npm run build"
#: Cache headers of a vendored file asked for with its current hash, and without (or with a stale one).
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"

router = APIRouter(include_in_schema=False)


class VersionedFiles:
    """Files of one folder served with ETag and Last-Modified, linked with their content hash as ``?v=``:
    asked for with the current hash they are kept a year, otherwise revalidated."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files = StaticFiles(directory=directory, check_dir=False)

    @functools.cache  # noqa: B019 (one instance per folder, for the life of the process)
    def version(self, name: str) -> str:
        """The first 12 hex digits of the file's SHA-256."""
        return hashlib.sha256((self.directory / name).read_bytes()).hexdigest()[:12]

    async def response(self, request: Request, name: str) -> Response:
        """The file ``name`` (404/405 as plain text), with its cache headers."""
        try:
            response = await self._files.get_response(name, request.scope)
        except HTTPException as exc:
            return Response(f"{exc.detail.lower()}\n", status_code=exc.status_code, media_type="text/plain")
        current = response.status_code in (200, 304) and request.query_params.get("v") == self.version(name)
        response.headers["Cache-Control"] = _IMMUTABLE if current else _REVALIDATE
        return response


_vendor = VersionedFiles(VENDOR)


def vendor_url(name: str) -> str:
    """The URL of vendored file ``name`` (e.g. ``"yasgui/yasgui.js"``), with its content hash as ``?v=``.

    Raises FileNotFoundError naming the file and the command that builds it when it is missing."""
    if not (VENDOR / name).is_file():
        raise FileNotFoundError(f"{VENDOR / name} is missing: build it with `{BUILD_COMMAND}`")
    return f"{VENDOR_PATH}{name}?v={_vendor.version(name)}"


@router.api_route(VENDOR_PATH + "{name:path}", methods=["GET", "HEAD"])
async def vendored(request: Request, name: str) -> Response:
    """A vendored browser library (scripts, styles, LICENSES.txt), with ETag and Last-Modified."""
    return await _vendor.response(request, name)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI on the app's OpenAPI document, without the online validator badge."""
    app = request.app
    return get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - API",
        swagger_js_url=vendor_url("swagger-ui/swagger-ui-bundle.js"),
        swagger_css_url=vendor_url("swagger-ui/swagger-ui.css"),
        swagger_favicon_url=vendor_url("swagger-ui/favicon-32x32.png"),
        # null: no badge image fetched from validator.swagger.io
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc on the app's OpenAPI document, in the browser's own fonts (no Google Fonts)."""
    app = request.app
    return get_redoc_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - API",
        redoc_js_url=vendor_url("redoc/redoc.standalone.js"),
        redoc_favicon_url=vendor_url("swagger-ui/favicon-32x32.png"),
        with_google_fonts=False,
    )
