"""Query evaluation in processes that can be stopped.

pyoxigraph cannot cancel a query. So the embedded store evaluates a query that may be stopped
in a helper process, over the helper's own read-only snapshot of the store; the results come
back down a socket, chunk by chunk. The helpers are shared by every process over the store
(kg.store.pool): one process holds a helper for one query at a time. A query stopped before
its end (past its time, or its reader gone) kills its helper, which ends the evaluation and
frees its memory at once; another takes its place when next needed. Processes are spawned,
not forked: RocksDB's threads do not survive a fork.

A query whose helper grows by more than ``max_memory`` bytes is stopped the same way
(QueryMemoryError): memory, unlike time, cannot be waited out. So is the query that uses the
most when all the queries of the store's processes together (the private memory of the helpers
evaluating them, as kg.store.running records which they are) would pass ``total_memory`` by
the next look, at the pace they grew since the last (QueryBudgetError): the largest go, the
others go on. New queries that need a helper started pass the budget's door one at a time,
and a helper started for one is recorded before it starts, at HELPER_RESERVE at least: a crowd
arriving at once starts no more helpers than the budget holds (a query that finds a helper
waiting is admitted on the last look at the budget). A process that comes to the door is
recorded too, with its own memory then: what it grows by from there on — the pages it renders
and keeps, the lookups it answers itself, Python's heap — counts within the budget when the
largest queries are stopped, so that helpers and processes together stay inside it (not at
the door: a process's growth is no query that waiting would free, and other readers' small
queries would starve behind it). A helper that grew by more than RETURN_AFTER in a query is
ended after it rather than kept, so that a burst's memory returns to the system.

While a query evaluates, its caller may ask it to yield the processor, as a function of the
processor time it has used (a long query, so that short ones go first): its process is reniced.
No process may raise its priority back without privileges, so a reniced helper is not reused
but ended with its query.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from kg.rdfio import ChunkWriter
from kg.store import (
    DEFAULT_GRAPH,
    QueryBudgetError,
    QueryMemoryError,
    QuerySyntaxError,
    StoreError,
)
from kg.store.pool import Helper, HelperPool, requests
from kg.store.running import Running, Throttled, private_memory
from kg.store.snapshots import Snapshots
from kg.store.state import LocalState

log = logging.getLogger(__name__)
_SPAWN = multiprocessing.get_context("spawn")
_ATTEMPTS = 3  # evaluations of one query, over fresh snapshots, while writes remove files
RETURN_AFTER = 128 * 2**20  # a helper that grew by more in a query is ended, not kept
BUDGET_LOOK = 0.1  # seconds between sums of the queries' memory, in each process
ADMISSION_WAIT = 10.0  # seconds a new query waits for the budget to free before a 503
HELPER_RESERVE = 64 * 2**20  # counted for a helper started for a query, before it grows
POLL = 0.05  # seconds between looks at a helper at work
PROCESS_RECORD = "process-"  # the key of a process's own record, before its pid


class Executors:
    """Helper processes over the store at ``path``, started as needed and shared with the
    other processes over it (kg.store.pool); up to ``keep`` of them wait between queries, the
    others end (a burst of queries leaves no crowd behind)."""

    def __init__(self, path: Path, keep: int, max_memory: int = 0, total_memory: int = 0) -> None:
        self.path, self.keep, self.max_memory = path, keep, max_memory  # bytes; 0: no limit
        self.total_memory = total_memory  # bytes, all queries of all processes; 0: no limit
        self.running = Running(path / "policykg.queries")
        self._used = Throttled(self._look, BUDGET_LOOK)
        self._held, self._looked = 0, time.monotonic()  # bytes all held at the last look
        self._growth = 0  # bytes they grow by in BUDGET_LOOK, at the pace since the look before
        self._pool = HelperPool(path, _serve)
        self._lock = threading.Lock()
        self._admission = threading.Lock()  # one query at a time past the budget's door
        self._enrolled = False  # whether this process's own growth is recorded

    def memory_used(self) -> int:
        """The bytes the running queries of every process over the store hold, with what the
        recorded processes grew by (as last summed, at most BUDGET_LOOK ago)."""
        return sum(self._used.get().values())

    def _memory_by_record(self) -> dict[str, int]:
        """Each running query's memory, by its record: its helper's own (a helper started for
        a burst counts whole, interpreter included), and at least HELPER_RESERVE for one
        being started, so that a crowd of queries arriving at once is seen at once; and each
        recorded process's growth since it was recorded."""
        return {key: _record_memory(record) for key, record in self.running.records().items()}

    def _enrol(self) -> None:
        """Records this process's own memory as it is now, once: its growth from here on
        counts within the budget (a process that ends takes its record with it)."""
        with self._lock:
            if not self._enrolled:
                pid = os.getpid()
                self.running.update(f"{PROCESS_RECORD}{pid}", baseline=private_memory(pid) or 0)
                self._enrolled = True

    def _look(self) -> dict[str, int]:
        """The memory of each record, as ``_memory_by_record``; and how much they grow
        together before the next look, at the pace they grew since the last."""
        used = self._memory_by_record()
        held, now = sum(used.values()), time.monotonic()
        pace = max(0, held - self._held) / max(now - self._looked, BUDGET_LOOK)
        self._growth, self._held, self._looked = int(pace * BUDGET_LOOK), held, now
        return used

    def _admit(self, cancel: threading.Event) -> tuple[Helper, str | None]:
        """A helper for a new query, and its record when it was started for it. No helper
        more while the running queries hold the whole budget: the query waits a little for
        the largest to be stopped (a lookup is delayed, not refused), then gets a 503. Queries
        pass one at a time, each seeing the helpers started before it. A query that finds a
        helper waiting starts no process: the last look (at most BUDGET_LOOK old, as the watch
        over the running queries uses) admits it, without reading every record again."""
        deadline = time.monotonic() + ADMISSION_WAIT
        if not self.total_memory:
            return self._pool.take() or self._pool.start(_SPAWN), None
        self._enrol()
        idle = self._pool.take()
        if idle is not None:
            if _queries_memory(self._used.get()) < self.total_memory:
                return idle, None
            self._pool.give_back(idle)  # the budget is full: it waits with the others
        if not self._admission.acquire(timeout=ADMISSION_WAIT):
            raise self._short_of_memory()
        try:
            while _queries_memory(self._memory_by_record()) >= self.total_memory:
                if time.monotonic() >= deadline or cancel.is_set():
                    raise self._short_of_memory()
                time.sleep(BUDGET_LOOK)
            idle = self._pool.take()
            if idle:
                return idle, None
            record = self.running.add(reserved=HELPER_RESERVE)
        finally:
            self._admission.release()
        try:
            helper = self._pool.start(_SPAWN)
        except BaseException:
            self.running.remove(record)
            raise
        self.running.update(record, helper=helper.pid)
        return helper, record

    def _short_of_memory(self) -> QueryBudgetError:
        return QueryBudgetError(
            "the server is short of memory for queries (all of them together may take "
            f"{self.total_memory // 2**20} MB, and the running ones hold it): retry later"
        )

    def _largest_past_budget(self, record: str) -> bool:
        """Whether all the queries together will be past the budget by the next look (what
        they hold, and what they grow by at the pace since the last) and the query of
        ``record`` is among the largest that must go for the rest to fit (they free the most,
        and are likely the runaways; many growing at once are stopped at once)."""
        used = self._used.get()
        excess = sum(used.values()) + self._growth - self.total_memory
        queries = [key for key in used if _is_query(key)]  # a process is not stopped
        for key in sorted(queries, key=lambda key: (used[key], key), reverse=True):
            if excess <= 0:
                return False
            if key == record:
                return True
            excess -= used[key]
        return False

    def chunks(
        self,
        request: tuple,
        cancel: threading.Event,
        niceness: Callable[[float], int] | None = None,
    ) -> Iterator[bytes | None]:
        """What a helper writes for ``request`` (query, format, dataset, generation), chunk by
        chunk as it comes, and None at each look (every POLL s) while the helper works, so
        that the caller reading them keeps its own deadline. Kills the helper if ``cancel`` is
        set (the chunks then just end), or if the caller closes the iterator before its end;
        while the caller waits, renices it to what ``niceness`` says of the processor seconds
        used."""
        if niceness:  # at once: the caller learns that this store tells the processor time
            niceness(0.0)
        # a helper kept from an earlier query is recorded once it outlasts a poll: a short
        # query writes nothing
        helper, record = self._admit(cancel)
        before = helper.resting
        pid = helper.pid
        try:
            helper.connection.send(request)
            while True:
                if cancel.is_set():
                    raise _Stopped
                if not helper.ready(POLL):
                    record = record or self.running.add(helper=pid)
                    now = helper.usage()
                    if self.max_memory and now.memory - before.memory > self.max_memory:
                        raise _TooBig(pid, before.memory, now.memory)
                    if self.total_memory and self._largest_past_budget(record):
                        raise _ShortOfMemory(pid, now.memory - before.memory)
                    if niceness:
                        helper.renice(niceness(now.cpu_seconds - before.cpu_seconds))
                    yield None
                    continue
                kind, payload = helper.connection.recv()
                if kind not in ("chunk", "done"):
                    raise (QuerySyntaxError if kind == "syntax" else StoreError)(payload)
                yield payload  # the last chunk comes with the end
                if kind == "done":
                    break
        except _Stopped:
            self._pool.end(helper)
            return
        except _TooBig as grown:
            self._pool.end(helper)
            log.warning("query helper %s grew from %s to %s bytes: stopped", *grown.args)
            raise QueryMemoryError(
                f"the query needed more than {self.max_memory // 2**20} MB and was stopped"
            ) from None
        except _ShortOfMemory as short:
            self._pool.end(helper)
            log.warning("query helper %s held %s bytes, the most, past the budget: stopped",
                        *short.args)  # fmt: skip
            raise QueryBudgetError(
                "the server is short of memory for queries (all of them together may take "
                f"{self.total_memory // 2**20} MB) and this one held the most: it was stopped; "
                "retry later"
            ) from None
        except (QuerySyntaxError, StoreError):
            self._give_back(helper)
            raise
        except BaseException:  # the reader is gone or stopped early, or the helper died
            self._pool.end(helper)
            raise
        finally:
            if record:
                self.running.remove(record)
        self._give_back(helper)

    def close(self) -> None:
        self._pool.close()

    def _give_back(self, helper: Helper) -> None:
        """Lets the helper wait for the next query of any process, unless ``keep`` others
        wait already, or it cannot work as a fresh one would."""
        if (
            helper.niceness  # it cannot be made to work at full priority again
            # its allocator would keep what the query took: start afresh
            or helper.usage().memory - helper.resting.memory > RETURN_AFTER
            or self._pool.others_waiting(helper, self.keep)
        ):
            self._pool.end(helper)
        else:
            self._pool.give_back(helper)


def _is_query(key: str) -> bool:
    """Whether a record is a query's, not a process's own."""
    return not key.startswith(PROCESS_RECORD)


def _queries_memory(used: dict[str, int]) -> int:
    """What the queries of these records hold, the processes' growth left out."""
    return sum(size for key, size in used.items() if _is_query(key))


def _record_memory(record: dict) -> int:
    """A query's memory (its helper's own, at least its reserve), or a process's growth."""
    if "baseline" in record:
        return max(0, (private_memory(record["owner"]) or 0) - record["baseline"])
    helper = record.get("helper")
    return max((private_memory(helper) or 0) if helper else 0, record.get("reserved", 0))


class _Stopped(Exception):
    """The caller stopped waiting for the query."""


class _TooBig(Exception):
    """The query's helper grew past the memory allowed."""


class _ShortOfMemory(Exception):
    """All queries together passed the budget, and this one holds the most."""


def _serve(name: str, directory: str, key: bytes, pipe: Connection, parent: int) -> None:
    """A helper's life: answer requests, from any process over the store, until it ends."""
    path = Path(directory).parent
    state, snapshots = LocalState(path), Snapshots(path)
    snapshot, generation = None, None
    for connection, request in requests(name, directory, key, pipe, parent):
        sparql, media_type, dataset, wanted_generation = request
        answer = _Answer(connection)
        for attempt in range(_ATTEMPTS):
            # the serializer's closing flush sends nothing: the rest comes with the end, so
            # an answer smaller than a chunk is one message, one wake-up of the reader
            writer = ChunkWriter(answer.chunk, flushes=False)
            try:
                if snapshot is None or generation != wanted_generation or attempt:
                    with snapshots.guard(wanted_generation, state):
                        snapshot = snapshots.open(wanted_generation)
                    generation = wanted_generation
                _evaluate(snapshot, sparql, media_type, dataset, writer)
                answer.send(("done", writer.rest()))  # the last chunk with the end
                break
            except (SyntaxError, ValueError) as error:  # QuerySyntaxError among them
                answer.send(("syntax", str(error)))
                break
            except (OSError, RuntimeError) as error:
                # A snapshot of the live files (a store without checkpoints) read while
                # another process writes can find a file compacted away (Store.read_only
                # says so): a fresh one answers, if nothing is sent yet.
                if answer.gone or writer.sent or attempt == _ATTEMPTS - 1:
                    answer.send(("error", f"{type(error).__name__}: {error}"))
                    break
                time.sleep(0.05 * (attempt + 1))
            except Exception as error:  # reported to the asker, which raises it
                answer.send(("error", f"{type(error).__name__}: {error}"))
                break


class _Answer:
    """One answer's messages to the process that asked. If it has gone (killed while its
    query evaluated), the rest are dropped, the evaluation stops at its next chunk, and the
    helper waits for the next request: another process holds it now."""

    def __init__(self, connection: Connection) -> None:
        self.connection, self.gone = connection, False

    def send(self, message: tuple) -> None:
        if not self.gone:
            try:
                self.connection.send(message)
            except OSError:
                self.gone = True

    def chunk(self, data: bytes) -> None:
        self.send(("chunk", data))
        if self.gone:
            raise BrokenPipeError("the process that asked has gone")


def _evaluate(
    snapshot: ox.Store, sparql: str, media_type: str, dataset: tuple, writer: ChunkWriter
) -> None:
    result = snapshot.query(sparql, **dataset_options(*dataset))
    fmt = ox.QueryResultsFormat.from_media_type(media_type) or ox.RdfFormat.from_media_type(
        media_type
    )
    result.serialize(writer, fmt)  # type: ignore[arg-type]


def dataset_options(
    base_iri: str | None, default_graphs: list[str] | None, named_graphs: list[str] | None
) -> dict:
    """The query options for a dataset named by IRIs (no default graph named: the union)."""
    options: dict = {"base_iri": base_iri}
    if default_graphs is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [
            ox.DefaultGraph() if iri == DEFAULT_GRAPH else _graph_name(iri)
            for iri in default_graphs
        ]
    if named_graphs is not None:
        options["named_graphs"] = [_graph_name(iri) for iri in named_graphs]
    return options


def _graph_name(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise QuerySyntaxError(f"the graph name {iri!r} is not an absolute IRI: {error}") from None
