"""The store interface, on every backend (tests.conftest.backend): union default graph,
datasets, loads whole or refused, dumps."""

from __future__ import annotations

import io
import threading

import pyoxigraph as ox
import pytest

from kg.rdfio import ParseError
from kg.store import QuerySyntaxError, Store
from kg.store.embedded import EmbeddedStore
from tests.conftest import open_backend

TRIG = b"""
<http://ex/g1> { <http://ex/a> <http://ex/p> "one" . }
<http://ex/g2> { <http://ex/a> <http://ex/p> "two" . <http://ex/b> <http://ex/p> "one" . }
"""


@pytest.fixture
def store(backend, tmp_path) -> Store:
    store = open_backend(backend, tmp_path / "store")
    store.load(TRIG, ox.RdfFormat.TRIG)
    return store


# A server may keep graphs of its own (Virtuoso's schemas): the tests look at theirs.
OURS = 'FILTER (STRSTARTS(STR(?s), "http://ex/"))'


def quads(store: Store) -> set[tuple]:
    result = store.query(f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {OURS} }}")
    return {tuple(str(term) for term in row) for row in result}


def values(result) -> set[str]:
    return {row[0].value for row in result}


def test_default_graph_is_the_union_of_named_graphs(store):
    assert values(store.query(f"SELECT ?o WHERE {{ ?s ?p ?o {OURS} }}")) == {"one", "two"}


def test_dataset_restricts_the_default_graph(store):
    result = store.query("SELECT ?o WHERE { ?s ?p ?o }", default_graphs=["http://ex/g1"])
    assert values(result) == {"one"}


def test_named_graphs_restrict_graph_patterns(store):
    result = store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=["http://ex/g2"])
    assert values(result) == {"http://ex/g2"}


def test_graphs_and_counts(store):
    assert store.graphs() == ["http://ex/g1", "http://ex/g2"]
    assert store.count() == 3
    assert store.count("http://ex/g2") == 2


def test_malformed_query_raises_with_position(store):
    with pytest.raises(QuerySyntaxError, match=r"1:\d+|line \d+"):
        store.query("SELECT ?x WHERE { ?x ?y }")


def test_update_is_applied(store):
    store.update('INSERT DATA { GRAPH <http://ex/g3> { <http://ex/c> <http://ex/p> "three" } }')
    assert store.count("http://ex/g3") == 1


def test_triples_load_into_the_named_graph(store):
    store.load(b'<http://ex/c> <http://ex/p> "x" .', ox.RdfFormat.N_TRIPLES, graph="http://ex/g9")
    assert store.count("http://ex/g9") == 1


def test_a_load_that_fails_to_parse_raises_with_line_and_column(store):
    with pytest.raises(ParseError) as caught:
        store.load(
            b'<http://ex/c> <http://ex/p> "x" .\n<http://ex/d> <http://ex/p> .\n',
            ox.RdfFormat.N_TRIPLES,
        )
    assert caught.value.line == 2
    assert store.count() == 3


def test_union_dump_in_a_triple_format_has_each_triple_once(store):
    store.load(b'<http://ex/a> <http://ex/p> "one" .', ox.RdfFormat.N_TRIPLES, graph="http://ex/g9")
    output = io.BytesIO()
    store.dump(output, ox.RdfFormat.N_TRIPLES)
    assert len(output.getvalue().strip().splitlines()) == 3


def test_quad_dump_round_trips(store):
    output = io.BytesIO()
    store.dump(output, ox.RdfFormat.N_QUADS)
    copy = EmbeddedStore()
    copy.load(output.getvalue(), ox.RdfFormat.N_QUADS)
    assert quads(copy) == quads(store)


def test_a_writer_holding_the_store_exclusively_holds_off_the_others(store):
    other_wrote = threading.Event()

    def other_writer() -> None:
        store.update('INSERT DATA { GRAPH <http://ex/g3> { <http://ex/c> <http://ex/p> "3" } }')
        other_wrote.set()

    with store.exclusive():
        generation = store.generation
        threading.Thread(target=other_writer).start()
        assert not other_wrote.wait(0.5)  # it waits for the holder
        store.update(
            'INSERT DATA { GRAPH <http://ex/g4> { <http://ex/d> <http://ex/p> "4" } }',
            expected_generation=generation,  # nothing else landed meanwhile
        )
    assert other_wrote.wait(10)
    assert {"<http://ex/g3>", "<http://ex/g4>"} <= {q[0] for q in quads(store)}


def test_the_in_memory_store_is_held_exclusively_too():
    memory = EmbeddedStore()
    with memory.exclusive():
        writer = threading.Thread(target=memory.update, args=("CLEAR ALL",))
        writer.start()
        writer.join(0.5)
        assert writer.is_alive()
    writer.join(10)
    assert not writer.is_alive()
