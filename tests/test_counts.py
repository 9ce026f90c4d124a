"""The build counts what the sources report, as an analyst would count it from the texts.

For each source text, the numbers below were worked out by reading the text (each with the passage it rests
on), not by querying the graph: reported cases as the source presents them (one numbered item of an appeal,
one bullet of a monitoring report), the acts that make up those cases, meetings, officials, laws, provisions,
claims and stated quantities. A change of mapping that changes a count must change this file on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

ID = "https://w3id.org/mediakg/id/"
MKG = "https://w3id.org/mediakg/ontology#"

#: source id -> kind -> expected count (kinds: see KINDS).
EXPECTED: dict[str, dict[str, int]] = {
    # Kazakhstan Deputy Foreign Minister joins OSCE journalist safety event (TDI, 27 June 2024).
    "000_e1ec86c1e54fa2f1": {
        "cases": 0,
        "acts": 0,
        # the regional event "Beyond the headlines: protecting journalists to advance media freedom"
        "meetings": 1,
        # Roman Vasilenko (Deputy Foreign Minister), Teresa Ribeiro (the Representative's Office is hers),
        # Kanat Iskakov (Vice Minister of Culture and Information), President Kassym-Jomart Tokayev
        "officials": 4,
        "laws": 1,  # the Law "On Mass Media", "signed by the Head of State on June 19, 2024"
        "provisions": 0,
        # Vasilenko x3 (priority since independence; free media and safety; thanks for the recommendations),
        # Ribeiro x1, Iskakov x3 (commitment and legal framework; the new law; cooperation with the Office),
        # "it was emphasized" (no speaker named), "the parties agreed"
        "claims": 9,
        "quantities": 0,
    },
    # Atamkulov meets the ODIHR Director (Warsaw, 7 May 2019).
    "001_922df78b71b0b3fd": {
        "cases": 0,
        "acts": 0,
        "meetings": 1,  # "Beibut Atamkulov met with Ingibjörg Sólrún Gísladóttir"
        # Atamkulov, Gísladóttir, Urszula Gacek ("the head of the mission"), Nazarbayev ("the First
        # President")
        "officials": 4,
        "laws": 0,
        "provisions": 0,
        # Atamkulov x3 (democratic institutions and cooperation; readiness to work with Gacek; the experience
        # of inter-ethnic harmony), Gísladóttir x3 (appreciation and "a tool"; the two projects; the ministry
        # and the election commission), "The sides confirmed their mutual desire"
        "claims": 7,
        "quantities": 2,  # "22 long-term and 300 short-term observers"
    },
    # OSCE page with the 2007 press release on Tazhin's address to the Permanent Council.
    "002_b54709ca0751dd12": {
        "cases": 0,
        "acts": 0,
        "meetings": 1,  # "Marat Tazhin said today ... in his address to the OSCE Permanent Council"
        "officials": 1,  # Tazhin
        "laws": 1,  # "changes to the Constitution"
        "provisions": 0,
        # the 2009 bid; chairing's effect; thanks to supporters; the 2003 decision; priorities; political
        # reform; penitentiary reform and the death-penalty statement; reform of the OSCE
        "claims": 8,
        "quantities": 0,
    },
    # Adil Soz monitoring report, August 2020.
    "003_0abe2e25f9e103e9": {
        # five bullets: Ministry of Health media center; rules for journalists at peaceful assemblies;
        # National Media Measurement Panel; Almaty maslikhat behind closed doors; businessman against
        # Akhmedyarov
        "cases": 5,
        "acts": 5,  # one act each
        # "said at a briefing"; the maslikhat's "meeting" held "behind closed doors"
        "meetings": 2,
        "officials": 2,  # Bagdat Kozhakhmetov, Maksat Rakhmetov
        # the Rules, the "Minister's Order" approving them, the law "On Access to Information", the law "on
        # protection of personal data"
        "laws": 4,
        "provisions": 0,
        # Kozhakhmetov; "the journalists note"; Sabirov; Rakhmetov; the ministry's recommendation; the
        # businessman's demand; Akhmedyarov's account; Akhmedyarov's bribe story
        "claims": 8,
        # "exceeds 200" participants; "500 thousand tenge"; "four citizens of Uzbekistan"
        "quantities": 3,
    },
    # Adil Soz item carrying the NGOs' appeal (29 March 2019).
    "004_5fc3c1fc3dcca73a": {
        # "1." to "8.", then Zhursin ("on January 3") and Zhoyamergen/Amirkhanov ("on January 9")
        "cases": 10,
        # 1: obstruction, police inaction, detention, charge (Art. 293), change of charge (Art. 73-2); 2:
        # obstruction, police inaction; 3: obstruction; 4: detention, conviction; 5: taken to the police
        # station; 6: detention, criminal case (Art. 174); 7: summons, accusations; 8: attack; January: two
        # detentions
        "acts": 18,
        "meetings": 0,
        # addressees K.Tokaev, K. Kasymov, G.Nurdauletov, E.Turgumbayev, D.Abaev; Daniyar Adilov ("the head of
        # the criminal investigation department")
        "officials": 6,
        "laws": 3,  # Criminal Code, Administrative Code, Constitution
        "provisions": 6,  # CC 158, 293, 174; AC 73-2, 667; Constitution Art. 20
        # "a girl from the group"; "a claim allegedly received"; "a statement of an unknown person"; the city
        # authorities' and prosecutors' accusations; Turmagambetova; the police's version
        "claims": 6,
        # "more than five hours"; "about half an hour"; "a fine of 20 Monthly calculation Index"; "Nine"
        # organizations
        "quantities": 4,
    },
}

#: kind -> the class whose instances (sub-classes included) are counted.
KINDS = {
    "cases": MKG + "Incident",
    "acts": MKG + "Act",
    "meetings": MKG + "Meeting",
    "officials": MKG + "Official",
    "laws": MKG + "Law",
    "provisions": MKG + "LegalProvision",
    "claims": MKG + "Claim",
    "quantities": "https://schema.org/QuantitativeValue",
}

COUNTS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct:  <http://purl.org/dc/terms/>
SELECT ?source ?class (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES ?class { %s }
  ?x a ?type ; prov:wasDerivedFrom ?src .
  ?type rdfs:subClassOf* ?class .
  ?src dct:identifier ?source .
} GROUP BY ?source ?class
"""


@pytest.fixture(scope="module")
def counted(built_dataset: Path) -> dict[str, dict[str, int]]:
    """source id -> kind -> count, from the store the build wrote."""
    store = ox.Store.read_only(str(built_dataset / "store"))
    kind_of = {cls: kind for kind, cls in KINDS.items()}
    query = COUNTS % " ".join(f"<{c}>" for c in KINDS.values())
    out: dict[str, dict[str, int]] = {source: dict.fromkeys(KINDS, 0) for source in EXPECTED}
    for row in store.query(query, use_default_graph_as_union=True):
        out.setdefault(row["source"].value, dict.fromkeys(KINDS, 0))[kind_of[row["class"].value]] = int(
            row["n"].value
        )
    return out


def test_every_source_is_counted(counted: dict[str, dict[str, int]], sources_dir: Path) -> None:
    assert set(counted) == set(EXPECTED) == {p.stem for p in sources_dir.glob("*.txt")}


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_counts_per_source(counted: dict[str, dict[str, int]], source: str) -> None:
    assert counted[source] == EXPECTED[source]


def test_summary_counts_the_same_cases_and_acts(built_dataset: Path) -> None:
    """summary.json (what the README reports) counts the cases and acts of all sources together."""
    entities = json.loads((built_dataset / "summary.json").read_text(encoding="utf-8"))["entities"]
    for kind, name in (("cases", "mkg:Incident"), ("acts", "mkg:Act"), ("meetings", "mkg:Meeting")):
        assert entities[name] == sum(counts[kind] for counts in EXPECTED.values()), kind


def test_cases_count_as_their_documents_number_them(built_dataset: Path) -> None:
    """The appeal's cases carry its numbers 1 to 8 and the positions 1 to 10; the report's five bullets the
    positions 1 to 5 and no numbers."""
    store = ox.Store.read_only(str(built_dataset / "store"))
    rows = store.query(
        f"""SELECT ?doc ?pos ?num WHERE {{
              ?case a <{MKG}Incident> ; <{MKG}reportedIn> ?doc ; <{MKG}listPosition> ?pos .
              OPTIONAL {{ ?case <{MKG}caseNumber> ?num }} }}""",
        use_default_graph_as_union=True,
    )
    by_doc: dict[str, dict[int, str | None]] = {}
    for r in rows:
        by_doc.setdefault(r["doc"].value, {})[int(r["pos"].value)] = r["num"].value if r["num"] else None
    assert by_doc[ID + "document/ngo-appeal-2019-03-29"] == {
        n: (str(n) if n <= 8 else None) for n in range(1, 11)
    }
    assert by_doc[ID + "document/adil-soz-report-2020-08"] == dict.fromkeys(range(1, 6))
