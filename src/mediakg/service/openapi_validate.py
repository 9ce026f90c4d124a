"""The OpenAPI description of ``POST /validate`` (:mod:`.validate_page`): request bodies, parameters, every
status and media type it answers with, and the schema of the report.

The route reads its body itself (a raw RDF file or a form, size-limited while it arrives), so FastAPI
cannot derive any of it from a signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mediakg import formats

JSON, HTML, PLAIN, FORM = "application/json", formats.HTML, "text/plain", "multipart/form-data"

_TEXT = {"type": "string"}
_MAYBE_TEXT = {"type": ["string", "null"]}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "in_file", "file", "line", "focus", "path", "constraint", "message", "text"],
    "properties": {
        "kind": {"enum": ["parse", "violation", "warning"], "description": "parse: the file does not read"},
        "in_file": {"type": "boolean", "description": "located in the posted file (else in the served data)"},
        "file": {"type": "string", "description": "the posted file, or 'served graph <graph>'"},
        "line": {"type": ["integer", "null"], "description": "line of a parse problem (1-based)"},
        "focus": {**_MAYBE_TEXT, "description": "the node the problem is about (prefixed name)"},
        "path": {**_MAYBE_TEXT, "description": "the property path checked"},
        "constraint": {**_MAYBE_TEXT, "description": "the SHACL constraint component (or mkg: check)"},
        "constraint_words": {"type": "string", "description": "what that constraint checks, in words"},
        "message": {"type": "string", "description": "what is wrong, in words"},
        "text": {"type": "string", "description": "the problem as one line, as `mediakg validate` prints it"},
    },
}

REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["conforms", "parsed", "file", "violations", "warnings", "problems", "quotes", "seconds"],
    "properties": {
        "conforms": {"type": "boolean", "description": "parsed, and no violation"},
        "parsed": {"type": "boolean", "description": "false: the file does not parse (nothing validated)"},
        "file": {
            "type": "object",
            "required": ["name", "format", "triples", "graphs", "replaces"],
            "properties": {
                "name": _TEXT,
                "format": _TEXT,
                "triples": {"type": "integer"},
                "graphs": {"type": "array", "items": _TEXT, "description": "named graphs it fills"},
                "replaces": {"type": "array", "items": _TEXT, "description": "served graphs it replaces"},
            },
        },
        "validated_triples": {"type": "integer", "description": "served + posted + entailed triples"},
        "engine": {**_MAYBE_TEXT, "description": "the SHACL engine (pyshacl, or oxigraph above 50k)"},
        "violations": {"type": "integer"},
        "warnings": {"type": "integer"},
        "problems": {"type": "array", "items": PROBLEM_SCHEMA, "description": "at most 1000"},
        "quotes": {
            "type": "object",
            "description": "evidence quotes checked per source id, and unchecked (no text on this server)",
            "properties": {"checked": _COUNTS, "unchecked": _COUNTS},
        },
        "seconds": {"type": "number"},
    },
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string", "description": "what is wrong, and where"}},
}

_RETRY = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}
}


def _error(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": ERROR_SCHEMA}, HTML: {}}, **extra}


def post(accepted: Iterable[formats.Format], name_pattern: str) -> dict[str, Any]:
    """``responses`` and ``openapi_extra`` of ``POST /validate``, for files posted in ``accepted``."""
    accepted = list(accepted)
    names = ", ".join(f.label for f in accepted)
    bodies: dict[str, Any] = {
        f.media_type: {"schema": {} if f.name == "jsonld" else {"type": "string"}} for f in accepted
    }
    bodies[FORM] = {
        "schema": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "the file, pasted (or give file)"},
                "file": {"type": "string", "format": "binary", "description": "the file, uploaded"},
                "format": {
                    "enum": ["auto", *(f.name for f in accepted)],
                    "description": "auto: by the upload's extension; Turtle for pasted text",
                },
                "name": {"type": "string", "pattern": name_pattern, "maxLength": 100},
            },
        },
        "encoding": {"file": {"contentType": "application/octet-stream"}},
    }
    name = {
        "name": "name",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "pattern": name_pattern, "maxLength": 100},
        "description": (
            "The file's name as in data/ (e.g. 004_5fc3c1fc3dcca73a.ttl): a triple file fills the graph "
            "id:source/<stem> and so replaces the served data of that source. Default: posted."
        ),
    }
    report = {JSON: {"schema": REPORT_SCHEMA}, HTML: {}}
    responses: dict[int | str, dict[str, Any]] = {
        200: {"description": "The report: conforms true, or the violations", "content": report},
        400: _error("A malformed request: a form without a file, a bad file name"),
        406: {"description": "Neither JSON nor HTML is acceptable", "content": {PLAIN: {"schema": _TEXT}}},
        413: _error("The file is larger than the service validates"),
        415: _error(f"The file is not {names} (nor the form)"),
        422: {
            "description": "The file does not parse (the report gives the line), holds no triples, or "
            "breaks the validator",
            "content": {JSON: {"schema": {"anyOf": [REPORT_SCHEMA, ERROR_SCHEMA]}}, HTML: {}},
        },
        429: _error("As many validations are running as the service runs at once", headers=_RETRY),
        503: _error(
            "The validation passed its time or memory limit, or the served data is not ready",
            headers=_RETRY,
        ),
    }
    return {
        "responses": responses,
        "openapi_extra": {
            "parameters": [name],
            "requestBody": {"required": True, "content": bodies},
        },
    }
