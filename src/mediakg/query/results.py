"""Serialise query results into bytes, cutting them at a row or byte cap (run inside a worker).

Solutions are written as SPARQL JSON by this module and converted by pyoxigraph when another format is
asked for, so every format is produced by a real serialiser and the cut always falls between rows (a cut
JSON result is still valid JSON). Graph results are serialised by pyoxigraph directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from mediakg.errors import QueryRejected
from mediakg.formats import GRAPH_TYPES, SOLUTION_TYPES
from mediakg.graph.namespaces import PREFIXES

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
#: Formats where prefixes shorten the output.
_PREFIXED = {ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML}


@dataclass(frozen=True)
class Serialised:
    """A serialised result and what was cut from it."""

    body: bytes
    kind: str  # 'solutions' | 'boolean' | 'graph'
    rows: int | None
    truncated: str | None  # None, or "rows=N" / "bytes=N": the cap that applied


def serialise(result: Any, media_type: str, max_rows: int, max_bytes: int) -> Serialised:
    """Serialise a pyoxigraph query result (QueryBoolean, QuerySolutions or QueryTriples) as ``media_type``,
    keeping at most ``max_rows`` rows/triples and ``max_bytes`` bytes. Raises QueryRejected when the media
    type does not fit the result."""
    if isinstance(result, ox.QueryBoolean):
        return Serialised(result.serialize(format=_results_format(media_type, "ASK")), "boolean", None, None)
    if isinstance(result, ox.QueryTriples):
        return _serialise_graph(result, media_type, max_rows, max_bytes)
    return _serialise_solutions(result, media_type, max_rows, max_bytes)


def _results_format(media_type: str, form: str) -> ox.QueryResultsFormat:
    if media_type not in SOLUTION_TYPES:
        raise QueryRejected(f"{form} results cannot be given as {media_type}; use one of {SOLUTION_TYPES}")
    return ox.QueryResultsFormat.from_media_type(media_type)


def _rdf_format(media_type: str) -> ox.RdfFormat:
    if media_type not in GRAPH_TYPES:
        raise QueryRejected(f"graph results cannot be given as {media_type}; use one of {GRAPH_TYPES}")
    return ox.RdfFormat.from_media_type(media_type)


def _take(items: Iterable[Any], limit: int) -> tuple[list[Any], bool]:
    """The first ``limit`` items and whether there were more."""
    taken: list[Any] = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


def _fit(encode: Any, rows: list[Any], max_bytes: int) -> tuple[bytes, int]:
    """Encode as many leading ``rows`` as fit in ``max_bytes``; returns (body, rows kept)."""
    keep = len(rows)
    body = encode(rows)
    while len(body) > max_bytes and keep > 0:
        # shrink in proportion to the excess (a little more, so it converges in a few rounds)
        keep = min(keep - 1, int(keep * max_bytes / len(body) * 0.95))
        body = encode(rows[:keep])
    return body, keep


def _serialise_graph(triples: ox.QueryTriples, media_type: str, max_rows: int, max_bytes: int) -> Serialised:
    rdf_format = _rdf_format(media_type)
    rows, more = _take(triples, max_rows)
    prefixes = PREFIXES if rdf_format in _PREFIXED else None

    def encode(part: list[ox.Triple]) -> bytes:
        return ox.serialize(part, format=rdf_format, prefixes=prefixes)

    body, kept = _fit(encode, rows, max_bytes)
    return Serialised(body, "graph", kept, _cut(more, kept, len(rows), max_rows, max_bytes))


def _serialise_solutions(
    solutions: ox.QuerySolutions, media_type: str, max_rows: int, max_bytes: int
) -> Serialised:
    results_format = _results_format(media_type, "SELECT")
    variables = [v.value for v in solutions.variables]
    rows, more = _take(_json_rows(solutions, variables), max_rows)

    def encode(part: list[str]) -> bytes:
        text = '{"head":{"vars":' + json.dumps(variables) + '},"results":{"bindings":[' + ",".join(part)
        data = (text + "]}}").encode("utf-8")
        if results_format == ox.QueryResultsFormat.JSON:
            return data
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON).serialize(
            format=results_format
        )

    body, kept = _fit(encode, rows, max_bytes)
    return Serialised(body, "solutions", kept, _cut(more, kept, len(rows), max_rows, max_bytes))


def _cut(more: bool, kept: int, taken: int, max_rows: int, max_bytes: int) -> str | None:
    if kept < taken:
        return f"bytes={max_bytes}"
    return f"rows={max_rows}" if more else None


def _json_rows(solutions: ox.QuerySolutions, variables: list[str]) -> Iterator[str]:
    for solution in solutions:
        row = {}
        for name in variables:
            term = solution[name]
            if term is not None:
                row[name] = _json_term(term)
        yield json.dumps(row, ensure_ascii=False)


def _json_term(term: Any) -> dict[str, Any]:
    """A term in the SPARQL 1.1 (and 1.2, for triple terms) JSON results format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                out["its:dir"] = str(direction.value if hasattr(direction, "value") else direction).lower()
        elif term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING, _RDF_DIR_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")
