"""The current graph, as draft needs it: every person, organisation, place, law and provision with its
labels, and the concepts of the SKOS schemes with theirs. Read with pyoxigraph from the project's files or a
build folder's dataset; nothing here depends on how the rest of mediakg stores the graph."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from mediakg.errors import UsageError

MKG = "https://w3id.org/mediakg/ontology#"
ID = "https://w3id.org/mediakg/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: Top classes of the entities draft links, and the kind of IRI each gets (id:<kind>/<slug>).
TOP_CLASSES = {
    "Person": "person",
    "Organization": "org",
    "Place": "place",
    "Law": "law",
    "LegalProvision": "provision",
}
_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".nt": ox.RdfFormat.N_TRIPLES,
}
_PREFIXES = (
    f"PREFIX mkg: <{MKG}> PREFIX skos: <{SKOS}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


@dataclass
class Label:
    text: str
    lang: str
    preferred: bool


@dataclass
class Entity:
    """A thing in the graph that a text may name."""

    iri: str
    classes: set[str] = field(default_factory=set)  # mkg: local names of its types and their superclasses
    labels: list[Label] = field(default_factory=list)
    article: str | None = None  # a provision's article number
    law: str | None = None  # a provision's law

    @property
    def kinds(self) -> set[str]:
        return {TOP_CLASSES[c] for c in self.classes if c in TOP_CLASSES}

    @property
    def label(self) -> str:
        for lab in self.labels:
            if lab.preferred and lab.lang in ("en", ""):
                return lab.text
        return self.labels[0].text if self.labels else self.short

    @property
    def short(self) -> str:
        return "id:" + self.iri[len(ID) :] if self.iri.startswith(ID) else f"<{self.iri}>"

    @property
    def is_person(self) -> bool:
        return "Person" in self.classes


@dataclass
class Concept:
    iri: str
    label: str
    labels: list[str]  # preferred, alternative and hidden labels


@dataclass
class GraphView:
    """What draft knows of the graph."""

    entities: dict[str, Entity]
    schemes: dict[str, list[Concept]]
    described: set[str]  # files or folder read
    triples: int

    def concepts(self, scheme: str) -> list[Concept]:
        """Concepts of ``id:concept/<scheme>``."""
        return self.schemes.get(scheme, [])

    def provision(self, law: str, article: str) -> Entity | None:
        for entity in self.entities.values():
            if entity.law == law and entity.article == article:
                return entity
        return None


def project_files(root: Path, exclude: Iterable[str] = ()) -> list[Path]:
    """The ontology and data files of a project tree, without ``data/<id>.ttl`` for each excluded id."""
    skip = set(exclude)
    files = sorted((root / "ontology").glob("*.ttl"))
    files += [p for p in sorted((root / "data").glob("*.ttl")) if p.stem not in skip]
    return files + sorted((root / "data" / "reference").glob("*.ttl"))


def graph_files(path: Path) -> list[Path]:
    """The RDF files of a ``--graph`` argument: a build folder (its dataset.nq or dataset.trig), a folder of
    files, or one file."""
    if path.is_dir():
        for name in ("dataset.nq", "dataset.trig"):
            if (path / name).is_file():
                return [path / name]
        files = sorted(p for p in path.rglob("*") if p.suffix in _FORMATS)
        if not files:
            raise UsageError(f"{path}: no dataset.nq, dataset.trig or RDF files in this folder")
        return files
    if not path.is_file():
        raise UsageError(f"{path}: no such file or folder")
    if path.suffix not in _FORMATS:
        raise UsageError(f"{path}: not an RDF file ({', '.join(sorted(_FORMATS))})")
    return [path]


def load_graph(files: Iterable[Path]) -> GraphView:
    """Read ``files`` into an in-memory pyoxigraph store and collect entities and concepts; UsageError
    naming the file for one that does not parse."""
    store = ox.Store()
    files = list(files)
    for number, path in enumerate(files):
        graph = ox.NamedNode(f"urn:mediakg:draft:file:{number}")
        fmt = _FORMATS.get(path.suffix)
        if fmt is None:
            raise UsageError(f"{path}: not an RDF file ({', '.join(sorted(_FORMATS))})")
        quads = fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
        try:
            store.bulk_load(path=str(path), format=fmt, to_graph=None if quads else graph)
        except (SyntaxError, ValueError, OSError) as exc:
            raise UsageError(f"{path}: cannot read the graph: {' '.join(str(exc).split())}") from None
    return GraphView(_entities(store), _schemes(store), {str(p) for p in files}, len(store))


def _select(store: ox.Store, query: str) -> Iterable[ox.QuerySolution]:
    return store.query(_PREFIXES + query, use_default_graph_as_union=True)  # type: ignore[return-value]


def _entities(store: ox.Store) -> dict[str, Entity]:
    out: dict[str, Entity] = {}
    tops = " ".join(f"mkg:{c}" for c in TOP_CLASSES)
    typed = f"""SELECT DISTINCT ?e ?c WHERE {{
        ?e a ?t . ?t rdfs:subClassOf* ?c . FILTER(isIRI(?e) && STRSTARTS(STR(?c), STR(mkg:)))
        ?t rdfs:subClassOf* ?top . VALUES ?top {{ {tops} }} }}"""
    for row in _select(store, typed):
        entity = out.setdefault(row["e"].value, Entity(row["e"].value))
        entity.classes.add(row["c"].value[len(MKG) :])
    labels = """SELECT ?e ?l ?p WHERE {
        { ?e skos:prefLabel ?l BIND(true AS ?p) } UNION { ?e skos:altLabel ?l BIND(false AS ?p) } }"""
    for row in _select(store, labels):
        entity = out.get(row["e"].value)
        if entity is not None and isinstance(row["l"], ox.Literal):
            lab = row["l"]
            entity.labels.append(Label(lab.value, lab.language or "", row["p"].value == "true"))
    provisions = """SELECT ?e ?law ?n WHERE {
        ?e <http://data.europa.eu/eli/ontology#is_part_of> ?law ; mkg:articleNumber ?n }"""
    for row in _select(store, provisions):
        if row["e"].value in out:
            out[row["e"].value].law, out[row["e"].value].article = row["law"].value, row["n"].value
    for entity in out.values():  # one order for every run: preferred first, then alphabetically
        entity.labels = sorted(
            {(lb.text, lb.lang): lb for lb in entity.labels}.values(),
            key=lambda lb: (not lb.preferred, lb.text),
        )
    return out


def _schemes(store: ox.Store) -> dict[str, list[Concept]]:
    query = """SELECT ?c ?s ?l ?p WHERE {
        ?c skos:inScheme ?s .
        { ?c skos:prefLabel ?l BIND(0 AS ?p) } UNION { ?c skos:altLabel ?l BIND(1 AS ?p) }
        UNION { ?c skos:hiddenLabel ?l BIND(2 AS ?p) }
        FILTER(LANG(?l) IN ("en", "")) }"""
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for row in _select(store, query):
        scheme = row["s"].value.rsplit("/concept/", 1)[-1]
        found.setdefault((scheme, row["c"].value), []).append((int(row["p"].value), row["l"].value))
    out: dict[str, list[Concept]] = {}
    for (scheme, iri), labels in sorted(found.items()):
        labels.sort()
        out.setdefault(scheme, []).append(Concept(iri, labels[0][1], [text for _, text in labels]))
    return out
