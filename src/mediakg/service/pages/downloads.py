"""The dumps of the served build and their VoID / DCAT description: ``/download``, ``/download/<file>``,
``/.well-known/void``.

The build (:class:`mediakg.folder.BuildFolder`) wrote the dumps and their manifest; these routes only read
them. A dataset file served as it is has none (404 saying so).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter, Request
from rdflib import Graph
from starlette.responses import FileResponse, Response

from mediakg.folder import BuildFolder
from mediakg.publish.void import DatasetStats, Dump, void_graph
from mediakg.service import caching
from mediakg.service.pages.common import (
    HTML,
    base_iri,
    data_location,
    finish,
    not_found,
    page,
    public_url,
    validators,
)
from mediakg.service.pages.docs import doc_response

router = APIRouter()


class NoExport(Exception):
    """The served data has no dumps (a dataset file served as it is)."""


def current_export(location: Path) -> tuple[Path, dict]:
    """The export folder of the served build and its manifest. The build (or the snapshot of a file or of a
    remote store) wrote them; the service only reads them. NoExport when there are none."""
    folder = BuildFolder(location)
    manifest = folder.manifest() if location.is_dir() else None
    if manifest is None:
        raise NoExport(f"No dumps here: {location.name} was served as it is, without an export.")
    return folder.export, manifest


def _void(request: Request, manifest: dict) -> Graph:
    stats = DatasetStats.from_json(manifest["stats"])
    dumps = [Dump(**d) for d in manifest["dumps"]]
    return void_graph(
        stats,
        public_url=public_url(request),
        dumps=dumps,
        created=manifest["created"],
        base_iri=manifest.get("base_iri") or base_iri(request),  # the IRIs the statistics counted
    )


@router.api_route("/.well-known/void", methods=["GET", "HEAD"], include_in_schema=False)
async def void(request: Request) -> Response:
    """The VoID + DCAT description of the dataset (Turtle by default)."""
    try:
        _, manifest = await asyncio.to_thread(current_export, data_location(request))
    except NoExport as exc:
        return not_found(request, HTML, str(exc))
    g = _void(request, manifest)
    return doc_response(
        request, g, "void", lambda alts: Response(g.serialize(format="turtle"), media_type="text/turtle")
    )


@router.api_route("/download", methods=["GET", "HEAD"], include_in_schema=False)
async def download_page(request: Request) -> Response:
    """The list of dumps of the current build."""
    etag, modified = validators(request, "download")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    try:
        _, manifest = await asyncio.to_thread(current_export, data_location(request))
    except NoExport as exc:
        return not_found(request, HTML, str(exc))
    context = {
        "title": "Downloads",
        "dumps": manifest["dumps"],
        "created": manifest.get("created", ""),
        "section": "download",
    }
    return finish(request, page(request, "download.html", context), etag, modified, vary="")


@router.api_route("/download/{filename}", methods=["GET", "HEAD"], include_in_schema=False)
async def download(request: Request, filename: str) -> Response:
    """One dump; ``.gz`` for the compressed file, or the plain name with ``Accept-Encoding: gzip``."""
    try:
        out, manifest = await asyncio.to_thread(current_export, data_location(request))
    except NoExport as exc:
        return not_found(request, HTML, str(exc))
    known = {d["filename"]: d["media_type"] for d in manifest["dumps"]} | {"void.ttl": "text/turtle"}
    plain = filename[:-3] if filename.endswith(".gz") else filename
    if plain not in known or not (out / plain).is_file():
        return not_found(request, HTML, f"No download named {filename!r}.")
    etag, modified = validators(request, f"download/{filename}")
    wants_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
    headers = {"Vary": "Accept-Encoding"}
    cached = caching.conditional_response(request, etag, modified, headers)
    if cached is not None:
        return cached
    if filename.endswith(".gz"):
        response = FileResponse(
            out / filename, media_type="application/gzip", filename=filename, headers=headers
        )
    elif wants_gzip:
        headers["Content-Encoding"] = "gzip"
        response = FileResponse(out / (plain + ".gz"), media_type=known[plain], headers=headers)
    else:
        response = FileResponse(out / plain, media_type=known[plain], headers=headers)
    return finish(request, response, etag, modified, vary="Accept-Encoding")
