"""Safety checks of a SPARQL query text, in two layers, before anything evaluates it.

1. :func:`check_text` (cheap, in the web process, no parser): length, nesting depth and number of syntax
   nodes, counted on a linear tokenizer that skips strings, IRIs and comments. This comes first because
   parsers recurse: pyoxigraph overflows its stack (killing the process) on ~2,500 nested braces or
   ~3,000 chained BINDs/MINUSes, and rdflib's parser recurses on every level. It also refuses updates
   and tells the query form (SELECT, ASK, CONSTRUCT, DESCRIBE) for content negotiation. It is a filter
   for size and an early, precise message, not the gate: a lexer can be fooled.
2. :func:`gate` (in a sandboxed query worker, under its time limit): the gate. The text is first put in
   the form the engine will receive (:func:`decode_escapes`: SPARQL's ``\\uXXXX`` / ``\\UXXXXXXXX`` codepoint
   escapes, which the SPARQL grammar applies before parsing and parsers apply differently, are decoded
   once, and a text in which decoding makes a new escape is refused); that text is parsed by rdflib
   (``parseQuery`` + ``translateQuery``) and the algebra walked for ``ServiceGraphPattern`` at any depth.
   The engine then runs exactly the text that was parsed. Nothing is evaluated to check a query.

SERVICE is refused because pyoxigraph would fetch it (in Rust, out of reach of Python hooks) and rdflib
fetches SERVICE and FROM. A graph named by FROM, FROM NAMED or the protocol's dataset parameters that the
store does not hold is simply empty (SPARQL 1.1 §13.2): pyoxigraph and the remote stores read datasets from
their own graphs and never fetch them. Behind both layers, the kernel refuses the workers any socket
(:mod:`.sandbox`).
"""

from __future__ import annotations

import functools
import sys
import threading
from dataclasses import dataclass

from mediakg.errors import QueryRejected, QuerySyntaxError, UpdateRefused
from mediakg.graph.sparql_text import CLOSING, OPENING, decode_escapes, tokens, where

#: Media-type families of the query forms: what their answers can be serialised as.
GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})


@dataclass(frozen=True)
class Limits:
    """Size limits of a query text (see Settings for the defaults and why)."""

    max_length: int = 100_000
    max_depth: int = 64
    max_nodes: int = 1000


@dataclass(frozen=True)
class TextInfo:
    """What the lexical check learnt about a query: its form, for content negotiation."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE

    @property
    def kind(self) -> str:
        """'graph' for CONSTRUCT/DESCRIBE, 'solutions' for SELECT/ASK (their result formats)."""
        return "graph" if self.form in GRAPH_FORMS else "solutions"


@dataclass(frozen=True)
class Checked(TextInfo):
    """A query that passed the gate: the text the engine must run (escapes decoded), its form, its
    dataset clause as ("FROM" | "FROM NAMED", iri) pairs in order, and the variables a SELECT projects."""

    text: str = ""
    dataset: tuple[tuple[str, str], ...] = ()
    projected: tuple[str, ...] = ()


# --------------------------------------------------------------------------- layer 1: a lexical filter

#: Tokens that each add a node to the algebra (and a level of recursion somewhere in a parser or planner).
_NODE_OPS = {"/", "|", "^", "+", "-", "*", "&&", "||", "=", "!=", "<", ">", "<=", ">=", "!"}
_NODE_WORDS = {"UNION", "MINUS", "OPTIONAL", "FILTER", "BIND", "VALUES", "GRAPH", "EXISTS"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
SERVICE_REFUSED = "SERVICE (federated query) is not allowed on this endpoint"


def check_text(text: str, limits: Limits = Limits()) -> TextInfo:
    """Check a query text without parsing it; returns its form.

    Raises UpdateRefused for an update, QueryRejected for a text that is too long or too deeply nested or
    uses SERVICE where the lexer sees it; QuerySyntaxError when no query form keyword is found. Reads the
    text with its codepoint escapes decoded, as the parser will. Texts that pass are remembered (with the
    limits they passed under): named questions and entity pages send the same text again and again, and
    the Python tokenizer costs ~0.1-0.5 ms of the web process per request.
    """
    if len(text) > limits.max_length:  # before hashing the text for the cache
        raise QueryRejected(f"query is {len(text):,} characters long; the limit is {limits.max_length:,}")
    return _check_text_cached(text, limits)


@functools.lru_cache(maxsize=1024)
def _check_text_cached(text: str, limits: Limits) -> TextInfo:
    return _check_text(decode_escapes(text), limits)


def _check_text(text: str, limits: Limits) -> TextInfo:
    """:func:`check_text` without the cache, on a decoded text."""
    depth = nodes = 0
    form = None
    for kind, value, offset, _ in tokens(text):
        if kind in OPENING:
            depth += 1
            if depth > limits.max_depth:
                raise QueryRejected(
                    f"query nests brackets more than {limits.max_depth} levels deep "
                    f"(at {where(text, offset)})"
                )
        elif kind in CLOSING:
            depth -= 1
        upper = value.upper() if kind == "word" else ""
        if kind in OPENING or (kind == "op" and value in _NODE_OPS) or upper in _NODE_WORDS:
            nodes += 1
            if nodes > limits.max_nodes:
                raise QueryRejected(
                    f"query has more than {limits.max_nodes} operators, brackets and pattern keywords "
                    f"(at {where(text, offset)}); simplify it"
                )
        if upper in UPDATE_WORDS:
            raise UpdateRefused(f"SPARQL update ({upper}) is not allowed: this endpoint is read-only")
        if upper == "SERVICE":
            raise QueryRejected(f"{SERVICE_REFUSED} (at {where(text, offset)})")
        if upper in _FORMS and form is None:
            form = upper
    if form is None:
        raise QuerySyntaxError("no query form found: a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE")
    return TextInfo(form)


# --------------------------------------------------------------------------- layer 2: the gate

# rdflib's parser recurses ~25 Python frames per nesting level; give it room (depth is bounded above).
_PARSE_STACK = 256 * 1024 * 1024
_PARSE_RECURSION = 100_000
_FORM_OF = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def gate(text: str) -> Checked:
    """Decode, parse and check ``text``; the returned ``Checked.text`` is what the engine must run.

    Runs rdflib's parser in a thread with a large stack. Raises QuerySyntaxError (with rdflib's message
    and position; an update does not parse as a query), or QueryRejected for SERVICE anywhere in the
    algebra, or for a text the parser cannot verify.
    """
    decoded = decode_escapes(text)
    outcome: list[Checked | BaseException | None] = [None]

    def run() -> None:
        try:
            outcome[0] = _parse(decoded)
        except BaseException as exc:  # handed to the calling thread
            outcome[0] = exc

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _PARSE_RECURSION))
    old_stack = threading.stack_size(_PARSE_STACK)
    try:
        thread = threading.Thread(target=run, name="query-gate")
        thread.start()
    finally:
        threading.stack_size(old_stack)
    thread.join()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    assert result is not None
    return result


def _parse(text: str) -> Checked:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(text)).algebra
    except ParseException as exc:
        pointer = " " * (max(exc.col, 1) - 1) + "^"
        raise QuerySyntaxError(
            f"syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}\n{exc.line}\n{pointer}"
        ) from exc
    except RecursionError as exc:
        raise QueryRejected("query is too complex to verify") from exc
    except Exception as exc:  # rdflib raises plain Exceptions for semantic errors (e.g. unknown prefix)
        raise QueryRejected(f"query could not be verified: {exc}") from exc
    _refuse_service(algebra)
    dataset = tuple(
        # CompValue.get() answers the key's name for a missing key: test membership instead.
        ("FROM", str(c["default"])) if "default" in c else ("FROM NAMED", str(c["named"]))
        for c in algebra.get("datasetClause") or ()
    )
    projected = tuple(str(v) for v in algebra.get("PV") or ()) if algebra.name == "SelectQuery" else ()
    return Checked(form=_FORM_OF[algebra.name], text=text, dataset=dataset, projected=projected)


def _refuse_service(algebra: object) -> None:
    stack: list[object] = [algebra]
    seen: set[int] = set()
    while stack:  # iterative: the algebra can be deep
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise QueryRejected(SERVICE_REFUSED)
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set):
            stack.extend(node)
