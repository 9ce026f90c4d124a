"""Flat CSV tables of the core classes (meetings, officials, organisations, laws, reported cases and their
acts) for spreadsheets.

One row per entity of the class (members of sub-classes included); several values in one cell are joined with
`` | ``. Every table has the columns of :data:`COMMON`; some add their own (:class:`Table`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, SKOS

from mediakg.graph.namespaces import ELI, MKG

SEP = " | "
COMMON = (
    "iri",
    "label",
    "alt_labels",
    "types",
    "date",
    "earliest_date",
    "latest_date",
    "date_basis",
    "place",
    "participants",
    "source_ids",
)


def label(g: Graph, node: Node) -> str:
    """The English (or any) prefLabel / rdfs:label / dct:title of ``node``, else its IRI's last segment."""
    for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        values = list(g.objects(node, prop))
        if values:
            english = [v for v in values if isinstance(v, Literal) and v.language == "en"]
            return str(sorted(english or values)[0])
    if isinstance(node, URIRef):
        return str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return str(node)


def _join(values) -> str:
    return SEP.join(sorted(dict.fromkeys(str(v) for v in values)))


def _labels_of(g: Graph, subject: Node, prop: URIRef) -> str:
    return _join(label(g, o) for o in g.objects(subject, prop))


def _labels_of_any(g: Graph, subject: Node, prop: URIRef) -> str:
    """Labels of the values of ``prop`` or of any of its sub-properties (``rdfs:subPropertyOf*`` in ``g``)."""
    props = set(g.transitive_subjects(RDFS.subPropertyOf, prop))
    return _join(label(g, o) for p in props for o in g.objects(subject, p))


def _over_acts(cell: Callable[[Graph, Node], str]) -> Callable[[Graph, Node], str]:
    """A case's cell from its acts' cells (provisions are stated on the act, not on its case)."""

    def cases_cell(g: Graph, case: Node) -> str:
        return _join(v for act in g.objects(case, MKG.hasAct) for v in cell(g, act).split(SEP) if v)

    return cases_cell


def _participants(g: Graph, subject: Node) -> str:
    out = []
    for p in g.objects(subject, MKG.participation):
        agent = g.value(p, MKG.agent)
        who = label(g, agent) if agent is not None else str(g.value(p, MKG.agentDescription) or "?")
        role = g.value(p, MKG.participantRole)
        out.append(f"{who} ({label(g, role)})" if role is not None else who)
    return _join(out)


def _sources(g: Graph, subject: Node) -> str:
    ids = []
    for src in g.objects(subject, PROV.wasDerivedFrom):
        ident = g.value(src, DCTERMS.identifier)
        ids.append(str(ident) if ident is not None else str(src).rsplit("/", 1)[-1])
    return _join(ids)


def _posts(g: Graph, person: Node) -> str:
    out = []
    for m in g.subjects(ORG.member, person):
        title = g.value(m, MKG.postTitle)
        what = str(title) if title is not None else label(g, g.value(m, ORG.role) or m)
        org = g.value(m, ORG.organization)
        out.append(f"{what}, {label(g, org)}" if org is not None else what)
    return _join(out)


@dataclass(frozen=True)
class Table:
    """A CSV table: the class whose members are its rows and the extra columns it adds."""

    name: str
    cls: URIRef
    extra: dict[str, Callable[[Graph, Node], str]] = field(default_factory=dict)


PROVISION_CELLS: dict[str, Callable[[Graph, Node], str]] = {
    "charged_under": lambda g, s: _labels_of(g, s, MKG.chargedUnder),
    "demanded_under": lambda g, s: _labels_of(g, s, MKG.demandedUnder),
    "cited_provisions": lambda g, s: _labels_of(g, s, MKG.citedProvision),
    # every provision in any relation, sub-properties of mkg:invokedProvision included
    "invoked_provisions": lambda g, s: _labels_of_any(g, s, MKG.invokedProvision),
}
EVENT_CELLS: dict[str, Callable[[Graph, Node], str]] = {
    "incident_types": lambda g, s: _labels_of(g, s, MKG.incidentType),
    "perpetrator_types": lambda g, s: _labels_of(g, s, MKG.perpetratorType),
    "description": lambda g, s: _labels_of(g, s, DCTERMS.description),
}

TABLES: tuple[Table, ...] = (
    Table("meetings", MKG.Meeting, {"description": lambda g, s: _labels_of(g, s, DCTERMS.description)}),
    Table("officials", MKG.Official, {"posts": _posts}),
    Table(
        "organisations",
        MKG.Organization,
        {
            "part_of": lambda g, s: _labels_of(g, s, ORG.subOrganizationOf),
            "jurisdiction": lambda g, s: _labels_of(g, s, MKG.jurisdiction),
        },
    ),
    Table(
        "laws",
        MKG.Law,
        {
            "law_type": lambda g, s: _labels_of(g, s, MKG.lawType),
            "jurisdiction": lambda g, s: _labels_of(g, s, MKG.jurisdiction),
        },
    ),
    # reported cases: their number and position in the reporting document, their acts, and the provisions of
    # those acts
    Table(
        "incidents",
        MKG.Incident,
        {
            "case_number": lambda g, s: _join(g.objects(s, MKG.caseNumber)),
            "list_position": lambda g, s: _join(g.objects(s, MKG.listPosition)),
            "reported_in": lambda g, s: _labels_of(g, s, MKG.reportedIn),
            "acts": lambda g, s: _labels_of(g, s, MKG.hasAct),
            **{name: _over_acts(cell) for name, cell in PROVISION_CELLS.items()},
            **EVENT_CELLS,
        },
    ),
    Table(
        "acts",
        MKG.Act,
        {
            "case": lambda g, s: _join(label(g, c) for c in g.subjects(MKG.hasAct, s)),
            **PROVISION_CELLS,
            **EVENT_CELLS,
        },
    ),
)


def members(g: Graph, cls: URIRef) -> list[URIRef]:
    """IRIs typed ``cls`` or one of its sub-classes (``rdfs:subClassOf*`` as stated in ``g``)."""
    classes = set(g.transitive_subjects(RDFS.subClassOf, cls))
    found = {s for c in classes for s in g.subjects(RDF.type, c) if isinstance(s, URIRef)}
    return sorted(found)


def row(g: Graph, table: Table, subject: URIRef) -> list[str]:
    """The cells of ``subject``'s row in ``table``."""
    date = _join(g.objects(subject, MKG.date)) or _join(g.objects(subject, ELI.date_document))
    common = [
        str(subject),
        label(g, subject),
        _join(g.objects(subject, SKOS.altLabel)),
        _labels_of(g, subject, RDF.type),
        date,
        _join(g.objects(subject, MKG.earliestDate)),
        _join(g.objects(subject, MKG.latestDate)),
        _labels_of(g, subject, MKG.dateBasis),
        _labels_of(g, subject, MKG.place),
        _participants(g, subject),
        _sources(g, subject),
    ]
    return common + [fn(g, subject) for fn in table.extra.values()]


def write_table(table: Table, g: Graph, path: Path) -> int:
    """Write ``table`` for the union graph ``g`` to ``path`` (UTF-8, header row); return the row count."""
    subjects = members(g, table.cls)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*COMMON, *table.extra])
        for subject in subjects:
            writer.writerow(row(g, table, subject))
    return len(subjects)
