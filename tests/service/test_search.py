"""Search over the real store: the seed graph, then what a write adds and a withdrawal removes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.service.search import SearchError, SearchIndex
from kg.service.write.contributions import contribute, parse_payload, withdraw
from tests.conftest import NS


@pytest.fixture(scope="module")
def index(seed_store) -> SearchIndex:
    return SearchIndex(seed_store, NS)


def first(index: SearchIndex, text: str, **options) -> tuple[str, str]:
    hit = index.search(text, **options)[0]
    return NS.compact(hit.iri), hit.why


def test_agencies_by_name_alias_and_typo(index):
    assert first(index, "Las Vegas Metropolitan Police Department") == ("agency:lvmpd", "name")
    assert first(index, "LVMPD") == ("agency:lvmpd", "alternate name")
    assert first(index, "las vegas police")[0] == "agency:lvmpd"
    assert first(index, "las vegsa metropolitan")[0] == "agency:lvmpd"  # a typo
    assert first(index, "las vegsa metropolitan")[1] == "a name spelled alike"


def test_people_quotes_sources_and_activities(index):
    assert first(index, "Jessica Tisch") == ("person:jessica-tisch", "name")
    quote = index.search("not my job", kind="statement")[0]
    assert quote.kind == "statement" and "not my job" in quote.label.lower()
    assert index.search("honoring immigration detainers", kind="concept")[0].label == (
        "honoring immigration detainers"
    )
    assert all(hit.kind == "source" for hit in index.search("NYPD", kind="source"))


@pytest.mark.parametrize(
    "text",
    ["", "   ", "x" * 501],
)
def test_empty_or_oversized_is_refused(index, text):
    with pytest.raises(SearchError):
        index.search(text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [
                '"',
                "'",
                "*",
                "OR",
                "NEAR(",
                "AND NOT",
                "a)(",
                "SELECT * WHERE { ?s ?p ?o }",
                "'; DROP TABLE words; --",
                "\x00\x07",
                "警察",
                "😀 sheriff",
                "^",
                "col:x",
            ]
        ),
    )
)
def test_no_input_reaches_the_engine_as_syntax(index, text):
    try:
        hits = index.search(text)
    except SearchError:
        assert not text.strip()
        return
    assert all(hit.iri and hit.kind for hit in hits)


def test_a_write_is_found_at_once_and_a_withdrawal_removes_it(fresh_store):
    index = SearchIndex(fresh_store, NS)
    assert not any(h.label == "Zebulon Quackenbush" for h in index.search("Quackenbush"))
    turtle = b"""@prefix pkg: <https://w3id.org/policykg/ontology#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    <https://w3id.org/policykg/id/person/zebulon-quackenbush> a pkg:Person ;
        rdfs:label "Zebulon Quackenbush"@en ."""
    payload = parse_payload(turtle, ox.RdfFormat.TURTLE, NS)
    admitted = contribute(
        fresh_store, NS, payload, source=NS.iri("id/source/s1"), contributor="tester"
    )
    assert first(index, "Quackenbush") == ("person:zebulon-quackenbush", "name, in part")
    withdraw(fresh_store, NS, admitted.id, contributor="tester")
    assert not any(h.label == "Zebulon Quackenbush" for h in index.search("Quackenbush"))
