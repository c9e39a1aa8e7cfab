"""Contributions over a real store while other writes keep landing."""

from __future__ import annotations

import threading

import pyoxigraph as ox

from kg.service.write.contributions import contribute, parse_payload
from tests.conftest import NS

STATEMENT = f"""@prefix pkg: <https://w3id.org/policykg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/policykg/id/statement/under-writes> a pkg:Quote ;
    rdfs:label "Said while others wrote"@en ;
    schema:text "Words said while others wrote."@en ;
    pkg:speaker <https://w3id.org/policykg/id/person/jessica-tisch> ;
    dct:date "2025-01-19"^^xsd:date ;
    pkg:reportedBy <{NS.iri("id/source/s1")}> .
"""


def test_a_contribution_is_admitted_while_other_writes_keep_landing(fresh_store):
    # every validation takes longer than the gap between two other writes: without holding
    # the others off at the last try, each commit would find the graph changed
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            fresh_store.update(
                f'INSERT DATA {{ GRAPH <http://ex/noise> {{ <http://ex/n{n}> <http://ex/p> "{n}" }} }}'
            )

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        triples = parse_payload(STATEMENT.encode(), ox.RdfFormat.TURTLE, NS)
        outcome = contribute(
            fresh_store, NS, triples, contributor="tester", source=NS.iri("id/source/s1")
        )
    finally:
        stop.set()
        writer.join(10)
    assert outcome.triples == len(triples) == fresh_store.count(outcome.graph)


def test_the_vocabulary_a_contribution_keeps_is_read_again_after_the_ontology_changes(
    fresh_store,
):
    """A contribution keeps the gate's reading of the vocabulary for the next (it touches
    none of the vocabulary's graphs); a write to the ontology is read at once."""
    triples = parse_payload(STATEMENT.encode(), ox.RdfFormat.TURTLE, NS)
    contribute(fresh_store, NS, triples, contributor="tester", source=NS.iri("id/source/s1"))
    newsletter, issue = NS.pkg + "Newsletter", NS.iri("id/source/newsletter-1")
    fresh_store.update(
        f"""INSERT DATA {{
          GRAPH <{NS.iri("graph/ontology")}> {{
            <{newsletter}> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{NS.pkg}Source> }}
          GRAPH <{NS.iri("graph/source/newsletter")}> {{ <{issue}> a <{newsletter}> ;
            <http://www.w3.org/2000/01/rdf-schema#label> "A newsletter"@en }} }}"""
    )
    again = STATEMENT.replace("under-writes", "under-a-new-ontology")
    outcome = contribute(
        fresh_store,
        NS,
        parse_payload(again.encode(), ox.RdfFormat.TURTLE, NS),
        contributor="tester",
        source=issue,  # a source only by the new subclass
    )
    assert outcome.source == issue
