"""Warming a generation ahead of its first readers."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.namespaces import Namespaces
from kg.service import loading
from kg.service.publish.browse import SPECS, catalogue
from kg.service.search import SearchIndex
from kg.service.warm import warm
from kg.store.embedded import EmbeddedStore

NS = Namespaces()


def test_warming_keeps_the_lists_and_leaves_a_fresh_snapshot_to_the_readers(
    tmp_path: Path, monkeypatch
):
    store = EmbeddedStore(tmp_path / "store")
    loading.load_items(store, NS, loading.bundled_items(NS))
    warm(store, NS, SearchIndex(store, NS))
    opened, read_only = [], ox.Store.read_only
    monkeypatch.setattr(ox.Store, "read_only", lambda path: opened.append(path) or read_only(path))
    kept = {name: catalogue(store, NS, name) for name in SPECS}  # computed by the warming
    assert opened == []
    assert store.count() > 0
    # the handle the warming's scans went through is let go: the first query opens another
    assert len(opened) == 1
    assert all(catalogue(store, NS, name) is kept[name] for name in SPECS)
