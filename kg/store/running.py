"""Queries running now, as every process over one store sees them: a small file per query in a
directory beside the store, saying what the process that wrote it wants others to know (its
client and start, for fair shares; the helper process evaluating it, for the memory budget). A
process that ends without removing its files leaves them stale: a record whose owner process is
gone is dropped by the next reader.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from contextlib import suppress
from pathlib import Path

from kg.store.sysfiles import read_small

_counter = itertools.count()
_PAGE = os.sysconf("SC_PAGE_SIZE")


class Running:
    """Records of running queries in ``directory`` (shared by processes), or in this process
    only when directory is None."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._local: dict[str, dict] = {}
        self._lock = threading.Lock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def add(self, **record: object) -> str:
        key = f"{os.getpid()}-{next(_counter)}"
        self.update(key, **record)
        return key

    def update(self, key: str, **record: object) -> None:
        record = {"owner": os.getpid(), **record}
        if self.directory is None:
            with self._lock:
                self._local[key] = {**self._local.get(key, {}), **record}
            return
        path = self.directory / f"{key}.json"
        with suppress(FileNotFoundError, ValueError):
            record = {**json.loads(path.read_text()), **record}
        staged = path.with_suffix(".tmp")
        staged.write_text(json.dumps(record))
        staged.replace(path)  # readers see the old record or the new, never half of one

    def remove(self, key: str) -> None:
        if self.directory is None:
            with self._lock:
                self._local.pop(key, None)
            return
        with suppress(FileNotFoundError):
            (self.directory / f"{key}.json").unlink()

    def records(self) -> dict[str, dict]:
        """Every live record, by key."""
        if self.directory is None:
            with self._lock:
                return {key: dict(record) for key, record in self._local.items()}
        found = {}
        with os.scandir(self.directory) as entries:  # read before every query: no pathlib
            for entry in entries:
                if not entry.name.endswith(".json"):
                    continue
                try:
                    record = json.loads(read_small(entry.path))
                except (FileNotFoundError, ValueError):  # removed, or being replaced
                    continue
                if not _alive(record.get("owner")):
                    with suppress(FileNotFoundError):
                        os.unlink(entry.path)
                    continue
                found[entry.name.removesuffix(".json")] = record
        return found


def private_memory(pid: int) -> int | None:
    """The bytes of a process's memory that are its own — resident and not backed by a file
    (its heap, a query's hash tables), so that processes' sizes add up and shared libraries
    count in none — from Linux's /proc (statm: read in microseconds, where smaps takes
    milliseconds and the lock of a process busy allocating); None if it has ended."""
    try:
        fields = read_small(f"/proc/{pid}/statm").split()
        return (int(fields[1]) - int(fields[2])) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Throttled:
    """A value recomputed at most every ``interval`` seconds, whoever asks."""

    def __init__(self, compute, interval: float) -> None:
        self._compute, self._interval = compute, interval
        self._value, self._at = None, float("-inf")
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if time.monotonic() - self._at >= self._interval:
                self._value, self._at = self._compute(), time.monotonic()
            return self._value
