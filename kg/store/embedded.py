"""The embedded store: an on-disk Oxigraph database (pyoxigraph), shared by processes.

Several processes (the server's workers, a `kg` command run meanwhile) use one store directory:

- queries read a read-only snapshot (``Store.read_only``) of the checkpoint of the store's
  generation — a counter in ``policykg.generation`` beside the database files — reopened
  when the generation has moved (kg.store.snapshots: never the live files, which writers
  compact);
- writes take an exclusive lock file, open the database for writing just for that write,
  checkpoint it, close it, and bump the generation. Each write is one Oxigraph transaction
  (or one atomic bulk load), so readers see it whole or not at all.

A process must not fork once it has used the store (RocksDB's threads do not survive a
fork): `kg serve` lets each worker open the store itself.

With ``path=None`` the store lives in memory, in this process only.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, suppress
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.formats import prefixes_for
from kg.rdfio import ProgressReader, RdfInput, open_input, parse_error
from kg.store import (
    ProgressCallback,
    QueryResult,
    QuerySyntaxError,
    StoreError,
    StoreLockedError,
)
from kg.store.executors import Executors, dataset_options
from kg.store.lookups import lookup_subject
from kg.store.pool import HELPERS_DIR
from kg.store.snapshots import SNAPSHOTS_DIR, Snapshots
from kg.store.state import GENERATION_FILE, LOCK_FILE, LocalState, check_generation

# Every triple of the union of the graphs once, in constant memory: a triple in several graphs
# is kept from the first of them by name (CONSTRUCT or DISTINCT would remember every triple).
UNION_ONCE = """SELECT ?s ?p ?o WHERE {
  { ?s ?p ?o }
  UNION
  { GRAPH ?g { ?s ?p ?o }
    FILTER NOT EXISTS { { ?s ?p ?o } UNION { GRAPH ?h { ?s ?p ?o } FILTER (STR(?h) < STR(?g)) } } }
}"""

LOOKUP_TRIPLES = 5_000  # of one subject, in all graphs: a lookup evaluated in this process


class EmbeddedStore:
    """Oxigraph on disk (or in memory when ``path`` is None)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        idle_helpers: int | None = None,
        query_memory: int = 0,
        total_memory: int = 0,
    ) -> None:
        """``idle_helpers``: query helper processes kept waiting between queries, shared by
        every process over the store (None: one per core); more are started when more queries
        evaluate at once, and end after.
        ``query_memory``: the bytes a query evaluated in a helper may take (0: no limit);
        ``total_memory``: the bytes all of them together may take, across every process over
        this store (0: no limit)."""
        self.path = path
        self._snapshot: tuple[int, ox.Store] | None = None  # its generation, the snapshot
        self._reopening = threading.Lock()
        self._memory_generation = 0
        self._memory_modified = time.time()
        if path is None:
            self._memory = ox.Store()
            self._memory_lock = threading.RLock()  # the write lock, in this process only
            return
        self._state = LocalState(path)
        self._database_file = path / "CURRENT"  # made once: every answer asks its time
        self._snapshots = Snapshots(path)
        # no process until a query needs one
        self._executors = Executors(
            path, idle_helpers or os.cpu_count() or 1, query_memory, total_memory
        )
        if not self._database_file.exists():
            path.mkdir(parents=True, exist_ok=True)
            self._write(lambda _: None)  # creates the database files
        elif not self._snapshots.taken(self.generation):
            # a store written before checkpoints were taken: a write that changes nothing
            # takes one (unless another program holds it: its readers read the live files)
            with suppress(StoreLockedError):
                self._write(lambda _: None)

    # -- reading ---------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        """A number that changes whenever the store's content may have changed."""
        return self._memory_generation if self.path is None else self._state.generation

    @property
    def last_modified(self) -> float:
        """When the content last changed (seconds since the epoch)."""
        if self.path is None:
            return self._memory_modified
        return self._state.modified(self._database_file)

    def _reader(self) -> ox.Store:
        if self.path is None:
            return self._memory
        generation = self.generation
        current = self._snapshot
        if current is not None and current[0] == generation:
            return current[1]
        # one thread opens the new generation's snapshot, the others wait for it: each open
        # loads every table's handlers, and py-spy caught threads loading the same ones at once
        # (the guard first: a thread waiting for it must not hold the others up)
        with self._snapshots.guard(generation, self._state), self._reopening:
            current = self._snapshot
            if current is None or current[0] != generation:
                try:
                    current = (generation, self._snapshots.open(generation))
                except OSError as error:
                    raise StoreError(f"cannot open the store at {self.path}: {error}") from error
                self._snapshot = current
        return current[1]

    def reopen(self) -> None:
        # the queries still reading the handle keep it until they end
        self._snapshot = None

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        options = dataset_options(base_iri, default_graphs, named_graphs)
        try:
            return self._reader().query(sparql, **options)
        except (SyntaxError, ValueError) as error:  # ValueError: an IRI that is not one
            raise QuerySyntaxError(str(error)) from None

    def serialize_query(
        self,
        output: BinaryIO,
        sparql: str,
        fmt: ox.RdfFormat | ox.QueryResultsFormat,
        *,
        base_iri: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        cancel: threading.Event | None = None,
        niceness: Callable[[float], int] | None = None,
    ) -> None:
        """A query that may be stopped (``cancel``) is evaluated in a helper process, which
        is killed when it is and reniced as ``niceness`` says (see kg.store.executors); others
        in this process."""
        if cancel is None or self.path is None:
            result = self.query(
                sparql, base_iri=base_iri, default_graphs=default_graphs, named_graphs=named_graphs
            )
            result.serialize(output, fmt)  # type: ignore[arg-type]
            return
        dataset = (base_iri, default_graphs, named_graphs)
        with closing(self._helper_chunks(sparql, fmt, dataset, cancel, niceness)) as chunks:
            for chunk in chunks:
                if chunk is not None:
                    output.write(chunk)  # a chunk refused ends the helper, as closing does

    def query_chunks(
        self,
        sparql: str,
        fmt: ox.RdfFormat | ox.QueryResultsFormat,
        *,
        base_iri: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        cancel: threading.Event,
        niceness: Callable[[float], int] | None = None,
    ) -> Iterator[bytes | None] | None:
        """A helper process's answer, as it comes through its pipe (kg.store.executors); None
        for a store in memory, which evaluates in this process."""
        if self.path is None:
            return None
        dataset = (base_iri, default_graphs, named_graphs)
        return self._helper_chunks(sparql, fmt, dataset, cancel, niceness)

    def _helper_chunks(
        self,
        sparql: str,
        fmt: ox.RdfFormat | ox.QueryResultsFormat,
        dataset: tuple,
        cancel: threading.Event,
        niceness: Callable[[float], int] | None,
    ) -> Iterator[bytes | None]:
        # names cross the pipe; the helper makes the dataset with dataset_options
        request = (sparql, fmt.media_type, dataset, self.generation)
        return self._executors.chunks(request, cancel, niceness)

    def bounded(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> bool:
        """True for a point lookup of an entity with few triples (kg.store.lookups): its cost
        is bounded by them, so it may be evaluated at once, in this process."""
        subject = lookup_subject(sparql)
        if subject is None or default_graphs is not None or named_graphs is not None:
            return False
        try:
            triples = self._reader().quads_for_pattern(ox.NamedNode(subject), None, None)
        except ValueError:  # not an IRI Oxigraph takes: the helpers say why
            return False
        return sum(1 for _ in itertools.islice(triples, LOOKUP_TRIPLES + 1)) <= LOOKUP_TRIPLES

    def dump(
        self,
        output: BinaryIO,
        fmt: ox.RdfFormat,
        *,
        graph: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        reader = self._reader()
        prefixes = prefixes_for(fmt, prefixes)
        if graph is not None:
            reader.dump(output, fmt, from_graph=ox.NamedNode(graph), prefixes=prefixes)
        elif fmt.supports_datasets:
            reader.dump(output, fmt, prefixes=prefixes)
        else:  # a triple format gets the union of all graphs, each triple once
            union = reader.query(UNION_ONCE)
            triples = (ox.Triple(row[0], row[1], row[2]) for row in union)
            ox.serialize(triples, output, fmt, prefixes=prefixes)

    def graphs(self) -> list[str]:
        return sorted(
            node.value for node in self._reader().named_graphs() if isinstance(node, ox.NamedNode)
        )

    def count(self, graph: str | None = None) -> int:
        reader = self._reader()
        if graph is None:  # every quad, those of the default graph included
            return len(reader)
        solutions = reader.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        )
        return int(next(iter(solutions))["n"].value)

    def query_memory(self) -> tuple[int, int] | None:
        """The bytes the running queries of every process over the store hold, and the
        budget (0: none); None for the in-memory store, which evaluates in this process."""
        if self.path is None:
            return None
        return self._executors.memory_used(), self._executors.total_memory

    # -- writing ---------------------------------------------------------------------------

    def exclusive(self) -> AbstractContextManager[None]:
        return self._memory_lock if self.path is None else self._state.exclusive()

    def _write(
        self, operation: Callable[[ox.Store], None], expected_generation: int | None = None
    ) -> None:
        """Applies ``operation`` to the database opened for writing, under the write lock.

        The database is opened for this write only, checkpointed as the next generation (even
        when the operation fails: the generation moves all the same), and closed (its lock
        released) before the generation moves, so other processes reopen their snapshots onto
        the new checkpoint.
        """
        if self.path is None:
            with self._memory_lock:
                check_generation(self._memory_generation, expected_generation)
                operation(self._memory)
                self._memory_generation += 1
                self._memory_modified = time.time()
            return
        with self._state.writing(expected_generation) as following:
            try:
                writer = ox.Store(str(self.path))
            except OSError as error:
                if "lock" in str(error).lower():
                    raise StoreLockedError(
                        f"the store at {self.path} is held open by another program "
                        "(an `oxigraph serve`?); stop it or point --store elsewhere"
                    ) from error
                raise StoreError(f"cannot open the store at {self.path}: {error}") from error
            try:
                operation(writer)
            finally:
                try:
                    self._snapshots.take(writer, following)
                finally:
                    del writer  # the last reference: this closes the database (the lock's
                    # end then moves the generation, so other processes reopen onto it)

    def update(
        self, sparql: str, *, base_iri: str | None = None, expected_generation: int | None = None
    ) -> None:
        def apply(writer: ox.Store) -> None:
            try:
                writer.update(sparql, base_iri=base_iri)
            except (SyntaxError, ValueError) as error:
                raise QuerySyntaxError(str(error)) from None

        self._write(apply, expected_generation)

    def load(
        self,
        data: RdfInput,
        fmt: ox.RdfFormat,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        # Oxigraph's bulk loader is atomic: its files join the database only when all parsed.
        to_graph = ox.NamedNode(graph) if graph else None

        def apply(writer: ox.Store) -> None:
            with open_input(data) as stream:
                reader = ProgressReader(stream, progress) if progress else stream
                try:
                    writer.bulk_load(reader, fmt, base_iri=base_iri, to_graph=to_graph)
                except (SyntaxError, ValueError) as error:
                    raise parse_error(error, data) from None

        self._write(apply)

    def clear(self) -> None:
        self._write(ox.Store.clear)

    def compact(self) -> None:
        # Each bulk load adds table files RocksDB leaves unmerged (small writes it merges as
        # it goes): the bundled graph's 15 loads left 67, and an agency page's 16 queries took
        # 5.5 ms over them against 3.9 ms over the 13 of the merged database.
        if self.path is not None:
            self._write(ox.Store.optimize)

    def backup(self, target: Path) -> None:
        """A consistent copy of the database in ``target`` (a directory that must not exist),
        taken under the write lock, so no write is half in it."""
        if self.path is None:
            raise StoreError("an in-memory store has nothing to back up")
        if target.exists():
            raise StoreError(f"{target} exists already: back up into a new directory")
        self._write(lambda writer: writer.backup(str(target)))

    def restore(self, backup: Path) -> None:
        """Replaces the database with a backup (a directory made by ``backup``), under the
        write lock; the store's earlier content is kept beside it, as ``*.before-restore``."""
        if self.path is None or not (backup / "CURRENT").exists():
            raise StoreError(f"{backup} is not a PolicyKG backup (no CURRENT file)")
        with self._state.writing() as following:
            kept = self.path.with_name(self.path.name + ".before-restore")
            if kept.exists():
                shutil.rmtree(kept)
            shutil.copytree(backup, kept.with_name(self.path.name + ".restoring"))
            for entry in self.path.iterdir():
                # the checkpoints stay: readers of the earlier state read them still; so do
                # the query helpers, which read them
                if entry.name not in (LOCK_FILE, GENERATION_FILE, SNAPSHOTS_DIR, HELPERS_DIR):
                    kept.mkdir(exist_ok=True)
                    entry.rename(kept / entry.name)
            staged = kept.with_name(self.path.name + ".restoring")
            for entry in staged.iterdir():
                entry.rename(self.path / entry.name)
            staged.rmdir()
            restored = ox.Store(str(self.path))  # it opens: the restore is usable
            try:
                self._snapshots.take(restored, following)
            finally:
                del restored

    def close(self) -> None:
        self._snapshot = None
        if self.path is not None:
            self._executors.close()
