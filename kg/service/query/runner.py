"""Running queries under a deadline, streaming their serialized results, caching small ones.

A point lookup the store bounds by a few of its triples (``Store.bounded``) is answered at
once, on the caller's thread. Every other query is read under a deadline: the embedded store
evaluates it in a helper process, whose chunks the caller reads from its pipe as they come
(``Store.query_chunks``, with a look at the deadline every 50 ms); a store that cannot hand
them so (in memory, remote) writes them from a helper thread into a bounded channel, which
the caller reads. When the deadline passes, the caller gets ``QueryTimeoutError`` and the
evaluation is stopped: the helper process is killed (pyoxigraph cannot cancel a query), a
remote leaves it to its server. A query still evaluating in this process after that
is a *runaway*, and the runner calls ``on_runaway`` — the server restarts the worker
gracefully, which is what ends it.

At most ``slots`` queries evaluate at once (KG_QUERY_SLOTS: one per core by default), as in
Fuseki's or GraphDB's query pools: the others wait for a slot, and a query's time limit counts
from its slot, so under load a query is stopped for its own cost, not for the queue before it.
A query still evaluating ``long_after`` seconds into its slot (KG_LONG_QUERY_AFTER) is *long*:
it gives its slot to the queries waiting; and once it has used more than ``long_after`` seconds
of processor, its priority falls with each further processor-second — as an operating system's
feedback queues favour short jobs — so a few runaways cannot hold every slot, nor every
processor, until they are stopped, while a query slow only for want of the processor keeps its
priority.

Fair shares: one client (an address, or a token's holder) may run at most ``client_long`` long
queries at once, across all the server's processes (kg.store.running records who runs what). A
query is long once it has used ``long_after`` seconds of processor (where the store tells: the
embedded store), else once it has held its slot that long (a remote). A new query of a client
already running that many is refused (FairShareError: a 429 with Retry-After); so is a query
that turns long while its client already has that many long ones — so that one client's burst
cannot take every slot, or the memory, from the others.

A result cut once its first bytes are sent — past its deadline or past ``max_bytes`` — ends
with ``ResultCutError``: the server then drops the connection without ending the chunked body,
so no client can take a cut result for a whole one.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pyoxigraph as ox

from kg.rdfio import ChunkWriter
from kg.service.query.queries import check_allowed
from kg.store import Store
from kg.store.running import Running, Throttled

CACHEABLE_BYTES = 256 * 1024
AT_ONCE_BYTES = 16 * 1024 * 1024  # more than a bounded query's answer can take
FAIR_SHARE_RETRY = 5  # seconds a client over its share is told to wait
RUNAWAY_AFTER = 10  # seconds a stopped query may take to end before its worker is replaced
SHARE_LOOK = 0.25  # seconds between looks at the running queries, in each process
_DONE = object()
log = logging.getLogger("kg.runner")


class QueryTimeoutError(Exception):
    """The query did not finish within the timeout."""


class ResultCutError(Exception):
    """A streaming result stopped before its end (timeout or size limit)."""


class FairShareError(Exception):
    """The client runs as many long queries as one client may; retry after ``retry_after``."""

    def __init__(self, message: str, retry_after: int = FAIR_SHARE_RETRY) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Cancelled(Exception):
    """Raised inside a producer whose consumer has gone."""


@dataclass(frozen=True)
class QueryRequest:
    """One query to run: text, dataset, and the serialization wanted."""

    sparql: str
    fmt: ox.RdfFormat | ox.QueryResultsFormat
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None

    def graphs(self) -> dict[str, list[str] | None]:
        """The dataset's graphs as a store's keyword arguments (None: not named)."""
        return {
            "default_graphs": list(self.default_graphs) if self.default_graphs else None,
            "named_graphs": list(self.named_graphs) if self.named_graphs else None,
        }


class QueryRunner:
    """Runs queries against ``store`` within ``timeout`` seconds (0: no limit)."""

    def __init__(
        self,
        store: Store,
        *,
        timeout: float,
        allowed_services: frozenset[str] = frozenset(),
        on_runaway: Callable[[], None] | None = None,
        cache_entries: int = 512,
        max_bytes: int = 0,
        slots: int = 1,
        long_after: float = 1.0,
        client_long: int = 0,
        running: Running | None = None,
    ) -> None:
        self.store, self.timeout, self.allowed_services = store, timeout, allowed_services
        self.client_long = client_long  # long queries one client may run at once; 0: any
        self.running = running or Running(None)
        self._records = Throttled(self.running.records, SHARE_LOOK)
        self._slots = threading.Semaphore(slots)
        self.long_after = long_after  # seconds a query holds its slot; 0: to its end
        self.max_bytes = max_bytes  # of one query's results; 0: no limit
        self._on_runaway = on_runaway or (lambda: None)
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self._cache_entries = cache_entries
        self._lock = threading.Lock()

    def run(self, request: QueryRequest, client: str | None = None) -> bytes | Iterator[bytes]:
        """The serialized results: whole, when small (up to CACHEABLE_BYTES, then also cached),
        or as an iterator of chunks that streams a large result in constant memory. ``client``
        names who asks, for fair shares (None: no share applies).

        Errors found before the first byte (a malformed query, a forbidden SERVICE, a
        timeout, the client's share used up) are raised by this call; later ones end the
        iteration early.
        """
        key, found = self._begin(request, client)
        if found is not None:
            return found
        share = self._admit(client)
        try:
            cancel = threading.Event()
            slot = _Slot(self._slots, self.long_after)
            pace = self._pace(share)
            job = _pull(self.store, request, slot, cancel, pace) or _start(
                _query_writer(self.store, request, cancel, pace), slot, cancel
            )
            deadline = slot.started + self.timeout if self.timeout else None
            head: list[bytes] = []
            size = 0
            while size <= CACHEABLE_BYTES:
                item = self._take(job, deadline, share)
                if item is _DONE:
                    body = b"".join(head)
                    self._remember(key, body)
                    self._leave(share)
                    return body
                head.append(item)
                size += len(item)
        except BaseException:
            self._leave(share)
            raise
        return self._stream(head, job, deadline, self.max_bytes, share)

    def _begin(self, request: QueryRequest, client: str | None) -> tuple[tuple, bytes | None]:
        """The query's cache key, and its answer when it is kept or a point lookup (None:
        it is to be evaluated by a helper). Errors found here are the caller's to raise."""
        check_allowed(request.sparql, allowed_services=self.allowed_services)
        key = (self.store.generation, request)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return key, cached
        if not self._answers_at_once(request):
            return key, None
        self._admit(client)  # a lookup never turns long, but a client past its share is refused
        return key, self._at_once(key, request)

    def _answers_at_once(self, request: QueryRequest) -> bool:
        """A query whose cost the store bounds by a few of its triples (a point lookup), and
        whose answer cannot reach the result limit, is answered on the caller's thread: no
        slot, no producer thread, no deadline to watch."""
        return (not self.max_bytes or self.max_bytes >= AT_ONCE_BYTES) and self.store.bounded(
            request.sparql,
            **request.graphs(),
        )

    def _at_once(self, key: tuple, request: QueryRequest) -> bytes:
        output = io.BytesIO()
        self.store.serialize_query(output, request.sparql, request.fmt, base_iri=request.base_iri)
        body = output.getvalue()
        if len(body) <= CACHEABLE_BYTES:
            self._remember(key, body)
        return body

    def stream(self, write: Callable[[BinaryIO], None]) -> Iterator[bytes]:
        """What ``write`` writes, chunk by chunk, in constant memory and with no timeout (for
        dumps). The writing happens on a helper thread while the caller sends the chunks."""
        return self._stream([], _start(write, None), None, 0)

    # --- fair shares ------------------------------------------------------------------------

    def _admit(self, client: str | None) -> _Share | None:
        """The client's place among the running queries; FairShareError if it already runs
        as many long queries as it may. A query is recorded (for the other processes to see)
        only once it turns long: a short one costs a look at the record, no write."""
        if client is None or not self.client_long:
            return None
        self._check_share(client, None)
        return _Share(client, time.time())

    def _turned_long(self, share: _Share) -> None:
        with share.lock:
            if share.key is None:
                share.key = self.running.add(client=share.client, started=share.started)
        self._check_share(share.client, share)

    def _pace(self, share: _Share | None) -> Callable[[float], int]:
        """The query's niceness as its processor time grows; where the store tells that time
        (the embedded store's helpers), it is also what makes a query long for fair shares:
        a lookup that waits for a busy processor is not long, a query that works is."""

        def niceness(cpu_seconds: float) -> int:
            if share is not None:
                share.paced = True
                if cpu_seconds >= self.long_after:
                    self._turned_long(share)  # FairShareError past the client's share
            return self._niceness(cpu_seconds)

        return niceness

    def _check_share(self, client: str, own: _Share | None) -> None:
        """FairShareError if the client already runs its share of long queries: for a new
        query, that many; for a long one (``own``), unless it is among the oldest that many
        (checked again as it goes on, so that an older query turning long later takes its
        place: the oldest keep theirs, in whichever process they run)."""
        long = sorted(
            (record["started"], key)
            for key, record in self._records.get().items()
            if record.get("client") == client
        )
        if own is None:
            if len(long) >= self.client_long:
                raise FairShareError(
                    f"this client already runs {len(long)} long queries, as many as one "
                    f"client may at once (KG_CLIENT_LONG_QUERIES={self.client_long}): retry "
                    "after they end"
                )
            return
        mine = (own.started, own.key)
        if mine not in long:  # its record is newer than the last look
            long = sorted([*long, mine])
        if mine not in long[: self.client_long]:
            raise FairShareError(
                f"this client runs {len(long)} long queries, more than one client may at once "
                f"(KG_CLIENT_LONG_QUERIES={self.client_long}): the newest are stopped; retry "
                "after the others end"
            )

    def _leave(self, share: _Share | None) -> None:
        if share is not None and share.key is not None:
            self.running.remove(share.key)

    def _stream(
        self, head, job: _Job | _Pulled, deadline, max_bytes, share: _Share | None = None
    ) -> Iterator[bytes]:
        sent = sum(map(len, head))
        try:
            yield from head
            while (item := self._take(job, deadline)) is not _DONE:
                sent += len(item)
                if max_bytes and sent > max_bytes:
                    raise ResultCutError(
                        f"the results passed the limit of {max_bytes} bytes and were cut"
                    )
                yield item
        except (QueryTimeoutError, FairShareError) as error:  # too late for a status of its own
            raise ResultCutError(str(error)) from None
        finally:
            job.stop()
            self._leave(share)

    def _niceness(self, cpu_seconds: float) -> int:
        """How far a query should now yield the processor: not at all while it has used
        less than ``long_after`` seconds of processor, then by four nice levels for each
        further processor-second, to the lowest priority (19) about 4.5 s later."""
        beyond = cpu_seconds - self.long_after
        if not self.long_after or beyond < 0:
            return 0
        return min(19, 1 + int(4 * beyond))

    def _take(self, job: _Job | _Pulled, deadline, share: _Share | None = None):
        """The job's next chunk. When it turns long (its slot given up), a query whose client
        already runs its share of long ones is stopped (FairShareError)."""
        while True:
            wake = deadline
            if job.slot and job.slot.held and job.slot.until is not None:
                wake = job.slot.until if wake is None else min(wake, job.slot.until)
            try:
                item = job.get(None if wake is None else max(0.0, wake - time.monotonic()))
                break
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise self._stop(job) from None
                job.slot.release()  # a long query: its slot goes to the queries waiting
                if share is not None and not share.paced:  # a store that tells no time
                    try:
                        self._turned_long(share)
                    except FairShareError:
                        job.stop()
                        raise
        if isinstance(item, BaseException):
            raise item
        return item

    def _stop(self, job: _Job | _Pulled) -> QueryTimeoutError:
        """Stops a query past its deadline; the error to raise."""
        job.stop()
        # a helper process is killed within a tenth of a second; a query evaluating in
        # this process (none but the in-memory store's) ends only with the process
        if not job.done.wait(0.5):
            if job.slot:  # the queries still to come need it
                job.slot.release()
            threading.Thread(target=self._watch, args=(job,), daemon=True).start()
        return QueryTimeoutError(
            f"the query did not finish within {self.timeout:g} s and was stopped"
        )

    def _watch(self, job: _Job | _Pulled) -> None:
        # on a loaded machine the thread of a killed helper's query may take a while to see
        # it end: only one still at work RUNAWAY_AFTER seconds on is a runaway
        if not job.done.wait(RUNAWAY_AFTER):
            log.warning("a stopped query still runs %s s on: its worker is replaced", RUNAWAY_AFTER)
            self._on_runaway()

    def _remember(self, key: tuple, body: bytes) -> None:
        with self._lock:
            self._cache[key] = body
            while len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)


@dataclass
class _Share:
    """A query under its client's name, and its record among those running once long."""

    client: str
    started: float
    key: str | None = None
    paced: bool = False  # its store reports the processor time it uses
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Slot:
    """One of the runner's evaluation slots (waited for on creation), given back once: when
    its query ends, or ``hold_for`` seconds after it was taken (0: no sooner)."""

    def __init__(self, slots: threading.Semaphore, hold_for: float = 0.0) -> None:
        slots.acquire()
        self.started = time.monotonic()
        self.until = self.started + hold_for if hold_for else None
        self._slots, self.held, self._lock = slots, True, threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self.held:
                self.held = False
                self._slots.release()


@dataclass(frozen=True)
class _Job:
    """A producer at work: its channel, the consumer's cancel signal, its end, its slot."""

    channel: queue.Queue
    cancel: threading.Event
    done: threading.Event
    slot: _Slot | None

    def get(self, timeout: float | None):
        """The next chunk, _DONE, or the error that ended the producer; queue.Empty after
        ``timeout`` seconds without any."""
        return self.channel.get(timeout=timeout)

    def stop(self) -> None:
        self.cancel.set()


class _Pulled:
    """A query whose store hands its chunks to the consumer's own thread, as a helper
    process's pipe brings them (``Store.query_chunks``): no producer thread and no channel,
    two thread hand-offs fewer per query. The store gives None at each look while the helper
    works, so that the consumer keeps its deadline; stopping closes the chunks, which ends
    the helper."""

    def __init__(self, chunks: Iterator[bytes | None], slot: _Slot) -> None:
        self.chunks, self.slot, self.done = chunks, slot, threading.Event()

    def get(self, timeout: float | None):
        """As ``_Job.get``."""
        until = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                item = next(self.chunks)
            except StopIteration:
                self._end()
                return _DONE
            except Exception as error:  # as a producer hands it on: the consumer raises it
                self._end()
                return error
            if item is not None:
                return item
            if until is not None and time.monotonic() >= until:
                raise queue.Empty

    def stop(self) -> None:
        self.chunks.close()  # a helper still at work is ended
        self._end()

    def _end(self) -> None:
        self.slot.release()
        self.done.set()


def _pull(
    store: Store,
    request: QueryRequest,
    slot: _Slot,
    cancel: threading.Event,
    niceness: Callable[[float], int],
) -> _Pulled | None:
    """The query's chunks on the consumer's thread, where its store can hand them so."""
    chunks = store.query_chunks(
        request.sparql,
        request.fmt,
        base_iri=request.base_iri,
        **request.graphs(),
        cancel=cancel,
        niceness=niceness,
    )
    return None if chunks is None else _Pulled(chunks, slot)


def _start(
    write: Callable[[BinaryIO], None], slot: _Slot | None, cancel: threading.Event | None = None
) -> _Job:
    channel: queue.Queue = queue.Queue(maxsize=8)
    cancel = cancel or threading.Event()
    done = _HELPERS.submit(_produce, write, channel, cancel, slot)
    return _Job(channel, cancel, done, slot)


class _Helpers:
    """Daemon threads that run producers, kept between queries (starting a thread per query
    costs more than a point lookup). A thread caught in a runaway query is simply lost."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, function: Callable, *args) -> threading.Event:
        """Runs ``function(*args)`` on a helper; the event is set when it returns."""
        done = threading.Event()
        with self._lock:
            if self._idle:
                self._idle -= 1
            else:
                threading.Thread(target=self._serve, daemon=True, name="query").start()
        self._jobs.put((function, args, done))
        return done

    def _serve(self) -> None:
        while True:
            function, args, done = self._jobs.get()
            try:
                function(*args)
            finally:
                done.set()
                with self._lock:
                    self._idle += 1


_HELPERS = _Helpers()


def _produce(
    write: Callable[[BinaryIO], None],
    channel: queue.Queue,
    cancel: threading.Event,
    slot: _Slot | None,
) -> None:
    """Runs ``write`` into the channel, then marks the end (or passes on its error)."""
    writer = ChunkWriter(lambda chunk: _put(channel, chunk, cancel))
    try:
        write(writer)  # type: ignore[arg-type]
        writer.flush()
        _put(channel, _DONE, cancel)
    except _Cancelled:
        return
    except Exception as error:  # reported to the consumer, who knows what to make of it
        try:
            _put(channel, error, cancel)
        except _Cancelled:
            return
    finally:
        if slot:
            slot.release()


def _query_writer(
    store: Store, request: QueryRequest, cancel: threading.Event, niceness: Callable[[float], int]
) -> Callable[[BinaryIO], None]:
    def write(output: BinaryIO) -> None:
        store.serialize_query(
            output,
            request.sparql,
            request.fmt,
            base_iri=request.base_iri,
            **request.graphs(),
            cancel=cancel,
            niceness=niceness,
        )

    return write


def _put(channel: queue.Queue, item, cancel: threading.Event) -> None:
    while True:
        if cancel.is_set():
            raise _Cancelled
        try:
            channel.put(item, timeout=0.1)
            return
        except queue.Full:
            continue
