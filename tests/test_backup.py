"""`kg backup` and `kg restore`: a backup taken while writes land restores whole."""

from __future__ import annotations

import threading

import pyoxigraph as ox

from kg.store.embedded import EmbeddedStore
from tests.conftest import run_kg


def write_batches(store: EmbeddedStore, stop: threading.Event) -> None:
    batch = 0
    while not stop.is_set():
        triples = " ".join(f"<http://ex/s{batch}> <http://ex/p> {i} ." for i in range(10))
        store.update(f"INSERT DATA {{ GRAPH <http://ex/batch/{batch}> {{ {triples} }} }}")
        batch += 1


def test_a_backup_taken_under_write_load_restores_whole(tmp_path):
    path = tmp_path / "store"
    assert run_kg("load", "--seed-only", store=path).returncode == 0
    writer = EmbeddedStore(path)
    stop = threading.Event()
    thread = threading.Thread(target=write_batches, args=(writer, stop))
    thread.start()
    try:
        result = run_kg("backup", str(tmp_path / "backup"), store=path)
    finally:
        stop.set()
        thread.join(30)
    assert result.returncode == 0, result.stderr
    assert run_kg("backup", str(tmp_path / "backup"), store=path).returncode == 1  # exists
    restored = run_kg("restore", str(tmp_path / "backup"), store=path)
    assert restored.returncode == 0, restored.stderr
    store = ox.Store.read_only(str(path))
    sizes = [
        int(row[1].value)
        for row in store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <http://ex/p> ?o } } GROUP BY ?g"
        )
    ]
    assert sizes and all(size == 10 for size in sizes)  # every batch whole, none half
    assert (tmp_path / "store.before-restore").is_dir()
    assert run_kg("validate", store=path).returncode == 0


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    (tmp_path / "nothing").mkdir()
    result = run_kg("restore", str(tmp_path / "nothing"), store=tmp_path / "store")
    assert result.returncode == 1 and "not a PolicyKG backup" in result.stderr
