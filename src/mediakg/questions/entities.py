"""Entities found by name: the values of ``iri`` parameters given as a short name or a label, and the
suggestions of the question forms.

A question's ``iri`` parameter takes an absolute IRI or a prefixed name (``id:place/astana``,
:mod:`.catalogue`). :func:`resolve_params` also lets it take

- a short name: the path under the graph's base IRI (``place/astana``) or just its last segment, the slug
  (``astana``; a label written out is folded to one too: ``Astana``, ``Астана`` → ``astana``);
- a label: a ``skos:prefLabel``, ``skos:altLabel`` or ``rdfs:label`` in any language, compared without
  regard to case (``detention``, ``Sania Toyken``).

One entity found: it is bound. Several: those of the same kind as the parameter's example or default (the same
concept scheme, else a shared class) are preferred; if that still leaves more than one, the value is ambiguous
and :class:`EntityNotFound` lists the candidates (the API answers 422 with them). The look-ups are SPARQL
queries through the executor (internal lane), the text bound as a literal, never pasted into the query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from anyascii import anyascii

from mediakg import formats
from mediakg.graph.namespaces import ID_BASE, PREFIXES
from mediakg.graph.terms import qname
from mediakg.query.base import Executor
from mediakg.questions.catalogue import IRI_PATTERN, ParamError, Question, typed_term

_IRI_RE = re.compile(IRI_PATTERN)
_PREFIXED = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(.*)$")
_WORD = re.compile(r"[a-z0-9]+")
#: Most candidates a look-up reads (a name that matches more is ambiguous anyway).
MAX_CANDIDATES = 50
#: Most suggestions :func:`suggest` returns.
MAX_SUGGESTIONS = 20

_PREFIX_LINES = "\n".join(f"PREFIX {p}: <{PREFIXES[p]}>" for p in ("mkg", "skos", "rdfs", "rdf", "owl"))

# Entities whose short name or label is exactly the text. ?text: the text as given; ?slug: it as a slug;
# ?path: the base IRI followed by the text (a short name such as place/astana). Bound by the executor as a
# VALUES row at the start of the group, so the FILTERs see them.
_RESOLVE = f"""{_PREFIX_LINES}
SELECT ?entity ?text ?slug ?path (SAMPLE(?pref) AS ?label)
       (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
       (GROUP_CONCAT(DISTINCT STR(?scheme); separator=" ") AS ?schemes)
WHERE {{
  ?entity skos:prefLabel|rdfs:label|skos:altLabel ?name .
  FILTER(isIRI(?entity))
  FILTER(LCASE(STR(?name)) = LCASE(STR(?text))
         || STR(?entity) = STR(?path)
         || (STRLEN(STR(?slug)) > 0 && STRSTARTS(STR(?entity), "{ID_BASE}")
             && STRENDS(STR(?entity), CONCAT("/", STR(?slug)))))
  OPTIONAL {{ ?entity skos:prefLabel ?pref FILTER(LANGMATCHES(LANG(?pref), "en")) }}
  OPTIONAL {{ {{ ?entity rdf:type ?type }} UNION {{ ?entity mkg:instanceOf ?type }} }}
  OPTIONAL {{ ?entity skos:inScheme ?scheme }}
}}
GROUP BY ?entity ?text ?slug ?path
ORDER BY ?entity
LIMIT {MAX_CANDIDATES}"""

# Entities with a name containing ?text (case-insensitive): the autocompletion of the forms.
_SUGGEST = f"""{_PREFIX_LINES}
SELECT ?entity ?text (SAMPLE(?pref) AS ?label) (MIN(STR(?name)) AS ?matched)
       (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
       (GROUP_CONCAT(DISTINCT STR(?scheme); separator=" ") AS ?schemes)
WHERE {{
  ?entity skos:prefLabel|rdfs:label|skos:altLabel ?name .
  FILTER(isIRI(?entity) && CONTAINS(LCASE(STR(?name)), LCASE(STR(?text))))
  OPTIONAL {{ ?entity skos:prefLabel ?pref FILTER(LANGMATCHES(LANG(?pref), "en")) }}
  OPTIONAL {{ {{ ?entity rdf:type ?type }} UNION {{ ?entity mkg:instanceOf ?type }} }}
  OPTIONAL {{ ?entity skos:inScheme ?scheme }}
}}
GROUP BY ?entity ?text
LIMIT 500"""

# The classes and schemes of known IRIs (the kind of a parameter: that of its example and default).
_KIND = f"""{_PREFIX_LINES}
SELECT ?entity (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
       (GROUP_CONCAT(DISTINCT STR(?scheme); separator=" ") AS ?schemes)
WHERE {{
  VALUES ?entity {{ %s }}
  OPTIONAL {{ ?entity rdf:type ?type }}
  OPTIONAL {{ ?entity skos:inScheme ?scheme }}
}}
GROUP BY ?entity"""


@dataclass(frozen=True)
class Kind:
    """What a parameter takes, as its example and default show it: their classes and concept schemes."""

    types: frozenset[str] = frozenset()
    schemes: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.types or self.schemes)

    def fits(self, candidate: Candidate) -> bool:
        """The candidate is of this kind: in one of its schemes (for concepts), else of one of its classes."""
        if self.schemes:
            return bool(self.schemes & candidate.schemes)
        return bool(self.types & candidate.types)

    def as_json(self) -> dict[str, list[str]]:
        return {"types": sorted(self.types), "schemes": sorted(self.schemes)}


@dataclass(frozen=True)
class Candidate:
    """An entity a name may mean."""

    iri: str
    label: str
    types: frozenset[str] = frozenset()
    schemes: frozenset[str] = frozenset()
    matched: str = ""

    @property
    def kind(self) -> str:
        """What it is, for people: the most telling class (a mkg: class before others), e.g. ``Place``."""
        mkg = sorted(t for t in self.types if t.startswith(PREFIXES["mkg"]))
        specific = [t for t in mkg if t not in _GENERAL] or mkg or sorted(self.types)
        return qname(specific[0]).split(":", 1)[-1] if specific else ""

    def as_json(self) -> dict[str, Any]:
        """The candidate as the API lists it."""
        out = {"iri": self.iri, "label": self.label, "kind": self.kind, "short": qname(self.iri)}
        if self.matched and self.matched != self.label:
            out["matched"] = self.matched
        return out


#: Classes too general to tell what something is (every person is a mkg:Person too).
_GENERAL = {PREFIXES["mkg"] + c for c in ("Person", "Organization", "Place", "Document")}


class EntityNotFound(ParamError):
    """No entity, or more than one, has the name given for an ``iri`` parameter; ``candidates`` lists them."""

    def __init__(self, param: str, message: str, candidates: list[Candidate] | None = None) -> None:
        super().__init__(param, message)
        self.candidates = candidates or []


def is_iri_value(raw: str) -> bool:
    """The value is written as an IRI or a prefixed name of a known prefix (bound as it is)."""
    if not _IRI_RE.fullmatch(raw):
        return False
    m = _PREFIXED.match(raw)
    return m is None or m.group(1) in PREFIXES or raw.startswith(("http://", "https://"))


def is_name(raw: str) -> bool:
    """The value is meant as a name, not as an IRI: not empty, and neither ``http(s):`` nor a project
    prefix before a colon (an IRI written wrong is refused as an IRI, with the reason)."""
    return bool(raw.strip()) and not re.match(rf"^(?:https?|{'|'.join(map(re.escape, PREFIXES))}):", raw)


def slug(text: str) -> str:
    """``text`` folded as the graph's slugs are (ASCII, lower case, words joined by ``-``)."""
    return "-".join(_WORD.findall(anyascii(text).lower()))


def _literal(text: str) -> str:
    """``text`` as an N-Triples literal (the executor's binding syntax)."""
    return json.dumps(text, ensure_ascii=False)


def _split(value: Mapping[str, Any] | None) -> frozenset[str]:
    return frozenset(value["value"].split()) if value else frozenset()


def _candidates(body: bytes) -> list[Candidate]:
    rows = json.loads(body)["results"]["bindings"]
    out = []
    for row in rows:
        iri = row["entity"]["value"]
        label = row.get("label", {}).get("value") or row.get("matched", {}).get("value") or qname(iri)
        out.append(
            Candidate(
                iri=iri,
                label=label,
                types=_split(row.get("types")),
                schemes=_split(row.get("schemes")),
                matched=row.get("matched", {}).get("value", ""),
            )
        )
    return out


async def lookup(executor: Executor, text: str, client: str | None = None) -> list[Candidate]:
    """The entities whose short name, slug or label is exactly ``text`` (case-insensitive)."""
    path = ID_BASE + text.strip("/") if "/" in text else ""
    bindings = {"text": _literal(text), "slug": _literal(slug(text)), "path": _literal(path)}
    outcome = await executor.run(
        _RESOLVE, result_format=formats.SPARQL_JSON, bindings=bindings, lane="internal", client=client
    )
    return _candidates(outcome.body)


async def kind_of(executor: Executor, iris: Iterable[str], client: str | None = None) -> Kind:
    """The classes and schemes of ``iris`` together (a parameter's kind, from its example and default)."""
    known = sorted({i for i in iris if re.fullmatch(r"[^\s<>\"{}|^`\\]+", i)})
    if not known:
        return Kind()
    query = _KIND % " ".join(f"<{i}>" for i in known)
    outcome = await executor.run(query, result_format=formats.SPARQL_JSON, lane="internal", client=client)
    types: set[str] = set()
    schemes: set[str] = set()
    for row in json.loads(outcome.body)["results"]["bindings"]:
        types |= _split(row.get("types"))
        schemes |= _split(row.get("schemes"))
    return Kind(frozenset(types), frozenset(schemes))


def reference_iris(question: Question, name: str) -> list[str]:
    """The example and default of parameter ``name`` as IRIs (what shows the parameter's kind)."""
    param = question.param(name)
    if param is None or param.type != "iri":
        return []
    return [str(typed_term(param, v)) for v in (param.example, param.default) if v is not None]


async def param_kind(executor: Executor, question: Question, name: str, client: str | None = None) -> Kind:
    """The kind of ``question``'s ``iri`` parameter ``name`` (empty when it has no example or default)."""
    return await kind_of(executor, reference_iris(question, name), client)


def choose(param: str, text: str, found: list[Candidate], kind: Kind) -> Candidate:
    """The one candidate ``text`` means, preferring those of ``kind``; EntityNotFound if none or several."""
    if len(found) > 1 and kind:
        fitting = [c for c in found if kind.fits(c)]
        found = fitting or found
    if len(found) == 1:
        return found[0]
    if not found:
        raise EntityNotFound(
            param,
            f"parameter {param!r}: nothing is called {text!r}; give an IRI, a prefixed name such as "
            "id:place/astana, a short name such as place/astana, or a name as the graph spells it",
        )
    shown = "; ".join(f"{c.label} ({qname(c.iri)})" for c in found[:10])
    more = f" and {len(found) - 10} more" if len(found) > 10 else ""
    raise EntityNotFound(
        param, f"parameter {param!r}: {text!r} is ambiguous, it may mean: {shown}{more}", found
    )


async def resolve_params(
    executor: Executor, question: Question, raw: Mapping[str, str], client: str | None = None
) -> dict[str, str]:
    """``raw`` with every ``iri`` parameter given as a short name or label replaced by its entity's IRI.

    Values written as IRIs or prefixed names, and the other types, are left as they are (typed later by
    :func:`~mediakg.questions.catalogue.bind_params`). Raises EntityNotFound (a ParamError) naming the
    parameter, with the candidates when there are several."""
    out = dict(raw)
    for name, value in raw.items():
        param = question.param(name)
        if param is None or param.type != "iri" or is_iri_value(value) or not is_name(value):
            continue
        found = await lookup(executor, value.strip(), client)
        kind = await param_kind(executor, question, name, client) if len(found) > 1 else Kind()
        out[name] = choose(name, value, found, kind).iri
    return out


def _rank(candidate: Candidate, text: str, kind: Kind) -> tuple[int, int, int, str]:
    """Sort key of a suggestion: of the parameter's kind first, then exact, prefix, word-prefix, other
    matches, then shorter labels."""
    name = (candidate.matched or candidate.label).lower()
    needle = text.lower()
    if name == needle:
        quality = 0
    elif name.startswith(needle):
        quality = 1
    elif re.search(rf"\b{re.escape(needle)}", name):
        quality = 2
    else:
        quality = 3
    return (0 if kind and kind.fits(candidate) else 1, quality, len(candidate.label), candidate.label)


async def suggest(
    executor: Executor,
    text: str,
    *,
    classes: Iterable[str] = (),
    schemes: Iterable[str] = (),
    like: Kind | None = None,
    limit: int = MAX_SUGGESTIONS,
    client: str | None = None,
) -> list[Candidate]:
    """Entities with a name containing ``text``, best first: only instances of ``classes`` (any of them,
    subclasses included) and members of ``schemes`` when given; those of kind ``like`` ranked first."""
    outcome = await executor.run(
        _SUGGEST,
        result_format=formats.SPARQL_JSON,
        bindings={"text": _literal(text)},
        lane="internal",
        client=client,
    )
    found = _candidates(outcome.body)
    wanted = Kind(frozenset(classes), frozenset(schemes))
    if wanted.types:
        found = [c for c in found if wanted.types & c.types]
    if wanted.schemes:
        found = [c for c in found if wanted.schemes & c.schemes]
    found.sort(key=lambda c: _rank(c, text, like or Kind()))
    return found[:limit]
