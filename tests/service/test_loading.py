"""Loading files: all or nothing, formats by extension, relative IRIs against the base."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.formats import UnknownFormatError, rdf_format_for_path
from kg.namespaces import Namespaces
from kg.rdfio import ParseError
from kg.service import loading
from kg.store.embedded import EmbeddedStore
from kg.store.snapshots import SNAPSHOTS_DIR


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_graph_has_one_named_graph_per_source(seed_store, ns):
    graphs = set(seed_store.graphs())
    assert {ns.iri(f"graph/source/s{i}") for i in range(6)} <= graphs
    assert ns.meta_graph in graphs
    assert ns.iri("graph/ontology") in graphs


def test_no_file_is_loaded_when_one_fails_to_parse(tmp_path, ns):
    good = write(tmp_path / "good.ttl", "<http://ex/a> <http://ex/p> 1 .")
    bad = write(
        tmp_path / "bad.ttl", "<http://ex/a> <http://ex/p> 1 .\n<http://ex/b> <http://ex/p> ."
    )
    store = EmbeddedStore()
    with pytest.raises(ParseError) as caught:
        loading.load_items(store, ns, loading.user_items([good, bad], None))
    assert str(caught.value).startswith(f"{bad}:2:")
    assert store.count() == 0


def test_unknown_extension_lists_the_known_ones(tmp_path):
    with pytest.raises(UnknownFormatError, match=r"known extensions: .*\.ttl"):
        loading.user_items([write(tmp_path / "facts.txt", "")], None)


def test_relative_iris_resolve_against_the_configured_base(tmp_path):
    ns = Namespaces("https://example.org/kg/")
    store = EmbeddedStore()
    loading.load_items(store, ns, loading.bundled_items(ns))
    assert bool(store.query("ASK { <https://example.org/kg/id/agency/lvmpd> ?p ?o }"))
    assert not bool(store.query("ASK { <https://w3id.org/policykg/id/agency/lvmpd> ?p ?o }"))


@pytest.mark.parametrize(
    "extension,text",
    [
        ("ttl", '<http://ex/a> <http://ex/p> "x" .'),
        ("nt", '<http://ex/a> <http://ex/p> "x" .'),
        ("jsonld", '{"@id": "http://ex/a", "http://ex/p": "x"}'),
        (
            "rdf",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="http://ex/"><rdf:Description rdf:about="http://ex/a">'
            "<ex:p>x</ex:p></rdf:Description></rdf:RDF>",
        ),
    ],
)
def test_triple_formats_load_into_the_given_graph(tmp_path, ns, extension, text):
    store = EmbeddedStore()
    path = write(tmp_path / f"data.{extension}", text)
    loading.load_items(store, ns, loading.user_items([path], "http://ex/graph"))
    assert store.graphs() == ["http://ex/graph"]
    assert store.count("http://ex/graph") == 1


def test_replace_keeps_the_store_when_the_new_file_fails_to_parse(tmp_path, ns):
    store = EmbeddedStore()
    loading.load_items(
        store,
        ns,
        loading.user_items([write(tmp_path / "a.ttl", "<http://ex/a> <http://ex/p> 1 .")], None),
    )
    bad = write(tmp_path / "bad.ttl", "<http://ex/b> <http://ex/p> .")
    with pytest.raises(ParseError):
        loading.load_items(store, ns, loading.user_items([bad], None), replace=True)
    assert store.count() == 1


def test_replace_empties_the_store_first(tmp_path, ns):
    store = EmbeddedStore()
    for name in ("a", "b"):
        path = write(tmp_path / f"{name}.ttl", f"<http://ex/{name}> <http://ex/p> 1 .")
        loading.load_items(store, ns, loading.user_items([path], None), replace=True)
    assert store.count() == 1


def test_loading_merges_the_table_files_its_loads_left(tmp_path, ns):
    """Loads of overlapping data leave table files that reads must all look in."""
    files = [
        write(
            tmp_path / f"{n}.nt",
            f'<http://ex/a> <http://ex/p> "{n}" .\n<http://ex/z> <http://ex/p> "{n}" .',
        )
        for n in range(8)
    ]
    items = loading.user_items(files, "http://ex/g")
    scattered = EmbeddedStore(tmp_path / "scattered")
    for item in items:
        scattered.load(item.path, rdf_format_for_path(item.path), graph=item.graph)
    merged = EmbeddedStore(tmp_path / "merged")
    loading.load_items(merged, ns, items)
    assert merged.count() == scattered.count() == 16
    assert table_files(merged) < table_files(scattered)


def table_files(store: EmbeddedStore) -> int:
    """The table files of the checkpoint the store's readers read."""
    checkpoint = store.path / SNAPSHOTS_DIR / str(store.generation)
    return len(list(checkpoint.glob("*.sst")))
