"""Find the project's RDF inputs and parse them one file at a time, turning parser failures into
``file:line: message`` problems instead of tracebacks.

Turtle, TriG, N-Triples and N-Quads are read by pyoxigraph (a million triples in seconds); a file it
refuses is read again by rdflib, whose message (with its line) is the one reported, so messages stay those of
the reference parser. JSON-LD and RDF/XML, which must be checked before any parser sees them
(:mod:`.untrusted`), are read by rdflib. Formats come from :mod:`mediakg.formats`."""

from __future__ import annotations

import contextlib
import json
import logging
import xml.sax
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax

from mediakg import formats
from mediakg.errors import MediakgError, UsageError
from mediakg.graph import untrusted
from mediakg.graph.namespaces import ONTOLOGY_IRI, reference_graph_iri, source_iri
from mediakg.graph.terms import oxigraph_to_rdflib, rdflib_to_oxigraph
from mediakg.paths import ProjectPaths
from mediakg.progress import PARSE, Problem

#: Formats whose files name their own graphs, by rdflib name (JSON-LD can, but is read as one graph, like
#: Turtle).
QUAD_FORMATS = frozenset(
    f.rdflib for f in formats.RDF if f.rdf in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS) and f.rdflib
)
#: Formats read by rdflib only: they are checked first (:mod:`.untrusted`) and rdflib parses what was checked.
_RDFLIB_ONLY = (ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML)

Term = ox.NamedNode | ox.BlankNode | ox.Literal


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

    @property
    def base_iri(self) -> str:
        """What relative IRIs resolve against (:func:`.untrusted.base_iri`, as rdflib is told)."""
        return untrusted.base_iri(self.path, in_memory=self.data is not None)


@dataclass
class ParsedFile:
    """What one file contributed: its quads (pyoxigraph terms, each in its named graph) and the subjects it
    describes."""

    input: InputFile
    quads: list[ox.Quad] = field(default_factory=list)
    subjects: set[Term] = field(default_factory=set)
    graphs: tuple[str, ...] = ()  # the named graphs the file fills

    def rdflib_triples(self) -> list[tuple]:
        """The quads' triples as rdflib terms (for rdflib graphs: shapes, pyshacl)."""
        with quiet_rdflib():
            return [
                (oxigraph_to_rdflib(q.subject), oxigraph_to_rdflib(q.predicate), oxigraph_to_rdflib(q.object))
                for q in self.quads
            ]


def file_format(path: Path) -> formats.Format:
    """The RDF format of ``path`` by its extension; UsageError naming the known extensions otherwise."""
    with contextlib.suppress(formats.UnknownFormat):
        fmt = formats.by_extension(path)
        if fmt.served:  # N3 is not RDF data (formulas, variables): never an input
            return fmt
    known = " ".join(sorted({ext for f in formats.RDF if f.served for ext in f.extensions}))
    raise UsageError(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})")


def rdf_format(path: Path) -> str:
    """rdflib's format name for ``path`` from its extension; UsageError for unknown extensions."""
    name = file_format(path).rdflib
    assert name is not None  # every RDF format of the registry names its rdflib parser
    return name


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
    fmt = file_format(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    graph = None if fmt.rdflib in QUAD_FORMATS else source_iri(path.stem)
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
    """Parse one input; returns its quads or the parse problem."""
    fmt = file_format(inp.path)
    try:
        if fmt.rdf in _RDFLIB_ONLY:
            quads = _rdflib_quads(inp)
        else:
            try:
                quads = _oxigraph_quads(inp, fmt.rdf)
            except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
                # rdflib's message for the same file; pyoxigraph's when rdflib reads what it refused
                # (rdflib is lenient where the RDF specifications are not, e.g. IRIs with spaces)
                problem = _rdflib_problem(inp)
                return problem or Problem(
                    PARSE,
                    f"syntax error: {_oxigraph_message(exc)}",
                    inp.display,
                    getattr(exc, "lineno", None),
                )
    except OSError as exc:
        return Problem(PARSE, f"cannot read: {exc.strerror or exc}", file=inp.display)
    if isinstance(quads, Problem):
        return quads
    if inp.graph is not None:
        graphs: tuple[str, ...] = (inp.graph,) if quads else ()
    else:
        graphs = tuple(dict.fromkeys(q.graph_name.value for q in quads))
    return ParsedFile(inp, quads, {q.subject for q in quads}, graphs)


def _graph_of(inp: InputFile, graph: object) -> ox.NamedNode:
    """The named graph a parsed statement goes to: the input's graph for triple formats; the statement's own
    graph in quad formats, default-graph statements going to the source graph (as if a .ttl file)."""
    if inp.graph is not None:
        return ox.NamedNode(inp.graph)
    if isinstance(graph, ox.NamedNode):
        return graph
    if isinstance(graph, ox.BlankNode):
        raise ValueError("a blank node names a graph; graphs need IRIs")
    return ox.NamedNode(source_iri(inp.path.stem))


def _oxigraph_quads(inp: InputFile, rdf: ox.RdfFormat) -> list[ox.Quad]:
    """The file's statements by pyoxigraph, each in its graph (blank nodes made unique to this file, and
    relative IRIs resolved against the file's URI, as rdflib does)."""
    source = {"path": str(inp.path)} if inp.data is None else {"input": inp.data}
    statements = ox.parse(**source, format=rdf, base_iri=inp.base_iri, rename_blank_nodes=True)
    if inp.graph is not None:
        graph = ox.NamedNode(inp.graph)
        return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in statements]
    return [
        q
        if isinstance(q.graph_name, ox.NamedNode)
        else ox.Quad(q.subject, q.predicate, q.object, _graph_of(inp, q.graph_name))
        for q in statements
    ]


def _oxigraph_message(exc: Exception) -> str:
    message = getattr(exc, "msg", None) or str(exc)
    return " ".join(message.split())


def _rdflib_problem(inp: InputFile) -> Problem | None:
    """The problem rdflib reports for a file, None when rdflib reads it."""
    result = _rdflib_quads(inp)
    return result if isinstance(result, Problem) else None


def _rdflib_quads(inp: InputFile) -> list[ox.Quad] | Problem:
    """The file's quads read by rdflib (as pyoxigraph terms), or the parse problem."""
    bnodes: dict = {}
    try:
        with quiet_rdflib():
            if inp.graph is None:
                ds = Dataset()
                ds.parse(format=inp.format, **untrusted.rdflib_parse_args(inp.path, inp.data))
                found = []
                for s, p, o, g in ds.quads((None, None, None, None)):
                    gid = g.identifier if isinstance(g, Graph) else g
                    if gid is None or gid == DATASET_DEFAULT_GRAPH_ID:
                        gid = source_iri(inp.path.stem)  # default-graph triples: as if a .ttl file
                    found.append((s, p, o, URIRef(str(gid))))
            else:
                graph = Graph()
                # JSON-LD / RDF/XML checked first: they could make rdflib fetch or expand entities
                graph.parse(format=inp.format, **untrusted.rdflib_parse_args(inp.path, inp.data))
                gid = URIRef(inp.graph)
                found = [(s, p, o, gid) for s, p, o in graph]
        return [ox.Quad(*(rdflib_to_oxigraph(t, bnodes) for t in quad)) for quad in found]
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


def read_quads(path: Path) -> list[ox.Quad]:
    """Every statement of an RDF file handed in from outside (``serve --data FILE``, ``mediakg export`` of
    a build), each in its named graph (triples of a graph format in the default graph); checked first
    (:mod:`.untrusted`). Raises MediakgError naming the file and the parser's line when it does not parse."""
    if not path.is_file():
        raise MediakgError(f"{path}: no such file")
    fmt = file_format(path)
    untrusted.check_file(path)
    try:
        return list(ox.parse(path=str(path), format=fmt.rdf, base_iri=path.resolve().as_uri()))
    except (SyntaxError, ValueError, OSError) as exc:
        raise MediakgError(f"cannot load {path}: {exc}") from exc
