"""Find the project's RDF inputs and parse them one file at a time, turning parser failures into
``file:line: message`` problems instead of tracebacks."""

from __future__ import annotations

import contextlib
import json
import logging
import xml.sax
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from mediakg.errors import UsageError
from mediakg.graph import untrusted
from mediakg.graph.namespaces import ONTOLOGY_IRI, reference_graph_iri, source_iri
from mediakg.paths import ProjectPaths
from mediakg.progress import PARSE, Problem

#: rdflib parser name per file extension (``mediakg validate`` accepts all of them).
FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".trig": "trig",
    ".nq": "nquads",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".rdf": "xml",
}
#: Formats whose files name their own graphs.
QUAD_FORMATS = {"trig", "nquads"}


@dataclass(frozen=True)
class InputFile:
    """An RDF file to load; ``graph`` is the named graph for triple formats (None: the file names its
    graphs). ``data`` is the content of a file handed over in memory (a web upload): ``path`` then only
    names it (its extension gives the format, its stem the graph) and is never opened."""

    path: Path
    graph: str | None
    display: str
    data: bytes | None = field(default=None, repr=False)

    @property
    def format(self) -> str:
        return rdf_format(self.path)

    def read_bytes(self) -> bytes:
        """The file's content."""
        return self.path.read_bytes() if self.data is None else self.data


@dataclass
class ParsedFile:
    """What one file contributed: its triples per graph and the subjects it describes."""

    input: InputFile
    quads: list[tuple[Node, Node, Node, URIRef]] = field(default_factory=list)
    subjects: set[Node] = field(default_factory=set)


def rdf_format(path: Path) -> str:
    """rdflib format name for ``path`` from its extension; UsageError for unknown extensions."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = " ".join(sorted(FORMATS))
        raise UsageError(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})") from None


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to the project root when inside it (shorter messages), else as given."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def project_inputs(paths: ProjectPaths) -> list[InputFile]:
    """The ontology and data files of the project with the named graph each goes into (see MODEL.md)."""
    root = paths.root
    inputs = [InputFile(p, ONTOLOGY_IRI, display_path(p, root)) for p in sorted(paths.ontology.glob("*.ttl"))]
    inputs += [
        InputFile(p, source_iri(p.stem), display_path(p, root)) for p in sorted(paths.data.glob("*.ttl"))
    ]
    inputs += [
        InputFile(p, reference_graph_iri(p.stem), display_path(p, root))
        for p in sorted((paths.data / "reference").glob("*.ttl"))
    ]
    return inputs


def extra_input(path: Path, root: Path) -> InputFile:
    """An input named on the command line: triple formats go into graph ``id:source/<stem>``, as they would
    if the file were copied into data/."""
    fmt = rdf_format(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    graph = None if fmt in QUAD_FORMATS else source_iri(path.stem)
    return InputFile(path, graph, display_path(path, root))


@contextlib.contextmanager
def quiet_rdflib() -> Iterator[None]:
    """Silence rdflib's logged tracebacks for ill-typed literals (the validators report them)."""
    logger = logging.getLogger("rdflib")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _first_bad_line(inp: InputFile) -> int | None:
    """1-based number of the first line that does not parse on its own (N-Triples / N-Quads are line
    based, but rdflib's errors do not say which line failed)."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        for number, line in enumerate(inp.read_bytes().decode("utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                Dataset().parse(data=line + "\n", format=inp.format)
            except Exception:  # noqa: BLE001 - any failure locates the line
                return number
    return None


def _problem_from(exc: Exception, inp: InputFile) -> Problem:
    """Turn a parser exception into a located problem (line numbers are 1-based)."""
    line: int | None = None
    message = str(exc)
    if isinstance(exc, BadSyntax):
        line = exc.lines + 1
        message = exc._why or message  # the rest of str(exc) is a dump of the input bytes
    elif isinstance(exc, xml.sax.SAXParseException):
        line = exc.getLineNumber()
        message = exc.getMessage()
    elif isinstance(exc, json.JSONDecodeError | ValueError) and getattr(exc, "lineno", None):
        line = exc.lineno  # type: ignore[attr-defined]
    elif isinstance(exc, ParserError):
        line = _first_bad_line(inp) if inp.format in ("nt", "nquads") else None
        message = message.splitlines()[0]
    message = " ".join(message.split())
    return Problem(PARSE, f"syntax error: {message}", file=inp.display, line=line)


def _line_of_byte(inp: InputFile, offset: int) -> int | None:
    """1-based line of byte ``offset`` (the parsers decode the whole input, so the offset counts from its
    start)."""
    with contextlib.suppress(OSError):
        return inp.read_bytes()[:offset].count(b"\n") + 1
    return None


def parse_file(inp: InputFile) -> ParsedFile | Problem:
    """Parse one input; returns its triples or the parse problem."""
    parsed = ParsedFile(inp)
    try:
        with quiet_rdflib():
            if inp.graph is None:
                ds = Dataset()
                ds.parse(format=inp.format, **untrusted.rdflib_parse_args(inp.path, inp.data))
                for s, p, o, g in ds.quads((None, None, None, None)):
                    gid = g.identifier if isinstance(g, Graph) else g
                    if gid is None or gid == DATASET_DEFAULT_GRAPH_ID:
                        gid = source_iri(inp.path.stem)  # default-graph triples: as if a .ttl file
                    parsed.quads.append((s, p, o, URIRef(str(gid))))
            else:
                graph = Graph()
                # JSON-LD / RDF/XML checked first: they could make rdflib fetch or expand entities
                graph.parse(format=inp.format, **untrusted.rdflib_parse_args(inp.path, inp.data))
                gid = URIRef(inp.graph)
                parsed.quads = [(s, p, o, gid) for s, p, o in graph]
    except untrusted.RefusedInput as exc:
        return Problem(PARSE, str(exc), file=inp.display)
    except UnicodeDecodeError as exc:  # a ValueError: caught before those
        return Problem(
            PARSE,
            f"not UTF-8 text: {exc.reason} at byte {exc.start}",
            file=inp.display,
            line=_line_of_byte(inp, exc.start),
        )
    except (BadSyntax, ParserError, SyntaxError, ValueError, xml.sax.SAXException) as exc:
        return _problem_from(exc, inp)
    except RecursionError:
        return Problem(PARSE, "syntax error: nested too deeply for the parser", file=inp.display)
    except (TypeError, AttributeError, KeyError, IndexError, NameError) as exc:
        # how rdflib's JSON-LD parser fails on a wrong JSON type (a number where a context or IRI belongs)
        message = f"syntax error: not valid {inp.format} ({type(exc).__name__}: {exc})"
        return Problem(PARSE, message, file=inp.display)
    except OSError as exc:
        return Problem(PARSE, f"cannot read: {exc.strerror or exc}", file=inp.display)
    parsed.subjects = {q[0] for q in parsed.quads}
    return parsed
