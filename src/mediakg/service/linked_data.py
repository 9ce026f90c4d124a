"""Linked data: entity IRIs answered with content negotiation, class and search pages, ontology and shapes
documentation, dumps and their VoID description.

Every IRI ``<base_iri><path>`` (``settings.base_iri``, default ``https://w3id.org/mediakg/id/``) is
answered at ``/id/<path>``: an HTML page, or its concise bounded description
(:mod:`mediakg.publish.describe`) as
Turtle, JSON-LD, N-Triples or RDF/XML, chosen by ``Accept`` (parsed by :mod:`.conneg`) or ``?format=``.
Every query runs through the service's executor, under the same limits as /sparql. Every answer carries
``ETag`` / ``Last-Modified`` derived from the build (:mod:`.caching`) and honours ``If-None-Match`` /
``If-Modified-Since``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from rdflib import Graph
from starlette.responses import FileResponse, RedirectResponse, Response

from mediakg.folder import BuildFolder
from mediakg.graph.namespaces import ID_BASE, ONTOLOGY_IRI, PREFIXES
from mediakg.graph.terms import qname
from mediakg.paths import project_paths
from mediakg.publish import describe
from mediakg.publish.export import FORMATS as DUMP_FORMATS
from mediakg.publish.export import MANIFEST, jsonld_context
from mediakg.publish.void import DatasetStats, Dump, dataset_iri, void_graph
from mediakg.service import caching, conneg
from mediakg.service.http import client_address
from mediakg.service.ld_docs import ontology_doc, property_labels, shapes_doc
from mediakg.service.ld_render import Linker, entity_view

router = APIRouter()
PACKAGE = Path(__file__).resolve().parents[1]
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
STATIC = PACKAGE / "static"


@dataclass(frozen=True)
class RdfFormat:
    """An RDF representation the entity URLs offer."""

    name: str  # ?format= value
    media_type: str
    rdflib: str
    title: str


HTML = "text/html"
RDF_FORMATS = (
    RdfFormat("ttl", "text/turtle", "turtle", "Turtle"),
    RdfFormat("jsonld", "application/ld+json", "json-ld", "JSON-LD"),
    RdfFormat("nt", "application/n-triples", "nt", "N-Triples"),
    RdfFormat("rdfxml", "application/rdf+xml", "xml", "RDF/XML"),
)
BY_MEDIA = {f.media_type: f for f in RDF_FORMATS}
PAGE_OFFERS = (HTML, *BY_MEDIA)  # HTML first: browsers sending */* get the page
DATA_OFFERS = (*BY_MEDIA, HTML)  # Turtle first: the document is RDF (void, ontology, shapes)
CONTEXT_PATH = "/context.jsonld"
# Named-graph IRI of the ontology in the build (see ontology/MODEL.md).
ONTOLOGY_GRAPH = ONTOLOGY_IRI


class NotAcceptable(Exception):
    """None of the offered representations fits the request's Accept header."""


# --------------------------------------------------------------------------- context of a request


def _settings(request: Request) -> Any:
    return getattr(request.app.state, "settings", None)


def base_iri(request: Request) -> str:
    """The public base of entity IRIs for this app (settings ``base_iri``)."""
    return getattr(_settings(request), "base_iri", None) or ID_BASE


def data_location(request: Request) -> Path:
    """The build folder (or dataset file) the app serves."""
    data = getattr(_settings(request), "data", None)
    return Path(data) if data else project_paths().build


def linker(request: Request) -> Linker:
    return Linker(base_iri(request), request.scope.get("root_path", "").rstrip("/"))


def public_url(request: Request) -> str:
    """The address this app is reached at, ending in ``/`` (behind a proxy: honours ``root_path``)."""
    return str(request.base_url)


async def run_query(request: Request, sparql: str, result_format: str, **kwargs: Any) -> bytes:
    """Run ``sparql`` through the app's executor (worker processes, time limit) and return the body."""
    result = await request.app.state.executor.run(
        sparql, result_format=result_format, lane="internal", client=client_address(request), **kwargs
    )
    return result.body


async def construct(request: Request, sparql: str, **kwargs: Any) -> Graph:
    """Run a CONSTRUCT through the executor (``kwargs``: e.g. ``bindings``) and parse it into an rdflib
    Graph."""
    body = await run_query(request, sparql, "application/n-triples", **kwargs)
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    g.parse(data=body.decode("utf-8"), format="nt")
    return g


async def select(request: Request, sparql: str, **kwargs: Any) -> list[dict[str, str]]:
    """Run a SELECT through the executor; rows as ``{variable: value}`` (values as plain strings)."""
    body = await run_query(request, sparql, "application/sparql-results+json", **kwargs)
    data = json.loads(body)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def nt_string(text: str) -> str:
    """``text`` as an N-Triples string literal (the executor's bindings take N-Triples terms)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


# --------------------------------------------------------------------------- negotiation and validators


def negotiate(request: Request, offers: tuple[str, ...]) -> str:
    """The media type to answer with: ``?format=`` wins, then the Accept header; raises NotAcceptable."""
    fmt = request.query_params.get("format")
    try:
        chosen = conneg.choose(request.headers.get("accept"), fmt, "graph", offers)
    except conneg.UnknownFormat as exc:
        raise NotAcceptable(str(exc)) from exc
    if chosen is None:
        raise NotAcceptable(
            f"format {fmt!r} is not offered" if fmt else "no offered type fits the Accept header"
        )
    return chosen


def alternates(request: Request, path: str, offers: tuple[str, ...]) -> list[dict[str, str]]:
    """The other representations of ``path``: media type, name and ``?format=`` URL."""
    root = request.scope.get("root_path", "").rstrip("/")
    out = []
    for media in offers:
        name = "html" if media == HTML else BY_MEDIA[media].name
        title = "HTML" if media == HTML else BY_MEDIA[media].title
        out.append({"type": media, "name": title, "href": f"{root}{path}?format={name}"})
    return out


def link_header(alts: list[dict[str, str]], extra: str = "") -> str:
    links = [f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alts]
    return ", ".join(links + ([extra] if extra else []))


def validators(request: Request, variant: str) -> tuple[str, datetime]:
    """ETag and Last-Modified of this answer: the build fingerprint plus the representation ``variant``."""
    return caching.build_validators(data_location(request), variant)


def finish(
    request: Request, response: Response, etag: str, modified: datetime, vary: str = "Accept"
) -> Response:
    caching.set_validators(response, etag, modified)
    if vary:
        response.headers["Vary"] = vary
    return response


def not_acceptable(request: Request, offers: tuple[str, ...], message: str) -> Response:
    body = f"406 Not Acceptable: {message}. Available: {', '.join(offers)}\n"
    return Response(body, status_code=406, media_type="text/plain", headers={"Vary": "Accept"})


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render template ``name`` with the values every page uses."""
    ctx = {"root": request.scope.get("root_path", "").rstrip("/"), "alternates": [], "title": "mediakg"}
    ctx.update(context)
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def serialize(g: Graph, fmt: RdfFormat, request: Request) -> bytes:
    """``g`` in format ``fmt``; JSON-LD compacted with the published context (inlined: it stands alone)."""
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    if fmt.name == "jsonld":
        return g.serialize(format="json-ld", context=jsonld_context()["@context"], auto_compact=True).encode()
    return g.serialize(format=fmt.rdflib, encoding="utf-8")


def rdf_response(
    request: Request, g: Graph, media: str, etag: str, modified: datetime, links: str
) -> Response:
    fmt = BY_MEDIA[media]
    headers = {"Link": links}
    if fmt.name == "jsonld":
        ctx = public_url(request).rstrip("/") + CONTEXT_PATH
        headers["Link"] += (
            f', <{ctx}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
        )
    response = Response(serialize(g, fmt, request), media_type=media, headers=headers)
    return finish(request, response, etag, modified)


# --------------------------------------------------------------------------- entity IRIs


@router.api_route("/id/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def entity(request: Request, path: str) -> Response:
    """The entity ``<base_iri><path>``: HTML page or RDF description by content negotiation."""
    lk = linker(request)
    iri = lk.iri_for_path(path)
    alts = alternates(request, f"/id/{quote(path, safe='/-_.~')}", PAGE_OFFERS)
    links = link_header(alts)
    try:
        media = negotiate(request, PAGE_OFFERS)
    except NotAcceptable as exc:
        return not_acceptable(request, PAGE_OFFERS, str(exc))
    etag, modified = validators(request, f"id/{path}|{media}")
    cached = caching.conditional_response(request, etag, modified, {"Vary": "Accept", "Link": links})
    if cached is not None:
        return cached
    g = await description(request, iri)
    if len(g) == 0:
        if iri == dataset_iri(lk.base_iri):
            return RedirectResponse(f"{lk.root}/.well-known/void", status_code=303)
        return not_found(request, media, f"No entity has the IRI {iri}.")
    if media != HTML:
        return rdf_response(request, g, media, etag, modified, links)
    view = entity_view(g, iri, lk, await ontology_property_labels(request))
    response = page(request, "entity.html", {"e": view, "title": view.label, "alternates": alts})
    response.headers["Link"] = links
    return finish(request, response, etag, modified)


_describe_lock = threading.Lock()
_descriptions: OrderedDict[tuple[str, str], Graph] = OrderedDict()
DESCRIPTION_CACHE_SIZE = 512


async def description(request: Request, iri: str) -> Graph:
    """The concise bounded description of ``iri`` (empty if unknown or not an IRI), cached per build so that
    the HTML page and the four RDF formats of an entity cost one query."""
    key = (validators(request, "")[0], iri)
    with _describe_lock:
        if key in _descriptions:
            _descriptions.move_to_end(key)
            return _descriptions[key]
    try:
        bound = describe.describe_bindings(iri)
    except describe.InvalidIri:
        return Graph()
    # One query text for every entity (the entity is bound, not pasted): the worker checks it only once.
    g = await construct(request, describe.DESCRIBE_QUERY, bindings=bound)
    with _describe_lock:
        _descriptions[key] = g
        while len(_descriptions) > DESCRIPTION_CACHE_SIZE:
            _descriptions.popitem(last=False)
    return g


def not_found(request: Request, media: str, message: str) -> Response:
    if media == HTML:
        return page(
            request, "error.html", {"heading": "Not found", "message": message, "title": "Not found"}, 404
        )
    return Response(message + "\n", status_code=404, media_type="text/plain", headers={"Vary": "Accept"})


# --------------------------------------------------------------------------- ontology labels (per build)

_cache_lock = threading.Lock()
_ontology_cache: dict[str, Graph] = {}


async def ontology_graph(request: Request) -> Graph:
    """The ontology named graph of the build (fetched once per build through the executor)."""
    key, _ = validators(request, "ontology")
    with _cache_lock:
        cached = _ontology_cache.get(key)
    if cached is not None:
        return cached
    g = await construct(
        request, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    with _cache_lock:
        _ontology_cache.clear()
        _ontology_cache[key] = g
    return g


async def ontology_property_labels(request: Request) -> dict[str, str]:
    return property_labels(await ontology_graph(request))


# --------------------------------------------------------------------------- home, classes, search

CLASS_COUNTS = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?class . FILTER(STRSTARTS(STR(?class), "%s"))
} GROUP BY ?class""" % (ONTOLOGY_IRI + "#")


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def home(request: Request) -> Response:
    """Home page: classes with their member counts, search, links to SPARQL, API, downloads, docs."""
    etag, modified = validators(request, "home")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    rows = await select(request, CLASS_COUNTS)
    onto = await ontology_graph(request)
    lk = linker(request)
    from rdflib import RDFS, URIRef

    classes = []
    for row in rows:
        label = onto.value(URIRef(row["class"]), RDFS.label)
        classes.append(
            {
                "href": lk.class_href(row["class"]),
                "label": str(label or qname(row["class"])),
                "count": int(row["n"]),
            }
        )
    classes.sort(key=lambda c: c["label"].lower())
    response = page(request, "home.html", {"classes": classes, "title": "Home"})
    return finish(request, response, etag, modified, vary="")


def _class_iri(name: str) -> str | None:
    if ":" in name:
        prefix, local = name.split(":", 1)
        return PREFIXES[prefix] + local if prefix in PREFIXES else None
    return f"{ONTOLOGY_IRI}#{name}"


MEMBERS = """SELECT ?s (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?date) WHERE {
  ?s a ?t . ?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <%s> .
  OPTIONAL { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }
  OPTIONAL { ?s <https://w3id.org/mediakg/ontology#date>|<https://w3id.org/mediakg/ontology#latestDate> ?d }
  FILTER(isIRI(?s))
} GROUP BY ?s"""


@router.api_route("/class/{name}", methods=["GET", "HEAD"], include_in_schema=False)
async def class_members(request: Request, name: str) -> Response:
    """The members of a class (and of its sub-classes), by label; events by date."""
    iri = _class_iri(name)
    if iri is None:
        return not_found(request, HTML, f"Unknown prefix in {name!r}.")
    try:
        describe.check_iri(iri)
    except describe.InvalidIri:
        return not_found(request, HTML, f"No class {name!r}: {iri!r} is not an IRI.")
    etag, modified = validators(request, f"class/{name}")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    rows = await select(request, MEMBERS % iri)
    onto = await ontology_graph(request)
    from rdflib import RDFS, URIRef

    from mediakg.service.ld_render import date_sort_key, display_date

    label = str(onto.value(URIRef(iri), RDFS.label) or qname(iri))
    if not rows and (URIRef(iri), None, None) not in onto:
        return not_found(request, HTML, f"No class {qname(iri)} in the ontology.")
    lk = linker(request)
    dated = any("date" in r for r in rows)
    items = []
    for r in rows:
        note = ""
        if "date" in r:
            dtype = "gYearMonth" if len(r["date"]) == 7 else "gYear" if len(r["date"]) == 4 else "date"
            if r["date"].startswith("--"):
                dtype = "gMonthDay"
            note = display_date(r["date"], "http://www.w3.org/2001/XMLSchema#" + dtype)
        items.append(
            {
                "href": lk.href(r["s"]),
                "label": r.get("label") or qname(r["s"]),
                "note": note,
                "key": (date_sort_key(r.get("date")) if dated else (0, 0, 0), (r.get("label") or "").lower()),
            }
        )
    items.sort(key=lambda it: it["key"])
    response = page(
        request,
        "list.html",
        {
            "title": label,
            "heading": f"{label} ({len(items)})",
            "items": items,
            "intro": f"Members of {qname(iri)} and its sub-classes"
            + (", by date." if dated else ", by name."),
            "empty": "This class has no members in the data.",
        },
    )
    return finish(request, response, etag, modified, vary="")


# ?q is bound by substitution; pyoxigraph only substitutes projected variables, hence ?q in SELECT/GROUP BY.
SEARCH = """SELECT ?s ?q (SAMPLE(?pl) AS ?label) (GROUP_CONCAT(DISTINCT ?m; separator=" · ") AS ?matches)
WHERE {
  ?s <http://www.w3.org/2004/02/skos/core#prefLabel>|<http://www.w3.org/2004/02/skos/core#altLabel> ?m .
  FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?m)), ?q))
  OPTIONAL { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?pl }
} GROUP BY ?s ?q LIMIT 500"""


@router.api_route("/search", methods=["GET", "HEAD"], include_in_schema=False)
async def search(request: Request) -> Response:
    """Entities whose preferred or alternative label contains ``q`` (case-insensitive)."""
    q = (request.query_params.get("q") or "").strip()
    etag, modified = validators(request, f"search|{q}")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    lk = linker(request)
    items = []
    if q:
        rows = await select(request, SEARCH, bindings={"q": nt_string(q.lower())})
        for r in rows:
            label = r.get("label") or qname(r["s"])
            note = "" if r.get("matches", "") == label else f"matches: {r.get('matches', '')}"
            items.append({"href": lk.href(r["s"]), "label": label, "note": note})
        items.sort(key=lambda it: (it["label"].lower(), it["href"]))
    context = {
        "title": f"Search: {q}" if q else "Search",
        "heading": f"{len(items)} result(s) for “{q}”" if q else "Search",
        "items": items,
        "q": q,
        "intro": "" if q else "Type part of a name in the box above: any spelling the texts use is found.",
        "empty": "Nothing matches; try part of a name." if q else "",
    }
    return finish(request, page(request, "list.html", context), etag, modified, vary="")


# --------------------------------------------------------------------------- ontology and shapes


def _doc_response(request: Request, g: Graph, variant: str, render) -> Response:
    try:
        media = negotiate(request, DATA_OFFERS if variant == "void" else PAGE_OFFERS)
    except NotAcceptable as exc:
        return not_acceptable(request, PAGE_OFFERS, str(exc))
    offers = DATA_OFFERS if variant == "void" else PAGE_OFFERS
    path = {"void": "/.well-known/void", "ontology": "/ontology", "shapes": "/shapes"}[variant]
    alts = alternates(request, path, offers)
    etag, modified = validators(request, f"{variant}|{media}")
    cached = caching.conditional_response(
        request, etag, modified, {"Vary": "Accept", "Link": link_header(alts)}
    )
    if cached is not None:
        return cached
    if media != HTML:
        return rdf_response(request, g, media, etag, modified, link_header(alts))
    response = render(alts)
    response.headers["Link"] = link_header(alts)
    return finish(request, response, etag, modified)


@router.api_route("/ontology", methods=["GET", "HEAD"], include_in_schema=False)
async def ontology(request: Request) -> Response:
    """The ontology: HTML documentation from its labels and comments, or RDF by Accept."""
    g = await ontology_graph(request)
    lk = linker(request)
    return _doc_response(
        request,
        g,
        "ontology",
        lambda alts: page(
            request, "ontology.html", {"doc": ontology_doc(g, lk), "title": "Ontology", "alternates": alts}
        ),
    )


_shapes_cache: dict[tuple, Graph] = {}


def shapes_graph() -> Graph:
    """The SHACL shapes of the project (``shapes/*.ttl``), re-read when a file changes."""
    files = sorted(project_paths().shapes.glob("*.ttl"))
    key = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    with _cache_lock:
        if key in _shapes_cache:
            return _shapes_cache[key]
    g = Graph()
    for f in files:
        g.parse(f, format="turtle")
    with _cache_lock:
        _shapes_cache.clear()
        _shapes_cache[key] = g
    return g


@router.api_route("/shapes", methods=["GET", "HEAD"], include_in_schema=False)
async def shapes(request: Request) -> Response:
    """The SHACL shapes: HTML (each shape with target, constraints, messages), or RDF by Accept."""
    g = await asyncio.to_thread(shapes_graph)
    lk = linker(request)
    labels = await ontology_property_labels(request)
    return _doc_response(
        request,
        g,
        "shapes",
        lambda alts: page(
            request,
            "shapes.html",
            {"shapes": shapes_doc(g, lk, labels), "title": "Shapes", "alternates": alts},
        ),
    )


# --------------------------------------------------------------------------- dumps and VoID


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
    return _doc_response(
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
    context = {"title": "Downloads", "dumps": manifest["dumps"], "created": manifest.get("created", "")}
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


@router.api_route(CONTEXT_PATH, methods=["GET", "HEAD"], include_in_schema=False)
async def context(request: Request) -> Response:
    """The JSON-LD ``@context`` of the JSON-LD answers and dumps (the project's prefixes)."""
    etag, modified = validators(request, "context")
    cached = caching.conditional_response(request, etag, modified)
    if cached is not None:
        return cached
    body = json.dumps(jsonld_context(), indent=2)
    return finish(request, Response(body, media_type="application/ld+json"), etag, modified, vary="")


@router.api_route("/static/{name}", methods=["GET", "HEAD"], include_in_schema=False)
async def static(request: Request, name: str) -> Response:
    """The stylesheet (and any other file of ``mediakg/static``)."""
    # Looked up among the files there, never opened by the name asked for (8,000 characters: ENAMETOOLONG)
    if name not in {p.name for p in STATIC.iterdir() if p.is_file() and not p.name.startswith(".")}:
        return Response("not found\n", status_code=404, media_type="text/plain")
    return FileResponse(STATIC / name)


__all__ = ["router", "DUMP_FORMATS", "MANIFEST"]
