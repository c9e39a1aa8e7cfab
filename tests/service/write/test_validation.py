"""The shapes: the seed conforms, the shapes are valid SHACL, and every rule catches its break."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph

from kg.service.publish.export import union_graph
from kg.service.write.validation import shapes_graph, validate
from tests.conftest import select


@pytest.fixture(scope="session")
def seed_graph(seed_store) -> Graph:
    return union_graph(seed_store)


def broken(seed_graph: Graph, ns, update: str) -> Graph:
    graph = Graph()
    for triple in seed_graph:
        graph.add(triple)
    graph.update(ns.sparql_prologue() + update)
    return graph


def test_the_seed_graph_has_no_violation(seed_graph, ns):
    report = validate(seed_graph, ns)
    assert report.violations == [], report.to_text()
    # the one event no source dates is reported, not refused
    assert [w.focus for w in report.warnings] == ["event:mass-deportations-begin"]


def test_the_shapes_pass_meta_shacl(ns):
    meta = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    conforms, _graph, text = pyshacl.validate(
        shapes_graph(ns), shacl_graph=str(meta), max_validation_depth=40
    )
    assert conforms, text


def test_every_class_the_data_uses_is_targeted_by_a_shape(seed_store, ns):
    shapes = shapes_graph(ns)
    targeted = {
        str(c)
        for c in shapes.objects(None, shapes.namespace_manager.expand_curie("sh:targetClass"))
    }
    supers: dict[str, set[str]] = {}
    for row in select(
        seed_store, "SELECT ?class ?super WHERE { ?x a ?class . ?class rdfs:subClassOf* ?super }"
    ):
        supers.setdefault(row["class"], set()).add(row["super"])
    data_classes = {
        c
        for c in supers
        if not c.startswith(
            ("http://www.w3.org/2002/07/owl#", "http://www.w3.org/2004/02/skos/core#ConceptScheme")
        )
    }
    untargeted = sorted(c for c in data_classes if not (supers[c] | {c}) & targeted)
    assert untargeted == []


# Each rule of the shapes, a copy of the seed that breaks it, and the message that must say so.
BREAKS = [
    (
        "statement without speaker",
        "DELETE WHERE { statement:jessica-tisch-2025-01-18-civil-matter pkg:speaker ?s }",
        "A statement needs a speaker",
    ),
    (
        "statement without date",
        "DELETE WHERE { statement:jessica-tisch-2025-01-18-civil-matter dct:date ?d }",
        "A statement needs the date it was made",
    ),
    (
        "statement date as plain text",
        'DELETE { ?s dct:date ?d } INSERT { ?s dct:date "18 January 2025" } '
        "WHERE { BIND(statement:jessica-tisch-2025-01-18-civil-matter AS ?s) ?s dct:date ?d }",
        "A statement needs the date it was made (dct:date), an xsd:date",
    ),
    (
        "statement without source",
        "DELETE WHERE { statement:jessica-tisch-2025-01-18-civil-matter pkg:reportedBy ?s }",
        "A statement needs a source that reports it",
    ),
    (
        "statement dated after its source",
        'DELETE { ?s dct:date ?d } INSERT { ?s dct:date "2025-02-01"^^xsd:date } '
        "WHERE { BIND(statement:jessica-tisch-2025-01-18-civil-matter AS ?s) ?s dct:date ?d }",
        "A statement cannot be dated (2025-02-01) after the source that reports it (2025-01-22)",
    ),
    (
        "speaker that is a place",
        "DELETE { ?s pkg:speaker ?p } INSERT { ?s pkg:speaker place:nevada } "
        "WHERE { BIND(statement:jessica-tisch-2025-01-18-civil-matter AS ?s) ?s pkg:speaker ?p }",
        "A statement needs a speaker (pkg:speaker), a person or an organization",
    ),
    (
        "statement both quote and paraphrase",
        "INSERT DATA { statement:jessica-tisch-2025-01-18-civil-matter a pkg:Paraphrase }",
        "either a verbatim quote",
    ),
    (
        "amendment before adoption",
        'DELETE { ?e dct:date ?d } INSERT { ?e dct:date "2018"^^xsd:gYear } '
        "WHERE { BIND(event:2023-lvmpd-policy-amended AS ?e) ?e dct:date ?d }",
        "An amendment (2018) cannot come before the policy's adoption (2019)",
    ),
    (
        "tenure that ends before it starts",
        'INSERT DATA { tenure:kevin-mcmahill-lvmpd-sheriff schema:endDate "2022-06-30"^^xsd:date }',
        "A tenure cannot start (2023) after it ends (2022-06-30)",
    ),
    (
        "tenure in another organization than its post",
        "DELETE { ?t org:organization ?o } INSERT { ?t org:organization agency:nypd } "
        "WHERE { BIND(tenure:kevin-mcmahill-lvmpd-sheriff AS ?t) ?t org:organization ?o }",
        "A tenure's organization must be the one its post is in",
    ),
    (
        "tenure with two people",
        "INSERT DATA { tenure:kevin-mcmahill-lvmpd-sheriff org:member person:jessica-tisch }",
        "A tenure is held by exactly one person",
    ),
    (
        "provision whose action is not an activity",
        "DELETE { ?p odrl:action ?a } INSERT { ?p odrl:action role:sheriff } "
        "WHERE { BIND(provision:nypd-no-location-disclosure AS ?p) ?p odrl:action ?a }",
        "A provision's action must be a concept of the cooperation-activity scheme",
    ),
    (
        "provision with two actions",
        "INSERT DATA { provision:nypd-no-location-disclosure odrl:action act:status-inquiry }",
        "A provision needs exactly one action",
    ),
    (
        "provision of no policy",
        "DELETE WHERE { ?policy odrl:prohibition provision:nypd-no-location-disclosure }",
        "A provision must belong to a policy",
    ),
    (
        "permission that is a prohibition",
        "INSERT DATA { policy:nypd-immigration-enforcement-order odrl:permission "
        "provision:nypd-no-location-disclosure }",
        "A policy's odrl:permission must be an odrl:Permission",
    ),
    (
        "policy without issuer",
        "DELETE WHERE { policy:nypd-immigration-enforcement-order pkg:issuedBy ?o }",
        "A policy needs the organization that issued it",
    ),
    (
        "policy without provisions",
        "DELETE WHERE { policy:stockton-pd-position odrl:prohibition ?p }",
        "A policy needs at least one provision",
    ),
    (
        "agreement without a federal counterparty",
        "INSERT DATA { policy:lvmpd-immigration-policy a pkg:Agreement }",
        "An agreement needs its federal counterparty",
    ),
    (
        "post in no organization",
        "DELETE WHERE { post:nypd-commissioner org:postIn ?o }",
        "A post exists in exactly one organization",
    ),
    ("person without a label", "DELETE WHERE { person:tom-homan rdfs:label ?l }", "needs a label"),
    (
        "malformed ORI",
        'INSERT DATA { agency:lvmpd pkg:ori "NV-2010" }',
        "An agency has at most one ORI",
    ),
    (
        "jurisdiction that is a person",
        "INSERT DATA { agency:lvmpd pkg:jurisdiction person:tom-homan }",
        "An agency's jurisdiction (pkg:jurisdiction) must be a city, county or state",
    ),
    (
        "malformed state code",
        'INSERT DATA { place:nevada pkg:stateCode "Nev" }',
        "two-letter state code",
    ),
    (
        "source with two titles",
        'INSERT DATA { source:s1 dct:title "Another title"@en }',
        "A source has at most one title",
    ),
    (
        "source address as text",
        'DELETE { source:s1 schema:url ?u } INSERT { source:s1 schema:url "newsmax.com" } '
        "WHERE { source:s1 schema:url ?u }",
        "A source has at most one address (schema:url), an IRI",
    ),
    (
        "article without a date",
        "DELETE WHERE { source:s3 dct:issued ?d }",
        "A published source needs its publication date",
    ),
    (
        "event without source",
        "DELETE WHERE { event:2025-01-20-national-emergency pkg:reportedBy ?s }",
        "An event needs a source that reports it",
    ),
    (
        "policy change of no policy",
        "DELETE WHERE { event:2019-lvmpd-policy-adopted pkg:changedPolicy ?p }",
        "changes exactly one policy",
    ),
    (
        "concept without definition",
        "DELETE WHERE { act:status-inquiry skos:definition ?d }",
        "A concept needs a definition",
    ),
    (
        "ontology class without definition",
        "DELETE WHERE { pkg:Tenure skos:definition ?d }",
        "Every class the ontology defines needs a definition",
    ),
    (
        "ontology property without range",
        "DELETE WHERE { pkg:speaker rdfs:range ?r }",
        "Every property the ontology defines needs a range",
    ),
]


@pytest.mark.parametrize("update,message", [b[1:] for b in BREAKS], ids=[b[0] for b in BREAKS])
def test_each_rule_rejects_its_break(seed_graph, ns, update, message):
    report = validate(broken(seed_graph, ns, update), ns)
    messages = [violation.message for violation in report.violations]
    assert not report.conforms
    assert any(message in text for text in messages), messages


def test_a_missing_event_date_only_warns(seed_graph, ns):
    report = validate(
        broken(seed_graph, ns, "DELETE WHERE { event:2025-01-20-national-emergency dct:date ?d }"),
        ns,
    )
    assert report.conforms
    assert "event:2025-01-20-national-emergency" in [w.focus for w in report.warnings]


def test_report_renderings_name_focus_path_and_value(seed_graph, ns):
    report = validate(
        broken(seed_graph, ns, 'INSERT DATA { place:nevada pkg:stateCode "Nev" }'), ns
    )
    result = next(r for r in report.to_json()["results"] if r["value"])
    assert result["focus"] == "place:nevada"
    assert result["path"] == "pkg:stateCode"
    assert result["value"] == '"Nev"'
    assert result["severity"] == "Violation"
    assert "focus node: place:nevada" in report.to_text()
    assert "sh:ValidationReport" in report.to_turtle() or "ValidationReport" in report.to_turtle()
