"""What only the embedded Oxigraph store does: persistence, several processes, locking."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store import StoreLockedError
from kg.store.embedded import EmbeddedStore

TRIG = b"""
<http://ex/g1> { <http://ex/a> <http://ex/p> "one" . }
<http://ex/g2> { <http://ex/a> <http://ex/p> "two" . <http://ex/b> <http://ex/p> "one" . }
"""


def test_on_disk_store_persists(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store")
    store.load(TRIG, ox.RdfFormat.TRIG)
    store.close()
    assert EmbeddedStore(tmp_path / "store").count() == 3


def test_two_handles_on_one_store_see_each_others_writes(tmp_path: Path):
    first, second = EmbeddedStore(tmp_path / "store"), EmbeddedStore(tmp_path / "store")
    assert second.count() == 0
    generation = second.generation
    first.load(TRIG, ox.RdfFormat.TRIG)
    assert second.generation != generation
    assert second.count() == 3
    second.update("CLEAR GRAPH <http://ex/g1>")
    assert first.count() == 2


def test_threads_reading_a_new_generation_open_one_snapshot(tmp_path: Path, monkeypatch):
    reader, writer = EmbeddedStore(tmp_path / "store"), EmbeddedStore(tmp_path / "store")
    writer.load(TRIG, ox.RdfFormat.TRIG)
    opened, read_only = [], ox.Store.read_only

    def counted(path: str) -> ox.Store:
        opened.append(path)
        return read_only(path)

    monkeypatch.setattr(ox.Store, "read_only", counted)
    start = threading.Barrier(16)

    def count() -> None:
        start.wait()
        assert reader.count() == 3

    threads = [threading.Thread(target=count) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 1  # the first thread opens it; the other fifteen take it


def test_a_store_held_by_another_program_refuses_writes_but_serves_reads(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store")
    store.load(TRIG, ox.RdfFormat.TRIG)
    holder = ox.Store(str(tmp_path / "store"))  # as `oxigraph serve` would hold it
    with pytest.raises(StoreLockedError, match="another program"):
        store.update("CLEAR ALL")
    assert EmbeddedStore(tmp_path / "store").count() == 3
    del holder
