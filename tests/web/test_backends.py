"""The same server on every store backend (tests.conftest.BACKENDS): the query protocol, the
linked-data pages and the validation gate behave alike; a remote that stops is a 503, with
nothing half-written, until it returns."""

from __future__ import annotations

import json
import os
import time
import urllib.parse

import pytest
from rdflib import Graph
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from kg.service import loading
from kg.store.embedded import EmbeddedStore
from tests.conftest import BACKENDS, NS, TOKEN, http, remote_server, run_kg, start_server

S1 = NS.iri("id/source/s1")
QUOTE = """<{statement}> a <https://w3id.org/policykg/ontology#Quote> ;
  <http://www.w3.org/2000/01/rdf-schema#label> "Backend test"@en ;
  <https://schema.org/text> "Words said on every backend."@en ;
  <https://w3id.org/policykg/ontology#speaker> <https://w3id.org/policykg/id/person/jessica-tisch> ;
  <http://purl.org/dc/terms/date> "{date}"^^<http://www.w3.org/2001/XMLSchema#date> ;
  <https://w3id.org/policykg/ontology#reportedBy> <{source}> .
"""


@pytest.fixture(scope="module", params=BACKENDS)
def over(request, tmp_path_factory):
    """`kg serve` with the seed graph, on the embedded store or over `oxigraph serve`."""
    directory = tmp_path_factory.mktemp(request.param)
    remote = remote_server(request.param, directory / "remote")
    live = start_server(directory / "store", env=remote.env if remote else None)
    live.remote = remote  # type: ignore[attr-defined]
    yield live
    live.stop()
    if remote:
        remote.stop()


def sparql(server, query: str, accept: str = "application/sparql-results+json"):
    url = f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query})
    return http("GET", url, headers={"Accept": accept})


def count(server) -> int:
    """The quads of PolicyKG's graphs (a server may keep graphs of its own)."""
    query = f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                FILTER (STRSTARTS(STR(?g), "{NS.base}")) }}"""
    answer = sparql(server, query)
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def contribute(server, slug: str, date: str = "2025-01-19"):
    body = QUOTE.format(statement=NS.iri(f"id/statement/{slug}"), date=date, source=S1)
    return http(
        "POST",
        f"{server.url}/assertions?" + urllib.parse.urlencode({"source": S1}),
        body=body,
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )


def test_the_seed_graph_is_served_whole(over):
    # every quad of the bundled files (those outside a named graph go to the file's own graph)
    bundled = EmbeddedStore()
    loading.load_items(bundled, NS, loading.bundled_items(NS))
    assert count(over) == bundled.count() > 1500


def test_sparqlwrapper_selects_and_constructs(over):
    client = SPARQLWrapper(f"{over.url}/sparql")
    client.setQuery(
        NS.sparql_prologue()
        + "SELECT DISTINCT ?label WHERE { ?a a pkg:PoliceDepartment ; rdfs:label ?label }"
    )
    client.setReturnFormat(JSON)
    labels = [row["label"]["value"] for row in client.query().convert()["results"]["bindings"]]
    assert "Las Vegas Metropolitan Police Department" in labels and len(labels) == 5
    client.setQuery("CONSTRUCT WHERE { ?s <https://schema.org/text> ?text }")
    client.setReturnFormat(TURTLE)
    quotes = Graph().parse(data=client.query().convert(), format="turtle")
    texts = sparql(over, "SELECT DISTINCT ?s ?t WHERE { ?s <https://schema.org/text> ?t }")
    assert len(quotes) == len(json.loads(texts.body)["results"]["bindings"]) > 0


def test_the_default_graph_is_the_union_and_a_dataset_narrows_it(over):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    url = f"{over.url}/sparql?" + urllib.parse.urlencode(
        {"query": query, "default-graph-uri": NS.iri("graph/source/s1")}
    )
    narrowed = json.loads(http("GET", url).body)["results"]["bindings"][0]["n"]["value"]
    union = json.loads(sparql(over, query).body)["results"]["bindings"][0]["n"]["value"]
    assert 0 < int(narrowed) < int(union)


@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_results_in_each_format(over, accept):
    query = "SELECT DISTINCT ?label WHERE { ?a a <https://w3id.org/policykg/ontology#Person> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    answer = sparql(over, query, accept)
    assert answer.status == 200 and answer.headers["Content-Type"].startswith(accept)
    assert "Jessica Tisch" in answer.text


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json"])
def test_graphs_in_each_format(over, accept):
    query = "CONSTRUCT WHERE { <https://w3id.org/policykg/id/person/jessica-tisch> ?p ?o }"
    answer = sparql(over, query, accept)
    assert answer.status == 200 and answer.headers["Content-Type"].startswith(accept)
    parsed = Graph().parse(
        data=answer.text,
        format={
            "text/turtle": "turtle",
            "application/n-triples": "nt",
            "application/ld+json": "json-ld",
        }[accept],
    )
    assert len(parsed) > 2


def test_a_malformed_query_is_400_with_the_message(over):
    answer = sparql(over, "SELECT ?x WHERE { ?x ?y }")
    assert answer.status == 400 and "Malformed query" in answer.text


def test_an_entity_page_and_its_description(over):
    page = http("GET", f"{over.url}/id/agency/lvmpd", headers={"Accept": "text/html"})
    assert page.status == 200 and "Las Vegas Metropolitan Police Department" in page.text
    turtle = http("GET", f"{over.url}/id/agency/lvmpd.ttl").text
    assert "assertedIn" in turtle  # every fact with the graph that asserts it
    missing = http("GET", f"{over.url}/id/agency/nowhere", headers={"Accept": "text/turtle"})
    assert missing.status == 404


def test_the_gate_admits_whole_and_refuses_with_the_report(over):
    before = count(over)
    refused = contribute(over, "backend-late", date="2999-01-01")
    assert refused.status == 422 and "after the source" in refused.text
    assert count(over) == before
    admitted = contribute(over, "backend-ok")
    assert admitted.status == 201
    identifier = json.loads(admitted.body)["id"]
    assert count(over) > before
    assert http("GET", f"{over.url}/assertions/{identifier}").status == 200
    withdrawn = http(
        "DELETE",
        f"{over.url}/assertions/{identifier}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert withdrawn.status == 200


def test_a_stopped_remote_is_503_then_serves_again(over, tmp_path):
    remote = over.remote
    if remote is None:
        pytest.skip("the embedded store cannot stop apart from the server")
    before = count(over)
    remote.stop()
    try:
        query = sparql(over, "ASK { ?s ?p ?o }")
        assert query.status == 503 and "does not answer" in query.text
        assert contribute(over, "backend-while-down").status == 503
        assert http("GET", f"{over.url}/id/agency/lvmpd").status == 503
        cli = run_kg("query", "ASK {}", store=tmp_path / "state", env=os.environ | remote.env)
        assert cli.returncode == 1 and "does not answer" in cli.stderr
    finally:
        remote.start()
    assert count(over) == before  # nothing half-written meanwhile
    assert sparql(over, "ASK { ?s ?p ?o }").status == 200


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_the_timeout_is_policykgs_whatever_the_server_does(backend, tmp_path):
    env = {**(backend.env if backend else {}), "KG_QUERY_TIMEOUT": "2"}
    live = start_server(tmp_path / "store", env=env)
    try:
        started = time.monotonic()
        answer = sparql(live, RUNAWAY)
        assert answer.status == 503 and "did not finish within 2 s" in answer.text
        assert time.monotonic() - started < 30
        assert sparql(live, "ASK { ?s ?p ?o }").status == 200  # and it goes on serving
    finally:
        live.stop()
