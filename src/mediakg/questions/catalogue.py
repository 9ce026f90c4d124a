"""Named analyst questions: ``queries/*.rq`` files with a grlc-style YAML header in ``#+`` comment lines.

A question file starts with a header such as::

    #+ title: Ministers who met OSCE bodies before a law
    #+ description: ...
    #+ tags: [officials, osce, laws]
    #+ params:
    #+   - name: law
    #+     type: iri            # date | iri | string | integer
    #+     default: https://w3id.org/mediakg/id/law/kz-law-on-mass-media
    #+     example: https://w3id.org/mediakg/id/law/kz-law-on-mass-media
    #+     description: The law whose signing date is the cut-off

followed by a standard SPARQL 1.1 SELECT query that declares its own prefixes. Each parameter is the SPARQL
variable of the same name (``?law``); values are bound to it as typed RDF terms (the executor's bindings,
in N-Triples syntax), never pasted into the query text. A parameter without a value and without a default
stays unbound.

This module parses and checks the files and types and binds parameter values; :mod:`.answers` answers them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from mediakg.errors import MediakgError, UsageError
from mediakg.graph.namespaces import PREFIXES
from mediakg.graph.terms import rdflib_to_oxigraph
from mediakg.paths import project_paths

#: Parameter types a header may declare.
PARAM_TYPES = ("date", "iri", "string", "integer")

_HEADER_KEYS = {"title", "description", "tags", "params"}
_PARAM_KEYS = {"name", "type", "default", "example", "description", "required"}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The patterns below are the whole check of a parameter value and are published as is in the OpenAPI
# document, so that both agree exactly: ASCII digits only ([0-9], never \d: Unicode digits in Rust's regex and
# Python's), no surrounding space, only what the store reads as the same term.
# Years 0001-9999: rdflib (like Python's datetime) has no year 0.
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
#: A date parameter: a calendar date (leap years included), a year-month or a year.
DATE_PATTERN = f"^(?:{_YEAR}-{_DAY}|{_LEAP_YEAR}-02-29|{_YEAR}-(?:0[1-9]|1[0-2])|{_YEAR})$"
_DATE_SHAPE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
#: An IRI parameter: an absolute http(s) IRI, or a prefixed name of a known prefix (``id:law/…``). Characters
#: outside the RFC 3987 sets (and outside the Basic Multilingual Plane) must be percent-encoded.
_ICHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/\-\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]|%[0-9A-Fa-f]{2})"
IRI_PATTERN = (
    rf"^(?:https?://[A-Za-z0-9.\-]+(?::[0-9]*)?(?:/{_ICHAR}*)?(?:\?(?:{_ICHAR}|\?)*)?(?:#(?:{_ICHAR}|\?)*)?"
    rf"|(?:{'|'.join(PREFIXES)}):{_ICHAR}*)$"
)
#: An integer parameter: optional sign and ASCII digits.
INTEGER_PATTERN = "^[+-]?[0-9]+$"
_PREFIXED_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(.*)$")


class _HeaderLoader(yaml.SafeLoader):
    """YAML loader that keeps dates as text (a parameter's default is checked against its own type)."""


_HeaderLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class QuestionError(MediakgError):
    """A question file that cannot be used (bad header, unknown name); the message names the file."""


class ParamError(UsageError):
    """A parameter value that is unknown, missing or of the wrong type; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Param:
    """One declared parameter of a question (the SPARQL variable of the same name)."""

    name: str
    type: str
    default: str | None = None
    example: str | None = None
    description: str = ""
    required: bool = False

    def as_json(self) -> dict[str, Any]:
        """The parameter as listed by the API."""
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "example": self.example,
            "description": self.description,
            "required": self.required,
        }


@dataclass(frozen=True)
class Question:
    """A named analyst question: header metadata plus the SPARQL text (header included, it is comments)."""

    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    sparql: str
    path: Path
    param_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "param_names", tuple(p.name for p in self.params))

    def param(self, name: str) -> Param | None:
        """The declared parameter called ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)

    def as_json(self) -> dict[str, Any]:
        """The question as listed by the API (without the URL, which the API adds)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "params": [p.as_json() for p in self.params],
        }


# ----------------------------------------------------------------------------------------------------------
# Loading and checking question files
# ----------------------------------------------------------------------------------------------------------


def _split_header(path: Path, text: str) -> tuple[str, int]:
    """The YAML text of the ``#+`` lines at the top of ``text`` and the number of header lines."""
    lines = text.splitlines()
    yaml_lines: list[str] = []
    for line in lines:
        if not line.startswith("#+"):
            break
        body = line[2:]
        yaml_lines.append(body[1:] if body.startswith(" ") else body)
    if not yaml_lines:
        raise QuestionError(f"{path}:1: no '#+' header at the top of the file")
    return "\n".join(yaml_lines), len(yaml_lines)


def _scalar(path: Path, where: str, value: Any) -> str | None:
    """A header scalar as a string (YAML turns 2019-01-01 into a date and 2019 into an int)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise QuestionError(f"{path}: {where}: expected a text value, got {value!r}")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (str, int)):
        return str(value)
    raise QuestionError(f"{path}: {where}: expected a text value, got {type(value).__name__}")


def _param_from_yaml(path: Path, index: int, raw: Any) -> Param:
    where = f"params[{index}]"
    if not isinstance(raw, dict):
        raise QuestionError(f"{path}: {where}: each parameter must be a mapping with name and type")
    unknown = set(raw) - _PARAM_KEYS
    if unknown:
        raise QuestionError(
            f"{path}: {where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}"
            f" (allowed: {', '.join(sorted(_PARAM_KEYS))})"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not _VAR_RE.match(name):
        raise QuestionError(f"{path}: {where}: 'name' must be a SPARQL variable name, got {name!r}")
    where = f"parameter {name!r}"
    ptype = raw.get("type")
    if ptype not in PARAM_TYPES:
        raise QuestionError(f"{path}: {where}: 'type' must be one of {', '.join(PARAM_TYPES)}, got {ptype!r}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise QuestionError(f"{path}: {where}: 'required' must be true or false, got {required!r}")
    description = raw.get("description") or ""
    if not isinstance(description, str):
        raise QuestionError(f"{path}: {where}: 'description' must be text")
    param = Param(
        name=name,
        type=ptype,
        default=_scalar(path, f"{where} default", raw.get("default")),
        example=_scalar(path, f"{where} example", raw.get("example")),
        description=description.strip(),
        required=required,
    )
    if param.required and param.default is not None:
        raise QuestionError(f"{path}: {where}: a required parameter cannot have a default")
    for key in ("default", "example"):
        value = getattr(param, key)
        if value is not None:
            try:
                typed_term(param, value)
            except ParamError as exc:
                raise QuestionError(f"{path}: {where}: {key}: {exc}") from None
    return param


def parse_question(path: Path, text: str | None = None) -> Question:
    """Parse and check one question file; raise QuestionError naming the file and the problem."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QuestionError(f"{path}: cannot read question file: {exc}") from None
    header_text, header_lines = _split_header(path, text)
    try:
        header = yaml.load(header_text, Loader=_HeaderLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuestionError(f"{path}{line}: header is not valid YAML: {problem}") from None
    if not isinstance(header, dict):
        raise QuestionError(f"{path}: header must be a YAML mapping (title:, description:, params: …)")
    unknown = set(header) - _HEADER_KEYS
    if unknown:
        raise QuestionError(
            f"{path}: unknown header key(s) {', '.join(sorted(map(str, unknown)))}"
            f" (allowed: {', '.join(sorted(_HEADER_KEYS))})"
        )
    for key in ("title", "description"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise QuestionError(f"{path}: header needs a non-empty '{key}'")
    tags = header.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise QuestionError(f"{path}: 'tags' must be a list of words, e.g. [officials, osce]")
    raw_params = header.get("params") or []
    if not isinstance(raw_params, list):
        raise QuestionError(f"{path}: 'params' must be a list of parameters")
    params = tuple(_param_from_yaml(path, i, p) for i, p in enumerate(raw_params))
    names = [p.name for p in params]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise QuestionError(f"{path}: parameter(s) declared twice: {', '.join(duplicates)}")

    body = "\n".join(text.splitlines()[header_lines:])
    if not re.search(r"\bSELECT\b", body, re.IGNORECASE):
        raise QuestionError(f"{path}: the query after the header must be a SPARQL SELECT query")
    for p in params:
        if not re.search(rf"[?$]{re.escape(p.name)}\b", body):
            raise QuestionError(
                f"{path}: parameter {p.name!r} is declared but ?{p.name} is not used in the query"
            )
    _check_syntax(path, text, params)

    name = path.stem
    if not _NAME_RE.match(name):
        raise QuestionError(f"{path}: question file names must be lower-case words joined by '-'")
    return Question(
        name=name,
        title=" ".join(header["title"].split()),
        description=" ".join(header["description"].split()),
        tags=tuple(tags),
        params=params,
        sparql=text,
        path=path,
    )


def _check_syntax(path: Path, text: str, params: Sequence[Param]) -> None:
    """Parse the query through the service's gate (nothing is evaluated), so syntax errors and SERVICE
    surface at load time, and check that every parameter is projected: pyoxigraph binds only projected
    variables (SEP-0007)."""
    from mediakg.errors import QuerySyntaxError
    from mediakg.query.gate import gate

    try:
        checked = gate(text)
    except QuerySyntaxError as exc:
        raise QuestionError(f"{path}: SPARQL syntax error: {exc}") from None
    except MediakgError as exc:
        raise QuestionError(f"{path}: {exc}") from None
    unbound = [p.name for p in params if p.name not in checked.projected]
    if unbound:
        raise QuestionError(
            f"{path}: the query cannot be evaluated with its parameters bound: "
            f"{', '.join(unbound)} must be projected by the SELECT"
        )


def load_questions(queries_dir: Path | str | None = None) -> dict[str, Question]:
    """All questions in ``queries_dir`` (default: the project's ``queries/``), by name, sorted by name."""
    folder = Path(queries_dir) if queries_dir is not None else project_paths().queries
    if not folder.is_dir():
        raise QuestionError(f"{folder}: no such queries folder")
    return {q.name: q for q in (parse_question(p) for p in sorted(folder.glob("*.rq")))}


def find_question(name_or_file: str, queries_dir: Path | str | None = None) -> Question:
    """The question named ``name_or_file`` in the queries folder, or the ``.rq`` file at that path."""
    candidate = Path(name_or_file)
    if candidate.suffix == ".rq" or candidate.is_file():
        if not candidate.is_file():
            raise QuestionError(f"{candidate}: no such question file")
        return parse_question(candidate)
    folder = Path(queries_dir) if queries_dir is not None else project_paths().queries
    path = folder / f"{name_or_file}.rq"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.rq"))) or "none"
        raise UsageError(f"unknown question {name_or_file!r} (no {path}); known questions: {known}")
    return parse_question(path)


# ----------------------------------------------------------------------------------------------------------
# Parameter typing and binding
# ----------------------------------------------------------------------------------------------------------


def _typed_date(param: Param, raw: str) -> Literal:
    if not re.fullmatch(DATE_PATTERN, raw):
        reason = "not a valid date" if _DATE_SHAPE.fullmatch(raw) else "not a date"
        raise ParamError(
            param.name, f"parameter {param.name!r}: {raw!r} is {reason} (YYYY-MM-DD, YYYY-MM or YYYY)"
        )
    datatype = {10: XSD.date, 7: XSD.gYearMonth}.get(len(raw), XSD.gYear)
    return Literal(raw, datatype=datatype)


def _typed_iri(param: Param, raw: str) -> URIRef:
    m = _PREFIXED_RE.match(raw)
    value = PREFIXES[m.group(1)] + m.group(2) if m and m.group(1) in PREFIXES else raw
    try:
        if not re.fullmatch(IRI_PATTERN, raw):
            raise ValueError(raw)
        ox.NamedNode(value)  # the store's own IRI check (the pattern should leave nothing for it)
    except ValueError:
        raise ParamError(
            param.name,
            f"parameter {param.name!r}: {raw!r} is not an absolute http(s) IRI or a prefixed name such as"
            " id:law/kz-law-on-mass-media",
        ) from None
    return URIRef(value)


def typed_term(param: Param, raw: str) -> Node:
    """The RDF term (rdflib) for a raw text value of ``param``; raise ParamError if it has the wrong type."""
    if not isinstance(raw, str):
        raw = str(raw)
    if param.type == "date":
        return _typed_date(param, raw)
    if param.type == "iri":
        return _typed_iri(param, raw)
    if param.type == "integer":
        if not re.fullmatch(INTEGER_PATTERN, raw):
            raise ParamError(param.name, f"parameter {param.name!r}: {raw!r} is not an integer")
        return Literal(str(int(raw)), datatype=XSD.integer)
    return Literal(raw)


def bind_params(question: Question, raw: Mapping[str, str] | None = None) -> dict[str, str]:
    """Typed values of the question's parameters as N-Triples terms, defaults filled in.

    Unknown names, missing required parameters and values of the wrong type raise ParamError. Parameters
    without a value and without a default are left out (the variable stays unbound).
    """
    raw = dict(raw or {})
    unknown = sorted(set(raw) - set(question.param_names))
    if unknown:
        allowed = ", ".join(question.param_names) or "none"
        raise ParamError(
            unknown[0],
            f"question {question.name!r} has no parameter(s) {', '.join(map(repr, unknown))}"
            f" (parameters: {allowed})",
        )
    bound: dict[str, str] = {}
    for p in question.params:
        value = raw.get(p.name)
        if value is None:  # absent; an empty value is a value (and not an IRI, date or integer)
            if p.required:
                raise ParamError(p.name, f"question {question.name!r} needs parameter {p.name!r} ({p.type})")
            value = p.default
        if value is not None:
            # N-Triples as pyoxigraph writes it (rdflib's n3() writes a newline as a """long string""")
            bound[p.name] = str(rdflib_to_oxigraph(typed_term(p, value)))
    return bound


def effective_params(question: Question, raw: Mapping[str, str] | None = None) -> dict[str, str]:
    """The raw values a question runs with: the given ones plus the defaults of the others (for display)."""
    raw = raw or {}
    out = {}
    for p in question.params:
        value = raw.get(p.name, p.default)
        if value is not None:
            out[p.name] = str(value)
    return out
