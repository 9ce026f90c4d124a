"""Safety checks of a SPARQL query text, in two layers, before anything evaluates it.

1. :func:`check_text` (cheap, in the web process, no parser): length, nesting depth and number of syntax
   nodes, counted on a linear tokenizer that skips strings, IRIs and comments. This comes first because
   parsers recurse: pyoxigraph overflows its stack (killing the process) on ~2,500 nested braces or
   ~3,000 chained BINDs/MINUSes, and rdflib's parser recurses on every level. It also refuses updates,
   the keyword SERVICE anywhere, and FROM / FROM NAMED of an IRI that is not a graph of the store, and
   tells the query form (SELECT, ASK, CONSTRUCT, DESCRIBE) for content negotiation.
2. :func:`check_parsed` (in the worker, under its time limit): a real parse with rdflib
   (``parseQuery`` + ``translateQuery``); the algebra is walked for ``ServiceGraphPattern`` nodes at any
   depth and the dataset clause for graphs the store does not hold. Neither rdflib nor pyoxigraph may
   dereference an IRI: SERVICE would make pyoxigraph fetch (in Rust, out of reach of Python hooks) and
   rdflib fetches SERVICE and FROM, including ``file://`` URLs.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from .errors import QueryRejected, QuerySyntaxError, UpdateRefused


@dataclass(frozen=True)
class Limits:
    """Size limits of a query text (see Settings for the defaults and why)."""

    max_length: int = 100_000
    max_depth: int = 64
    max_nodes: int = 1000


@dataclass(frozen=True)
class TextInfo:
    """What the lexical check learnt about a query."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    dataset: tuple[tuple[str, str], ...]  # ("FROM" | "FROM NAMED", iri) in order

    @property
    def kind(self) -> str:
        """'graph' for CONSTRUCT/DESCRIBE, 'solutions' for SELECT/ASK (their result formats)."""
        return "graph" if self.form in ("CONSTRUCT", "DESCRIBE") else "solutions"


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>"{3}(?:[^"\\]|\\[\s\S]|"(?!""))*(?:"{3}|\Z)
              | '{3}(?:[^'\\]|\\[\s\S]|'(?!''))*(?:'{3}|\Z)
              | "(?:[^"\\\n\r]|\\.)*"?
              | '(?:[^'\\\n\r]|\\.)*'?)
  | (?P<var>[?$]\w*)
  | (?P<bnode>_:[\w.\-]*)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:[\w.\-:%]|\\.)*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<op>\^\^|&&|\|\||!=|<=|>=|[-{}()\[\]/|^+*=<>!])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_OPEN, _CLOSE = set("{(["), set("})]")
#: Tokens that each add a node to the algebra (and a level of recursion somewhere in a parser or planner).
_NODE_OPS = {"{", "(", "[", "/", "|", "^", "+", "-", "*", "&&", "||", "=", "!=", "<", ">", "<=", ">=", "!"}
_NODE_WORDS = {"UNION", "MINUS", "OPTIONAL", "FILTER", "BIND", "VALUES", "GRAPH", "EXISTS"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of each significant token (white space and comments dropped)."""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield kind, m.group(), m.start()


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def check_text(text: str, named_graphs: Collection[str], limits: Limits = Limits()) -> TextInfo:
    """Check a query text without parsing it; returns its form and dataset clause.

    Raises UpdateRefused for an update, QueryRejected for a text that is too long or too deeply nested,
    uses SERVICE, or names in FROM / FROM NAMED an IRI that is not in ``named_graphs``; QuerySyntaxError
    when no query form keyword is found. Texts that pass are remembered (with the graphs and limits they
    passed under): named questions and entity pages send the same text again and again, and the Python
    tokenizer costs ~0.1-0.5 ms of the web process per request.
    """
    if len(text) > limits.max_length:  # before hashing the text for the cache
        raise QueryRejected(f"query is {len(text):,} characters long; the limit is {limits.max_length:,}")
    graphs = named_graphs if isinstance(named_graphs, tuple) else tuple(sorted(named_graphs))
    return _check_text_cached(text, graphs, limits)


@functools.lru_cache(maxsize=1024)
def _check_text_cached(text: str, named_graphs: tuple[str, ...], limits: Limits) -> TextInfo:
    return _check_text(text, named_graphs, limits)


def _check_text(text: str, named_graphs: Collection[str], limits: Limits) -> TextInfo:
    """:func:`check_text` without the cache."""
    if len(text) > limits.max_length:
        raise QueryRejected(f"query is {len(text):,} characters long; the limit is {limits.max_length:,}")
    depth = max_depth = nodes = 0
    form = None
    prefixes: dict[str, str] = {}
    base = ""
    dataset: list[tuple[str, str]] = []
    tokens = list(_tokens(text))
    for i, (kind, value, offset) in enumerate(tokens):
        upper = value.upper() if kind == "word" else value
        if value in _OPEN and kind == "op":
            depth += 1
            if depth > max_depth:
                max_depth = depth
                if depth > limits.max_depth:
                    raise QueryRejected(
                        f"query nests brackets more than {limits.max_depth} levels deep "
                        f"(at {_where(text, offset)})"
                    )
        elif value in _CLOSE and kind == "op":
            depth -= 1
        if (kind == "op" and value in _NODE_OPS) or (kind == "word" and upper in _NODE_WORDS):
            nodes += 1
            if nodes > limits.max_nodes:
                raise QueryRejected(
                    f"query has more than {limits.max_nodes} operators, brackets and pattern keywords "
                    f"(at {_where(text, offset)}); simplify it"
                )
        if kind != "word":
            continue
        if upper in UPDATE_WORDS:
            raise UpdateRefused(f"SPARQL update ({upper}) is not allowed: this endpoint is read-only")
        if upper == "SERVICE":
            raise QueryRejected(
                f"SERVICE (federated query) is not allowed on this endpoint (at {_where(text, offset)})"
            )
        if upper in _FORMS and form is None:
            form = upper
        elif upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":")] = urljoin(base, tokens[i + 2][1][1:-1])
        elif upper == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = urljoin(base, tokens[i + 1][1][1:-1])
        elif upper == "FROM":
            dataset.append(_from_clause(text, tokens, i, prefixes, base, named_graphs))
    if form is None:
        raise QuerySyntaxError("no query form found: a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE")
    return TextInfo(form, tuple(dataset))


def _from_clause(
    text: str,
    tokens: list[tuple[str, str, int]],
    i: int,
    prefixes: dict[str, str],
    base: str,
    named_graphs: Collection[str],
) -> tuple[str, str]:
    """Resolve the IRI after FROM / FROM NAMED at token ``i``; refuse it unless it is a store graph."""
    j = i + 1
    clause = "FROM"
    if j < len(tokens) and tokens[j][0] == "word" and tokens[j][1].upper() == "NAMED":
        clause, j = "FROM NAMED", j + 1
    where = _where(text, tokens[i][2])
    if j >= len(tokens) or tokens[j][0] not in ("iri", "pname"):
        raise QuerySyntaxError(f"{clause} must be followed by an IRI (at {where})")
    kind, value, _ = tokens[j]
    if kind == "iri":
        iri = urljoin(base, value[1:-1]) if base else value[1:-1]
    else:
        prefix, _, local = value.partition(":")
        if prefix not in prefixes:
            raise QuerySyntaxError(f"undefined prefix {prefix!r} in {clause} (at {where})")
        iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    if iri not in named_graphs:
        raise QueryRejected(
            f"{clause} <{iri}> is not a graph of this dataset (at {where}); the endpoint never fetches "
            "data from elsewhere. GET /sparql lists the graphs."
        )
    return clause, iri


# --------------------------------------------------------------------------- layer 2: a real parse

# rdflib's parser recurses ~25 Python frames per nesting level; give it room (depth is bounded above).
_PARSE_STACK = 256 * 1024 * 1024
_PARSE_RECURSION = 100_000


def check_parsed(text: str, named_graphs: Collection[str]) -> None:
    """Parse ``text`` with rdflib and refuse SERVICE anywhere in the algebra or a dataset clause naming a
    graph that is not in ``named_graphs``. Call only on a text that passed :func:`check_text`.

    Runs the parser in a thread with a large stack. Raises QueryRejected; a query rdflib cannot parse is
    refused too (it could not be verified), with rdflib's message.
    """
    outcome: list[BaseException | None] = [None]

    def run() -> None:
        try:
            _walk_parsed(text, named_graphs)
        except BaseException as exc:  # handed to the calling thread
            outcome[0] = exc

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _PARSE_RECURSION))
    old_stack = threading.stack_size(_PARSE_STACK)
    try:
        thread = threading.Thread(target=run, name="query-check")
        thread.start()
    finally:
        threading.stack_size(old_stack)
    thread.join()
    if outcome[0] is not None:
        raise outcome[0]


def _walk_parsed(text: str, named_graphs: Collection[str]) -> None:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(text)).algebra
    except ParseException as exc:
        raise QuerySyntaxError(f"syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}") from exc
    except RecursionError as exc:
        raise QueryRejected("query is too complex to verify") from exc
    except Exception as exc:  # rdflib raises plain Exceptions for semantic errors (e.g. unknown prefix)
        raise QueryRejected(f"query could not be verified: {exc}") from exc
    for clause in algebra.get("datasetClause") or ():
        # CompValue.get() answers the key's name for a missing key: test membership instead.
        iri = clause["default"] if "default" in clause else clause["named"]
        if str(iri) not in named_graphs:
            raise QueryRejected(f"FROM <{iri}> is not a graph of this dataset")
    stack: list[object] = [algebra]
    seen: set[int] = set()
    while stack:  # iterative: the algebra can be deep
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise QueryRejected("SERVICE (federated query) is not allowed on this endpoint")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set):
            stack.extend(node)
