"""What only the embedded Oxigraph store does: persistence, several processes, locking."""

from __future__ import annotations

import subprocess
import sys
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


def test_reopen_opens_the_snapshot_afresh_and_a_query_reading_the_old_one_reads_on(
    tmp_path: Path, monkeypatch
):
    store = EmbeddedStore(tmp_path / "store")
    store.load(TRIG, ox.RdfFormat.TRIG)
    begun = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    first = next(begun)
    opened, read_only = [], ox.Store.read_only
    monkeypatch.setattr(ox.Store, "read_only", lambda path: opened.append(path) or read_only(path))
    store.reopen()
    assert sorted(row["o"].value for row in [first, *begun]) == ["one", "one", "two"]
    assert store.count() == 3 and store.count() == 3
    assert len(opened) == 1  # once, by the first query after


def test_a_reader_opening_a_new_generation_does_not_wait_for_this_processs_writer(
    tmp_path: Path,
):
    # a write that holds the lock across several steps (as a contribution does) reads the
    # store meanwhile; another thread of the process opening the new generation must not hold
    # it up (it held the snapshot's lock while waiting for the write lock: neither went on)
    store, other = EmbeddedStore(tmp_path / "store"), EmbeddedStore(tmp_path / "store")
    store.count()
    other.load(TRIG, ox.RdfFormat.TRIG)  # a new generation, that neither thread has open
    with store.exclusive():
        reader = threading.Thread(target=store.count, daemon=True)
        reader.start()
        reader.join(5)
        assert not reader.is_alive()
        assert store.count() == 3


def test_a_store_held_by_another_program_refuses_writes_but_serves_reads(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store")
    store.load(TRIG, ox.RdfFormat.TRIG)
    holder = ox.Store(str(tmp_path / "store"))  # as `oxigraph serve` would hold it
    with pytest.raises(StoreLockedError, match="another program"):
        store.update("CLEAR ALL")
    assert EmbeddedStore(tmp_path / "store").count() == 3
    del holder


# A query begun before a stream of writes and read after them, in a process of its own that
# ends itself past 1 GB. Over the live files, which the writes compact away, Oxigraph fails
# on a missing file or grows without end (kg.store.snapshots); over its checkpoint it
# answers as it would have before the writes.
QUERY_ACROSS_WRITES = r"""
import os, sys, threading, time
from pathlib import Path
from kg.store.embedded import EmbeddedStore

# each branch reads another index, whose files a snapshot opens only when it is reached
QUERY = "SELECT ?s WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s <http://ex/p3> ?o } UNION { ?s ?p '7' } }"

def guard():
    while True:
        time.sleep(0.2)
        fields = open("/proc/self/statm").read().split()
        if (int(fields[1]) - int(fields[2])) * os.sysconf("SC_PAGE_SIZE") > 2**30:
            print("past 1 GB", flush=True)
            os._exit(3)

def writes(store, tag, count):
    for n in range(count):
        values = " ".join(f'<http://ex/{tag}{n}-{k}> <http://ex/p{k % 7}> "{k}" .' for k in range(50))
        store.update(f"INSERT DATA {{ GRAPH <http://ex/g> {{ {values} }} }}")

store = EmbeddedStore(Path(sys.argv[1]))
writes(store, "a", 400)  # many table files
before = sum(1 for _ in EmbeddedStore(Path(sys.argv[1])).query(QUERY))  # a snapshot of its own
begun = iter(store.query(QUERY))
next(begun)
writes(store, "b", 150)  # their compactions delete the live database's files
threading.Thread(target=guard, daemon=True).start()
print(before, 1 + sum(1 for _ in begun), flush=True)
"""


def test_a_query_begun_before_many_writes_answers_from_its_checkpoint(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-c", QUERY_ACROSS_WRITES, str(tmp_path / "store")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    before, across_writes = done.stdout.split()
    assert across_writes == before
