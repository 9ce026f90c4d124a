"""The ontology, the concept schemes and the SHACL shapes, checked against MODEL.md and small test graphs.

Validation is run as the build runs it: data graph = ontology + concepts + data, shapes graph = shapes/*.ttl,
no inference, SHACL-SPARQL enabled. The test graphs are small and written inline; one graph holds all the
faults (each on its own node) so that the shapes run only a few times.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pyoxigraph
import pyshacl
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "mediakg.ttl"
CONCEPTS = ROOT / "ontology" / "concepts.ttl"
MODEL = ROOT / "ontology" / "MODEL.md"
SHAPES = sorted((ROOT / "shapes").glob("*.ttl"))

MKG = Namespace("https://w3id.org/mediakg/ontology#")
ID = "https://w3id.org/mediakg/id/"
SH = Namespace("http://www.w3.org/ns/shacl#")
QB = Namespace("http://purl.org/linked-data/cube#")
DCT = Namespace("http://purl.org/dc/terms/")


class Result(NamedTuple):
    severity: str
    focus: str
    message: str
    source_constraint: str


def _short(node: object) -> str:
    return str(node).replace(ID, "id:")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


@pytest.fixture(scope="module")
def concepts() -> Graph:
    return Graph().parse(CONCEPTS)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in SHAPES:
        graph.parse(path)
    return graph


def validate(shapes: Graph, data_ttl: str, backend: str = "rdflib") -> list[Result]:
    """Validate ontology + concepts + ``data_ttl`` as the build does; return the results."""
    if backend == "rdflib":
        data: object = (
            Graph().parse(ONTOLOGY).parse(CONCEPTS).parse(data=PREFIXES + data_ttl, format="turtle")
        )
    else:
        data = pyoxigraph.Store()
        for path in (ONTOLOGY, CONCEPTS):
            data.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
        data.load((PREFIXES + data_ttl).encode(), format=pyoxigraph.RdfFormat.TURTLE)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    return [
        Result(
            _short(report.value(r, SH.resultSeverity)).split("#")[1],
            _short(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultMessage)),
            str(report.value(r, SH.sourceConstraint) or ""),
        )
        # top-level results only, not the sh:detail results nested under sh:node / sh:or failures
        for r in report.objects(None, SH.result)
    ]


# ---------------------------------------------------------------------------------------------------------
# Test graphs
# ---------------------------------------------------------------------------------------------------------

PREFIXES = """
@prefix mkg: <https://w3id.org/mediakg/ontology#> .
@prefix person: <https://w3id.org/mediakg/id/person/> .
@prefix src: <https://w3id.org/mediakg/id/source/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <https://schema.org/> .
@base <https://w3id.org/mediakg/id/> .
"""

# provenance of a mapped node: derived from the test source, with one quote
P = 'prov:wasDerivedFrom src:s1 ; mkg:evidence [ a mkg:Evidence ; oa:exact "a quote" ; dct:source src:s1 ]'

GOOD = f"""
src:s1 a mkg:SourceDocument ; dct:identifier "s1" ; dct:title "Test source"@en ;
    dct:issued "2019-05-07"^^xsd:date ; mkg:datelineDate "2019-05-07"^^xsd:date ;
    mkg:datelinePlace <place/warsaw> .

<place/warsaw> a mkg:Place ; skos:prefLabel "Warsaw"@en ; mkg:locatedIn <state/poland> ; {P} .
<state/poland> a mkg:State ; skos:prefLabel "Poland"@en ; {P} .
<state/kazakhstan> a mkg:State ; skos:prefLabel "Kazakhstan"@en ; skos:altLabel "Қазақстан"@kk ; {P} .
<org/kz-mfa> a mkg:StateBody ; skos:prefLabel "Ministry of Foreign Affairs"@en ;
    mkg:jurisdiction <state/kazakhstan> ; {P} .
<org/osce> a mkg:IntergovernmentalBody ; skos:prefLabel "OSCE"@en ; {P} .
<org/osce-odihr> a mkg:IntergovernmentalBody ; skos:prefLabel "ODIHR"@en ;
    org:subOrganizationOf <org/osce> ; {P} .
<org/adil-soz> a mkg:NonGovernmentalOrganization ; skos:prefLabel "Adil Soz"@en ; {P} .

# only the most specific class is asserted: mkg:Official (a mkg:Person), mkg:State (a mkg:Place)
person:beibut-atamkulov a mkg:Official ; skos:prefLabel "Beibut Atamkulov"@en ;
    skos:altLabel "Atamkulov"@en ; {P} .
person:ingibjorg-gisladottir a mkg:Official, mkg:Journalist ;
    skos:prefLabel "Ingibjörg Sólrún Gísladóttir"@en ; {P} .
person:elena-tsoi a mkg:Person ; skos:prefLabel "Elena Tsoi"@en ; {P} .

<membership/beibut-atamkulov--minister> a mkg:Membership ;
    org:member person:beibut-atamkulov ; org:organization <org/kz-mfa> ; org:role <role/minister> ;
    mkg:postTitle "Foreign Minister"@en ; mkg:attestedAt "2019-05-07"^^xsd:date ;
    org:memberDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; mkg:date "2019-02"^^xsd:gYearMonth ] ;
        time:hasEnd [ a time:Instant ; mkg:date "2019-12-18"^^xsd:date ] ] ; {P} .
<membership/ingibjorg-gisladottir--director> a mkg:Membership ;
    org:member person:ingibjorg-gisladottir ; org:organization <org/osce-odihr> ;
    org:role <role/director> ; {P} .
<membership/elena-tsoi--head-of-monitoring-service> a mkg:Membership ;
    org:member person:elena-tsoi ; org:organization <org/adil-soz> ;
    org:role <role/head-of-monitoring-service> ; {P} .
<membership/kazakhstan--participating-state> a mkg:Membership ;
    org:member <state/kazakhstan> ; org:organization <org/osce> ; org:role <role/participating-state> ; {P} .

<meeting/atamkulov-gisladottir> a mkg:Meeting ; skos:prefLabel "Atamkulov meets Gísladóttir"@en ;
    mkg:date "2019-05-07"^^xsd:date ; mkg:latestDate "2019-05-07"^^xsd:date ;
    mkg:latestBound [ a mkg:DateBound ; mkg:date "2019-05-07"^^xsd:date ;
        mkg:dateBasis <concept/date-basis/bounded-by-dateline> ; mkg:boundedBy src:s1 ; {P} ] ;
    mkg:dateBasis <concept/date-basis/stated> ; mkg:place <place/warsaw> ; mkg:reportedFrom <place/warsaw> ;
    mkg:participation
        [ a mkg:Participation ; mkg:agent person:beibut-atamkulov ;
          mkg:participantRole <concept/participant-role/participant> ;
          mkg:inCapacityOf <membership/beibut-atamkulov--minister> ] ,
        [ a mkg:Participation ; mkg:agent person:ingibjorg-gisladottir ;
          mkg:participantRole <concept/participant-role/host> ;
          mkg:inCapacityOf <membership/ingibjorg-gisladottir--director> ] ,
        [ a mkg:Participation ; mkg:agent <org/osce-odihr> ;
          mkg:participantRole <concept/participant-role/host> ] ;
    mkg:claim [ a mkg:Claim ; mkg:claimant person:beibut-atamkulov ;
        dct:description "The minister welcomes the cooperation."@en ; {P} ] ;
    dct:description "The foreign minister met the ODIHR director."@en ; {P} .

# dates of different precision: "2019-02-15" and "2019" both lie in a membership that begins "2019-02"
<meeting/same-month> a mkg:Meeting ; skos:prefLabel "Meeting in the month the post began"@en ;
    mkg:date "2019-02-15"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:participation [ a mkg:Participation ; mkg:agent person:beibut-atamkulov ;
        mkg:participantRole <concept/participant-role/participant> ;
        mkg:inCapacityOf <membership/beibut-atamkulov--minister> ] ; {P} .
<meeting/same-year> a mkg:Meeting ; skos:prefLabel "Meeting in the year the post began"@en ;
    mkg:date "2019"^^xsd:gYear ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:participation [ a mkg:Participation ; mkg:agent person:beibut-atamkulov ;
        mkg:participantRole <concept/participant-role/participant> ;
        mkg:inCapacityOf <membership/beibut-atamkulov--minister> ] ; {P} .

<law/kz-criminal-code> a mkg:Law ; skos:prefLabel "Criminal Code of the Republic of Kazakhstan"@en ;
    mkg:lawType <concept/law-type/code> ; mkg:jurisdiction <state/kazakhstan> ;
    eli:date_document "2014-07-03"^^xsd:date ; {P} .
<provision/kz-criminal-code-art-158> a mkg:LegalProvision ;
    skos:prefLabel "Article 158 of the Criminal Code"@en ;
    eli:is_part_of <law/kz-criminal-code> ; mkg:articleNumber "158" ; mkg:heading "Obstruction"@en ; {P} .

<document/appeal> a mkg:Appeal ; skos:prefLabel "Appeal of nine NGOs"@en ; mkg:date "2019-03-29"^^xsd:date ;
    mkg:describedIn src:s1 ; dct:creator <org/adil-soz> ; mkg:signatory person:elena-tsoi ;
    mkg:addressee <org/kz-mfa> ; mkg:callsOn <org/kz-mfa> ;
    mkg:citedProvision <provision/kz-criminal-code-art-158> ; {P} .
<document/report> a mkg:MonitoringReport ; skos:prefLabel "Monitoring report March 2019"@en ;
    mkg:date "2019-03"^^xsd:gYearMonth ; mkg:coversPeriod "2019-03"^^xsd:gYearMonth ;
    mkg:describedIn src:s1 ; dct:creator <org/adil-soz> ; dct:publisher <org/adil-soz> ; {P} .

<document/toolkit> a mkg:Document ; skos:prefLabel "Toolkit"@en ; mkg:describedIn src:s1 ;
    mkg:presentedAt <meeting/atamkulov-gisladottir> ; mkg:presentedBy <org/osce-odihr> ; {P} .

# a day without year, bounded by the appeal: not compared with the appeal date. A reported case with its acts;
# its types, perpetrator types and victims include theirs, its range covers theirs.
_:appeal-date a mkg:DateBound ; mkg:date "2019-03-29"^^xsd:date ;
    mkg:dateBasis <concept/date-basis/bounded-by-document> ; mkg:boundedBy <document/appeal> ; {P} .
<incident/obstruction> a mkg:Incident ; skos:prefLabel "Journalists impeded"@en ;
    mkg:caseNumber "1" ; mkg:listPosition 1 ;
    mkg:date "--03-22"^^xsd:gMonthDay ; mkg:latestDate "2019-03-29"^^xsd:date ;
        mkg:latestBound _:appeal-date ;
    mkg:dateBasis <concept/date-basis/bounded-by-document> ;
    mkg:incidentType <concept/incident-type/obstruction>, <concept/incident-type/police-inaction>,
        <concept/incident-type/criminal-prosecution> ;
    mkg:perpetratorType <concept/actor-type/unidentified-persons>, <concept/actor-type/police> ;
    mkg:participation [ a mkg:Participation ; mkg:agentDescription "a group of young people"@en ;
        mkg:participantRole <concept/participant-role/perpetrator> ] ,
      [ a mkg:Participation ; mkg:agent person:elena-tsoi ;
          mkg:participantRole <concept/participant-role/victim> ] ;
    mkg:hasAct <act/impeded>, <act/no-help>, <act/charged> ;
    mkg:reportedIn <document/appeal> ;
    mkg:claim [ a mkg:Claim ; mkg:claimant <org/kz-mfa> ;
        dct:description "The ministry denies it."@en ; {P} ] ,
      # a side the text does not identify: described, optionally typed
      [ a mkg:Claim ; mkg:agentDescription "a girl from the group"@en ;
        mkg:claimantType <concept/actor-type/unidentified-persons> ;
        dct:description "She says the journalist hit her."@en ; {P} ] ;
    {P} .
<act/impeded> a mkg:Act ; skos:prefLabel "Impeded"@en ;
    mkg:dateBasis <concept/date-basis/bounded-by-document> ;
    mkg:date "--03-22"^^xsd:gMonthDay ; mkg:latestDate "2019-03-29"^^xsd:date ;
        mkg:latestBound _:appeal-date ;
    mkg:incidentType <concept/incident-type/obstruction> ;
    mkg:perpetratorType <concept/actor-type/unidentified-persons> ;
    mkg:participation [ a mkg:Participation ; mkg:agent person:elena-tsoi ;
        mkg:participantRole <concept/participant-role/victim> ] ; {P} .
<act/no-help> a mkg:Act ; skos:prefLabel "No help"@en ;
    mkg:dateBasis <concept/date-basis/bounded-by-document> ;
    mkg:latestDate "2019-03-29"^^xsd:date ; mkg:latestBound _:appeal-date ;
    mkg:incidentType <concept/incident-type/police-inaction> ;
    mkg:citedProvision <provision/kz-criminal-code-art-158> ; {P} .
# a charge by the police: a state authority (police is narrower than state-authority)
<act/charged> a mkg:Act ; skos:prefLabel "Charged"@en ;
    mkg:dateBasis <concept/date-basis/bounded-by-document> ;
    mkg:latestDate "2019-03-29"^^xsd:date ; mkg:latestBound _:appeal-date ;
    mkg:incidentType <concept/incident-type/criminal-prosecution> ;
    mkg:perpetratorType <concept/actor-type/police> ;
    mkg:chargedUnder <law/kz-criminal-code> ;
    mkg:fine [ a schema:QuantitativeValue ; schema:name "fine"@en ; schema:value 20 ;
        mkg:unit <concept/unit/mci> ; {P} ] ; {P} .
# "2019-03-22" vs a report dated "2019-03": same month, not later
<incident/same-month> a mkg:Incident ; skos:prefLabel "Incident in the report month"@en ;
    mkg:listPosition 2 ;
    mkg:date "2019-03-22"^^xsd:date ; mkg:earliestDate "2019"^^xsd:gYear ;
    mkg:earliestBound [ a mkg:DateBound ; mkg:date "2019"^^xsd:gYear ;
        mkg:dateBasis <concept/date-basis/report-period> ; {P} ] ;
    mkg:dateBasis <concept/date-basis/stated> ;
    mkg:incidentType <concept/incident-type/civil-lawsuit> ; mkg:reportedIn <document/report> ;
    mkg:hasAct <act/sued> ;
    mkg:relatedTo <incident/obstruction> ; {P} .
# the act's month lies in the case's day (compared at the shorter precision)
<act/sued> a mkg:Act ; skos:prefLabel "Sued"@en ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:date "2019-03"^^xsd:gYearMonth ;
    mkg:incidentType <concept/incident-type/civil-lawsuit> ;
    mkg:demandedUnder <law/kz-criminal-code> ;
    mkg:invokedProvision <law/kz-criminal-code> ;  # the general property stays allowed
    {P} .

<election/kz-2019> a mkg:Election ; skos:prefLabel "Elections"@en ;
    mkg:dateBasis <concept/date-basis/bounded-by-dateline> ; mkg:place <state/kazakhstan> ;
    mkg:earliestDate "2019-05-07"^^xsd:date ;
    mkg:earliestBound [ a mkg:DateBound ; mkg:date "2019-05-07"^^xsd:date ;
        mkg:dateBasis <concept/date-basis/bounded-by-dateline> ; {P} ] ; {P} .
<org/mission> a mkg:ObservationMission ; skos:prefLabel "Mission"@en ;
    org:subOrganizationOf <org/osce-odihr> ;
    mkg:observes <election/kz-2019> ; mkg:areaOfOperation <state/kazakhstan> ; mkg:basedIn <place/warsaw> ;
    mkg:observerCount [ a schema:QuantitativeValue ; schema:name "observers"@en ; schema:minValue 300 ;
        mkg:unit <concept/unit/person> ; {P} ] ; {P} .
<project/p1> a mkg:Project ; skos:prefLabel "A project"@en ; mkg:carriedOutBy <org/osce-odihr> ;
    mkg:supportedBy <state/kazakhstan> ; {P} .
<place/region> a mkg:Place ; skos:prefLabel "A region"@en ; mkg:capital <place/warsaw> ; {P} .

<dataset/adil-soz-monitoring> a qb:DataSet ; qb:structure mkg:MonitoringStructure .
<statistic/criminal-charges-2020-08> a qb:Observation, mkg:Statistic ;
    qb:dataSet <dataset/adil-soz-monitoring> ;
    mkg:refPeriodStart "2020-08"^^xsd:gYearMonth ; mkg:refPeriodEnd "2020-08"^^xsd:gYearMonth ;
    mkg:indicator <concept/indicator/criminal-charges> ; mkg:value 2 ; mkg:unit <concept/unit/count> ;
    mkg:refArea <state/kazakhstan> ; {P} .
<statistic/damages-2020> a qb:Observation, mkg:Statistic ;
    qb:dataSet <dataset/adil-soz-monitoring> ;
    mkg:refPeriodStart "2020-01"^^xsd:gYearMonth ; mkg:refPeriodEnd "2020-08"^^xsd:gYearMonth ;
    mkg:indicator <concept/indicator/damages-awarded-collected> ; mkg:value 935993.0 ;
    mkg:unit <concept/unit/kzt> ; mkg:refArea <state/kazakhstan> ; {P} .
"""

# Each fault sits on its own node; (focus node, words the message must contain, shape component or rule).
BAD = f"""
src:s2 a mkg:SourceDocument ; dct:identifier "another-id" ; dct:title "Second source"@en .
<meeting/no-date> a mkg:Meeting ; skos:prefLabel "Undated meeting"@en ;
    mkg:dateBasis <concept/date-basis/stated> ;
    mkg:participation [ a mkg:Participation ; mkg:agent <org/osce> ;
        mkg:participantRole <concept/participant-role/host> ] ; {P} .
<meeting/no-capacity> a mkg:Meeting ; skos:prefLabel "Meeting without capacity"@en ;
    mkg:date "2019-05-07"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:participation [ a mkg:Participation ; mkg:agent person:beibut-atamkulov ;
        mkg:participantRole <concept/participant-role/participant> ] ; {P} .
<meeting/too-early> a mkg:Meeting ; skos:prefLabel "Meeting before the post"@en ;
    mkg:date "2019-01-15"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:participation [ a mkg:Participation ; mkg:agent person:beibut-atamkulov ;
        mkg:participantRole <concept/participant-role/participant> ;
        mkg:inCapacityOf <membership/beibut-atamkulov--minister> ] ; {P} .
<meeting/too-late> a mkg:Meeting ; skos:prefLabel "Meeting after the post"@en ;
    mkg:earliestDate "2020"^^xsd:gYear ; mkg:dateBasis <concept/date-basis/bounded-by-document> ;
    mkg:participation [ a mkg:Participation ; mkg:agent person:beibut-atamkulov ;
        mkg:participantRole <concept/participant-role/participant> ;
        mkg:inCapacityOf <membership/beibut-atamkulov--minister> ] ; {P} .
<meeting/wrong-member> a mkg:Meeting ; skos:prefLabel "Meeting in another's capacity"@en ;
    mkg:date "2019-05-07"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:participation [ a mkg:Participation ; mkg:agent person:elena-tsoi ;
        mkg:participantRole <concept/participant-role/participant> ;
        mkg:inCapacityOf <membership/beibut-atamkulov--minister> ] ; {P} .
<meeting/no-basis> a mkg:Meeting ; skos:prefLabel "Meeting without date basis"@en ;
    mkg:date "2019"^^xsd:gYear ;
    mkg:participation [ a mkg:Participation ; mkg:agent <org/osce> ;
        mkg:participantRole <concept/participant-role/host> ] ; {P} .
<meeting/bad-dates> a mkg:Meeting ; skos:prefLabel "Meeting with bad dates"@en ;
    mkg:date "7 May 2019" ; mkg:earliestDate "--05-07"^^xsd:gMonthDay ;
    mkg:dateBasis <concept/date-basis/stated> ;
    mkg:participation [ a mkg:Participation ; mkg:agent <org/osce> ;
        mkg:participantRole <concept/participant-role/host> ] ; {P} .
<meeting/bounds-crossed> a mkg:Meeting ; skos:prefLabel "Meeting with crossed bounds"@en ;
    mkg:earliestDate "2019-06"^^xsd:gYearMonth ; mkg:latestDate "2019-05-07"^^xsd:date ;
    mkg:dateBasis <concept/date-basis/bounded-by-dateline> ;
    mkg:participation [ a mkg:Participation ; mkg:agent <org/osce> ; mkg:agentDescription "someone"@en ;
        mkg:participantRole <concept/participant-role/host> ] ; {P} .

<membership/elena-tsoi--director> a mkg:Membership ;
    org:member person:elena-tsoi ; org:organization <org/adil-soz> ; org:role <role/director> ;
    mkg:attestedAt "2021"^^xsd:gYear ;
    org:memberDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; mkg:date "2020-05-01"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ; mkg:date "2020-04"^^xsd:gYearMonth ] ] ; {P} .
<membership/elena-tsoi--no-role> a mkg:Membership ;
    org:member person:elena-tsoi ; org:organization <org/adil-soz> ; {P} .

<incident/after-report> a mkg:Incident ; skos:prefLabel "Incident after its report"@en ;
    mkg:date "2019-04-02"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:incidentType <concept/incident-type/detention> ; mkg:reportedIn <document/appeal> ; {P} .
<incident/earliest-after-report> a mkg:Incident ; skos:prefLabel "Incident bounded after its report"@en ;
    mkg:earliestDate "2019-04"^^xsd:gYearMonth ; mkg:dateBasis <concept/date-basis/bounded-by-document> ;
    mkg:incidentType <concept/incident-type/detention> ; mkg:reportedIn <document/appeal> ; {P} .
<incident/wrong-type> a mkg:Incident ; skos:prefLabel "Incident of a wrong type"@en ;
    mkg:date "2019-03-01"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:incidentType <concept/actor-type/police> ; {P} .
<incident/no-type> a mkg:Incident ; skos:prefLabel "Incident without type"@en ;
    mkg:date "2019-03-01"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ; {P} .

<provision/orphan-art-1> a mkg:LegalProvision ; skos:prefLabel "Article 1"@en ; mkg:articleNumber "1" ; {P} .
<provision/two-laws-art-2> a mkg:LegalProvision ; skos:prefLabel "Article 2"@en ; mkg:articleNumber "2" ;
    eli:is_part_of <law/kz-criminal-code>, <law/kz-code-2> ; {P} .
<law/kz-code-2> a mkg:Law ; skos:prefLabel "Another code"@en ; mkg:lawType <concept/law-type/code> ; {P} .
<provision/in-a-place-art-3> a mkg:LegalProvision ; skos:prefLabel "Article 3"@en ; mkg:articleNumber "3" ;
    eli:is_part_of <place/warsaw> ; {P} .

person:beibut-atamkulov-2 a mkg:Official ; skos:prefLabel "Beibut Atamkulov"@en ; {P} .
person:no-provenance a mkg:Journalist ; skos:prefLabel "No Provenance"@en .
person:no-label a mkg:Official ; {P} .
person:typo a mkg:Person ; skos:prefLabel "Typo"@en ; mkg:plase <place/warsaw> ; {P} .
<org/typo> a mkg:StateBodyy ; skos:prefLabel "Typo body"@en ; {P} .
person:two-labels a mkg:Person ; skos:prefLabel "Two Labels"@en, "Two Other Labels"@en ; {P} .
<people/bad-iri> a mkg:Person ; skos:prefLabel "Bad Iri"@en ; {P} .
person:bad-evidence a mkg:Person ; skos:prefLabel "Bad Evidence"@en ; prov:wasDerivedFrom <place/warsaw> ;
    mkg:evidence [ a mkg:Evidence ; oa:exact "one", "two" ; dct:source <place/warsaw> ] .
person:foreign-quote a mkg:Person ; skos:prefLabel "Foreign Quote"@en ; prov:wasDerivedFrom src:s1 ;
    mkg:evidence [ a mkg:Evidence ; oa:exact "a quote" ; dct:source src:s2 ] .

<document/appeal-2> a mkg:Appeal ; skos:prefLabel "Second appeal"@en ; mkg:describedIn src:s1 ;
    mkg:signatory person:no-provenance ; mkg:chargedUnder <law/kz-criminal-code> ;
    mkg:claim [ a mkg:Claim ; mkg:claimant <org/adil-soz> ; dct:description "Off an event."@en ; {P} ] ;
    {P} .
person:cites-a-law a mkg:Person ; skos:prefLabel "Cites A Law"@en ;
    mkg:citedProvision <law/kz-criminal-code> ; {P} .
<incident/bad-claims> a mkg:Incident ; skos:prefLabel "Incident with bad claims"@en ;
    mkg:date "2019-03-01"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:incidentType <concept/incident-type/detention> ; mkg:chargedUnder <place/warsaw> ;
    mkg:claim
        [ a mkg:Claim ; mkg:claimant <org/kz-mfa> ; mkg:agentDescription "the ministry"@en ;
          dct:description "Named and described at once."@en ; {P} ] ,
        [ a mkg:Claim ; dct:description "Nobody's claim."@en ; {P} ] ,
        [ a mkg:Claim ; mkg:agentDescription "an unknown person"@en ;
          mkg:claimantType <concept/incident-type/detention> ;
          dct:description "A claim typed with an incident type."@en ; {P} ] ;
    {P} .

<act/orphan> a mkg:Act ; skos:prefLabel "Act of no case"@en ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:date "2019-03-01"^^xsd:date ;
    mkg:incidentType <concept/incident-type/detention> ; {P} .
<act/twice> a mkg:Act ; skos:prefLabel "Act of two cases"@en ;
    mkg:dateBasis <concept/date-basis/stated> ; mkg:date "2019-03-05"^^xsd:date ;
    mkg:incidentType <concept/incident-type/detention> ;
    mkg:chargedUnder <law/kz-criminal-code> ; mkg:perpetratorType <concept/actor-type/business> ;
    mkg:participation [ a mkg:Participation ; mkg:agent person:elena-tsoi ;
        mkg:participantRole <concept/participant-role/victim> ] ; {P} .
<incident/misses-its-act> a mkg:Incident ; skos:prefLabel "Case dated before its act"@en ;
    mkg:listPosition 3 ;
    mkg:date "2019-03-01"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:incidentType <concept/incident-type/detention> ; mkg:hasAct <act/twice> ; {P} .
<incident/also-has-it> a mkg:Incident ; skos:prefLabel "Second case of one act"@en ; mkg:listPosition 4 ;
    mkg:earliestDate "2019-03-01"^^xsd:date ; mkg:latestDate "2019-03-31"^^xsd:date ;
    mkg:latestBound [ a mkg:DateBound ; mkg:date "2019-03-30"^^xsd:date ; {P} ] ;
    mkg:dateBasis <concept/date-basis/bounded-by-document> ;
    mkg:incidentType <concept/incident-type/obstruction> ; mkg:hasAct <act/twice> ; {P} .
<act/with-a-bad-fine> a mkg:Act ; skos:prefLabel "Fined without a unit"@en ;
    mkg:dateBasis <concept/date-basis/stated> ; mkg:date "2019-03-01"^^xsd:date ;
    mkg:incidentType <concept/incident-type/administrative-prosecution> ;
    mkg:fine [ a schema:QuantitativeValue ; schema:name "fine"@en ; schema:value "twenty" ; {P} ] ; {P} .
<incident/has-the-bad-fine> a mkg:Incident ; skos:prefLabel "Case with a bad fine"@en ; mkg:listPosition 5 ;
    mkg:date "2019-03-01"^^xsd:date ; mkg:dateBasis <concept/date-basis/stated> ;
    mkg:incidentType <concept/incident-type/administrative-prosecution> ;
    mkg:hasAct <act/with-a-bad-fine> ; {P} .

<statistic/broken> a qb:Observation, mkg:Statistic ; qb:dataSet <dataset/adil-soz-monitoring> ;
    mkg:refPeriodStart "2020-08"^^xsd:gYearMonth ; mkg:refPeriodEnd "2020-01"^^xsd:gYearMonth ;
    mkg:indicator <concept/indicator/criminal-chargez> ; mkg:value "two" ;
    mkg:refArea <state/kazakhstan> ; {P} .
<statistic/criminal-charges-2020-08-again> a qb:Observation, mkg:Statistic ;
    qb:dataSet <dataset/adil-soz-monitoring> ;
    mkg:refPeriodStart "2020-08"^^xsd:gYearMonth ; mkg:refPeriodEnd "2020-08"^^xsd:gYearMonth ;
    mkg:indicator <concept/indicator/criminal-charges> ; mkg:value 3 ; mkg:unit <concept/unit/count> ;
    mkg:refArea <state/kazakhstan> ; {P} .
"""

EXPECTED = [
    (
        "id:meeting/no-date",
        "Missing date: id:meeting/no-date has none of mkg:date, mkg:earliestDate, mkg:latestDate",
    ),
    (
        "id:meeting/no-capacity",
        "Person id:person/beibut-atamkulov takes part in meeting id:meeting/no-capacity "
        "without mkg:inCapacityOf",
    ),
    (
        "id:meeting/too-early",
        "Meeting date 2019-01-15 of id:meeting/too-early lies outside the membership "
        "id:membership/beibut-atamkulov--minister (2019-02 – 2019-12-18)",
    ),
    ("id:meeting/too-late", "Meeting date 2020 – … of id:meeting/too-late lies outside the membership"),
    (
        "id:meeting/wrong-member",
        "In id:meeting/wrong-member, id:person/elena-tsoi takes part in the capacity of "
        "id:membership/beibut-atamkulov--minister, but that membership's org:member is "
        "id:person/beibut-atamkulov",
    ),
    ("id:meeting/no-basis", "No mkg:dateBasis"),
    ("id:meeting/bad-dates", "mkg:date must be a valid xsd:date"),
    ("id:meeting/bad-dates", "mkg:earliestDate must be a valid xsd:date, xsd:gYearMonth or xsd:gYear"),
    (
        "id:meeting/bounds-crossed",
        "id:meeting/bounds-crossed: mkg:earliestDate 2019-06 is after mkg:latestDate",
    ),
    (
        "id:membership/elena-tsoi--director",
        "Membership id:membership/elena-tsoi--director ends (2020-04) before",
    ),
    ("id:membership/elena-tsoi--director", "is attested at 2021, outside its period (2020-05-01 – 2020-04)"),
    ("id:membership/elena-tsoi--no-role", "A membership needs exactly one org:role"),
    (
        "id:incident/after-report",
        "Incident id:incident/after-report happened on 2019-04-02 (mkg:date), after the date 2019-03-29 "
        "of the document id:document/appeal that reports it",
    ),
    (
        "id:incident/earliest-after-report",
        "happened on 2019-04 (mkg:earliestDate), after the date 2019-03-29",
    ),
    (
        "id:incident/wrong-type",
        "id:incident/wrong-type: the value id:concept/actor-type/police of mkg:incidentType is not a concept "
        "of the scheme id:concept/incident-type",
    ),
    ("id:statistic/broken", "the value id:concept/indicator/criminal-chargez of mkg:indicator is not"),
    ("id:incident/no-type", "An incident needs at least one mkg:incidentType"),
    ("id:provision/orphan-art-1", "must be eli:is_part_of exactly one law"),
    ("id:provision/two-laws-art-2", "must be eli:is_part_of exactly one law"),
    ("id:provision/in-a-place-art-3", "eli:is_part_of of a legal provision must point to a mkg:Law"),
    (
        "id:person/beibut-atamkulov",
        'Two persons share the skos:prefLabel "Beibut Atamkulov": id:person/beibut-atamkulov and '
        "id:person/beibut-atamkulov-2",
    ),
    ("id:person/no-provenance", "Missing provenance"),
    ("id:person/no-provenance", "Missing evidence"),
    ("id:person/typo", "id:person/typo uses mkg:plase, which the ontology does not define"),
    ("id:org/typo", "id:org/typo uses mkg:StateBodyy, which the ontology does not define"),
    ("id:person/two-labels", "Needs exactly one skos:prefLabel in English"),
    # typed only mkg:Official: sh:targetClass mkg:Person reaches it through the ontology's rdfs:subClassOf
    ("id:person/no-label", "Needs exactly one skos:prefLabel in English"),
    ("id:people/bad-iri", "A person's IRI must be id:person/<slug>"),
    ("id:person/bad-evidence", "prov:wasDerivedFrom must point to a mkg:SourceDocument"),
    ("", "The dct:source of an evidence must be a mkg:SourceDocument"),
    ("", "Evidence needs exactly one oa:exact quote"),
    (
        "id:person/foreign-quote",
        "id:person/foreign-quote quotes source id:source/s2 in its evidence, but has no prov:wasDerivedFrom",
    ),
    ("id:source/s2", 'Source text id:source/s2 has dct:identifier "another-id", so its IRI should be'),
    ("id:document/appeal-2", "Signatory id:person/no-provenance of id:document/appeal-2 has no membership"),
    ("id:statistic/broken", "its reference period ends (2020-01) before it starts (2020-08)"),
    ("id:statistic/broken", "A statistic needs exactly one mkg:value, an xsd:integer or xsd:decimal"),
    ("id:statistic/broken", "A statistic needs exactly one mkg:unit"),
    (
        "id:statistic/criminal-charges-2020-08",
        "Statistics id:statistic/criminal-charges-2020-08 and "
        "id:statistic/criminal-charges-2020-08-again give the same indicator",
    ),
    ("", "A participation needs either exactly one mkg:agent or an mkg:agentDescription"),
    ("", "A claim needs either a mkg:claimant (an identified mkg:Person or mkg:Organization) or an"),
    ("", "of mkg:claimantType is not a concept of the scheme id:concept/actor-type"),
    (
        "id:incident/bad-claims",
        "mkg:invokedProvision (mkg:chargedUnder, mkg:demandedUnder, mkg:citedProvision) must point to a "
        "mkg:LegalProvision",
    ),
    ("id:incident/bad-claims", "mkg:chargedUnder and mkg:demandedUnder are used on a mkg:Act only"),
    ("id:document/appeal-2", "mkg:chargedUnder and mkg:demandedUnder are used on a mkg:Act only"),
    ("id:document/appeal-2", "mkg:claim is used on events only"),
    ("id:person/cites-a-law", "are used on a mkg:Act (one act of a case) or a mkg:Document"),
    # cases and acts
    ("id:act/orphan", "Every act belongs to exactly one reported case"),
    ("id:act/twice", "Every act belongs to exactly one reported case"),
    ("id:incident/no-type", "A reported case (mkg:Incident) needs at least one act"),
    ("id:incident/no-type", "A reported case needs exactly one mkg:listPosition"),
    (
        "id:incident/misses-its-act",
        "Act id:act/twice of case id:incident/misses-its-act lies outside the case's date range: it may end "
        "after the case (act until 2019-03-05, case until 2019-03-01)",
    ),
    (
        "id:incident/misses-its-act",
        "Case id:incident/misses-its-act does not carry what its act id:act/twice has: the victim "
        "id:person/elena-tsoi",
    ),
    (
        "id:incident/misses-its-act",
        "Case id:incident/misses-its-act does not carry what its act id:act/twice has: mkg:perpetratorType "
        "id:concept/actor-type/business",
    ),
    (
        "id:incident/also-has-it",
        "does not carry what its act id:act/twice has: mkg:incidentType id:concept/incident-type/detention",
    ),
    (
        "id:act/twice",
        "id:act/twice is charged under id:law/kz-criminal-code, but none of its perpetrator types is a state "
        "authority",
    ),
    (
        "id:incident/also-has-it",
        "id:incident/also-has-it: mkg:earliestDate 2019-03-01 has no mkg:earliestBound with that date",
    ),
    (
        "id:incident/also-has-it",
        "id:incident/also-has-it: mkg:latestDate 2019-03-31 has no mkg:latestBound with that date",
    ),
    ("id:incident/also-has-it", "mkg:latestBound dated 2019-03-30 is not the mkg:latestDate of the event"),
    ("", "A date bound needs its mkg:dateBasis"),
    ("", "A quantity needs exactly one mkg:unit"),
    ("", "schema:value, schema:minValue and schema:maxValue of a quantity are an xsd:integer or xsd:decimal"),
]


@pytest.fixture(scope="module")
def good_results(shapes: Graph) -> list[Result]:
    return validate(shapes, GOOD)


@pytest.fixture(scope="module")
def bad_results(shapes: Graph) -> list[Result]:
    return validate(shapes, GOOD + BAD)


# ---------------------------------------------------------------------------------------------------------
# Shapes on test graphs
# ---------------------------------------------------------------------------------------------------------


def test_valid_graph_conforms(good_results: list[Result]) -> None:
    """Also shows that sh:class accepts subclass instances: org:member values are typed only mkg:Official,
    mkg:refArea values only mkg:State, and the shapes ask for mkg:Person / mkg:Place."""
    assert good_results == []


@pytest.mark.parametrize(("focus", "words"), EXPECTED, ids=[f"{f} {w[:40]}" for f, w in EXPECTED])
def test_constraint_fires_with_message(bad_results: list[Result], focus: str, words: str) -> None:
    # blank-node focus nodes (evidence, participations) are matched on the message only
    hits = [r for r in bad_results if words in r.message and (not focus or r.focus == focus)]
    assert hits, f"no result for {focus!r} containing {words!r}; got:\n" + "\n".join(map(str, bad_results))


def test_no_unexpected_results(bad_results: list[Result]) -> None:
    expected_foci = {focus for focus, _ in EXPECTED if focus}
    unexpected = [r for r in bad_results if r.focus.startswith("id:") and r.focus not in expected_foci]
    assert unexpected == []


def test_missing_date_basis_is_only_a_warning(bad_results: list[Result]) -> None:
    (result,) = [r for r in bad_results if r.focus == "id:meeting/no-basis"]
    assert result.severity == "Warning"
    assert all(r.severity == "Violation" for r in bad_results if r.focus != "id:meeting/no-basis")


def test_every_sparql_rule_is_exercised(shapes: Graph, bad_results: list[Result]) -> None:
    rules = {str(rule) for rule in shapes.subjects(RDF.type, SH.SPARQLConstraint)}
    fired = {r.source_constraint for r in bad_results}
    assert rules and rules <= fired, f"never fired: {sorted(rules - fired)}"


def test_oxigraph_store_gives_the_same_results(shapes: Graph, bad_results: list[Result]) -> None:
    """The shapes also run on a pyoxigraph store (pyshacl's Oxigraph backend)."""
    assert validate(shapes, GOOD, backend="oxigraph") == []
    ox = validate(shapes, GOOD + BAD, backend="oxigraph")
    assert sorted((r.focus, r.message) for r in ox if r.focus.startswith("id:")) == sorted(
        (r.focus, r.message) for r in bad_results if r.focus.startswith("id:")
    )


# ---------------------------------------------------------------------------------------------------------
# Ontology and concept schemes
# ---------------------------------------------------------------------------------------------------------

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)


def _mkg_terms(ontology: Graph) -> set[URIRef]:
    return {
        s
        for t in TERM_TYPES
        for s in ontology.subjects(RDF.type, t)
        if isinstance(s, URIRef) and s.startswith(str(MKG))
    }


def test_ontology_header(ontology: Graph) -> None:
    onto = URIRef("https://w3id.org/mediakg/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    for prop in (DCT.title, DCT.description, OWL.versionInfo, DCT.license):
        assert ontology.value(onto, prop) is not None, prop


def test_every_term_has_label_comment_and_definedby(ontology: Graph) -> None:
    terms = _mkg_terms(ontology) | {MKG.MonitoringStructure}
    assert len(terms) > 60
    missing = [
        (str(t), str(p))
        for t in sorted(terms)
        for p in (RDFS.label, RDFS.comment, RDFS.isDefinedBy)
        if ontology.value(t, p) is None
    ]
    assert missing == []


def test_every_model_term_is_declared(ontology: Graph) -> None:
    """Every mkg: class and property named in MODEL.md is declared in mediakg.ttl."""
    named = set(re.findall(r"\bmkg:([A-Za-z]+)", MODEL.read_text(encoding="utf-8")))
    assert {"Meeting", "Official", "Organization", "Law", "Incident", "inCapacityOf"} <= named
    declared = {t.removeprefix(str(MKG)) for t in _mkg_terms(ontology)} | {"MonitoringStructure"}
    assert sorted(named - declared) == []


def test_core_alignments(ontology: Graph) -> None:
    def iri(curie: str) -> URIRef:
        prefix, local = curie.split(":")
        return URIRef(dict(ontology.namespaces())[prefix] + local)

    for sub, sup in [
        ("mkg:Organization", "org:Organization"),
        ("mkg:Membership", "org:Membership"),
        ("mkg:Role", "org:Role"),
        ("mkg:Meeting", "sem:Event"),
        ("mkg:Incident", "schema:Event"),
        ("mkg:Person", "schema:Person"),
        ("mkg:Participation", "sem:Role"),
        ("mkg:Evidence", "oa:TextQuoteSelector"),
        ("mkg:Law", "eli:LegalResource"),
        ("mkg:LegalProvision", "eli:LegalResourceSubdivision"),
        ("mkg:Statistic", "qb:Observation"),
        ("mkg:SourceDocument", "prov:Entity"),
    ]:
        assert (iri(sub), RDFS.subClassOf, iri(sup)) in ontology, (sub, sup)
    for sub, sup in [
        ("mkg:place", "sem:hasPlace"),
        ("mkg:place", "schema:location"),
        ("mkg:date", "sem:hasTimeStamp"),
        ("mkg:earliestDate", "sem:hasEarliestBeginTimeStamp"),
        ("mkg:latestDate", "sem:hasLatestEndTimeStamp"),
        ("mkg:participation", "sem:hasActor"),
        ("mkg:participantRole", "sem:roleType"),
    ]:
        assert (iri(sub), RDFS.subPropertyOf, iri(sup)) in ontology, (sub, sup)


def test_provision_relations_and_claims(ontology: Graph) -> None:
    """chargedUnder and citedProvision refine invokedProvision; claims hang off any sem:Event."""
    for sub in (MKG.chargedUnder, MKG.demandedUnder, MKG.citedProvision):
        assert (sub, RDFS.subPropertyOf, MKG.invokedProvision) in ontology
    # charges and demands are made in acts (one act of a reported case)
    assert (MKG.chargedUnder, RDFS.domain, MKG.Act) in ontology
    assert (MKG.demandedUnder, RDFS.domain, MKG.Act) in ontology
    assert (MKG.hasAct, RDFS.domain, MKG.Incident) in ontology
    assert (MKG.hasAct, RDFS.range, MKG.Act) in ontology
    # no rdfs:domain on the general property and on citedProvision: an appeal (a mkg:Document) cites too
    assert ontology.value(MKG.invokedProvision, RDFS.domain) is None
    assert ontology.value(MKG.citedProvision, RDFS.domain) is None
    assert ontology.value(MKG.claim, RDFS.domain) == URIRef("http://semanticweb.cs.vu.nl/2009/11/sem/Event")
    assert ontology.value(MKG.agentDescription, RDFS.domain) is None  # participations and claims
    assert ontology.value(MKG.claimantType, RDFS.domain) == MKG.Claim


def test_data_structure_definition(ontology: Graph) -> None:
    dsd = MKG.MonitoringStructure
    assert (dsd, RDF.type, QB.DataStructureDefinition) in ontology
    components = {
        (kind, ontology.value(c, kind))
        for c in ontology.objects(dsd, QB.component)
        for kind in (QB.dimension, QB.measure, QB.attribute)
        if ontology.value(c, kind) is not None
    }
    assert components == {
        (QB.dimension, MKG.refPeriodStart),
        (QB.dimension, MKG.refPeriodEnd),
        (QB.dimension, MKG.indicator),
        (QB.dimension, MKG.refArea),
        (QB.measure, MKG.value),
        (QB.attribute, MKG.unit),
    }
    for kind, prop in components:
        prop_class = {QB.dimension: QB.DimensionProperty, QB.measure: QB.MeasureProperty}.get(
            kind, QB.AttributeProperty
        )
        assert (prop, RDF.type, prop_class) in ontology


def _model_list(pattern: str) -> list[str]:
    """Back-quoted slugs from the MODEL.md passage matched by ``pattern`` (one regex group)."""
    match = re.search(pattern, MODEL.read_text(encoding="utf-8"), flags=re.S)
    assert match, pattern
    return re.findall(r"`([a-z0-9-]+)`", match.group(1))


@pytest.mark.parametrize(
    ("scheme", "pattern"),
    [
        ("incident-type", r"concepts:\n(.*?)Each with"),
        ("actor-type", r"`id:concept/actor-type/`:(.*?)\n- "),
        ("indicator", r"Indicators:(.*?)\n\n"),
        ("role", r"`id:role/<slug>`:(.*?)\(Add new"),
    ],
)
def test_model_concepts_exist(ontology: Graph, concepts: Graph, scheme: str, pattern: str) -> None:
    slugs = _model_list(pattern)
    assert len(slugs) >= 8
    base = f"{ID}role" if scheme == "role" else f"{ID}concept/{scheme}"
    graph = ontology + concepts
    for slug in slugs:
        concept = URIRef(f"{base}/{slug}")
        assert (concept, SKOS.inScheme, URIRef(base)) in graph, concept
        assert (concept, RDF.type, SKOS.Concept) in graph, concept


def test_small_schemes_match_model(concepts: Graph) -> None:
    text = MODEL.read_text(encoding="utf-8")
    roles = re.search(r"participant-role/<([a-z|]+)>", text)
    assert roles
    expected = {
        "participant-role": roles.group(1).split("|"),
        "date-basis": re.findall(r"`id:concept/date-basis/([a-z-]+)`", text),
        "law-type": re.search(r"id:concept/law-type/([a-z|]+)`", text).group(1).split("|"),
        "unit": ["count", "person", "kzt", "mci", "hour", "minute"],
    }
    for scheme, slugs in expected.items():
        members = {str(c) for c in concepts.subjects(SKOS.inScheme, URIRef(f"{ID}concept/{scheme}"))}
        assert members == {f"{ID}concept/{scheme}/{s}" for s in slugs}, scheme


def test_every_concept_has_label_and_scheme(ontology: Graph, concepts: Graph) -> None:
    graph = ontology + concepts
    all_concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(all_concepts) > 80
    for concept in all_concepts:
        labels = [lbl for lbl in graph.objects(concept, SKOS.prefLabel) if lbl.language == "en"]
        assert len(labels) == 1, concept
        scheme = graph.value(concept, SKOS.inScheme)
        assert (scheme, RDF.type, SKOS.ConceptScheme) in graph, concept


def test_incident_types_are_defined_and_mapped(concepts: Graph) -> None:
    scheme = URIRef(f"{ID}concept/incident-type")
    types = set(concepts.subjects(SKOS.inScheme, scheme))
    assert len(types) == 13
    for concept in types:
        assert concepts.value(concept, SKOS.definition) is not None, concept
        assert (concept, SKOS.topConceptOf, scheme) in concepts, concept
        close = {str(m) for m in concepts.objects(concept, SKOS.closeMatch)}
        related = {str(m) for m in concepts.objects(concept, SKOS.relatedMatch)}
        assert any(m.startswith(f"{ID}concept/coe/") for m in close), concept
        assert any(m.startswith(f"{ID}concept/mapmf/") for m in close | related), concept
        for target in close | related:
            assert (URIRef(target), RDF.type, SKOS.Concept) in concepts, target


def test_external_schemes_cite_their_sources(concepts: Graph) -> None:
    coe = URIRef(f"{ID}concept/coe")
    assert concepts.value(URIRef(f"{ID}concept/mapmf"), DCT.source) == URIRef("https://www.mapmf.org/")
    assert concepts.value(coe, DCT.source) == URIRef("https://fom.coe.int/")
    coe_labels = {str(concepts.value(c, SKOS.prefLabel)) for c in concepts.subjects(SKOS.inScheme, coe)}
    assert "Impunity" in coe_labels and len(coe_labels) == 5


def test_indicators_have_definitions(concepts: Graph) -> None:
    indicators = set(concepts.subjects(SKOS.inScheme, URIRef(f"{ID}concept/indicator")))
    assert len(indicators) == 9
    for concept in indicators:
        definition = concepts.value(concept, SKOS.definition)
        assert isinstance(definition, Literal) and len(definition) > 20, concept
