"""Garbage to every query and write path: always a 4xx with a message, never a 5xx, and the
store unchanged. A bounded run; `FUZZ_EXAMPLES=2000 python -m pytest tests/web/test_fuzz.py`
runs a longer one."""

from __future__ import annotations

import json
import os
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TOKEN, http, start_server

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
VALID_TURTLE = (
    "<https://w3id.org/policykg/id/person/x> a <https://w3id.org/policykg/ontology#Person> ."
)
VALID_QUERY = "SELECT ?s WHERE { ?s a ?o } LIMIT 1"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("fuzz") / "store")
    yield server
    server.stop()


def mutated(text: str):
    """The text with a slice replaced by garbage: near-valid input, the hardest to parse."""
    return st.tuples(st.integers(0, len(text)), st.integers(0, 8), st.text(max_size=12)).map(
        lambda cut: text[: cut[0]] + cut[2] + text[cut[0] + cut[1] :]
    )


garbage = st.one_of(
    st.text(max_size=200),
    mutated(VALID_TURTLE),
    mutated(VALID_QUERY),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)
json_garbage = st.one_of(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=10,
    ).map(json.dumps),
    st.text(max_size=100),
)


def count(server) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = http("GET", f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}))
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def assert_refused(answer) -> None:
    assert answer.status < 500, answer.text
    if answer.status >= 400:
        assert answer.body.strip(), "a refusal says why"


WRITE = {"Authorization": f"Bearer {TOKEN}"}


@SETTINGS
@given(text=garbage)
def test_garbage_queries(live, text):
    assert_refused(http("GET", f"{live.url}/sparql?" + urllib.parse.urlencode({"query": text})))
    assert_refused(
        http(
            "POST",
            f"{live.url}/sparql",
            body=text.encode("utf-8", "surrogatepass"),
            headers={"Content-Type": "application/sparql-query"},
        )
    )


@SETTINGS
@given(text=garbage)
def test_garbage_writes_leave_the_store_unchanged(live, text):
    before = count(live)
    body = text.encode("utf-8", "surrogatepass")
    for method, path, media_type in (
        ("POST", "/update", "application/sparql-update"),
        ("POST", "/assertions?source=https://w3id.org/policykg/id/source/s1", "text/turtle"),
        ("PUT", "/rdf-graphs?graph=https://example.org/fuzz", "text/turtle"),
        ("POST", "/rdf-graphs?graph=https://example.org/fuzz", "application/n-triples"),
    ):
        answer = http(
            method, live.url + path, body=body, headers={**WRITE, "Content-Type": media_type}
        )
        assert_refused(answer)
        if answer.status < 400:  # garbage that happened to be valid and admissible
            return
    assert count(live) == before


@SETTINGS
@given(text=json_garbage)
def test_garbage_jsonld_contributions(live, text):
    before = count(live)
    answer = http(
        "POST",
        f"{live.url}/assertions?source=https://w3id.org/policykg/id/source/s1",
        body=text,
        headers={**WRITE, "Content-Type": "application/ld+json"},
    )
    assert_refused(answer)
    if answer.status >= 400:
        assert count(live) == before
