"""Point lookups: told from other queries by their text, and bounded by their entity's triples."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store.embedded import LOOKUP_TRIPLES, EmbeddedStore
from kg.store.lookups import lookup_subject

X = "https://w3id.org/policykg/id/agency/x"
JSON = ox.QueryResultsFormat.JSON


@pytest.mark.parametrize(
    ("query", "subject"),
    [
        (f"SELECT ?p ?o WHERE {{ <{X}> ?p ?o }}", X),
        (f"SELECT * {{ <{X}> ?p ?o . }} LIMIT 10 OFFSET 2", X),
        ("PREFIX id: <https://w3id.org/policykg/id/agency/> SELECT ?o { id:x a ?o }", X),
        (f"# who\nASK {{ <{X}> ?p ?o }}", X),
        (f"CONSTRUCT WHERE {{ <{X}> ?p ?o }}", X),
        (f"DESCRIBE <{X}>", X),
        (f"SELECT ?p ?o WHERE {{ <{X}> ?p ?o . ?o ?q ?r }}", None),  # a join
        (f"SELECT ?p WHERE {{ <{X}> ?p ?o FILTER(?o) }}", None),
        (f"SELECT ?p WHERE {{ <{X}> <{X}>/<{X}> ?o }}", None),  # a path
        (f"SELECT (COUNT(*) AS ?n) WHERE {{ <{X}> ?p ?o }}", None),
        (f"SELECT ?p WHERE {{ <{X}> ?p ?o }} ORDER BY ?p", None),
        (f"SELECT ?s WHERE {{ ?s ?p <{X}> }}", None),  # an object's incoming triples: unbounded
        (f'SELECT ?p WHERE {{ <{X}> ?p "{{ <{X}> ?p ?o }}" }}', None),  # a string is no pattern
        ("SELECT ?p ?o WHERE { <x> ?p ?o }", None),  # relative: the engine resolves it
        ("BASE <http://a/> SELECT ?p ?o WHERE { <http://a/x> ?p ?o }", None),
        ("SELECT ?p ?o WHERE { undeclared:x ?p ?o }", None),
        (f"SELECT ?p ?o FROM <{X}> WHERE {{ <{X}> ?p ?o }}", None),
    ],
)
def test_a_lookup_is_one_pattern_of_a_constant_subject(query: str, subject: str | None):
    assert lookup_subject(query) == subject


def fill(store: EmbeddedStore, subject: str, triples: int) -> None:
    quads = "".join(
        f'<{subject}> <https://schema.org/name> "name {n}" <https://w3id.org/g> .\n'
        for n in range(triples)
    )
    store.load(quads.encode(), ox.RdfFormat.N_QUADS)


def test_a_lookup_of_an_entity_with_few_triples_is_bounded(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    fill(store, X, 30)
    lookup = f"SELECT ?p ?o WHERE {{ <{X}> ?p ?o }}"
    assert store.bounded(lookup)
    assert not store.bounded(lookup, default_graphs=["https://w3id.org/g"])  # a dataset of its own
    assert not store.bounded(f"SELECT ?p ?o WHERE {{ <{X}> ?p ?o FILTER(true) }}")
    output = io.BytesIO()
    store.serialize_query(output, lookup, JSON)  # at once, as the runner asks it
    assert len(json.loads(output.getvalue())["results"]["bindings"]) == 30


def test_an_entity_with_many_triples_is_not_bounded(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    fill(store, X, LOOKUP_TRIPLES + 1)
    assert not store.bounded(f"SELECT ?p ?o WHERE {{ <{X}> ?p ?o }}")
