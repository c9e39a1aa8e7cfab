"""The SPARQL 1.1 Protocol over a real `kg serve`, driven by real clients."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import threading
import time
import urllib.parse
from http.client import HTTPConnection

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from tests.conftest import NS, TOKEN, child_pids, http, start_server, stat_fields

QUOTES = """PREFIX pkg: <https://w3id.org/policykg/ontology#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?quote ?text WHERE { ?quote a pkg:Quote ; schema:text ?text } ORDER BY ?text"""
CONSTRUCT_QUOTES = """PREFIX pkg: <https://w3id.org/policykg/ontology#>
CONSTRUCT { ?q a pkg:Quote } WHERE { ?q a pkg:Quote }"""


def get(server, query: str, **params) -> str:
    return server.url + "/sparql?" + urllib.parse.urlencode({"query": query, **params})


# --- real clients ------------------------------------------------------------------------


def wrapper(server, query: str, fmt, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_select_as_json(server, method):
    rows = wrapper(server, QUOTES, JSON, method).queryAndConvert()["results"]["bindings"]
    assert len(rows) == 5
    assert "That's not my job. I have too much to do." in {row["text"]["value"] for row in rows}


def test_sparqlwrapper_select_as_xml(server):
    document = wrapper(server, QUOTES, XML).queryAndConvert()
    assert len(document.getElementsByTagName("result")) == 5


def test_sparqlwrapper_select_as_csv(server):
    text = wrapper(server, QUOTES, CSV).queryAndConvert().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5 and set(rows[0]) == {"quote", "text"}


def test_sparqlwrapper_ask(server):
    assert wrapper(server, "ASK { ?s a ?o }", JSON).queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_construct_into_rdflib(server, method):
    graph = wrapper(server, CONSTRUCT_QUOTES, TURTLE, method).queryAndConvert()
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph, format="turtle")
    assert len(graph) == 5


def test_rdflib_sparqlstore(server):
    store = SPARQLStore(server.url + "/sparql", returnFormat="json")
    rows = list(store.query(QUOTES))
    assert len(rows) == 5
    assert len(Graph(store=store).query(CONSTRUCT_QUOTES)) == 5


# --- the protocol, over plain HTTP ---------------------------------------------------------


def test_post_form_and_direct_post_agree_with_get(server):
    by_get = http("GET", get(server, QUOTES), headers={"Accept": "application/sparql-results+json"})
    by_form = http(
        "POST",
        server.url + "/sparql",
        body=urllib.parse.urlencode({"query": QUOTES}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    direct = http(
        "POST",
        server.url + "/sparql",
        body=QUOTES,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert by_get.status == by_form.status == direct.status == 200
    assert json.loads(by_get.body) == json.loads(by_form.body) == json.loads(direct.body)


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_negotiation_honours_q_values_and_wildcards(server, accept, expected):
    answer = http("GET", get(server, QUOTES), headers={"Accept": accept})
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith(expected)
    assert answer.headers["Vary"] == "Accept"


@pytest.mark.parametrize(
    "accept,parser",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_construct_in_every_graph_format(server, accept, parser):
    answer = http("GET", get(server, CONSTRUCT_QUOTES), headers={"Accept": accept})
    assert answer.status == 200 and answer.headers["Content-Type"].startswith(accept)
    graph = Graph()
    graph.parse(data=answer.body, format=parser)
    assert len(graph) == 5


def test_format_parameter_overrides_accept(server):
    answer = http(
        "GET",
        get(server, QUOTES, format="csv"),
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.text.startswith("quote,text")


def test_406_when_nothing_acceptable(server):
    answer = http("GET", get(server, QUOTES), headers={"Accept": "image/png"})
    assert answer.status == 406 and "application/sparql-results+json" in answer.text
    answer = http("GET", get(server, QUOTES, format="ttl"))
    assert answer.status == 406


def test_unknown_format_is_400(server):
    assert http("GET", get(server, QUOTES, format="yaml")).status == 400


def test_malformed_query_is_400_with_position(server):
    answer = http("GET", get(server, "SELECT ?x WHERE { ?x ?y }"))
    assert answer.status == 400
    assert "error at 1:" in answer.text


def test_missing_and_repeated_query(server):
    missing = http(
        "POST",
        server.url + "/sparql",
        body="default-graph-uri=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert missing.status == 400 and "missing parameter: query" in missing.text
    repeated = http("GET", server.url + "/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert repeated.status == 400 and "repeated" in repeated.text


def test_wrong_body_media_type_is_415(server):
    answer = http(
        "POST", server.url + "/sparql", body="ASK {}", headers={"Content-Type": "text/plain"}
    )
    assert answer.status == 415 and "application/sparql-query" in answer.text


def test_update_by_get_is_refused(server):
    answer = http("GET", server.url + "/sparql?update=" + urllib.parse.quote("CLEAR ALL"))
    assert answer.status == 400 and "POST" in answer.text


def test_body_over_the_limit_is_413(server):
    body = ("ASK {} #" + "x" * (11 * 1024 * 1024)).encode()
    connection = HTTPConnection(urllib.parse.urlsplit(server.url).netloc, timeout=30)
    connection.putrequest("POST", "/sparql")
    connection.putheader("Content-Type", "application/sparql-query")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        connection.send(body)  # the server may answer before it has read it all
    response = connection.getresponse()
    assert response.status == 413
    assert b"Too Large" in response.read()


def test_a_graph_name_that_is_not_an_iri_is_400(server):
    # found by schemathesis: it was a 500
    query = {"query": "ASK {}", "named-graph-uri": "AAA"}
    answer = http("GET", f"{server.url}/sparql?" + urllib.parse.urlencode(query))
    assert answer.status == 400 and "'AAA' is not an absolute IRI" in answer.text


def test_dataset_parameters(server):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = json.loads(http("GET", get(server, count)).body)["results"]["bindings"][0]["n"]["value"]
    one = http(
        "GET",
        server.url
        + "/sparql?"
        + urllib.parse.urlencode({"query": count, "default-graph-uri": NS.iri("graph/source/s1")}),
    )
    two = http(
        "GET",
        server.url
        + "/sparql?"
        + urllib.parse.urlencode(
            [
                ("query", count),
                ("default-graph-uri", NS.iri("graph/source/s1")),
                ("default-graph-uri", NS.iri("graph/source/s5")),
            ]
        ),
    )
    values = [int(json.loads(a.body)["results"]["bindings"][0]["n"]["value"]) for a in (one, two)]
    assert 0 < values[0] < values[1] < int(whole)
    named = http(
        "GET",
        server.url
        + "/sparql?"
        + urllib.parse.urlencode(
            {
                "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                "named-graph-uri": NS.iri("graph/source/s4"),
            }
        ),
    )
    graphs = [b["g"]["value"] for b in json.loads(named.body)["results"]["bindings"]]
    assert graphs == [NS.iri("graph/source/s4")]


def test_cors_for_reads_and_preflight(server):
    answer = http("GET", get(server, "ASK {}"), headers={"Origin": "https://example.org"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    preflight = http(
        "OPTIONS",
        server.url + "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" not in preflight.headers["Access-Control-Allow-Headers"]


def test_head(server):
    answer = http("HEAD", get(server, QUOTES))
    assert answer.status == 200 and answer.body == b""
    assert answer.headers["Content-Type"].startswith("application/sparql-results+json")


# --- service description --------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept,parser", [("text/turtle", "turtle"), ("application/ld+json", "json-ld")]
)
def test_service_description(server, accept, parser):
    answer = http("GET", server.url + "/sparql", headers={"Accept": accept})
    assert answer.status == 200
    graph = Graph().parse(data=answer.body, format=parser)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    rows = graph.query(f"""PREFIX sd: <{sd}> SELECT ?endpoint WHERE {{
        ?s a sd:Service ; sd:endpoint ?endpoint ; sd:supportedLanguage sd:SPARQL11Query ;
           sd:feature sd:UnionDefaultGraph ; sd:defaultDataset/sd:namedGraph/sd:name ?g }}""")
    assert {str(row.endpoint) for row in rows} == {server.url + "/sparql"}
    formats = set(graph.objects(None, URIRef(sd + "resultFormat")))
    assert len(formats) == 10


def test_service_description_as_html(server):
    answer = http("GET", server.url + "/sparql", headers={"Accept": "text/html"})
    assert answer.status == 200 and "<title>" in answer.text and "sd:Service" in answer.text


# --- updates ------------------------------------------------------------------------------


INSERT = """INSERT DATA { GRAPH <https://example.org/graph/update-test> {
    <https://example.org/a> <https://example.org/p> "%s" } }"""


def update(server, text: str, token: str | None = TOKEN, path: str = "/sparql", form: bool = True):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if form:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode({"update": text})
    else:
        headers["Content-Type"] = "application/sparql-update"
        body = text
    return http("POST", server.url + path, body=body, headers=headers)


def ask(server, query: str) -> bool:
    return json.loads(http("GET", get(server, query)).body)["boolean"]


@pytest.fixture
def writable(tmp_path):
    live = start_server(tmp_path / "store")
    yield live
    live.stop()


def test_update_needs_a_known_token(writable):
    for token in (None, "wrong-token"):
        answer = update(writable, INSERT % "x", token=token)
        assert answer.status == 401
        assert answer.headers["WWW-Authenticate"].lower().startswith("bearer")
        assert "Access-Control-Allow-Origin" not in answer.headers or token is None
    assert not ask(writable, 'ASK { ?s ?p "x" }')


def test_update_endpoint_asks_for_the_token_before_reading_the_request(server):
    # found by schemathesis: a bare POST to /update was told its media type, not to log in
    answer = http("POST", f"{server.url}/update")
    assert answer.status == 401


@pytest.mark.parametrize("path,form", [("/sparql", True), ("/update", False), ("/update", True)])
def test_update_with_token_is_applied(writable, path, form):
    assert update(writable, INSERT % path, path=path, form=form).status == 204
    assert ask(writable, f'ASK {{ ?s ?p "{path}" }}')


def test_update_is_atomic(writable):
    before = http("GET", get(writable, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")).body
    broken = INSERT % "first" + " ; INSERT DATA { <https://example.org/b> <https://example.org/p> }"
    assert update(writable, broken).status == 400
    after = http("GET", get(writable, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")).body
    assert before == after


def test_load_and_service_are_refused(writable):
    answer = update(writable, "LOAD <http://example.org/data.ttl>")
    assert answer.status == 403 and "LOAD" in answer.text
    answer = http(
        "GET", get(writable, "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    )
    assert answer.status == 403 and "KG_ALLOW_SERVICE" in answer.text


def test_tokens_are_never_logged(writable):
    update(writable, INSERT % "logged?")
    update(writable, INSERT % "logged?", token="wrong-token")
    assert TOKEN not in writable.log.read_text()
    assert "wrong-token" not in writable.log.read_text()


# --- limits -------------------------------------------------------------------------------


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_runaway_query_is_stopped_while_others_are_answered(tmp_path):
    live = start_server(tmp_path / "store", env={"KG_QUERY_TIMEOUT": "2"})
    try:
        outcome = {}

        def runaway():
            started = time.monotonic()
            outcome["answer"] = http("GET", get(live, RUNAWAY))
            outcome["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.3)
        meanwhile = [http("GET", get(live, QUOTES)).status for _ in range(5)]
        thread.join(30)
        assert meanwhile == [200] * 5
        assert outcome["answer"].status == 503
        assert "did not finish within 2 s" in outcome["answer"].text
        assert outcome["seconds"] < 10
        # the server goes on answering after the worker that held the runaway restarted
        time.sleep(1)
        assert all(http("GET", get(live, QUOTES)).status == 200 for _ in range(4))
    finally:
        live.stop()


def test_queries_wait_for_a_slot_and_their_time_counts_from_it(tmp_path):
    live = start_server(
        tmp_path / "store",
        env={"KG_QUERY_TIMEOUT": "2", "KG_QUERY_SLOTS": "1", "KG_LONG_QUERY_AFTER": "0"},
        args=("--workers", "1"),
    )
    try:
        answers = {}

        def ask(name: str, query: str) -> None:
            started = time.monotonic()
            answers[name] = (http("GET", get(live, query)).status, time.monotonic() - started)

        runaway = threading.Thread(target=ask, args=("runaway", RUNAWAY))
        runaway.start()
        time.sleep(1)
        ask("quotes", QUOTES)  # waits about 1 s for the runaway's slot, then has its own 2 s
        runaway.join(30)
        assert answers["runaway"][0] == 503 and answers["quotes"][0] == 200, answers
        assert answers["quotes"][1] > 0.5, answers  # it waited: alone it takes milliseconds
    finally:
        live.stop()


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        pending += child_pids(current)
        found.append(current)
    return found


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        if fields := stat_fields(pid):  # a process that has ended uses no more
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def test_a_stopped_query_stops_evaluating(tmp_path):
    # pyoxigraph cannot cancel a query: its helper process is killed at the timeout
    live = start_server(tmp_path / "store", env={"KG_QUERY_TIMEOUT": "1"})
    try:
        assert http("GET", get(live, RUNAWAY)).status == 503
        pids = _descendants(live.process.pid)
        before = _cpu_seconds(pids)
        time.sleep(2)
        assert _cpu_seconds(pids) - before < 0.5  # nothing goes on evaluating it
        assert http("GET", get(live, QUOTES)).status == 200
    finally:
        live.stop()


def test_a_query_past_its_memory_is_stopped_and_the_server_goes_on(tmp_path):
    # counting the distinct rows of the graph squared keeps them all: ~100 MB more each second
    hog = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?a ?c ?d ?f WHERE { ?a ?b ?c . ?d ?e ?f } }"
    live = start_server(tmp_path / "store", env={"KG_QUERY_MEMORY": "200"})
    try:
        answer = http("GET", get(live, hog))
        assert answer.status == 503
        assert "needed more than 200 MB" in answer.text
        assert http("GET", get(live, QUOTES)).status == 200
    finally:
        live.stop()
