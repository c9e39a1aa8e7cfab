"""What the processes sharing one store keep beside it, on this machine: the generation (a
counter that moves with every write, for readers' snapshots and caches) and the write lock.

The embedded store keeps both in its own directory; a remote store keeps them in a local state
directory, so the server's workers and a `kg` command on the same machine take turns to write.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from kg.store import StoreConflictError
from kg.store.sysfiles import read_small

GENERATION_FILE = "policykg.generation"
LOCK_FILE = "policykg.lock"


def check_generation(current: int, expected: int | None) -> None:
    """StoreConflictError if a write prepared at ``expected`` finds the store moved on."""
    if expected is not None and current != expected:
        raise StoreConflictError(
            "the graph changed while this write was being prepared; send it again"
        )


class LocalState:
    """The generation and the write lock, as files in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._marker = str(directory / GENERATION_FILE)
        directory.mkdir(parents=True, exist_ok=True)
        self._mine = _Holding()  # whether this thread holds the lock through exclusive()

    @property
    def generation(self) -> int:
        try:  # read on every request
            return int(read_small(self._marker) or 0)
        except FileNotFoundError:
            return 0

    def modified(self, otherwise: Path) -> float:
        """When the content last changed: the generation's time, else ``otherwise``'s."""
        try:
            return os.stat(self._marker).st_mtime  # read on every page: no pathlib
        except FileNotFoundError:
            return otherwise.stat().st_mtime

    @contextmanager
    def writing(self, expected_generation: int | None = None) -> Iterator[int]:
        """Holds the write lock; checks that nothing was written since ``expected_generation``
        (else StoreConflictError, before anything is written); gives the generation the write
        moves the store to, and moves it there after."""
        with nullcontext() if self._mine.held else self._locked():
            current = self.generation
            check_generation(current, expected_generation)
            try:
                yield current + 1
            finally:
                self._move_to(current + 1)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Holds the write lock across several steps: every other writer, in this process or
        another, waits; this thread's own writes go through."""
        with self._locked():
            self._mine.held = True
            try:
                yield
            finally:
                self._mine.held = False

    @contextmanager
    def between_writes(self) -> Iterator[None]:
        """Holds writers off for a moment (a shared lock): to open a read-only snapshot,
        which Oxigraph cannot do safely while another process writes."""
        with nullcontext() if self._mine.held else self._locked(fcntl.LOCK_SH):
            yield

    @contextmanager
    def _locked(self, kind: int = fcntl.LOCK_EX) -> Iterator[None]:
        # flock excludes every other open of the file, other threads' included
        with (self.directory / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock, kind)
            yield

    def _move_to(self, generation: int) -> None:
        target = self.directory / GENERATION_FILE
        scratch = target.with_suffix(".tmp")
        scratch.write_text(str(generation))
        os.replace(scratch, target)  # readers never see a half-written number


class _Holding(threading.local):
    held = False
