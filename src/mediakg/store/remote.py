"""The remote backend: the mediakg dataset in any SPARQL 1.1 server (Oxigraph server, Virtuoso, Fuseki, ...).

Queries go through SPARQLWrapper (SPARQL 1.1 Protocol, POST, content negotiation only). The dataset of a query
is the set of *live* graphs that ``mediakg load`` recorded in its manifest graph: they are sent as
``default-graph-uri`` (their union is the default graph, as in the embedded store) and ``named-graph-uri``
(``GRAPH ?g`` ranges over them only), so staging graphs of a load in progress never show in answers.

Listing the graphs has a price: Oxigraph evaluates every triple pattern once per listed graph (at 100k
triples in 11 graphs the questions took 1.4-3.8x as long as over its union default graph). So when the
manifest says the store holds nothing but the live graphs (``union-default-graph`` mode, set by the load
that left it so, cleared by the next load before it writes anything, see :mod:`mediakg.store.load`), queries
to
Oxigraph use its union default graph instead. The manifest is read at most :data:`STATE_SECONDS` before a
query that relies on it and a load waits :data:`UNION_GRACE_SECONDS` after clearing the mode, so no query
in that mode reaches the store once a load has begun writing. In that mode the manifest graph itself (a
few triples about ``id:graph/load-manifest`` only) is part of the dataset.

Time limits: the HTTP client always gets one (the limit plus a grace period). Virtuoso also takes a per-query
``timeout`` parameter (ms). Oxigraph server has no per-query limit, only the server-wide ``--timeout-s``
option (``.ci/oxigraph-server.sh`` sets it); when it fires Oxigraph has already sent ``200 OK`` and ends the
body with an error text, which is why every answer is parsed (and re-serialised) before it is returned.

Nothing about an outage is remembered: every call tries the server again, so the backend recovers by itself.
"""

from __future__ import annotations

import functools
import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import pyoxigraph as ox
from SPARQLWrapper import JSON as SW_JSON
from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper import TURTLE as SW_TURTLE
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from mediakg.errors import MediakgError, QueryRejected, QueryTimeout, StoreUnavailable
from mediakg.graph.namespaces import ID_BASE
from mediakg.graph.sparql_text import tokens as sparql_tokens
from mediakg.store.base import (
    FORMATS,
    JSON,
    XML,
    Backend,
    Health,
    QueryKind,
    QueryResult,
    choose_format,
)
from mediakg.store.bind import inject_values

#: Graph in which ``mediakg load`` records the live graphs and the build it loaded.
MANIFEST_GRAPH = ID_BASE + "graph/load-manifest"
#: Marker in the IRIs of staging graphs (see mediakg.store.load).
STAGING_MARKER = "mkg-staging-"
DCT = "http://purl.org/dc/terms/"
#: Manifest terms (the manifest's own namespace: its triples name no entity of the data, so that they stay
#: harmless where the manifest graph is part of the dataset). Per live graph ``<manifest> dct:hasPart
#: <manifest#graph-N>`` and ``<manifest#graph-N> GRAPH_NAME "iri"^^xsd:anyURI ; dct:identifier "content
#: hash"``; ``<manifest> UNION_MODE true`` while the store holds only the live graphs and the manifest.
GRAPH_NAME = MANIFEST_GRAPH + "#graphName"
UNION_MODE = MANIFEST_GRAPH + "#unionDefaultGraph"
#: Seconds a read of the manifest is relied on (live graphs, union mode).
STATE_SECONDS = 1.0
#: Seconds a load waits after clearing the union mode before it writes (readers have stopped using it).
UNION_GRACE_SECONDS = STATE_SECONDS + 2.0

Flavor = Literal["auto", "oxigraph", "virtuoso", "generic"]

#: Errors that mean "the server is not there / went away", as opposed to "the server said no".
_NETWORK_ERRORS = (ConnectionError, http.client.HTTPException, socket.gaierror, EOFError)
_GRACE_SECONDS = 2.0
_DEFAULT_HTTP_TIMEOUT = 60.0


class DatasetState(NamedTuple):
    """What the load manifest said when it was read."""

    read_at: float  # time.monotonic() when the read began
    live: list[str] | None  # the live graphs; None without a load manifest
    union: bool  # the store holds only the live graphs and the manifest (Oxigraph union mode allowed)


def cancelled_by_server(body: bytes) -> bool:
    """Whether an answer that cannot be read ends with the server's note that it stopped the query."""
    tail = body[-300:].lower()
    return b"cancelled" in tail or b"timeout" in tail or b"timed out" in tail


def _repair_blank_nodes(body: bytes, media_type: str) -> bytes:
    """Virtuoso names blank nodes ``nodeID://b123`` in result sets, which is not a valid blank node label."""
    if b"nodeID://" not in body:
        return body
    if media_type == JSON:
        data = json.loads(body)
        for row in data.get("results", {}).get("bindings", []):
            for term in row.values():
                if term.get("type") == "bnode":
                    term["value"] = re.sub(r"[^A-Za-z0-9_]", "_", term["value"].removeprefix("nodeID://"))
        return json.dumps(data).encode("utf-8")
    return re.sub(rb"<bnode>nodeID://", b"<bnode>", body) if media_type == XML else body


def canonical_answer(body: bytes, media_type: str, kind: QueryKind) -> bytes:
    """Parse a serialised answer fully and write it again with pyoxigraph, the embedded store's serialiser.

    Parsing catches truncated or malformed answers (a server-side timeout or an error after streaming began
    both arrive as ``200 OK``); re-serialising removes server dialects (Virtuoso's ``typed-literal`` JSON),
    so both backends answer alike. CSV, which pyoxigraph cannot read, is passed through.
    """
    try:
        if kind == "graph":
            rdf_format = ox.RdfFormat.from_media_type(media_type)
            return ox.serialize(ox.parse(body, format=rdf_format), format=rdf_format) or b""
        if media_type == "text/csv":
            return body
        results_format = ox.QueryResultsFormat.from_media_type(media_type)
        body = _repair_blank_nodes(body, media_type)
        return ox.parse_query_results(body, format=results_format).serialize(format=results_format) or b""
    except (SyntaxError, ValueError) as exc:
        if cancelled_by_server(body):
            raise QueryTimeout("the store stopped the query at its time limit") from exc
        raise QueryRejected(f"the store sent a malformed {media_type} answer: {exc}") from exc


_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


def query_form(sparql: str) -> str:
    """The form keyword of a query (SELECT, ASK, CONSTRUCT, DESCRIBE; SELECT when none is found), skipping
    comments, strings, IRIs and prefixed names (``PREFIX select: <…>``, ``ex:ask``)."""
    return _shape(sparql)[0]


def uses_named_graphs(sparql: str) -> bool:
    """Whether the query has a ``GRAPH`` pattern (keyword outside comments, strings, IRIs, prefixed names)."""
    return _shape(sparql)[1]


@functools.lru_cache(maxsize=1024)
def _shape(sparql: str) -> tuple[str, bool]:
    form, graph = None, False
    for kind, text, start, end in sparql_tokens(sparql):
        if kind != "word":
            continue
        word = text.upper()
        if word not in _QUERY_FORMS and word != "GRAPH":
            continue
        if sparql[end : end + 1] == ":" or sparql[start - 1 : start] == ":":
            continue
        if word == "GRAPH":
            graph = True
        elif form is None:
            form = word
    return form or "SELECT", graph


class RemoteBackend(Backend):
    """Queries a SPARQL 1.1 query endpoint over HTTP."""

    name = "remote"

    def __init__(
        self,
        endpoint: str,
        *,
        flavor: Flavor = "auto",
        http_timeout: float = _DEFAULT_HTTP_TIMEOUT,
        graph_cache_seconds: float = STATE_SECONDS,
    ) -> None:
        self.endpoint = endpoint
        self.flavor: Flavor = flavor
        self.http_timeout = http_timeout
        self.graph_cache_seconds = min(graph_cache_seconds, STATE_SECONDS)
        self._state: DatasetState | None = None

    # -- low level -----------------------------------------------------------------------------------------

    def _send(
        self,
        sparql: str,
        *,
        accept: str | None = None,
        params: Mapping[str, Sequence[str]] | None = None,
        timeout: float | None = None,
        canonical: bool = True,
    ) -> tuple[bytes, str, QueryKind]:
        """POST a query; return (body, media type, kind). Maps every failure onto the errors of base.py.
        ``canonical``: see :meth:`query`."""
        sw = SPARQLWrapper(self.endpoint)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)
        sw.setOnlyConneg(True)
        sw.setQuery(sparql)
        # SPARQLWrapper's own guess reads words in comments ('# addressed' -> ADD) and then sends the query
        # as an update; tell it the form found past comments, strings and IRIs.
        sw.queryType = query_type = query_form(sparql)
        kind: QueryKind = (
            "graph"
            if query_type in ("CONSTRUCT", "DESCRIBE")
            else "boolean"
            if query_type == "ASK"
            else "solutions"
        )
        sw.setReturnFormat(SW_TURTLE if kind == "graph" else SW_JSON)
        media = choose_format(kind, accept)
        sw.addCustomHttpHeader("Accept", media)
        for key, values in (params or {}).items():
            for value in values:
                sw.addParameter(key, value)
        if timeout is not None and self.flavor == "virtuoso":
            sw.addParameter("timeout", str(int(timeout * 1000)))
        sw.setTimeout(int((timeout or self.http_timeout) + _GRACE_SECONDS))
        where = f"the SPARQL endpoint {self.endpoint}"
        try:
            response = sw.query().response
            body = response.read()
            headers = response.info()
        except QueryBadFormed as exc:
            raise QueryRejected(f"{where} rejected the query: {_detail(exc)}") from exc
        except EndPointNotFound as exc:
            raise StoreUnavailable(f"{where} answers 404 Not Found: is the URL right?") from exc
        except Unauthorized as exc:
            raise MediakgError(f"{where} refuses access (401 Unauthorized)") from exc
        except URITooLong as exc:
            raise QueryRejected(f"{where}: request too long (414)") from exc
        except EndPointInternalError as exc:
            detail = _detail(exc)
            if "timeout" in detail.lower() or "cancel" in detail.lower():
                raise QueryTimeout(f"{where} stopped the query at its time limit: {detail}") from exc
            raise QueryRejected(f"{where} failed on the query (500): {detail}") from exc
        except urllib.error.HTTPError as exc:
            if exc.code in (502, 503, 504):
                raise StoreUnavailable(f"{where} is unavailable (HTTP {exc.code})") from exc
            raise QueryRejected(f"{where} answered HTTP {exc.code}: {_read(exc)}") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise QueryTimeout(
                    f"{where} gave no answer within {timeout or self.http_timeout:g} s"
                ) from exc
            raise StoreUnavailable(f"{where} is unavailable: {exc.reason}") from exc
        except TimeoutError as exc:
            raise QueryTimeout(f"{where} gave no answer within {timeout or self.http_timeout:g} s") from exc
        except (*_NETWORK_ERRORS, OSError) as exc:
            raise StoreUnavailable(f"{where} is unavailable: {exc.__class__.__name__}: {exc}") from exc
        except SPARQLWrapperException as exc:
            raise QueryRejected(f"{where}: {exc}") from exc
        self._learn_flavor(headers.get("Server", ""))
        if headers.get("X-SQL-State", "") == "S1TAT":  # Virtuoso "anytime" answer: partial, cut at the limit
            raise QueryTimeout(f"{where} stopped the query at its time limit (partial answer discarded)")
        got = (headers.get("Content-Type") or media).split(";")[0].strip().lower()
        if got in FORMATS[kind]:
            media = got
        if not canonical:
            return _repair_blank_nodes(body, media) if kind != "graph" else body, media, kind
        return canonical_answer(body, media, kind), media, kind

    def _learn_flavor(self, server_header: str) -> None:
        if self.flavor == "auto":
            lowered = server_header.lower()
            self.flavor = (
                "oxigraph" if "oxigraph" in lowered else "virtuoso" if "virtuoso" in lowered else "auto"
            )

    def select(
        self, sparql: str, *, params: Mapping[str, Sequence[str]] | None = None
    ) -> list[dict[str, Any]]:
        """Run a SELECT without a dataset restriction; rows as {variable: pyoxigraph term}."""
        body, media, _ = self._send(sparql, accept="application/sparql-results+json", params=params)
        solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(media))
        variables = [v.value for v in solutions.variables]
        return [{v: row[v] for v in variables if row[v] is not None} for row in solutions]

    # -- the live dataset ----------------------------------------------------------------------------------

    def dataset_state(self, *, fresh: bool = False) -> DatasetState:
        """What the load manifest says (live graphs, union mode), read with one query and reused for
        ``graph_cache_seconds``."""
        now = time.monotonic()
        state = self._state
        if not fresh and state is not None and now - state[0] < self.graph_cache_seconds:
            return state
        rows = self.select(
            f"SELECT ?g ?u WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ "
            f"{{ <{MANIFEST_GRAPH}> <{DCT}hasPart> ?part . ?part <{GRAPH_NAME}> ?g }} "
            f"UNION {{ <{MANIFEST_GRAPH}> <{UNION_MODE}> ?u }} }} }}"
        )
        graphs = sorted(r["g"].value for r in rows if "g" in r) or None
        union = any("u" in r and r["u"].value in ("true", "1") for r in rows)
        self._state = state = DatasetState(now, graphs, union)
        return state

    def live_graphs(self, *, fresh: bool = False) -> list[str] | None:
        """The graphs the last ``mediakg load`` made live (cached briefly), or None if no load happened."""
        return self.dataset_state(fresh=fresh).live

    def union_mode(self) -> bool:
        """Whether queries may use the store's union default graph (see the module docstring): Oxigraph,
        and the manifest, read less than STATE_SECONDS ago, says the store holds only the live graphs."""
        read_at, live, union = self.dataset_state()
        return (
            union and bool(live) and self.flavor == "oxigraph" and time.monotonic() - read_at < STATE_SECONDS
        )

    def _dataset_params(
        self, default_graph_uris: Sequence[str], named_graph_uris: Sequence[str], graph_patterns: bool = True
    ) -> dict[str, list[str]]:
        """The protocol's dataset parameters. The union default graph (when allowed) only for a query
        without GRAPH patterns: Oxigraph takes it with no ``named-graph-uri``, so ``GRAPH ?g`` would also
        range over the manifest graph."""
        if not default_graph_uris and not named_graph_uris and not graph_patterns and self.union_mode():
            return {"union-default-graph": [""]}
        live = self.live_graphs()
        params: dict[str, list[str]] = {}
        if default_graph_uris:
            params["default-graph-uri"] = list(default_graph_uris)
        elif live:
            params["default-graph-uri"] = live
        elif self.flavor == "oxigraph":
            params["union-default-graph"] = [
                ""
            ]  # no load manifest: at least make the default graph the union
        if named_graph_uris:
            params["named-graph-uri"] = list(named_graph_uris)
        elif live:
            params["named-graph-uri"] = live
        return params

    # -- Backend interface ---------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        result_format: str | None = None,
        substitutions: Mapping[str, Any] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        canonical: bool = True,
    ) -> QueryResult:
        """Run ``sparql`` on the live dataset; ``substitutions`` are bound by a VALUES row (see bind.py).

        ``canonical=False`` returns the store's bytes as they came (only Virtuoso's blank node labels
        repaired), for a caller that parses them anyway: it must treat an answer it cannot read as cut
        by the store (:func:`cancelled_by_server`) or malformed, as :func:`canonical_answer` does."""
        if substitutions:
            sparql = inject_values(sparql, substitutions)
        params = self._dataset_params(default_graph_uris, named_graph_uris, uses_named_graphs(sparql))
        body, media, kind = self._send(
            sparql, accept=result_format, params=params, timeout=timeout, canonical=canonical
        )
        return QueryResult(body=body, media_type=media, kind=kind)

    def named_graphs(self) -> list[str]:
        """The live graphs; without a load manifest, every named graph except staging ones."""
        live = self.live_graphs(fresh=True)
        if live:
            return live
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(
            r["g"].value
            for r in rows
            if isinstance(r.get("g"), ox.NamedNode)
            and STAGING_MARKER not in r["g"].value
            and r["g"].value != MANIFEST_GRAPH
        )

    def triple_count(self) -> int:
        """Number of quads in the live graphs."""
        graphs = self.named_graphs()
        if not graphs:
            return 0
        rows = self.select(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", params={"named-graph-uri": graphs}
        )
        return int(rows[0]["n"].value) if rows else 0

    def health(self) -> Health:
        """ASK the endpoint with a short time limit; ``ok`` is False (not an exception) when it is down."""
        try:
            self._send("ASK { }", timeout=5.0)
        except MediakgError as exc:
            return Health(False, self.name, str(exc))
        return Health(True, self.name, f"SPARQL endpoint {self.endpoint} ({self.flavor})")


def _read(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read().decode("utf-8", "replace")[:500]
    except Exception:  # noqa: BLE001 - the message is a courtesy; the status code is already known
        return ""


def _detail(exc: SPARQLWrapperException) -> str:
    text = str(exc)
    # SPARQLWrapper prefixes its own explanation; keep the server's part.
    return text.split("Response:\n", 1)[-1].strip().removeprefix("b'").removesuffix("'")[:500]


class GraphStore:
    """Writes to a SPARQL 1.1 server: Graph Store Protocol uploads and SPARQL Update requests (urllib)."""

    def __init__(self, store_endpoint: str, update_endpoint: str, *, http_timeout: float = 600.0) -> None:
        self.store_endpoint = store_endpoint
        self.update_endpoint = update_endpoint
        self.http_timeout = http_timeout
        #: Extra URL parameters for uploads, e.g. Oxigraph's ``no_transaction`` (bulk loader, not atomic).
        self.bulk_params: dict[str, str] = {}

    def _request(self, request: urllib.request.Request, what: str) -> None:
        try:
            with urllib.request.urlopen(request, timeout=self.http_timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (502, 503, 504):
                raise StoreUnavailable(f"{what}: the store is unavailable (HTTP {exc.code})") from exc
            raise MediakgError(f"{what}: HTTP {exc.code} {exc.reason}: {_read(exc)}") from exc
        except urllib.error.URLError as exc:
            raise StoreUnavailable(f"{what}: the store is unavailable: {exc.reason}") from exc
        except (*_NETWORK_ERRORS, OSError) as exc:
            raise StoreUnavailable(
                f"{what}: the store is unavailable: {exc.__class__.__name__}: {exc}"
            ) from exc

    def put_graph(
        self,
        graph: str,
        data: Any,
        *,
        size: int,
        content_type: str = "application/n-triples",
        bulk: bool = False,
    ) -> None:
        """Replace ``graph`` with ``data`` (bytes or a binary file object of ``size`` bytes) via GSP PUT;
        ``bulk``: add :attr:`bulk_params` (worth it for big graphs only: the bulk mode has a fixed cost)."""
        sep = "&" if "?" in self.store_endpoint else "?"
        params = {"graph": graph, **(self.bulk_params if bulk else {})}
        url = f"{self.store_endpoint}{sep}{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(
            url, data=data, method="PUT", headers={"Content-Type": content_type, "Content-Length": str(size)}
        )
        self._request(request, f"uploading graph <{graph}> to {self.store_endpoint}")

    def update(self, sparql_update: str, *, what: str = "SPARQL update") -> None:
        """Send one SPARQL Update request (form-encoded POST)."""
        body = urllib.parse.urlencode({"update": sparql_update}).encode("utf-8")
        request = urllib.request.Request(
            self.update_endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self._request(request, f"{what} at {self.update_endpoint}")
