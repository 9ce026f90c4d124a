"""Read RDF that someone hands in (``mediakg validate FILE``, ``serve --data FILE``) without ever fetching
anything and with bounded work.

The parsers would otherwise reach out or blow up on a small file:

- rdflib's JSON-LD parser fetches every context named by IRI (``"@context": "http://…"``, in an array, via
  ``@import``) and reads ``file:`` contexts. Here the JSON is read first and refused if any ``@context`` or
  ``@import`` anywhere names a context instead of spelling it out; the parser then gets that checked object
  (never the bytes again), so what is checked is exactly what is parsed. pyoxigraph never loads remote
  contexts (it has no document loader), but gets the same check for a clearer message.
- RDF/XML: a document type declaration is where external entities, external DTDs and entity expansion
  (a 1 KB "billion laughs" grows to gigabytes: pyoxigraph's parser as much as rdflib's) come from. RDF needs
  none of them, so any ``<!DOCTYPE`` is refused, found by the same expat parser rdflib then uses
  (defusedxml), not by a text search that an encoding could hide from.
"""

from __future__ import annotations

import json
import xml.sax
from pathlib import Path
from typing import Any
from urllib.parse import quote

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.expatreader import DefusedExpatParser
from rdflib.parser import PythonInputSource

from mediakg.errors import MediakgError

#: Deepest JSON nesting accepted (rdflib's JSON-LD parser recurses per level; real documents use < 20).
MAX_JSON_DEPTH = 200
#: Extensions read as RDF/XML and as JSON-LD (by rdflib in mediakg.graph.parse, by pyoxigraph in
# mediakg.store.local).
RDFXML_SUFFIXES = (".rdf", ".owl", ".xml")
JSONLD_SUFFIXES = (".jsonld",)
#: Base IRI of a file handed over in memory (it has no location): a hierarchical IRI, so that relative
#: IRIs resolve as they would in a file, and one that names no place to fetch from.
MEMORY_BASE = "file:///posted/"


class RefusedInput(MediakgError):
    """A file that asks the parser to fetch something or to expand entities; the message says what."""

    exit_code = 2


def jsonld_document(data: bytes) -> Any:
    """The JSON of a JSON-LD file, after checking that every context in it is written out in full.

    Raises :class:`RefusedInput` for a context named by IRI (remote or ``file:``, plain, in an array or as
    ``@import``) or nesting deeper than :data:`MAX_JSON_DEPTH`; ``json.JSONDecodeError`` for bad JSON.
    """
    try:
        document = json.loads(data)
    except RecursionError:
        raise RefusedInput(f"refused: JSON nested too deeply (more than {MAX_JSON_DEPTH} levels)") from None
    # Iterative walk: a document nested deeper than the recursion limit must not crash the check.
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        node, pointer, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise RefusedInput(
                f"refused: JSON nested too deeply (more than {MAX_JSON_DEPTH} levels) at {pointer}"
            )
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{pointer}/{key}"
                if key == "@context":
                    _check_context(value, where)
                elif key == "@import" and value is not None:
                    _refuse_named_context(value, where, "imports")
                stack.append((value, where, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(node))
    return document


def _check_context(value: Any, where: str) -> None:
    """A ``@context`` value is a context object, null, or an array of them; a string names one by IRI."""
    for i, item in enumerate(value if isinstance(value, list) else [value]):
        if isinstance(item, str):
            _refuse_named_context(item, f"{where}/{i}" if isinstance(value, list) else where, "names")


def _refuse_named_context(value: Any, where: str, verb: str) -> None:
    raise RefusedInput(
        f"refused: the JSON-LD {verb} the context {value!r} (at {where}); contexts are not fetched or read"
        " from files, write the context out in the document instead"
    )


def check_rdfxml(data: bytes) -> None:
    """Refuse an RDF/XML document with a document type declaration (external entities or DTDs, entity
    expansion); ``xml.sax.SAXParseException`` for malformed XML."""
    parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        parser.close()
    except DTDForbidden as exc:
        raise RefusedInput(
            f"refused: the RDF/XML has a document type declaration (<!DOCTYPE {exc.name}>); DTDs and entities"
            " are not read (they can fetch files and URLs or expand without bound)"
        ) from None
    except (EntitiesForbidden, ExternalReferenceForbidden) as exc:  # only reachable after a DOCTYPE
        raise RefusedInput(f"refused: the RDF/XML declares or references an entity ({exc})") from None


def check_file(path: Path) -> None:
    """Check an RDF file by its extension before a parser sees it (see the module doc); other formats
    cannot fetch or expand and pass unread. Raises :class:`MediakgError` naming ``path``: refused, or
    RDF/XML that expat cannot read (then it cannot have been checked). Malformed JSON is left to the
    parser to report."""
    suffix = path.suffix.lower()
    if suffix not in RDFXML_SUFFIXES + JSONLD_SUFFIXES:
        return
    data = path.read_bytes()
    try:
        if suffix in JSONLD_SUFFIXES:
            jsonld_document(data)
        else:
            check_rdfxml(data)
    except RefusedInput as exc:
        raise RefusedInput(f"{path}: {exc}") from None
    except xml.sax.SAXParseException as exc:
        raise MediakgError(f"{path}:{exc.getLineNumber()}: not well-formed XML: {exc.getMessage()}") from None
    except (ValueError, UnicodeDecodeError):
        return


def base_iri(path: Path, in_memory: bool = False) -> str:
    """What relative IRIs of the file ``path`` resolve against: its URI, or for a file handed over in
    memory (``path`` only names it) its name under :data:`MEMORY_BASE`."""
    return MEMORY_BASE + quote(path.name) if in_memory else path.resolve().as_uri()


def rdflib_parse_args(path: Path, data: bytes | None = None) -> dict[str, Any]:
    """Keyword arguments for rdflib's ``Graph.parse`` of ``path`` (format given separately): JSON-LD as
    its checked JSON object and RDF/XML as its checked bytes, each read once, so that the parser sees exactly
    what was checked; other formats as the path. Relative IRIs resolve against the file's URI as before.
    ``data``: the file's content when it was handed over in memory (``path`` only names it; relative IRIs
    resolve against :data:`MEMORY_BASE` + its name). Raises :class:`RefusedInput` (without the path: the
    caller names the file)."""
    suffix = path.suffix.lower()
    base = base_iri(path, in_memory=data is not None)
    if data is None:
        if suffix not in RDFXML_SUFFIXES + JSONLD_SUFFIXES:
            return {"source": path}
        data = path.read_bytes()
    if suffix in JSONLD_SUFFIXES:
        return {"source": PythonInputSource(jsonld_document(data), system_id=base)}
    if suffix in RDFXML_SUFFIXES:
        check_rdfxml(data)
    return {"data": data, "publicID": base}
