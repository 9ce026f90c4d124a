"""A second SHACL engine: the shapes graph compiled to SPARQL SELECT queries that pyoxigraph runs over the
whole data at once, one query per (shape, constraint component).

Each query returns the violating (focus node, value) pairs of one constraint for all focus nodes together,
with the shape's targets joined in (``sh:targetClass`` via ``rdf:type/rdfs:subClassOf*``, subjects/objects
of, SHACL-AF SPARQL targets as sub-queries). SHACL-SPARQL constraints run their own query once with
``$this`` free and keep the rows whose ``$this`` is a focus node; that equals the SHACL pre-binding of
``$this`` only for queries where ``$this`` is bound by a required triple pattern before any filter,
``BIND`` or sub-query uses it, which :func:`check_prebinding_safe` verifies (else the shape is refused).

pyshacl stays the reference: results carry the same focus node, path, value, constraint component,
severity and messages as its report. Anything in the shapes graph this engine does not implement raises
:class:`~mediakg.errors.MediakgError` naming the shape and the construct, never a silent pass.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, SH, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node, Variable

from mediakg.errors import MediakgError
from mediakg.graph.parse import quiet_rdflib
from mediakg.graph.terms import oxigraph_to_rdflib

#: Constraint parameters (and other shape predicates) this engine understands; any other sh: predicate on
#: a shape is refused.
_KNOWN_NAMES = (
    "targetClass targetNode targetSubjectsOf targetObjectsOf target property path message severity "
    "deactivated name description order group defaultValue class datatype nodeKind pattern flags "
    "minLength maxLength languageIn uniqueLang in hasValue minCount maxCount minInclusive maxInclusive "
    "minExclusive maxExclusive or xone and not node qualifiedValueShape qualifiedMinCount "
    "qualifiedMaxCount qualifiedValueShapesDisjoint sparql"
)
_KNOWN = {SH[name] for name in _KNOWN_NAMES.split(" ")}
_RDF_TYPE_PATH = (
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
)
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_VALUES_CHUNK = 1000
_ILL = "__ILLTYPED__"  # placeholder call replaced, once the ill-typed literals are known, by a test
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}
_RANGES = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}


@dataclass(frozen=True)
class ShaclResult:
    """One validation result, in rdflib terms (as pyshacl's report would hold it)."""

    focus: Node
    path: Node | None  # a node of the shapes graph (render with validate.render_path), or a data IRI
    value: Node | None
    component: URIRef
    severity: URIRef
    shape: Node
    messages: tuple[str, ...]


@dataclass
class _Check:
    """One compiled query and how its rows become results."""

    shape: Node
    component: URIRef
    query: str
    prefixes: dict[str, str] = field(default_factory=dict)
    path: Node | None = None
    kind: str = "value"  # value | focus | qualified | sparql
    messages: tuple[Literal, ...] = ()
    extra_messages: tuple[Literal, ...] = ()
    severity: URIRef = SH.Violation
    qualified: tuple[int | None, int | None] = (None, None)
    focus_query: str | None = None  # sparql: restrict $this to these focus nodes (None: query is a target)


# --------------------------------------------------------------------------------------------- terms


def sparql_term(node: Node, where: str) -> str:
    """A shapes-graph term as SPARQL text; blank nodes cannot be named in a query."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise MediakgError(f"{where}: a blank node cannot be used as a constant in a query")


# --------------------------------------------------------------------------------------------- compiler


class _Compiler:
    """Turns the shapes graph into :class:`_Check` queries."""

    def __init__(self, shapes: Graph, show: Callable[[Node], str]) -> None:
        self.g = shapes
        self.show = show
        self.counter = itertools.count()

    # ------------------------------------------------------------------ helpers

    def fresh(self) -> str:
        return f"?_v{next(self.counter)}"

    def name(self, shape: Node) -> str:
        """A shape by IRI; a blank-node property shape by the shape holding it and its path."""
        parent = next(self.g.subjects(SH.property, shape), None)
        if not isinstance(shape, BNode) or parent is None:
            return self.show(shape)
        path = self.g.value(shape, SH.path)
        shown = self.show(path) if isinstance(path, URIRef) else "[...]"
        return f"{self.name(parent)} sh:property [ sh:path {shown} ]"

    def fail(self, shape: Node, what: str) -> MediakgError:
        return MediakgError(f"oxigraph SHACL engine: shape {self.name(shape)}: {what} is not supported")

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.g, node))

    def one(self, shape: Node, pred: URIRef) -> Node | None:
        values = list(self.g.objects(shape, pred))
        if len(values) > 1:
            raise self.fail(shape, f"more than one {self.show(pred)}")
        return values[0] if values else None

    def integer(self, shape: Node, pred: URIRef) -> int | None:
        value = self.one(shape, pred)
        if value is None:
            return None
        if not isinstance(value, Literal) or not isinstance(value.toPython(), int):
            raise self.fail(shape, f"{self.show(pred)} {value!r} (not an integer)")
        return int(value.toPython())

    def check_predicates(self, shape: Node) -> None:
        for pred in set(self.g.predicates(shape, None)):
            if str(pred).startswith(str(SH)) and pred not in _KNOWN:
                raise self.fail(shape, self.show(pred))
        if any(v.toPython() is True for v in self.g.objects(shape, SH.qualifiedValueShapesDisjoint)):
            raise self.fail(shape, "sh:qualifiedValueShapesDisjoint true")

    def path(self, shape: Node, node: Node) -> str:
        """A SHACL property path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(shape, p) for p in self.items(node)) + ")"
        for pred, fmt in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = self.g.value(node, pred)
            if inner is not None:
                return fmt.format(self.path(shape, inner))
        alt = self.g.value(node, SH.alternativePath)
        if alt is not None:
            return "(" + "|".join(self.path(shape, p) for p in self.items(alt)) + ")"
        raise self.fail(shape, "this sh:path form")

    def messages(self, node: Node) -> tuple[Literal, ...]:
        return tuple(m for m in self.g.objects(node, SH.message) if isinstance(m, Literal))

    def severity(self, shape: Node) -> URIRef:
        value = self.one(shape, SH.severity)
        return URIRef(value) if value is not None else SH.Violation

    def deactivated(self, shape: Node) -> bool:
        return any(v.toPython() is True for v in self.g.objects(shape, SH.deactivated))

    def prefixes(self, node: Node) -> dict[str, str]:
        """The sh:declare prefixes of a SPARQL query node's sh:prefixes."""
        out: dict[str, str] = {}
        for holder in self.g.objects(node, SH.prefixes):
            for decl in self.g.objects(holder, SH.declare):
                prefix, ns = self.g.value(decl, SH.prefix), self.g.value(decl, SH.namespace)
                if prefix is None or ns is None:
                    raise self.fail(node, "an sh:declare without sh:prefix and sh:namespace")
                if out.get(str(prefix), str(ns)) != str(ns):
                    raise self.fail(node, f"prefix {prefix} declared with two namespaces")
                out[str(prefix)] = str(ns)
        return out

    # ------------------------------------------------------------------ shapes and targets

    def shapes(self) -> list[Node]:
        """Shapes validated on their own: those with targets (pyshacl's rule), in a stable order."""
        g = self.g
        found: set[Node] = set()
        for pred in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            found |= set(g.subjects(pred, None))
        for cls in (RDFS.Class, OWL.Class):
            found |= {s for s in g.subjects(RDF.type, cls) if (s, RDF.type, SH.NodeShape) in g}
        return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))

    def targets(self, shape: Node) -> tuple[str, dict[str, str], list[Node]]:
        """The focus-node pattern (binds ?this), its prefixes and the SPARQL target nodes."""
        g, parts, prefixes, sparql_targets = self.g, [], {}, []
        classes = list(g.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
            classes.append(shape)
        for cls in classes:
            parts.append(f"{{ ?_cls {_SUBCLASS}* {sparql_term(cls, self.show(shape))} . ?this a ?_cls }}")
        for node in g.objects(shape, SH.targetNode):
            parts.append(f"{{ VALUES ?this {{ {sparql_term(node, self.show(shape))} }} }}")
        for pred in g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {sparql_term(pred, self.show(shape))} ?_o }}")
        for pred in g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ ?_s {sparql_term(pred, self.show(shape))} ?this }}")
        for target in g.objects(shape, SH.target):
            select = g.value(target, SH.select)
            if (target, RDF.type, SH.SPARQLTarget) not in g or select is None:
                raise self.fail(shape, f"target {self.show(target)} (only sh:SPARQLTarget with sh:select)")
            text = str(select)
            if re.match(r"\s*(PREFIX|BASE)\b", text, re.IGNORECASE):
                raise self.fail(target, "PREFIX/BASE inside sh:select (use sh:prefixes)")
            for key, ns in self.prefixes(target).items():
                if prefixes.get(key, ns) != ns:
                    raise self.fail(shape, f"targets declaring prefix {key} differently")
                prefixes[key] = ns
            parts.append("{ " + text + " }")
            sparql_targets.append(target)
        focus = "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"
        return focus, prefixes, sparql_targets

    # ------------------------------------------------------------------ value conditions

    def conditions(self, shape: Node, var: str) -> list[tuple[URIRef, str]]:
        """(component, expression true when ``var`` satisfies it) for the value-level constraints of
        ``shape``; one entry per constraint parameter value, as pyshacl reports each separately."""
        g, show, out = self.g, self.show(shape), []
        for cls in g.objects(shape, SH["class"]):
            cond = f"(!isLiteral({var}) && EXISTS {{ {var} {_RDF_TYPE_PATH} {sparql_term(cls, show)} }})"
            out.append((SH.ClassConstraintComponent, cond))
        for dt in g.objects(shape, SH.datatype):
            if dt == RDFS.Literal:
                cond = f"isLiteral({var})"
            else:
                cond = f"(isLiteral({var}) && DATATYPE({var}) = {sparql_term(dt, show)} && !{_ILL}({var}))"
            out.append((SH.DatatypeConstraintComponent, cond))
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise self.fail(shape, f"sh:nodeKind {self.show(kind)}")
            out.append((SH.NodeKindConstraintComponent, _NODE_KINDS[kind].format(v=var)))
        flags = self.one(shape, SH.flags)
        for pattern in g.objects(shape, SH.pattern):
            regex = Literal(str(pattern)).n3()
            flag_arg = f", {Literal(str(flags)).n3()}" if flags is not None else ""
            out.append(
                (SH.PatternConstraintComponent, f"(!isBlank({var}) && REGEX(STR({var}), {regex}{flag_arg}))")
            )
        for pred, op, comp in (
            (SH.minLength, ">=", SH.MinLengthConstraintComponent),
            (SH.maxLength, "<=", SH.MaxLengthConstraintComponent),
        ):
            n = self.integer(shape, pred)
            if n is not None:
                cond = (
                    "true" if op == ">=" and n == 0 else f"(!isBlank({var}) && STRLEN(STR({var})) {op} {n})"
                )
                out.append((comp, cond))
        for langs in g.objects(shape, SH.languageIn):
            wanted = [str(lang).lower() for lang in self.items(langs)]
            if "*" in wanted:
                cond = f'(isLiteral({var}) && LANG({var}) != "")'
            else:
                listed = ", ".join(Literal(w).n3() for w in wanted)
                lang = f"LCASE(LANG({var}))"
                cond = (
                    f'(isLiteral({var}) && LANG({var}) != "" && ({lang} IN ({listed}) || '
                    f'STRBEFORE(CONCAT({lang}, "-"), "-") IN ({listed})))'
                )
            out.append((SH.LanguageInConstraintComponent, cond))
        for members in g.objects(shape, SH["in"]):
            terms = [f"sameTerm({var}, {sparql_term(m, show)})" for m in self.items(members)]
            out.append((SH.InConstraintComponent, "(" + (" || ".join(terms) or "false") + ")"))
        for pred, (op, comp) in _RANGES.items():
            for bound in g.objects(shape, pred):
                out.append((comp, f"COALESCE({var} {op} {sparql_term(bound, show)}, false)"))
        if (shape, SH.path, None) not in g:  # on a node shape, sh:hasValue tests the node itself
            for value in g.objects(shape, SH.hasValue):
                out.append((SH.HasValueConstraintComponent, f"sameTerm({var}, {sparql_term(value, show)})"))
        for members in g.objects(shape, SH["or"]):
            conds = [self.conforms(m, var) for m in self.items(members)]
            out.append((SH.OrConstraintComponent, "(" + (" || ".join(conds) or "false") + ")"))
        for members in g.objects(shape, SH.xone):
            conds = [f"IF({self.conforms(m, var)}, 1, 0)" for m in self.items(members)]
            out.append((SH.XoneConstraintComponent, "((" + (" + ".join(conds) or "0") + ") = 1)"))
        for members in g.objects(shape, SH["and"]):
            conds = [self.conforms(m, var) for m in self.items(members)]
            out.append((SH.AndConstraintComponent, "(" + (" && ".join(conds) or "true") + ")"))
        for member in g.objects(shape, SH["not"]):
            out.append((SH.NotConstraintComponent, f"(!{self.conforms(member, var)})"))
        for member in g.objects(shape, SH.node):
            out.append((SH.NodeConstraintComponent, self.conforms(member, var)))
        return out

    def conforms(self, shape: Node, var: str) -> str:
        """An expression true when the node in ``var`` conforms to ``shape`` (members of sh:or, sh:xone,
        sh:and, sh:not, sh:node, sh:qualifiedValueShape)."""
        self.check_predicates(shape)
        if self.deactivated(shape):
            return "true"
        for pred in (SH.sparql, SH.uniqueLang, SH.qualifiedValueShape):
            if (shape, pred, None) in self.g:
                raise self.fail(shape, f"{self.show(pred)} inside a logical or qualified shape")
        path = self.one(shape, SH.path)
        if path is None:
            conds = [cond for _comp, cond in self.conditions(shape, var)]
            conds += [self.conforms(p, var) for p in self.g.objects(shape, SH.property)]
            return "(" + (" && ".join(conds) or "true") + ")"
        if (shape, SH.property, None) in self.g:
            raise self.fail(shape, "sh:property on a property shape")
        p = self.path(shape, path)
        conds = []
        for _comp, cond in self.conditions(shape, x := self.fresh()):
            conds.append(f"NOT EXISTS {{ {var} {p} {x} FILTER(!{cond}) }}")
        low, high = self.integer(shape, SH.minCount), self.integer(shape, SH.maxCount)
        if low not in (None, 0, 1) or high not in (None, 0, 1):
            raise self.fail(shape, "sh:minCount/sh:maxCount other than 0 or 1 inside a logical shape")
        if low == 1:
            conds.append(f"EXISTS {{ {var} {p} {self.fresh()} }}")
        if high == 0:
            conds.append(f"NOT EXISTS {{ {var} {p} {self.fresh()} }}")
        if high == 1:
            a, b = self.fresh(), self.fresh()
            conds.append(f"NOT EXISTS {{ {var} {p} {a} . {var} {p} {b} FILTER(!sameTerm({a}, {b})) }}")
        for value in self.g.objects(shape, SH.hasValue):
            conds.append(f"EXISTS {{ {var} {p} {sparql_term(value, self.show(shape))} }}")
        return "(" + (" && ".join(conds) or "true") + ")"

    # ------------------------------------------------------------------ checks

    def compile(self) -> list[_Check]:
        checks: list[_Check] = []
        for shape in self.shapes():
            self.check_predicates(shape)
            if self.deactivated(shape):
                continue
            focus, prefixes, sparql_targets = self.targets(shape)
            checks += self.shape_checks(shape, focus, prefixes, sparql_targets)
            for prop in self.g.objects(shape, SH.property):
                self.check_predicates(prop)
                if self.one(prop, SH.path) is None:
                    raise self.fail(prop, "an sh:property value without sh:path")
                if not self.deactivated(prop):
                    checks += self.shape_checks(prop, focus, prefixes, [])
        return checks

    def shape_checks(
        self, shape: Node, focus: str, prefixes: dict[str, str], targets: list[Node]
    ) -> list[_Check]:
        """The checks of one shape, given the focus-node pattern of the shape that holds it."""
        g, out = self.g, []
        path_node = self.one(shape, SH.path)
        base = {
            "shape": shape,
            "prefixes": prefixes,
            "path": path_node,
            "messages": self.messages(shape),
            "severity": self.severity(shape),
        }
        if path_node is None:
            value_pattern = "BIND(?this AS ?value)"
            for pred in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape):
                if (shape, pred, None) in g:
                    raise self.fail(shape, f"{self.show(pred)} on a node shape")
            nested = list(g.objects(shape, SH.property))
            if any((p, SH.property, None) in g for p in nested):
                raise self.fail(shape, "sh:property nested in a property shape")
        else:
            p = self.path(shape, path_node)
            value_pattern = f"?this {p} ?value ."
            if (shape, SH.property, None) in g:
                raise self.fail(shape, "sh:property on a property shape")
        for comp, cond in self.conditions(shape, "?value"):
            query = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {value_pattern} FILTER(!{cond}) }}"
            out.append(_Check(component=comp, query=query, **base))
        if path_node is not None:
            out += self.property_checks(shape, focus, p, base)
        for constraint in g.objects(shape, SH.sparql):
            out.append(self.sparql_check(shape, constraint, focus, prefixes, targets, base))
        return out

    def property_checks(self, shape: Node, focus: str, p: str, base: dict) -> list[_Check]:
        """Checks on the set of values of a property shape's path (counts, languages, sh:hasValue)."""
        g, out = self.g, []
        low, high = self.integer(shape, SH.minCount), self.integer(shape, SH.maxCount)
        if low == 1:
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {p} ?_v }} }}"
            out.append(_Check(component=SH.MinCountConstraintComponent, query=query, kind="focus", **base))
        elif low:
            query = (
                f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {p} ?_v }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {low})"
            )
            out.append(_Check(component=SH.MinCountConstraintComponent, query=query, kind="focus", **base))
        if high is not None:
            query = (
                f"SELECT ?this WHERE {{ {focus} ?this {p} ?_v }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {high})"
            )
            out.append(_Check(component=SH.MaxCountConstraintComponent, query=query, kind="focus", **base))
        for value in g.objects(shape, SH.hasValue):
            term = sparql_term(value, self.show(shape))
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {p} {term} }} }}"
            out.append(_Check(component=SH.HasValueConstraintComponent, query=query, kind="focus", **base))
        for unique in g.objects(shape, SH.uniqueLang):
            if unique.toPython() is True:
                query = (
                    f"SELECT ?this ?_lang WHERE {{ {focus} ?this {p} ?_v "
                    'FILTER(isLiteral(?_v) && LANG(?_v) != "") } '
                    "GROUP BY ?this (LCASE(LANG(?_v)) AS ?_lang) HAVING (COUNT(DISTINCT ?_v) > 1)"
                )
                out.append(
                    _Check(component=SH.UniqueLangConstraintComponent, query=query, kind="focus", **base)
                )
        for qshape in g.objects(shape, SH.qualifiedValueShape):
            qmin, qmax = self.integer(shape, SH.qualifiedMinCount), self.integer(shape, SH.qualifiedMaxCount)
            if qmin is None and qmax is None:
                continue
            cond = self.conforms(qshape, "?_q")
            having = []
            if qmin is not None:
                having.append(f"COUNT(DISTINCT ?_q) < {qmin}")
            if qmax is not None:
                having.append(f"COUNT(DISTINCT ?_q) > {qmax}")
            query = (
                f"SELECT ?this (COUNT(DISTINCT ?_q) AS ?_n) WHERE {{ {focus} "
                f"OPTIONAL {{ ?this {p} ?_q FILTER({cond}) }} }} "
                f"GROUP BY ?this HAVING ({' || '.join(having)})"
            )
            out.append(
                _Check(
                    component=SH.QualifiedMinCountConstraintComponent,  # or Max: decided per row
                    query=query,
                    kind="qualified",
                    qualified=(qmin, qmax),
                    **base,
                )
            )
        return out

    def sparql_check(
        self,
        shape: Node,
        constraint: Node,
        focus: str,
        prefixes: dict[str, str],
        targets: list[Node],
        base: dict,
    ) -> _Check:
        """A SHACL-SPARQL constraint: its own query with $this free, restricted to the focus nodes unless
        the same query is one of the shape's targets (then its rows are focus nodes already)."""
        g = self.g
        select = g.value(constraint, SH.select)
        if select is None:
            raise self.fail(shape, f"sh:sparql {self.show(constraint)} without sh:select (sh:ask)")
        if any(g.objects(constraint, SH.deactivated)) and self.deactivated(constraint):
            return _Check(component=SH.SPARQLConstraintComponent, query="", kind="skip", **base)
        for pred in set(g.predicates(constraint, None)):
            if str(pred).startswith(str(SH)) and pred not in {
                SH.select,
                SH.message,
                SH.prefixes,
                SH.deactivated,
            }:
                raise self.fail(constraint, self.show(pred))
        if base["path"] is not None:
            raise self.fail(shape, "sh:sparql on a property shape ($PATH)")
        text = str(select)
        if re.search(r"[?$](shapesGraph|currentShape|PATH)\b", text):
            raise self.fail(constraint, "$shapesGraph / $currentShape / $PATH in sh:select")
        own = self.prefixes(constraint)
        check_prebinding_safe(text, own, f"shape {self.show(shape)}, constraint {self.show(constraint)}")
        same_as_target = any(g.value(t, SH.select) == select for t in targets)
        return _Check(
            component=SH.SPARQLConstraintComponent,
            query=text,
            kind="sparql",
            extra_messages=self.messages(constraint),
            focus_query=None if same_as_target else f"SELECT ?this WHERE {focus}",
            **{**base, "prefixes": {**prefixes, **own}},
        )


# --------------------------------------------------------------------------------------------- pre-binding


def check_prebinding_safe(text: str, prefixes: dict[str, str], where: str) -> None:
    """Refuse a SHACL-SPARQL query whose result with ``$this`` free, restricted to a focus node, could
    differ from its result with ``$this`` pre-bound to that node (SHACL 5.2.1 pre-binding).

    Safe means: ``$this`` is projected and bound by required patterns of the top-level group in every
    branch; every FILTER, BIND or OPTIONAL condition that uses ``$this`` sits in a group where it is bound
    (or inside EXISTS, which sees the outer binding); no MINUS, VALUES, SERVICE, BIND ... AS ?this, or
    sub-query that uses ``$this`` without projecting it.
    """
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    this = Variable("this")
    try:
        algebra = prepareQuery(text, initNs=prefixes).algebra
    except Exception as exc:  # rdflib raises pyparsing and its own errors
        raise MediakgError(f"{where}: sh:select does not parse: {exc}") from exc

    def uses(node: object) -> bool:
        if node == this:
            return True
        if isinstance(node, CompValue):
            return any(uses(v) for v in node.values())
        if isinstance(node, (list, tuple, set)):
            return any(uses(v) for v in node)
        return False

    def bound(node: object) -> set:
        """Variables every solution of ``node`` binds."""
        if not isinstance(node, CompValue):
            return set()
        name = node.name
        if name == "BGP":
            return {t for triple in node.triples for t in triple if isinstance(t, Variable)}
        if name == "Join":
            return bound(node.p1) | bound(node.p2)
        if name in ("LeftJoin", "Minus"):
            return bound(node.p1)
        if name == "Union":
            return bound(node.p1) & bound(node.p2)
        if name == "Project":
            return bound(node.p) & set(node.PV)
        if name in ("Filter", "Extend", "Distinct", "Reduced", "OrderBy", "Slice", "ToMultiSet", "Graph"):
            return bound(node.p)
        return set()

    def refuse(construct: str) -> MediakgError:
        return MediakgError(
            f"oxigraph SHACL engine: {where}: {construct} is not supported (the query cannot run with $this "
            "free and be joined with the focus nodes)"
        )

    def walk(node: object, inherited: bool, top: bool = False) -> None:
        """``inherited``: $this is bound from outside (inside EXISTS)."""
        if isinstance(node, (list, tuple)):
            for v in node:
                walk(v, inherited)
            return
        if not isinstance(node, CompValue):
            return
        name = node.name
        if name in ("Minus", "ServiceGraphPattern") and uses(node):
            raise refuse(f"{name} using $this")
        if name in ("values", "ToMultiSet") and "res" in node and uses(node):
            raise refuse("VALUES binding $this")
        if name == "Extend" and node.var == this:
            raise refuse("BIND(... AS $this)")
        if name == "Project" and not top and uses(node.p) and this not in node.PV:
            raise refuse("a sub-query using $this without projecting it")
        if name in ("Filter", "Extend") and uses(node.expr) and not inherited and this not in bound(node.p):
            raise refuse(f"a {'FILTER' if name == 'Filter' else 'BIND'} using $this where it is not bound")
        if (
            name == "LeftJoin"
            and uses(node.expr)
            and not inherited
            and this not in bound(node.p1) | bound(node.p2)
        ):
            raise refuse("an OPTIONAL condition using $this where it is not bound")
        for key, value in node.items():
            if key in ("expr",):
                walk_exists(value)
            elif isinstance(value, (CompValue, list, tuple)):
                walk(value, inherited)

    def walk_exists(expr: object) -> None:
        if isinstance(expr, CompValue):
            if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
                walk(expr.graph, True)
            for v in expr.values():
                walk_exists(v)
        elif isinstance(expr, (list, tuple)):
            for v in expr:
                walk_exists(v)

    root = algebra.p
    while isinstance(root, CompValue) and root.name in ("Distinct", "Reduced", "OrderBy", "Slice"):
        root = root.p
    if not (isinstance(root, CompValue) and root.name == "Project" and this in root.PV):
        raise refuse("a query that does not select $this")
    if this not in bound(root.p):
        raise refuse("$this not bound by a required pattern in every branch")
    walk(root, False, top=True)


# --------------------------------------------------------------------------------------------- running


def ill_typed_literals(store: ox.Store, union: bool = True) -> set:
    """The typed literals whose lexical form does not fit their datatype, by rdflib's reading of them
    (as pyshacl and :func:`mediakg.validation.shacl.literal_problems` judge them). Each distinct literal is
    checked once."""
    query = (
        "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && !(DATATYPE(?o) IN "
        f"(<{XSD.string}>, <{RDF.langString}>))) }}"
    )
    bad = set()
    with quiet_rdflib():
        for row in store.query(query, use_default_graph_as_union=union):
            lit = row[0]
            if Literal(lit.value, datatype=URIRef(lit.datatype.value)).ill_typed is True:
                bad.add(lit)
    return bad


def _ill_test(bad: set) -> Callable[[re.Match], str]:
    def replace(match: re.Match) -> str:
        var = match.group(1)
        if not bad:
            return "false"
        return "(" + " || ".join(f"sameTerm({var}, {lit})" for lit in sorted(bad, key=str)) + ")"

    return replace


def _format(message: str, bindings: dict[str, Node]) -> str:
    """pyshacl's substitution of ``{?var}`` / ``{$var}`` in SHACL-SPARQL messages (str() of the term)."""
    for var, val in bindings.items():
        message = re.sub(r"\{[?$]" + re.escape(var) + r"\}", lambda _m, v=val: str(v), message)
    return message


class _Runner:
    def __init__(self, store: ox.Store, union: bool, bad: set) -> None:
        self.store, self.union = store, union
        self.ill = _ill_test(bad)

    def select(self, query: str, prefixes: dict[str, str], substitutions: dict | None = None) -> list[dict]:
        """Run one SELECT; rows as {variable name: term} (unbound variables left out)."""
        text = re.sub(_ILL + r"\((\?\w+)\)", self.ill, query)
        try:
            solutions = self.store.query(
                text, prefixes=prefixes, use_default_graph_as_union=self.union, substitutions=substitutions
            )
            names = [v.value for v in solutions.variables]
            return [{k: v for k, v in zip(names, row, strict=True) if v is not None} for row in solutions]
        except SyntaxError as exc:
            raise MediakgError(
                f"oxigraph SHACL engine: generated query does not parse ({exc}):\n{text}"
            ) from exc

    def run(self, check: _Check) -> list[ShaclResult]:
        if check.kind == "skip":
            return []
        if check.kind == "sparql":
            return self.sparql_results(check)
        rows = self.select(check.query, check.prefixes)
        out = []
        for row in rows:
            focus = oxigraph_to_rdflib(row["this"])
            if check.kind == "value":
                value = oxigraph_to_rdflib(row.get("value"))
                results = [(check.component, value)]
            elif check.kind == "qualified":
                n = int(row["_n"].value)
                qmin, qmax = check.qualified
                results = []
                if qmax is not None and n > qmax:
                    results.append((SH.QualifiedMaxCountConstraintComponent, None))
                if qmin is not None and n < qmin:
                    results.append((SH.QualifiedMinCountConstraintComponent, None))
            else:
                results = [(check.component, None)]
            for component, value in results:
                messages = tuple(str(m) for m in check.messages) or _generic(check, component)
                out.append(
                    ShaclResult(focus, check.path, value, component, check.severity, check.shape, messages)
                )
        return out

    def sparql_rows(self, check: _Check) -> list[dict]:
        """Rows of a SHACL-SPARQL constraint for the focus nodes of its shape. A query that is also one of
        the shape's targets runs once with $this free (its rows are focus nodes). Otherwise the focus
        nodes are found first and joined in: IRIs and literals as VALUES at the head of the WHERE
        clause (the query planner starts from them), blank nodes (which a query text cannot name) one
        by one through pyoxigraph's substitutions."""
        if check.focus_query is None:
            return self.select(check.query, check.prefixes)
        focus = {row["this"] for row in self.select(check.focus_query, check.prefixes)}
        named = sorted((n for n in focus if not isinstance(n, ox.BlankNode)), key=str)
        rows = []
        for start in range(0, len(named), _VALUES_CHUNK):
            values = " ".join(str(n) for n in named[start : start + _VALUES_CHUNK])
            query = _WHERE.sub(
                lambda m, v=values: f"{m.group(0)} VALUES ?this {{ {v} }}", check.query, count=1
            )
            rows += self.select(query, check.prefixes)
        for node in focus - set(named):
            rows += self.select(check.query, check.prefixes, {ox.Variable("this"): node})
        return rows

    def sparql_results(self, check: _Check) -> list[ShaclResult]:
        out, seen = [], set()
        for row in self.sparql_rows(check):
            if row.get("failure") is not None:
                raise MediakgError(
                    f"oxigraph SHACL engine: SPARQL constraint of {check.shape} reported ?failure"
                )
            key = tuple(sorted((k, str(v)) for k, v in row.items() if v is not None))
            if key in seen:
                continue
            seen.add(key)
            bindings = {k: oxigraph_to_rdflib(v) for k, v in row.items() if v is not None}
            focus = bindings["this"]
            value = bindings.get("value", focus)
            path = bindings.get("path", check.path)
            messages = [_format(str(m), bindings) for m in check.extra_messages if m not in check.messages]
            messages += [_format(str(m), bindings) for m in check.messages]
            out.append(
                ShaclResult(focus, path, value, check.component, check.severity, check.shape, tuple(messages))
            )
        return out


def _generic(check: _Check, component: URIRef) -> tuple[str, ...]:
    """A short default message where the shape gives none (pyshacl words its own; these are close)."""
    name = str(component).removeprefix(str(SH)).removesuffix("ConstraintComponent")
    return (f"{name} constraint not satisfied",)


def compile_shapes(shapes: Graph, show: Callable[[Node], str] = str) -> list[_Check]:
    """Compile every shape with targets into queries; raises MediakgError for unsupported constructs."""
    return _Compiler(shapes, show).compile()


def validate_store(
    store: ox.Store,
    shapes: Graph,
    *,
    union: bool = True,
    workers: int = 2,
    show: Callable[[Node], str] = str,
    ill_typed: set | None = None,
) -> list[ShaclResult]:
    """Validate the data in ``store`` (its default graph as the union of all graphs when ``union``) against
    ``shapes``; returns the results (an empty list: the data conforms). ``workers`` threads run the
    queries (pyoxigraph releases the GIL while evaluating). ``ill_typed`` = the result of
    :func:`ill_typed_literals` when the caller already has it."""
    checks = compile_shapes(shapes, show)
    bad = ill_typed_literals(store, union) if ill_typed is None else ill_typed
    runner = _Runner(store, union, bad)
    # the slowest queries first, so that the two workers finish together (sparql rules scan the most)
    order = sorted(checks, key=lambda c: c.kind != "sparql")
    if workers <= 1:
        batches: Iterable[list[ShaclResult]] = map(runner.run, order)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            batches = list(pool.map(runner.run, order))
    return [r for batch in batches for r in batch]


def report_graph(results: list[ShaclResult], shapes: Graph) -> Graph:
    """A SHACL validation report graph of ``results`` (as pyshacl writes it: one sh:ValidationResult per
    result; complex result paths copied from the shapes graph)."""
    report = Graph()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(not any(r.severity == SH.Violation for r in results))))
    for res in results:
        node = BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, res.focus))
        report.add((node, SH.sourceConstraintComponent, res.component))
        report.add((node, SH.resultSeverity, res.severity))
        report.add((node, SH.sourceShape, res.shape))
        if res.value is not None:
            report.add((node, SH.value, res.value))
        if res.path is not None:
            report.add((node, SH.resultPath, res.path))
            if isinstance(res.path, BNode):
                for triple in shapes.cbd(res.path):
                    report.add(triple)
        for message in res.messages:
            report.add((node, SH.resultMessage, Literal(message)))
    return report
