"""Limits a public server needs: write rates per token, result sizes, and no way out of the
static and dump directories."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from http.client import HTTPConnection, IncompleteRead

import pytest

from tests.conftest import CONTRIBUTOR_TOKEN, TOKEN, http, start_server
from tests.web.test_assertions import post, statement

OTHER_TOKEN = "another-test-token"


def insert(server, token: str, n: int):
    text = f'INSERT DATA {{ GRAPH <https://example.org/rate> {{ <https://example.org/w> <https://example.org/n> "{n}" }} }}'
    return http(
        "POST",
        server.url + "/update",
        body=text,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/sparql-update"},
    )


def count(server) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://example.org/rate> { ?s ?p ?o } }"
    answer = http("GET", f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}))
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def test_a_token_writing_too_fast_gets_429_and_nothing_is_written(tmp_path):
    server = start_server(tmp_path / "store", env={"KG_WRITE_RATE": "6"})
    try:
        answers = [insert(server, TOKEN, n) for n in range(30)]
        refused = [a for a in answers if a.status == 429]
        admitted = [a for a in answers if a.status == 204]
        assert len(refused) + len(admitted) == 30
        # a burst of 10 per worker process (there are 2), then one every 10 s
        assert 10 <= len(admitted) <= 22 and refused
        assert int(refused[0].headers["Retry-After"]) >= 1
        assert "per minute" in refused[0].text
        assert count(server) == len(admitted)
        assert insert(server, OTHER_TOKEN, 100).status == 204  # each token has its own budget
        assert count(server) == len(admitted) + 1
        # a contributor's flood of proposals meets the same limit
        proposals = [
            post(server, statement(f"flood-{n}"), token=CONTRIBUTOR_TOKEN) for n in range(25)
        ]
        statuses = {answer.status for answer in proposals}
        assert statuses == {202, 429}, statuses
    finally:
        server.stop()


@pytest.fixture(scope="module")
def small_results(tmp_path_factory):
    server = start_server(
        tmp_path_factory.mktemp("limits") / "store", env={"KG_MAX_RESULT_BYTES": "400000"}
    )
    yield server
    server.stop()


def test_a_result_past_the_size_limit_is_cut_visibly(small_results):
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 200000"
    url = f"{small_results.url}/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "text/csv"})
    with pytest.raises(IncompleteRead) as cut, urllib.request.urlopen(request, timeout=60) as got:
        assert got.status == 200
        got.read()
    assert 300_000 < len(cut.value.partial) <= 400_000  # what was sent, and no more
    small = http("GET", f"{small_results.url}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D")
    assert json.loads(small.body)["boolean"] is True  # the server keeps serving


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../pyproject.toml",
        "/static/..%2f..%2fpyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/dumps/policykg.../../pyproject.toml",
        "/dumps/policykg.nq%2f..%2f..%2fpyproject.toml",
        "/static//etc/passwd",
    ],
)
def test_no_path_leaves_the_static_and_dump_directories(small_results, path):
    host, port = small_results.url.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path)  # sent as written: no client-side normalization
    answer = connection.getresponse()
    body = answer.read()
    assert answer.status in (400, 404), (path, answer.status)
    assert b"[project]" not in body and b"root:" not in body


def test_tokens_kept_hashed_in_a_file(tmp_path):
    tokens = tmp_path / "tokens"
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    contributor = hashlib.sha256(CONTRIBUTOR_TOKEN.encode()).hexdigest()
    tokens.write_text(
        f"# who may write\nhashed:sha256:{digest}\nreader:sha256:{contributor}:contributor\n",
        encoding="utf-8",
    )
    server = start_server(tmp_path / "store", env={"KG_TOKENS": "", "KG_TOKENS_FILE": str(tokens)})
    try:
        assert insert(server, TOKEN, 1).status == 204
        assert insert(server, digest, 2).status == 401  # the digest itself is no token
        assert insert(server, CONTRIBUTOR_TOKEN, 3).status == 403  # a contributor proposes
        assert post(server, statement("from-a-file"), token=CONTRIBUTOR_TOKEN).status == 202
        assert TOKEN not in server.log.read_text() and digest not in server.log.read_text()
    finally:
        server.stop()


def test_a_long_query_by_get_is_answered_and_a_huge_request_head_refused(small_results):
    """A SPARQL query sent by GET rides in the request line: up to 64 KB of head is read, past
    that the server answers 431 and goes on serving."""
    for size, status in ((60_000, 200), (100_000, 431)):
        query = "ASK { ?s ?p ?o } #" + "x" * size
        connection = HTTPConnection("127.0.0.1", int(small_results.url.rsplit(":", 1)[1]))
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
        assert connection.getresponse().status == status
        connection.close()
    assert http("GET", f"{small_results.url}/sparql?query=ASK%7B%7D").status == 200
