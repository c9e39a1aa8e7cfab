"""Checkpoints of the embedded store, one per generation, that readers open in place of the
live database.

A read-only open of the live RocksDB directory opens its table files lazily, and a later
writer's compaction deletes them. A query over such a snapshot that then needs a deleted file
fails on it, or — a COUNT over 1.1 M quads after 300 writes; in the load test, a worker's page
render — Oxigraph 0.5 retries without end while its memory grows by about a gigabyte a second.
So every write ends with a RocksDB checkpoint of the state it leaves — hard links to the table
files, no copy — in ``policykg.snapshots/GENERATION``, and readers open the checkpoint of the
generation they read, which nothing compacts. A checkpoint superseded for more than GRACE
seconds is removed by a later write: a query still reading it then is far past any timeout.
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pyoxigraph as ox

from kg.store.state import LocalState

SNAPSHOTS_DIR = "policykg.snapshots"
GRACE = 120.0  # seconds a superseded checkpoint is kept for the queries still reading it


class Snapshots:
    """The checkpoints of the store at ``store_path``, kept in a directory beside its files."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = store_path
        self.directory = store_path / SNAPSHOTS_DIR

    def taken(self, generation: int) -> bool:
        """Whether ``generation`` has its checkpoint (a store written before checkpoints were
        taken has none)."""
        return (self.directory / str(generation) / "CURRENT").exists()

    def guard(self, generation: int, state: LocalState) -> AbstractContextManager:
        """What a reader holds while it opens ``generation``: nothing for a checkpoint, which
        no write changes (so a thread never waits on its own process's writer); the write
        lock, shared, for the live files, which Oxigraph cannot open while a process writes."""
        return nullcontext() if self.taken(generation) else state.between_writes()

    def open(self, generation: int) -> ox.Store:
        """A read-only snapshot of ``generation``: its checkpoint, else the live files (opened
        under ``guard``)."""
        checkpoint = self.directory / str(generation)
        return ox.Store.read_only(str(checkpoint if self.taken(generation) else self.store_path))

    def take(self, writer: ox.Store, generation: int) -> None:
        """Checkpoints ``writer`` (the database open for writing, under the write lock) as
        ``generation``; removes the checkpoints superseded more than GRACE seconds ago."""
        self.directory.mkdir(exist_ok=True)
        target = self.directory / str(generation)
        if target.exists():  # left by a write killed before its generation moved
            shutil.rmtree(target)
        writer.backup(str(target))
        self._prune(generation)

    def _prune(self, newest: int) -> None:
        kept = sorted(int(name) for name in os.listdir(self.directory) if name.isdigit())
        now = time.time()
        for older, newer in itertools.pairwise(kept):
            if newer > newest:
                break
            superseded = (self.directory / str(newer)).stat().st_mtime
            if now - superseded > GRACE:
                shutil.rmtree(self.directory / str(older), ignore_errors=True)
