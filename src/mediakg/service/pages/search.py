"""Search: ``/search?q=`` (a page of results) and ``/search/suggest?q=`` (JSON, for suggestions as you type),
both ranked by :mod:`.names` over an index of every entity's names, built once per build."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from mediakg.graph.terms import qname
from mediakg.service import caching
from mediakg.service.pages import caches
from mediakg.service.pages.common import (
    ALL_ROWS,
    error_page,
    fingerprint,
    finish,
    labels,
    linker,
    page,
    select,
    validators,
)
from mediakg.service.pages.names import MAX_QUERY, Entry, Hit, Name, NameIndex

router = APIRouter()
#: Suggestions given for one query.
SUGGESTIONS = 8
_MKG = "https://w3id.org/mediakg/ontology#"


async def name_index(request: Request) -> NameIndex:
    """The names of every entity of the served build (two queries, once per build)."""
    key = fingerprint(request)
    cached = caches.NAMES.get(key)
    if cached is not None:
        return cached
    rows = await select(request, "names", max_rows=ALL_ROWS)
    kinds = await select(request, "kinds", max_rows=ALL_ROWS)
    names = await labels(request)
    classes: dict[str, set[str]] = {}
    for r in kinds:
        classes.setdefault(str(r["s"]), set()).add(str(r["class"]))
    entries: dict[str, Entry] = {}
    for r in rows:
        iri, preferred = str(r["s"]), str(r.get("preferred")) == "1"
        entry = entries.setdefault(iri, Entry(iri, "", _kind(classes.get(iri, set()), names), []))
        entry.names.append(Name.of(str(r["name"]), preferred))
        if preferred or not entry.label:
            entry.label = str(r["name"])
    # Folding every name takes a while on a big graph: not on the event loop, which serves other requests.
    return caches.NAMES.put(key, await asyncio.to_thread(NameIndex, entries.values()))


def _kind(classes: set[str], names: dict[str, str]) -> str:
    """What an entity is, in words: its mkg: classes (else any), e.g. "Journalist", "Incident"."""
    own = sorted(c for c in classes if c.startswith(_MKG)) or sorted(classes)
    return ", ".join(names.get(c, qname(c)) for c in own)


def _query(request: Request) -> tuple[str, str | None]:
    """The ``q`` parameter, trimmed, and what is wrong with it (None: nothing)."""
    q = (request.query_params.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        return q, f"the search text has {len(q)} characters; at most {MAX_QUERY} are searched for"
    return q, None


def _result(hit: Hit, href: str) -> dict[str, str]:
    entry = hit.entry
    also = "" if hit.matched == entry.label else hit.matched
    return {"label": entry.label, "href": href, "iri": entry.iri, "kind": entry.kind, "matched": also}


@router.api_route("/search", methods=["GET", "HEAD"], include_in_schema=False)
async def search(request: Request) -> Response:
    """Entities whose names match ``q`` in any spelling or script, best first."""
    q, problem = _query(request)
    if problem:
        return error_page(request, 422, "Search text too long", problem[0].upper() + problem[1:] + ".")
    etag, modified = validators(request, f"search|{q}")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    lk = linker(request)
    items = []
    if q:
        for hit in (await name_index(request)).search(q):
            found = _result(hit, lk.href(hit.entry.iri))
            note = f"also written “{found['matched']}”" if found["matched"] else ""
            items.append(
                {"href": found["href"], "label": found["label"], "note": note, "tags": [found["kind"]]}
            )
    context = {
        "title": f"Search: {q}" if q else "Search",
        "heading": f"{len(items)} result(s) for “{q}”" if q else "Search",
        "items": items,
        "q": q,
        "search_page": True,
        "intro": ""
        if q
        else "Type a name or part of it: any spelling the texts use, in Latin or Cyrillic "
        "letters (Kazakh ones too), is found.",
        "empty": "Nothing matches; try part of a name, or another spelling." if q else "",
        "section": "search",
    }
    return finish(request, page(request, "list.html", context), etag, modified, vary="")


@router.api_route("/search/suggest", methods=["GET", "HEAD"], include_in_schema=False)
async def suggest(request: Request) -> Response:
    """The best few matches of ``q`` as JSON: ``{"q": ..., "results": [{label, href, iri, kind, matched}]}``
    (``matched``: the other spelling that matched, if not the label)."""
    q, problem = _query(request)
    if problem:
        return JSONResponse({"error": problem}, status_code=422)
    etag, modified = validators(request, f"suggest|{q}")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    lk = linker(request)
    hits = (await name_index(request)).search(q, limit=SUGGESTIONS) if q else []
    body = {"q": q, "results": [_result(h, lk.href(h.entry.iri)) for h in hits]}
    return finish(request, JSONResponse(body), etag, modified, vary="")
