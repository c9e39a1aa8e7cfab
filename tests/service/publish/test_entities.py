"""What an entity's page shows, from the bundled graph: its sections' sources, and labels
kept for a generation that a write makes stale."""

from __future__ import annotations

from kg.service.publish.entities import entity_page, labels
from tests.conftest import NS

LVMPD = NS.iri("id/agency/lvmpd")
MCMAHILL = NS.iri("id/person/kevin-mcmahill")
OFFICERS = NS.iri("ontology#officers")
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SOURCE_KEYS = {"S0", "S2", "S4"}  # the sources whose graphs hold McMahill's tenure (facts.md)


def test_a_heads_row_names_each_source_of_its_graphs_once(seed_store):
    page = entity_page(seed_store, NS, LVMPD)
    assert page is not None and page.kind == "organization"
    (head,) = page.sections["heads"]
    assert head["personLabel"] == "Kevin McMahill" and head["role"] == "sheriff"
    keys = [source["key"] for source in head["sources"]]
    assert keys == sorted(keys) and set(keys) == SOURCE_KEYS
    assert all(
        source["iri"] == NS.iri(f"id/source/{source['key'].lower()}") for source in head["sources"]
    )
    said = {row["statement"]: row for row in page.sections["statements"]}
    assert said and all(row["sources"] for row in said.values())


def test_a_label_a_write_changes_is_shown_on_the_next_page(fresh_store):
    before = entity_page(fresh_store, NS, LVMPD)
    assert before is not None and before.sections["heads"][0]["personLabel"] == "Kevin McMahill"
    assert labels(fresh_store, NS, {MCMAHILL, NS.iri("id/nothing-of-that-name")}) == {
        MCMAHILL: "Kevin McMahill"
    }
    fresh_store.update(
        f"""DELETE {{ GRAPH ?g {{ <{MCMAHILL}> <http://www.w3.org/2000/01/rdf-schema#label> ?old }} }}
            INSERT {{ GRAPH ?g {{ <{MCMAHILL}> <http://www.w3.org/2000/01/rdf-schema#label> "Sheriff McMahill" }} }}
            WHERE {{ GRAPH ?g {{ <{MCMAHILL}> <http://www.w3.org/2000/01/rdf-schema#label> ?old }} }}"""
    )
    after = entity_page(fresh_store, NS, LVMPD)
    assert after is not None and after.sections["heads"][0]["personLabel"] == "Sheriff McMahill"
    assert labels(fresh_store, NS, {MCMAHILL}) == {MCMAHILL: "Sheriff McMahill"}


def test_a_fact_shows_its_literal_as_stored_and_a_new_graph_cites_its_source(fresh_store):
    graph, source = NS.iri("graph/test-officers"), NS.iri("id/source/test-officers")
    before = entity_page(fresh_store, NS, LVMPD)
    assert before is not None
    (label,) = [fact.value for fact in before.facts if fact.predicate.iri == RDFS_LABEL]
    assert (label.text, label.lang, label.datatype, label.iri) == (
        "Las Vegas Metropolitan Police Department", "en", None, None
    )  # fmt: skip
    assert all(fact.predicate.iri != OFFICERS for fact in before.facts)
    fresh_store.update(
        f"""INSERT DATA {{ GRAPH <{graph}> {{
              <{LVMPD}> <{OFFICERS}> "3226"^^<http://www.w3.org/2001/XMLSchema#integer> .
              <{graph}> <http://www.w3.org/ns/prov#wasDerivedFrom> <{source}> .
              <{source}> <http://www.w3.org/2004/02/skos/core#notation> "S99" }} }}"""
    )
    after = entity_page(fresh_store, NS, LVMPD)
    assert after is not None
    (officers,) = [fact for fact in after.facts if fact.predicate.iri == OFFICERS]
    assert (officers.value.text, officers.value.datatype, officers.value.lang) == (
        "3226", "http://www.w3.org/2001/XMLSchema#integer", None
    )  # fmt: skip
    assert [(ref.key, ref.iri) for ref in officers.sources] == [("S99", source)]
