"""Queries asked by GET, answered in front of Flask: as the /sparql view answers them, over a
real server — whole or streamed — and their errors by Flask, once; and, in the process,
without Flask's request at all."""

from __future__ import annotations

import hashlib
import urllib.parse

import pytest
from flask import request

from kg.config import Settings
from kg.web import AppConfig, create_app
from tests.conftest import NS, TOKEN, http

LVMPD = NS.iri("id/agency/lvmpd")
LOOKUP = f"SELECT ?p ?o WHERE {{ <{LVMPD}> ?p ?o }}"
JSON = {"Accept": "application/sparql-results+json"}
JOIN = f"""SELECT ?p ?label WHERE {{ <{LVMPD}> ?p ?o .
  ?o <http://www.w3.org/2000/01/rdf-schema#label> ?label }} ORDER BY ?p ?label"""
EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 20000"  # > 256 KB
PER_ANSWER = {"date", "server", "etag"}  # the view's ETag tags its own, longer, path


def get(server, query: str, **params) -> str:
    return server.url + "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def same_headers(one, other) -> bool:
    def kept(answer):
        return {k.lower(): v for k, v in answer.headers.items() if k.lower() not in PER_ANSWER}

    return kept(one) == kept(other)


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (LOOKUP, "application/sparql-results+json"),
        (LOOKUP, "text/csv"),
        (f"ASK {{ <{LVMPD}> a ?type }}", "application/sparql-results+xml"),
        (f"CONSTRUCT WHERE {{ <{LVMPD}> ?p ?o }}", "application/json"),  # JSON-LD, by fallback
        (f"DESCRIBE <{LVMPD}>", "text/turtle"),
        (JOIN, "application/sparql-results+json"),
    ],
)
def test_a_query_is_answered_as_the_view_answers_it(server, query, accept):
    # `format` names the same media type as Accept: the lane leaves the request to the view
    lane = http("GET", get(server, query), headers={"Accept": accept})
    view = http("GET", get(server, query, format=accept), headers={"Accept": accept})
    assert lane.status == view.status == 200
    assert lane.body == view.body and same_headers(lane, view)
    generation = view.headers["ETag"].strip('"').split("-")[0]
    assert lane.headers["ETag"].startswith(f'"{generation}-')


def test_a_lookup_revalidates_and_is_logged(server):
    query = f"SELECT ?o WHERE {{ <{LVMPD}> <http://www.w3.org/2000/01/rdf-schema#label> ?o }}"
    first = http("GET", get(server, query), headers=JSON)
    assert first.status == 200 and "Las Vegas" in first.text
    again = http(
        "GET", get(server, query), headers={**JSON, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304 and again.headers["ETag"] == first.headers["ETag"]
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    logged = [line for line in server.log.read_text().splitlines() if digest in line]
    assert logged and all('"path": "/sparql"' in line for line in logged)
    assert any('"status": 200' in line for line in logged)


def test_a_large_result_streams_as_the_views_does(server):
    lane = http("GET", get(server, EVERYTHING), headers=JSON)
    view = http("GET", get(server, EVERYTHING, format=JSON["Accept"]), headers=JSON)
    assert lane.status == view.status == 200 and len(lane.body) > 256 * 1024
    assert lane.body == view.body and same_headers(lane, view)
    assert "Content-Length" not in lane.headers and "ETag" not in lane.headers  # never kept
    assert lane.headers["Access-Control-Allow-Origin"] == "*"


def test_an_error_through_the_lane_is_logged_once_with_its_status(server):
    query = "SELECT ?x WHERE { ?x ?y"
    answer = http("GET", get(server, query), headers=JSON)
    assert answer.status == 400 and "Malformed query" in answer.text
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    logged = [line for line in server.log.read_text().splitlines() if digest in line]
    assert len(logged) == 1 and '"status": 400' in logged[0]


def test_what_the_lane_declines_the_view_answers(server):
    # Oxigraph refuses it, though it is shaped as a lookup: the view's 400, with the position
    duplicated = http("GET", get(server, f"SELECT ?p ?p WHERE {{ <{LVMPD}> ?p ?o }}"))
    assert duplicated.status == 400 and "error at 1:" in duplicated.text
    unacceptable = http("GET", get(server, LOOKUP), headers={"Accept": "image/png"})
    assert unacceptable.status == 406
    with_token = http(
        "GET", get(server, LOOKUP), headers={**JSON, "Authorization": f"Bearer {TOKEN}"}
    )
    assert with_token.status == 200 and "ETag" not in with_token.headers  # never kept
    head = http("HEAD", get(server, LOOKUP), headers=JSON)
    assert head.status == 200 and head.body == b""


@pytest.fixture(scope="module")
def app(seed_store):
    return create_app(AppConfig(Settings.from_env({"KG_PAGE_CACHE": "0"}), seed_store))


def test_a_query_asked_by_get_never_reaches_flask_but_its_error_does_once(app):
    reached: list[tuple[str, int]] = []

    @app.after_request
    def seen(response):
        reached.append((request.path, response.status_code))
        return response

    client = app.test_client()
    for query in (LOOKUP, JOIN):
        answer = client.get("/sparql", query_string={"query": query}, headers=JSON)
        assert answer.status_code == 200 and "Las Vegas" in answer.text
    assert reached == []
    malformed = client.get("/sparql", query_string={"query": "SELECT ?x WHERE {"}, headers=JSON)
    assert malformed.status_code == 400 and "Malformed query" in malformed.text
    browser = client.get("/sparql", query_string={"query": "SELECT ?x WHERE {"},
                         headers={"Accept": "text/html, */*;q=0.5"})  # fmt: skip
    assert browser.status_code == 400 and "<html" in browser.text.lower()
    assert reached == [("/sparql", 400), ("/sparql", 400)]
