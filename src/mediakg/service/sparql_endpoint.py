"""``/sparql``: the SPARQL 1.1 Protocol query operation, read-only.

GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``) and POST
``application/sparql-query`` (the UTF-8 query as body); ``default-graph-uri`` / ``named-graph-uri``
choose the dataset (a graph the store does not hold is empty; nothing is fetched); ``format=`` overrides
``Accept``. GET without a query answers the SPARQL Service Description (or, for browsers, the SPARQL
editor). Updates are refused (403). Errors are short plain-text bodies.

Answers carry ``ETag`` / ``Last-Modified`` (:mod:`.caching`): the build's fingerprint and time, the ETag also
a hash of the query text, the dataset parameters and the media type. A GET whose ``If-None-Match`` matches
(or whose ``If-Modified-Since`` holds for an answer given before) gets ``304 Not Modified`` without running
the query. POST answers carry the validators too, but conditional headers on a POST are not evaluated (a 304
answers only GET and HEAD).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from mediakg.errors import QueryRejected, retry_headers
from mediakg.query.base import Executor, StoreInfo
from mediakg.service import caching, conneg, openapi_sparql
from mediakg.service.analyst import editor
from mediakg.service.http import client_address

router = APIRouter()

ALLOW = "GET, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
#: Parameters of the update operation: any of them makes the request an update.
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")


class ProtocolError(Exception):
    """A request the protocol does not allow; carries the HTTP status and a short message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


def _decode_pairs(data: bytes, where: str) -> list[tuple[str, str]]:
    """``a=1&b=2`` (URL query string or form body) as pairs; 400 unless it is UTF-8 throughout."""
    try:
        return parse_qsl(data.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the {where} is not valid UTF-8") from exc
    except ValueError as exc:
        raise ProtocolError(400, f"malformed {where}: {exc}") from exc


async def _read_params(request: Request) -> tuple[list[tuple[str, str]], str | None]:
    """All protocol parameters of the request and, for a ``application/sparql-query`` POST, its body."""
    params = _decode_pairs(request.scope.get("query_string", b""), "URL query string")
    if request.method != "POST":
        return params, None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == SPARQL_UPDATE:
        raise ProtocolError(403, "SPARQL update is not allowed: this endpoint is read-only")
    if content_type not in (FORM, SPARQL_QUERY):
        shown = content_type or "none"
        raise ProtocolError(
            415, f"unsupported Content-Type {shown}: POST a query as {FORM} (query=...) or as {SPARQL_QUERY}"
        )
    body = await request.body()
    if content_type == FORM:
        return params + _decode_pairs(body, "form body"), None
    try:
        return params, body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the query body is not valid UTF-8 (byte {exc.start})") from exc


def _values(params: Iterable[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = _values(params, name)
    if len(values) > 1:
        raise ProtocolError(400, f"the parameter {name} is given {len(values)} times; give it once")
    return values[0] if values else None


@router.get("/sparql", operation_id="sparql_get", response_class=Response, **openapi_sparql.GET)
@router.post("/sparql", operation_id="sparql_post", response_class=Response, **openapi_sparql.POST)
async def sparql(request: Request) -> Response:
    """The query operation (and the service description when GET has no query)."""
    executor: Executor = request.app.state.executor
    try:
        params, body_query = await _read_params(request)
        queries = _values(params, "query") + ([body_query] if body_query is not None else [])
        updates = [k for k, _ in params if k in UPDATE_PARAMS]
        if queries and updates:
            raise ProtocolError(400, "a request carries either a query or an update, not both")
        if updates:
            raise ProtocolError(403, "SPARQL update is not allowed: this endpoint is read-only")
        if len(queries) > 1:
            raise ProtocolError(400, f"{len(queries)} queries given; send exactly one query")
        format_param = _single(params, "format")
        if not queries:
            if request.method == "POST":
                raise ProtocolError(
                    400, "missing query: POST query=... (form) or a application/sparql-query body"
                )
            return _service_description(request, executor.info, format_param)
        return await _answer(request, executor, queries[0], params, format_param)
    except ProtocolError as exc:
        return _error(exc.status, str(exc), exc.headers)


async def _answer(
    request: Request,
    executor: Executor,
    query: str,
    params: list[tuple[str, str]],
    format_param: str | None,
) -> Response:
    try:
        info = executor.check(query)
    except QueryRejected as exc:
        return _error(exc.status, str(exc))
    available = conneg.GRAPH_TYPES if info.kind == "graph" else conneg.SOLUTION_TYPES
    media_type = _negotiate(request, format_param, info.kind, available, f"{info.form} results")
    default_graphs = _values(params, "default-graph-uri")
    named_graphs = _values(params, "named-graph-uri")
    vary = {"Vary": "Accept"}
    # The answer is a function of the build and of these: validators exist before the query runs.
    validators = caching.request_validators(
        request, caching.request_variant("sparql", query, default_graphs, named_graphs, media_type)
    )
    if validators is not None:
        not_modified = caching.not_modified_before_answer(request, *validators, vary)
        if not_modified is not None:
            return not_modified
    try:
        outcome = await executor.run(
            query,
            result_format=media_type,
            default_graph_uris=default_graphs,
            named_graph_uris=named_graphs,
            lane="public",
            client=client_address(request),
        )
    except Exception as exc:
        status = getattr(exc, "status", None)
        if status is None:
            raise
        return _error(status, str(exc), retry_headers(exc))
    headers = dict(vary)
    if outcome.rows is not None:
        headers["X-Result-Rows"] = str(outcome.rows)
    if outcome.truncation:
        headers["X-Result-Truncated"] = outcome.truncation
    response = Response(outcome.body, media_type=outcome.media_type, headers=headers)
    if validators is None:
        return response
    caching.remember_answer(validators[0])
    not_modified = caching.conditional_response(request, *validators, vary)  # If-Modified-Since only
    return not_modified if not_modified is not None else caching.set_validators(response, *validators)


def _negotiate(
    request: Request, format_param: str | None, kind: str, available: tuple[str, ...], what: str
) -> str:
    accept = request.headers.get("accept")
    try:
        chosen = conneg.choose(accept, format_param, kind, available)
    except conneg.UnknownFormat as exc:
        raise ProtocolError(400, str(exc)) from exc
    if chosen is None:
        asked = f"format={format_param}" if format_param else f"Accept: {accept}"
        raise ProtocolError(
            406, f"cannot answer {asked}; {what} are available as: {', '.join(available)}", {"Vary": "Accept"}
        )
    return chosen


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    """Methods the endpoint does not offer (CORS preflights are answered by the middleware before this)."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": ALLOW})
    return _error(405, f"method {request.method} not allowed; use GET or POST", {"Allow": ALLOW})


# --------------------------------------------------------------------------- service description

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
)


def service_description(endpoint: str, info: StoreInfo | None) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``, as triples."""

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    service, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        *(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + f)) for f in RESULT_FORMATS),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
    ]
    if info is not None:
        triples.append(ox.Triple(default, VOID_TRIPLES, ox.Literal(str(info.triples), datatype=_XSD_INTEGER)))
        for i, graph in enumerate(info.graphs):
            node = ox.BlankNode(f"graph{i}")
            triples += [
                ox.Triple(dataset, sd("namedGraph"), node),
                ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
                ox.Triple(node, sd("name"), ox.NamedNode(graph)),
            ]
    return triples


_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_SD_PREFIXES = {"sd": SD, "formats": FORMATS, "void": "http://rdfs.org/ns/void#"}


def _service_description(request: Request, info: StoreInfo | None, format_param: str | None) -> Response:
    available = (*conneg.GRAPH_TYPES, conneg.HTML)
    media_type = _negotiate(request, format_param, "graph", available, "the service description")
    endpoint = str(request.url.replace(query=""))
    headers = {"Vary": "Accept"}
    validators = caching.request_validators(
        request, caching.request_variant("sparql-description", endpoint, media_type)
    )
    if validators is not None:
        not_modified = caching.conditional_response(request, *validators, headers)
        if not_modified is not None:
            return not_modified
    if media_type == conneg.HTML:
        page = editor.page_html(endpoint, info, request.app.state.questions)
        response: Response = HTMLResponse(page, headers=headers)
    else:
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        body = ox.serialize(service_description(endpoint, info), format=rdf_format, prefixes=_SD_PREFIXES)
        response = Response(body, media_type=media_type, headers=headers)
    return caching.set_validators(response, *validators) if validators is not None else response
