"""Generate a synthetic mediakg dataset of a given size, with the shape of the real one, as N-Quads.

    python benchmarks/generate.py --triples 100000 --out build/synthetic-100k.nq [--seed 1]

What it writes (see ontology/MODEL.md; everything passes the shapes together with ontology/):
- the 57 OSCE participating states with their ``participating-state`` memberships, OSCE bodies, for the most
  active states a few state bodies (ministries with sub-units, ``org:subOrganizationOf``), places, media
  outlets, a criminal code with provisions;
- officials holding one to three posts (``mkg:Membership`` with ``org:memberDuring`` bounds) over time, and
  journalists;
- monthly monitoring reports (one source document and named graph per year) with reported cases (their
  position in the report, victims, perpetrators, claims) each with one act (which carries the invoked
  provision), one ``qb:Observation`` per region and indicator, and meetings
  whose participants take part in the capacity of a membership that covers the meeting date;
- realistic skew: people, places, states and outlets are drawn from a Zipf-like distribution, so a few are
  very active and most appear rarely;
- every entity with ``prov:wasDerivedFrom`` a synthetic ``mkg:SourceDocument`` and one ``mkg:evidence``;
- the graph ``id:graph/entailed`` that the build adds (src/mediakg/entail.py: ``mkg:instanceOf``,
  ``mkg:withinPlace``, ``mkg:withinOrganization``; the class hierarchy is read from ontology/), written entity
  by entity so that it counts towards ``--triples``; the questions read it instead of property paths.

The output is streamed line by line (no graph in memory), so a million triples take seconds and little
memory. Generation stops after the first complete entity that reaches ``--triples``.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox
from rdflib import Literal

from mediakg.graph.entail import (
    ENTAILED_GRAPH,
    INSTANCE_OF,
    LOCATED_IN,
    SUB_CLASS_OF,
    SUB_ORGANIZATION_OF,
    WITHIN_ORGANIZATION,
    WITHIN_PLACE,
    closure,
    description,
)

ROOT = Path(__file__).resolve().parents[1]

ID = "https://w3id.org/mediakg/id/"
MKG = "https://w3id.org/mediakg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
QB = "http://purl.org/linked-data/cube#"
ELI = "http://data.europa.eu/eli/ontology#"

# Order = activity rank: the first states are the most active.
STATES = [
    "Kazakhstan",
    "Russian Federation",
    "United States of America",
    "Kyrgyzstan",
    "Uzbekistan",
    "Germany",
    "Poland",
    "Türkiye",
    "Mongolia",
    "Tajikistan",
    "Turkmenistan",
    "France",
    "United Kingdom",
    "Ukraine",
    "Azerbaijan",
    "Armenia",
    "Georgia",
    "Belarus",
    "Moldova",
    "Italy",
    "Spain",
    "Sweden",
    "Finland",
    "Norway",
    "Switzerland",
    "Austria",
    "The Netherlands",
    "Belgium",
    "Canada",
    "Serbia",
    "Albania",
    "Bosnia and Herzegovina",
    "North Macedonia",
    "Montenegro",
    "Croatia",
    "Slovenia",
    "Slovakia",
    "Czechia",
    "Hungary",
    "Romania",
    "Bulgaria",
    "Greece",
    "Cyprus",
    "Malta",
    "Portugal",
    "Ireland",
    "Iceland",
    "Denmark",
    "Estonia",
    "Latvia",
    "Lithuania",
    "Luxembourg",
    "Liechtenstein",
    "Monaco",
    "San Marino",
    "Andorra",
    "Holy See",
]
REGIONS = [
    "Almaty",
    "Astana",
    "Shymkent",
    "Karaganda",
    "Aktobe",
    "Pavlodar",
    "Ust-Kamenogorsk",
    "Atyrau",
    "Kostanay",
    "Kyzylorda",
    "Aktau",
    "Taraz",
    "Uralsk",
    "Petropavlovsk",
    "Turkestan",
    "Kokshetau",
    "Taldykorgan",
]
FIRST = [
    "Aigerim",
    "Nurlan",
    "Dana",
    "Yerlan",
    "Saule",
    "Asel",
    "Marat",
    "Gulnara",
    "Daniyar",
    "Zhanna",
    "Serik",
    "Aliya",
    "Timur",
    "Madina",
    "Bolat",
    "Karina",
    "Askar",
    "Dinara",
    "Ruslan",
    "Aizhan",
    "Anna",
    "Jan",
    "Maria",
    "Pieter",
    "Elena",
    "Ivan",
    "Olga",
    "Tomas",
    "Sofia",
    "Lukas",
]
LAST = [
    "Abenova",
    "Bekov",
    "Dzhaksybekova",
    "Ermekov",
    "Ismailova",
    "Kassymov",
    "Mukanova",
    "Nurpeisov",
    "Omarova",
    "Sadykov",
    "Tulegenova",
    "Utepov",
    "Zhakupova",
    "Akhmetov",
    "Baimukhanova",
    "Kowalski",
    "Novak",
    "Petrova",
    "Schmidt",
    "Jansen",
    "Horvat",
    "Rossi",
    "Ivanova",
    "Muller",
    "Larsen",
]
BODIES = [
    ("ministry-of-foreign-affairs", "Ministry of Foreign Affairs", "ministry"),
    ("ministry-of-information", "Ministry of Information", "ministry"),
    ("ministry-of-internal-affairs", "Ministry of Internal Affairs", "ministry"),
    ("prosecutor-general-office", "Prosecutor General's Office", "prosecutor"),
    ("police", "Police", "police"),
    ("supreme-court", "Supreme Court", "court"),
]
UNITS = ["international-cooperation", "press-service", "legal-affairs", "media-policy"]
OSCE = [
    ("osce", "Organization for Security and Co-operation in Europe", None),
    ("osce-permanent-council", "OSCE Permanent Council", "osce"),
    ("osce-chairpersonship", "OSCE Chairpersonship", "osce"),
    ("osce-secretariat", "OSCE Secretariat", "osce"),
    ("osce-rfom", "Office of the OSCE Representative on Freedom of the Media", "osce"),
    ("osce-odihr", "OSCE Office for Democratic Institutions and Human Rights", "osce"),
    ("osce-programme-office-in-astana", "OSCE Programme Office in Astana", "osce"),
]
CAREER_ROLES = ["director", "deputy-minister", "vice-minister", "minister", "head", "secretary"]
OSCE_ROLES = ["head-of-mission", "representative-on-freedom-of-the-media", "official-representative"]
INCIDENT_TYPES = [
    "obstruction",
    "physical-attack",
    "detention",
    "criminal-prosecution",
    "administrative-prosecution",
    "criminal-complaint",
    "civil-lawsuit",
    "harassment-and-intimidation",
    "police-inaction",
    "denial-of-access",
    "discrediting",
]
INDICATORS = [
    ("judicial-acts-honour-dignity", "count"),
    ("judicial-acts-in-favour-of-media", "count"),
    ("criminal-charges", "count"),
    ("criminal-charges-in-court", "count"),
    ("administrative-charges", "count"),
    ("civil-claims", "count"),
    ("civil-claims-honour-dignity", "count"),
    ("non-pecuniary-damage-claimed", "kzt"),
    ("damages-awarded-collected", "kzt"),
]
ARTICLES = [
    ("130", "Defamation"),
    ("174", "Incitement of discord"),
    ("274", "Dissemination of false information"),
    ("293", "Hooliganism"),
    ("158", "Obstruction of journalistic activity"),
]
REPORTS_FROM = date(2005, 1, 1)
ACTIVE_STATES = 8  # states with bodies and officials (the first of STATES)


def slug(text: str) -> str:
    """ASCII-folded, lower-case, dash-joined slug (as in MODEL.md)."""
    folded = text.replace("ü", "u").replace("Ü", "U").replace("'", "")
    return "-".join("".join(c if c.isalnum() else " " for c in folded.lower()).split())


def esc(text: str) -> str:
    """Escape a string for an N-Quads literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def en(text: str) -> str:
    return f'"{esc(text)}"@en'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def iri(path: str) -> str:
    return f"<{ID}{path}>"


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


class Zipf:
    """Draw indexes 0..n-1 with probability proportional to 1/(rank+1)^s (rank 0 the most frequent)."""

    def __init__(self, n: int, rng: random.Random, s: float = 1.1) -> None:
        self.rng = rng
        self.cumulative = list(itertools.accumulate(1.0 / (k + 1) ** s for k in range(n)))

    def __call__(self) -> int:
        return bisect.bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])


@dataclass
class Post:
    iri: str
    org: str
    begin: date
    end: date | None


@dataclass
class Official:
    iri: str
    posts: list[Post] = field(default_factory=list)

    def post_at(self, day: date) -> Post | None:
        for post in self.posts:
            if post.begin <= day and (post.end is None or day <= post.end):
                return post
        return None


class Done(Exception):
    """Raised when the requested number of triples has been written."""


def class_closure(ontology: Path = ROOT / "ontology") -> dict[str, list[str]]:
    """mkg: class -> the mkg: classes its instances are instances of (itself and its superclasses), from the
    ontology's rdfs:subClassOf, computed the way the build does (mediakg.graph.entail.closure)."""
    edges = [
        (q.subject.value, SUB_CLASS_OF, q.object.value)
        for path in sorted(ontology.glob("*.ttl"))
        for q in ox.parse(path=str(path))
        if q.predicate.value == SUB_CLASS_OF and isinstance(q.object, ox.NamedNode)
    ]
    classes = {s for s, _, _ in edges if s.startswith(MKG)}
    return {
        c: [o for _, p, o in closure([("urn:x", RDF_TYPE, c), *edges]) if p == INSTANCE_OF] for c in classes
    }


class Writer:
    """Streams N-Quads into one named graph at a time and counts them; records what the entailed graph needs
    (types, places' and organisations' parents) and writes it with :meth:`entail`."""

    def __init__(self, out: TextIO, limit: int) -> None:
        self.out = out
        self.limit = limit
        self.count = 0
        self.graph = ""
        self._blank = itertools.count()
        self.graphs: set[str] = set()
        self.supers = class_closure()
        self.parent: dict[str, str] = {}  # place or organisation -> the one it lies in / is part of
        self.pending: dict[str, set[str]] = {}  # IRI -> mkg: classes not yet entailed
        self.classes: dict[str, set[str]] = {}

    @contextmanager
    def in_graph(self, graph: str) -> Iterator[None]:
        previous, self.graph = self.graph, graph
        try:
            yield
        finally:
            self.graph = previous

    def t(self, s: str, p: str, o: str) -> None:
        self.out.write(f"{s} <{p}> {o} {self.graph} .\n")
        self.count += 1
        self.graphs.add(self.graph)
        if s.startswith("<") and o.startswith(f"<{MKG}") and p == RDF_TYPE:
            self.pending.setdefault(s, set()).add(o[1:-1])
        elif p in (LOCATED_IN, SUB_ORGANIZATION_OF):
            self.parent[s] = o

    def entail(self) -> None:
        """Write the entailed triples of the IRIs typed since the last call (their parents are known by then:
        the reference data is entailed after all of it is written)."""
        pending, self.pending = self.pending, {}
        with self.in_graph(f"<{ENTAILED_GRAPH}>"):
            for node, direct in pending.items():
                new = {c for d in direct for c in self.supers.get(d, [d])} - self.classes.get(node, set())
                self.classes.setdefault(node, set()).update(new)
                for cls in sorted(new):
                    self.t(node, INSTANCE_OF, f"<{cls}>")
                for cls, predicate in (
                    (f"{MKG}Place", WITHIN_PLACE),
                    (f"{MKG}Organization", WITHIN_ORGANIZATION),
                ):
                    if cls in new:
                        up: str | None = node
                        while up is not None:
                            self.t(node, predicate, up)
                            up = self.parent.get(up)

    def describe_entailed(self) -> None:
        """The VoID/PROV description of the entailed graph (derived, not from a source)."""
        used = sorted(g[1:-1] for g in self.graphs if g and g != f"<{ENTAILED_GRAPH}>")
        with self.in_graph(f"<{ENTAILED_GRAPH}>"):
            for s, p, o in description(used):
                self.t(f"<{s}>", p, o.n3() if isinstance(o, Literal) else f"<{o}>")

    def bnode(self) -> str:
        return f"_:b{next(self._blank)}"

    def entity_done(self) -> None:
        """Stop at an entity boundary once enough triples are out (so every entity is complete)."""
        self.entail()
        if self.count >= self.limit:
            raise Done


class Generator:
    """Writes the synthetic dataset; one instance per run."""

    def __init__(self, out: TextIO, triples: int, seed: int) -> None:
        self.w = Writer(out, triples)
        self.rng = random.Random(seed)
        self.n = triples
        self.registry = iri("source/synthetic-registry")
        self.quote = itertools.count(1)

    # -- building blocks -----------------------------------------------------------------------------------

    def provenance(self, node: str, source: str) -> None:
        w = self.w
        w.t(node, f"{PROV}wasDerivedFrom", source)
        ev = w.bnode()
        w.t(node, f"{MKG}evidence", ev)
        w.t(ev, RDF_TYPE, f"<{MKG}Evidence>")
        w.t(ev, f"{OA}exact", f'"synthetic statement {next(self.quote)}"')
        w.t(ev, f"{DCT}source", source)

    def source_document(self, ident: str, title: str, issued: date) -> str:
        w = self.w
        node = iri(f"source/{ident}")
        w.t(node, RDF_TYPE, f"<{MKG}SourceDocument>")
        w.t(node, f"{DCT}identifier", f'"{ident}"')
        w.t(node, f"{DCT}title", en(title))
        w.t(node, f"{DCT}issued", typed(issued.isoformat(), "date"))
        return node

    def labelled(self, node: str, classes: list[str], label: str, source: str) -> None:
        for cls in classes:
            self.w.t(node, RDF_TYPE, f"<{MKG}{cls}>")
        self.w.t(node, f"{SKOS}prefLabel", en(label))
        self.provenance(node, source)

    def membership(
        self,
        member: str,
        member_slug: str,
        role: str,
        org: str,
        begin: date | None,
        end: date | None,
        title: str,
        source: str,
    ) -> str:
        w = self.w
        node = iri(f"membership/{member_slug}--{role}")
        w.t(node, RDF_TYPE, f"<{MKG}Membership>")
        w.t(node, f"{ORG}member", member)
        w.t(node, f"{ORG}organization", org)
        w.t(node, f"{ORG}role", iri(f"role/{role}"))
        w.t(node, f"{MKG}postTitle", en(title))
        if begin or end:
            interval = w.bnode()
            w.t(node, f"{ORG}memberDuring", interval)
            w.t(interval, RDF_TYPE, f"<{TIME}Interval>")
            for prop, day in ((f"{TIME}hasBeginning", begin), (f"{TIME}hasEnd", end)):
                if day:
                    instant = w.bnode()
                    w.t(interval, prop, instant)
                    w.t(instant, RDF_TYPE, f"<{TIME}Instant>")
                    w.t(instant, f"{MKG}date", typed(day.isoformat(), "date"))
        self.provenance(node, source)
        return node

    # -- reference data ------------------------------------------------------------------------------------

    def reference(self) -> None:
        w, rng = self.w, self.rng
        src = self.registry
        with w.in_graph(iri("graph/reference-synthetic")):
            self.source_document(
                "synthetic-registry", "Synthetic registry of agents, places and laws", date(2015, 12, 31)
            )
            for key, label, parent in OSCE:
                node = iri(f"org/{key}")
                self.labelled(node, ["IntergovernmentalBody"], label, src)
                if parent:
                    w.t(node, f"{ORG}subOrganizationOf", iri(f"org/{parent}"))
            self.states: list[str] = []
            self.bodies: dict[str, list[tuple[str, str, str]]] = {}  # state -> (iri, label, actor type)
            for name in STATES:
                s = slug(name)
                node = iri(f"state/{s}")
                self.states.append(node)
                self.labelled(node, ["State"], name, src)
                self.membership(
                    node, s, "participating-state", iri("org/osce"), None, None, "participating State", src
                )
                if len(self.states) > ACTIVE_STATES:
                    continue  # the long tail of states appears only as participating States
                bodies = []
                for key, label, actor in BODIES:
                    body = iri(f"org/{s}-{key}")
                    self.labelled(body, ["StateBody"], f"{label} of {name}", src)
                    w.t(body, f"{MKG}jurisdiction", node)
                    bodies.append((body, f"{label} of {name}", actor))
                    if actor == "ministry" and len(self.states) <= 2:
                        for unit in UNITS:
                            sub = iri(f"org/{s}-{key}-{unit}")
                            unit_label = f"{unit.replace('-', ' ').title()} Department, {label} of {name}"
                            self.labelled(sub, ["StateBody"], unit_label, src)
                            w.t(sub, f"{ORG}subOrganizationOf", body)
                self.bodies[node] = bodies
            self.state_pick = Zipf(ACTIVE_STATES, rng, 1.3)
            # Places: regional centres of Kazakhstan, then generic towns; Zipf by rank.
            self.places: list[str] = []
            self.place_labels: dict[str, str] = {}
            kz = self.states[0]
            for k in range(max(len(REGIONS), self.n // 4000)):
                label = REGIONS[k] if k < len(REGIONS) else f"Town {k - len(REGIONS) + 1}"
                node = iri(f"place/{slug(label)}")
                self.labelled(node, ["Place"], label, src)
                w.t(node, f"{MKG}locatedIn", kz)
                self.places.append(node)
                self.place_labels[node] = label
            self.place_pick = Zipf(len(self.places), rng)
            self.adil_soz = iri("org/adil-soz")
            self.labelled(
                self.adil_soz, ["NonGovernmentalOrganization"], "Adil Soz International Foundation", src
            )
            self.outlets = []
            for k in range(max(8, self.n // 5000)):
                node = iri(f"org/outlet-{k + 1}")
                self.labelled(node, ["MediaOutlet"], f"Media outlet {k + 1}", src)
                self.outlets.append(node)
            self.outlet_pick = Zipf(len(self.outlets), rng)
            self.code = iri("law/kz-criminal-code")
            self.labelled(self.code, ["Law"], "Criminal Code of the Republic of Kazakhstan", src)
            w.t(self.code, f"{MKG}lawType", iri("concept/law-type/code"))
            w.t(self.code, f"{ELI}date_document", typed("2014-07-03", "date"))
            w.t(self.code, f"{MKG}jurisdiction", kz)
            self.provisions = []
            for number, heading in ARTICLES:
                node = iri(f"provision/kz-criminal-code-art-{number}")
                self.labelled(node, ["LegalProvision"], f"Article {number} of the Criminal Code", src)
                w.t(node, f"{ELI}is_part_of", self.code)
                w.t(node, f"{MKG}articleNumber", f'"{number}"')
                w.t(node, f"{MKG}heading", en(heading))
                self.provisions.append(node)
            dataset = iri("dataset/adil-soz-monitoring")
            w.t(dataset, RDF_TYPE, f"<{QB}DataSet>")
            w.t(dataset, f"{QB}structure", f"<{MKG}MonitoringStructure>")
            w.t(dataset, f"{SKOS}prefLabel", en("Adil Soz monitoring of freedom of speech"))
            self.w.entail()  # every place and organisation is known now, with its parent
            self.people()

    def people(self) -> None:
        rng = self.rng
        src = self.registry
        names = (f"{f} {last}" for last in LAST for f in FIRST)
        suffixed = (f"{f} {last} {k}" for k in itertools.count(2) for last in LAST for f in FIRST)
        name_stream = itertools.chain(names, suffixed)
        self.officials: list[Official] = []
        for _ in range(max(60, self.n // 400)):
            label = next(name_stream)
            s = slug(label)
            official = Official(iri(f"person/{s}"))
            self.labelled(official.iri, ["Official"], label, src)
            state = self.states[self.state_pick()]
            osce = rng.random() < 0.15
            begin = date(rng.randint(2000, 2019), rng.randint(1, 12), rng.randint(1, 28))
            roles = rng.sample(OSCE_ROLES if osce else CAREER_ROLES, rng.randint(1, 3 if not osce else 2))
            for k, role in enumerate(roles):
                last = k == len(roles) - 1
                end = None if last and rng.random() < 0.5 else begin + timedelta(days=rng.randint(700, 2900))
                if osce:
                    org = iri(
                        rng.choice(["org/osce-rfom", "org/osce-programme-office-in-astana", "org/osce-odihr"])
                    )
                else:
                    body, _label, _actor = rng.choice(self.bodies[state][:3])
                    org = body
                title = role.replace("-", " ").title()
                post = self.membership(official.iri, s, role, org, begin, end, title, src)
                official.posts.append(Post(post, org, begin, end))
                begin = (end or begin) + timedelta(days=1)
            self.officials.append(official)
        self.official_pick = Zipf(len(self.officials), rng)
        self.journalists: list[str] = []
        for _ in range(max(40, self.n // 600)):
            label = next(name_stream)
            node = iri(f"person/{slug(label)}")
            self.labelled(node, ["Journalist"], label, src)
            self.journalists.append(node)
        self.journalist_pick = Zipf(len(self.journalists), rng)

    # -- monthly reports -----------------------------------------------------------------------------------

    def reports(self) -> None:
        for k in itertools.count():
            self.report(date(REPORTS_FROM.year + k // 12, k % 12 + 1, 1))

    def report(self, month: date) -> None:
        """One monthly monitoring report: statistics per region, incidents and meetings of the month. The
        reports of a year come from one source document (an annual compilation), which is one named graph:
        stores evaluate queries over a few dozen graphs much faster than over hundreds."""
        w, rng = self.w, self.rng
        ym = f"{month:%Y-%m}"
        ident = f"synthetic-monitoring-{month.year}"
        end = month_end(month)
        published = end + timedelta(days=rng.randint(3, 20))
        source = iri(f"source/{ident}")
        with w.in_graph(source):
            if month.month == 1:
                self.source_document(ident, f"Monitoring of freedom of speech in Kazakhstan, {month.year}",
                                     date(month.year + 1, 1, 31))  # fmt: skip
                w.t(source, f"{DCT}publisher", self.adil_soz)
            doc = iri(f"document/monitoring-{ym}")
            self.labelled(doc, ["MonitoringReport"], f"Monitoring report, {ym}", source)
            w.t(doc, f"{MKG}date", typed(published.isoformat(), "date"))
            w.t(doc, f"{MKG}coversPeriod", typed(ym, "gYearMonth"))
            w.t(doc, f"{DCT}creator", self.adil_soz)
            w.t(doc, f"{MKG}describedIn", source)
            w.entity_done()
            for region in REGIONS:
                self.statistics(region, ym, source)
            for n in range(rng.randint(20, 60)):
                self.incident(f"{ym}-{n + 1}", n + 1, month, end, doc, source)
                w.entity_done()
            for n in range(rng.randint(10, 30)):
                self.meeting(f"{ym}-{n + 1}", month, end, source)
                w.entity_done()

    def statistics(self, region: str, ym: str, source: str) -> None:
        w, rng = self.w, self.rng
        area = iri(f"place/{slug(region)}")
        for indicator, unit in INDICATORS:
            node = iri(f"statistic/{slug(region)}-{ym}-{indicator}")
            w.t(node, RDF_TYPE, f"<{QB}Observation>")
            w.t(node, RDF_TYPE, f"<{MKG}Statistic>")
            w.t(node, f"{QB}dataSet", iri("dataset/adil-soz-monitoring"))
            w.t(node, f"{MKG}refPeriodStart", typed(ym, "gYearMonth"))
            w.t(node, f"{MKG}refPeriodEnd", typed(ym, "gYearMonth"))
            w.t(node, f"{MKG}indicator", iri(f"concept/indicator/{indicator}"))
            value = rng.randint(0, 5_000_000) if unit == "kzt" else int(rng.paretovariate(1.5)) - 1
            w.t(node, f"{MKG}value", typed(value, "integer"))
            w.t(node, f"{MKG}unit", iri(f"concept/unit/{unit}"))
            w.t(node, f"{MKG}refArea", area)
            self.provenance(node, source)
            w.entity_done()

    def participation(
        self,
        event: str,
        agent: str | None,
        role: str,
        capacity: str | None = None,
        description: str | None = None,
    ) -> None:
        w = self.w
        node = w.bnode()
        w.t(event, f"{MKG}participation", node)
        w.t(node, RDF_TYPE, f"<{MKG}Participation>")
        if agent:
            w.t(node, f"{MKG}agent", agent)
        else:
            w.t(node, f"{MKG}agentDescription", en(description or "an unidentified person"))
        w.t(node, f"{MKG}participantRole", iri(f"concept/participant-role/{role}"))
        if capacity:
            w.t(node, f"{MKG}inCapacityOf", capacity)

    def incident(self, key: str, position: int, month: date, end: date, doc: str, source: str) -> None:
        """A reported case (its position in the monthly report) with one act of the same type, date and place,
        which carries the provision where there is one."""
        w, rng = self.w, self.rng
        node = iri(f"incident/{key}")
        act = iri(f"act/{key}")
        place = self.places[self.place_pick()]
        region = self.place_labels[place]
        day = month + timedelta(days=rng.randint(0, (end - month).days))
        types = rng.sample(INCIDENT_TYPES, rng.choice((1, 1, 1, 2)))
        self.labelled(
            node, ["Incident"], f"{types[0].replace('-', ' ').capitalize()} in {region}, {day}", source
        )
        self.labelled(act, ["Act"], f"{types[0].replace('-', ' ').capitalize()}, {day}", source)
        w.t(node, f"{MKG}listPosition", typed(position, "integer"))
        w.t(node, f"{MKG}hasAct", act)
        for event in (node, act):
            w.t(event, f"{MKG}date", typed(day.isoformat(), "date"))
            w.t(event, f"{MKG}dateBasis", iri("concept/date-basis/stated"))
            w.t(event, f"{MKG}place", place)
            for t in types:
                w.t(event, f"{MKG}incidentType", iri(f"concept/incident-type/{t}"))
        w.t(node, f"{MKG}reportedIn", doc)
        victim = self.journalists[self.journalist_pick()]
        self.participation(node, victim, "victim")
        kz_bodies = self.bodies[self.states[0]]
        if rng.random() < 0.5:
            body, _label, actor = rng.choice(kz_bodies[2:])
            self.participation(node, body, "perpetrator")
            for event in (node, act):
                w.t(event, f"{MKG}perpetratorType", iri(f"concept/actor-type/{actor}"))
            if rng.random() < 0.6:
                claim = w.bnode()
                w.t(node, f"{MKG}claim", claim)
                w.t(claim, RDF_TYPE, f"<{MKG}Claim>")
                w.t(claim, f"{MKG}claimant", body)
                w.t(claim, f"{DCT}description", en("The authority denies any wrongdoing."))
                self.provenance(claim, source)
        else:
            self.participation(node, None, "perpetrator", description="unidentified persons")
            for event in (node, act):
                w.t(event, f"{MKG}perpetratorType", iri("concept/actor-type/unidentified-persons"))
        if "criminal-prosecution" in types or "criminal-complaint" in types:
            w.t(act, f"{MKG}invokedProvision", rng.choice(self.provisions))
        w.t(
            node,
            f"{DCT}description",
            en(f"Synthetic incident affecting a journalist of outlet {self.outlet_pick() + 1}."),
        )

    def meeting(self, key: str, month: date, end: date, source: str) -> None:
        w, rng = self.w, self.rng
        day = month + timedelta(days=rng.randint(0, (end - month).days))
        chosen: dict[str, Post] = {}
        for _ in range(30):  # draw skewed candidates; keep those holding a post on the day
            official = self.officials[self.official_pick()]
            post = official.post_at(day)
            if post and official.iri not in chosen:
                chosen[official.iri] = post
            if len(chosen) >= rng.randint(2, 5):
                break
        if not chosen:
            return
        node = iri(f"meeting/{key}")
        self.labelled(node, ["Meeting"], f"Meeting {key}", source)
        w.t(node, f"{MKG}date", typed(day.isoformat(), "date"))
        w.t(node, f"{MKG}dateBasis", iri("concept/date-basis/stated"))
        w.t(node, f"{MKG}place", self.places[self.place_pick()])
        for k, (person, post) in enumerate(chosen.items()):
            self.participation(
                node, person, "host" if k == 0 else rng.choice(("participant", "speaker")), post.iri
            )
        w.t(node, f"{DCT}description", en(f"Synthetic meeting of {len(chosen)} officials."))


def generate(triples: int, out: TextIO, seed: int = 1) -> int:
    """Write about ``triples`` N-Quads to ``out``; returns the exact number written."""
    gen = Generator(out, triples, seed)
    try:
        gen.reference()
        gen.reports()
    except Done:
        pass
    gen.w.entail()
    gen.w.describe_entailed()
    return gen.w.count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, required=True, help="number of triples to generate (>= 5000)")
    parser.add_argument("--out", help="N-Quads file to write (default: standard output)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same output)")
    args = parser.parse_args(argv)
    if args.triples < 5000:
        parser.error("--triples must be at least 5000 (the 57 states and their bodies alone take ~4000)")
    started = time.monotonic()
    if args.out:
        target = Path(args.out)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with open(partial, "w", encoding="utf-8", buffering=1 << 20) as out:
            count = generate(args.triples, out, args.seed)
        partial.replace(target)  # no half-written output under the final name
    else:
        count = generate(args.triples, sys.stdout, args.seed)
    print(f"wrote {count} triples in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
