"""Contributions, the Graph Store Protocol and updates through the gate, over a real server."""

from __future__ import annotations

import json
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from http.client import HTTPConnection

import pytest
from rdflib import Dataset

from tests.conftest import NS, TOKEN, http, start_server

S1 = NS.iri("id/source/s1")
PREFIXES = """@prefix pkg: <https://w3id.org/policykg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def statement(slug: str, date: str = "2025-01-19", speaker: str = "person:jessica-tisch") -> str:
    return (
        PREFIXES
        + f"""@prefix person: <https://w3id.org/policykg/id/person/> .
<https://w3id.org/policykg/id/statement/{slug}> a pkg:Quote ;
    rdfs:label "Test statement {slug}"@en ;
    schema:text "Words said in {slug}."@en ;
    pkg:speaker {speaker} ;
    dct:date "{date}"^^xsd:date ;
    pkg:reportedBy <{S1}> .
"""
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("assertions") / "store")
    yield server
    server.stop()


def post(
    server,
    body: str | bytes,
    *,
    source: str | None = S1,
    token: str | None = TOKEN,
    media_type: str = "text/turtle",
    accept: str = "application/json",
):
    query = "?" + urllib.parse.urlencode({"source": source}) if source else ""
    headers = {"Content-Type": media_type, "Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return http("POST", f"{server.url}/assertions{query}", body=body, headers=headers)


def count(server) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = http("GET", f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}))
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def ask(server, query: str) -> bool:
    answer = http("GET", f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}))
    return json.loads(answer.body)["boolean"]


def test_valid_contribution_is_admitted_into_its_own_graph_with_provenance(live):
    answer = post(live, statement("admitted"))
    assert answer.status == 201, answer.text
    summary = json.loads(answer.body)
    assert answer.headers["Location"] == f"/assertions/{summary['id']}"
    assert summary["triples"] == 6 and summary["contributor"] == "tester"
    assert summary["contentHash"].startswith("sha256:")
    graph = summary["graph"]
    assert ask(
        live,
        f"""ASK {{ GRAPH <{graph}> {{
        <{NS.iri("id/statement/admitted")}> <https://schema.org/text> ?t }} }}""",
    )
    assert ask(
        live,
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        ASK {{ GRAPH <{NS.meta_graph}> {{ <{graph}> prov:wasDerivedFrom <{S1}> ;
            prov:wasAttributedTo/<http://www.w3.org/2000/01/rdf-schema#label> "tester" ;
            prov:generatedAtTime ?when ; <http://rdfs.org/ns/void#triples> 6 }} }}""",
    )
    listed = json.loads(http("GET", f"{live.url}/assertions").body)["items"]
    assert summary["id"] in [item["id"] for item in listed]
    trig = http(
        "GET", f"{live.url}/assertions/{summary['id']}", headers={"Accept": "application/trig"}
    )
    dataset = Dataset()
    dataset.parse(data=trig.body, format="trig")
    assert {str(g.identifier) for g in dataset.graphs()} >= {graph, NS.meta_graph}


@pytest.mark.parametrize(
    "body,message",
    [
        (
            statement("no-speaker", speaker="<https://w3id.org/policykg/id/place/nevada>"),
            "A statement needs a speaker",
        ),
        (statement("late", date="2025-03-01"), "after the source that reports it"),
        (
            statement("twice").replace("a pkg:Quote", "a pkg:Quote, pkg:Paraphrase"),
            "either a verbatim quote",
        ),
        (
            PREFIXES
            + """<https://w3id.org/policykg/id/event/2019-lvmpd-policy-adopted>
        dct:date "2024"^^xsd:gYear .""",
            "cannot come before the policy's adoption",
        ),
    ],
)
def test_each_kind_of_violation_is_refused_with_the_report_and_nothing_written(live, body, message):
    before = count(live)
    answer = post(live, body)
    assert answer.status == 422, answer.text
    report = json.loads(answer.body)
    assert not report["conforms"]
    assert any(message in result["message"] for result in report["results"])
    assert {"focus", "path", "value", "message", "severity"} <= set(report["results"][0])
    assert count(live) == before


def test_report_as_turtle_when_asked(live):
    answer = post(live, statement("turtle", date="2025-03-01"), accept="text/turtle")
    assert answer.status == 422 and "ValidationReport" in answer.text


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_a_write_needs_a_known_token(live, token):
    before = count(live)
    assert post(live, statement("unauthorized"), token=token).status == 401
    assert count(live) == before


def test_malformed_body_is_400_with_line_and_column(live):
    answer = post(live, PREFIXES + "<https://w3id.org/policykg/id/x> a .\n")
    assert answer.status == 400 and ":6:" in answer.text


def test_unknown_media_type_is_415(live):
    assert post(live, "hello", media_type="text/plain").status == 415


def test_body_over_the_limit_is_413(live):
    body = (statement("huge") + "#" + "x" * (11 * 1024 * 1024)).encode()
    connection = HTTPConnection(urllib.parse.urlsplit(live.url).netloc, timeout=30)
    connection.putrequest("POST", "/assertions?" + urllib.parse.urlencode({"source": S1}))
    for name, value in (
        ("Content-Type", "text/turtle"),
        ("Authorization", f"Bearer {TOKEN}"),
        ("Content-Length", str(len(body))),
    ):
        connection.putheader(name, value)
    connection.endheaders()
    with suppress(BrokenPipeError, ConnectionResetError):
        connection.send(body)
    assert connection.getresponse().status == 413


def test_a_contribution_names_its_source(live):
    answer = post(live, statement("sourceless"), source=None)
    assert answer.status == 400 and "source" in answer.text


def test_jsonld_with_the_published_context(live):
    document = {
        "@context": "https://w3id.org/policykg/context.jsonld",
        "@id": "statement:jsonld-example",
        "@type": "pkg:Quote",
        "label": "A statement contributed as JSON-LD",
        "text": "Words in JSON-LD.",
        "speaker": "person:kevin-mcmahill",
        "date": "2025-01-21",
        "reportedBy": "source:s2",
    }
    answer = post(
        live, json.dumps(document), source=NS.iri("id/source/s2"), media_type="application/ld+json"
    )
    assert answer.status == 201, answer.text


def test_the_same_content_twice_is_a_conflict(live):
    assert post(live, statement("twice-sent")).status == 201
    assert post(live, statement("twice-sent")).status == 409


def test_withdrawal_removes_the_graph_and_keeps_the_record(live):
    summary = json.loads(post(live, statement("withdrawn")).body)
    path = f"{live.url}/assertions/{summary['id']}"
    assert http("DELETE", path).status == 401
    answer = http("DELETE", path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status == 200
    assert not ask(live, f"ASK {{ GRAPH <{summary['graph']}> {{ ?s ?p ?o }} }}")
    record = json.loads(http("GET", path).body)
    assert record["withdrawn"] and record["withdrawer"] == "tester"
    assert http("DELETE", path, headers={"Authorization": f"Bearer {TOKEN}"}).status == 410


def test_dry_run_writes_nothing(live):
    before = count(live)
    answer = http(
        "POST",
        f"{live.url}/assertions?" + urllib.parse.urlencode({"source": S1, "dry-run": "true"}),
        body=statement("dry"),
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status == 200 and json.loads(answer.body)["committed"] is False
    assert count(live) == before


# --- the same gate on the other write paths --------------------------------------------------


def update(server, text: str):
    return http(
        "POST",
        f"{server.url}/update",
        body=text,
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )


def test_sparql_update_that_breaks_the_shapes_is_refused(live):
    before = count(live)
    answer = update(
        live,
        """PREFIX pkg: <https://w3id.org/policykg/ontology#>
        DELETE WHERE { GRAPH ?g { ?statement pkg:speaker ?who } }""",
    )
    assert answer.status == 422 and "A statement needs a speaker" in answer.text
    assert count(live) == before
    fine = update(
        live,
        """PREFIX schema: <https://schema.org/>
        INSERT DATA { GRAPH <https://example.org/g/names> {
            <https://w3id.org/policykg/id/agency/lvmpd> schema:alternateName "Metro" } }""",
    )
    assert fine.status == 204


def test_graph_store_protocol(live):
    graph = "https://example.org/g/gsp"
    url = f"{live.url}/rdf-graphs?" + urllib.parse.urlencode({"graph": graph})
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    body = '<https://w3id.org/policykg/id/agency/nypd> <https://schema.org/alternateName> "New York\'s Finest" .'
    assert http("PUT", url, body=body).status == 401
    assert http("PUT", url, body=body, headers=auth).status == 201
    got = http("GET", url, headers={"Accept": "application/n-triples"})
    assert got.status == 200 and "New York's Finest" in got.text
    assert http("POST", url, body=body.replace("Finest", "Best"), headers=auth).status == 204
    assert http("PUT", url, body=body, headers=auth).status == 204
    assert "Best" not in http("GET", url, headers={"Accept": "application/n-triples"}).text
    broken = '<https://w3id.org/policykg/id/place/nevada> <https://w3id.org/policykg/ontology#stateCode> "Nev" .'
    refused = http("POST", url, body=broken, headers=auth)
    assert refused.status == 422 and "state code" in refused.text
    assert http("DELETE", url, headers=auth).status == 204
    assert http("GET", url).status == 404
    ontology = f"{live.url}/rdf-graphs?" + urllib.parse.urlencode(
        {"graph": NS.iri("graph/ontology")}
    )
    assert http("DELETE", ontology, headers=auth).status == 422


# --- concurrency and crashes ---------------------------------------------------------------


def test_concurrent_contributions_all_land_or_get_409(live):
    before = count(live)
    answers: list[int] = []

    def send(index: int) -> None:
        answers.append(post(live, statement(f"concurrent-{index}")).status)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(answers) <= {201, 409} and len(answers) == 8
    landed = answers.count(201)
    # each admitted contribution adds its 6 triples and its record (7 quads: the contributor
    # is known already), nothing else
    assert count(live) - before == landed * (6 + 7)
    present = 0
    for index in range(8):
        subject = NS.iri(f"id/statement/concurrent-{index}")
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{subject}> ?p ?o }} }}"
        answer = http("GET", f"{live.url}/sparql?" + urllib.parse.urlencode({"query": query}))
        triples = int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])
        assert triples in (0, 6)  # whole, in its own graph, or absent: never merged or split
        present += triples == 6
    assert present == landed


def test_contributions_validated_at_once_on_a_fresh_server_each_get_their_verdict(
    tmp_path_factory,
):
    # rdflib's SPARQL parser, which pySHACL's SPARQL constraints use, is not thread-safe
    # (RDFLib/rdflib#1282): a fresh worker's threads validating at once used to answer 500
    fresh = start_server(tmp_path_factory.mktemp("parallel") / "store")
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(
                pool.map(
                    lambda i: post(fresh, statement(f"parallel-{i}", date="2999-01-01")),
                    range(32),
                )
            )
        assert [answer.status for answer in answers] == [422] * 32
        messages = {
            tuple(sorted(r["message"] for r in json.loads(answer.body)["results"]))
            for answer in answers
        }
        assert len(messages) == 1 and "after the source" in str(messages)
    finally:
        fresh.stop()
