"""What the analyst's pages share: their templates, links to the app's pages and to their scripts, and
``/static/js/<name>`` (the pages' own scripts, cached like the vendored libraries)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from mediakg.graph.namespaces import ID_BASE, ONTOLOGY_IRI, PREFIXES
from mediakg.service import conneg
from mediakg.service.docs_pages import VersionedFiles, vendor_url

PACKAGE = Path(__file__).resolve().parents[2]
SCRIPTS = PACKAGE / "static" / "js"
SCRIPTS_PATH = "/static/js/"
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
_scripts = VersionedFiles(SCRIPTS)

router = APIRouter(include_in_schema=False)


def script_url(root: str, name: str) -> str:
    """URL of the page script ``name`` (under ``static/js/``) with its content hash as ``?v=``."""
    return f"{root}{SCRIPTS_PATH}{name}?v={_scripts.version(name)}"


@router.api_route(SCRIPTS_PATH + "{name}", methods=["GET", "HEAD"])
async def script(request: Request, name: str) -> Response:
    """A page script, with ETag and Last-Modified; kept a year when asked for with its current hash."""
    return await _scripts.response(request, name)


def root_of(request: Request) -> str:
    """The app's root path (behind a proxy), without a trailing slash."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def base_iri(request: Request) -> str:
    """The graph's base IRI as served (``settings.base_iri``)."""
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "base_iri", ID_BASE) or ID_BASE


def page_href(iri: str, root: str = "", base: str = ID_BASE) -> str | None:
    """This app's page for ``iri`` (an entity under ``base``, or an ontology term), else None."""
    if iri.startswith(base):
        return f"{root}/id/{quote(iri[len(base) :], safe='/-_.~')}"
    if iri.startswith(ONTOLOGY_IRI + "#"):
        return f"{root}/ontology#{quote(iri[len(ONTOLOGY_IRI) + 1 :], safe='-_.~')}"
    return None


def prefers_html(request: Request, offers: tuple[str, ...]) -> bool:
    """A browser: ``text/html`` is acceptable and preferred to every one of ``offers`` (ties go to the type
    the client lists first, then to ``offers``: ``*/*`` alone keeps the API's default)."""
    return conneg.negotiate(request.headers.get("accept"), (*offers, conneg.HTML)) == conneg.HTML


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Template ``name`` (extending ``base.html``) with what every page uses."""
    return HTMLResponse(render_text(root_of(request), name, context), status_code=status_code)


def render_text(root: str, name: str, context: dict[str, Any]) -> str:
    """Template ``name`` rendered to text, for a page whose root path is ``root``."""
    ctx: dict[str, Any] = {
        "root": root,
        "alternates": [],
        "title": "mediakg",
        "script_url": functools.partial(script_url, root),
        "vendor_url": lambda n: root + vendor_url(n),
        "prefixes": PREFIXES,
    }
    ctx.update(context)
    return templates.get_template(name).render(ctx)
