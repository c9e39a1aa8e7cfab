"""The store interface: what PolicyKG needs from a quad store, whatever holds the quads.

Results are pyoxigraph's own types (QuerySolutions, QueryBoolean, QueryTriples), which stream and
serialize themselves; a backend over another server parses that server's answers into them.
The store knows nothing of HTTP, of validation or of the CLI.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import BinaryIO, Protocol

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, QueryTriples, RdfFormat

from kg.rdfio import RdfInput

QueryResult = QuerySolutions | QueryBoolean | QueryTriples
# The store's own default graph, where a dataset is named by IRIs (Jena's name for it).
DEFAULT_GRAPH = "urn:x-arq:DefaultGraph"
ProgressCallback = Callable[[int], None]


class StoreError(Exception):
    """A store operation failed for a reason the caller did not cause."""


class QueryMemoryError(StoreError):
    """A query needed more memory than the store allows one query."""


class QueryBudgetError(QueryMemoryError):
    """All queries together passed the memory they may take, and this one held the most."""


class StoreLockedError(StoreError):
    """Another process holds the store open for writing."""


class StoreConflictError(StoreError):
    """The store changed since the caller read it; the write was not made."""


class QuerySyntaxError(ValueError):
    """A SPARQL query or update that does not parse."""


class Store(Protocol):
    """A quad store. The default graph seen by queries is the union of all graphs."""

    @property
    def generation(self) -> int:
        """A number that changes whenever the content may have changed (for caches)."""
        ...

    @property
    def last_modified(self) -> float:
        """When the content last changed, in seconds since the epoch."""
        ...

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult: ...

    def serialize_query(
        self,
        output: BinaryIO,
        sparql: str,
        fmt: RdfFormat | QueryResultsFormat,
        *,
        base_iri: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        cancel: threading.Event | None = None,
        niceness: Callable[[float], int] | None = None,
    ) -> None:
        """Writes the query's results to ``output`` in ``fmt`` (a remote passes its server's
        bytes through when it can: nothing to parse and write again). Once ``cancel`` is set
        the evaluation may be stopped and the call return early. ``niceness`` tells, from the
        processor seconds the evaluation has used, how far it should now yield the processor
        (0 to 19, as `nice`): a store that evaluates in a process of its own lowers that
        process's priority; such a store calls it from the start, with 0."""
        ...

    def query_chunks(
        self,
        sparql: str,
        fmt: RdfFormat | QueryResultsFormat,
        *,
        base_iri: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        cancel: threading.Event,
        niceness: Callable[[float], int] | None = None,
    ) -> Iterator[bytes | None] | None:
        """The query's results in ``fmt``, chunk by chunk, read on the caller's own thread:
        None at each look while the evaluation goes on, so that the caller keeps its
        deadline; closing the iterator early stops the evaluation, as ``cancel`` does. None
        when the store cannot hand them so (it evaluates in this process, or on a server):
        the caller then runs ``serialize_query`` on a thread of its own."""
        ...

    def bounded(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> bool:
        """True when the query's cost is bounded by a few of the store's triples (a point
        lookup), so that it may be evaluated at once, with no deadline to watch."""
        ...

    def query_memory(self) -> tuple[int, int] | None:
        """The bytes the running queries hold and the budget for them all (0: none); None
        when the store does not evaluate queries itself (a remote)."""
        ...

    def exclusive(self) -> AbstractContextManager[None]:
        """Holds off every other writer (other threads and processes) while the calling
        thread reads and then writes: its own writes go through."""
        ...

    def update(
        self, sparql: str, *, base_iri: str | None = None, expected_generation: int | None = None
    ) -> None:
        """Applies the update in one transaction; with ``expected_generation``, only if the
        store is still at that generation (else StoreConflictError, nothing written)."""
        ...

    def load(
        self,
        data: RdfInput,
        fmt: RdfFormat,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Loads all of ``data`` or nothing; its default-graph triples go to ``graph``."""

    def dump(
        self,
        output: BinaryIO,
        fmt: RdfFormat,
        *,
        graph: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None: ...

    def graphs(self) -> list[str]: ...

    def count(self, graph: str | None = None) -> int: ...

    def clear(self) -> None: ...

    def reopen(self) -> None:
        """Lets go of what this process reads the store through: the next query opens it
        afresh (a no-op where there is nothing to reopen: in memory, a remote)."""
        ...

    def compact(self) -> None:
        """Merges what bulk writes left scattered, so that reads look in fewer places (a
        no-op where the store keeps itself: in memory, a remote)."""
        ...

    def close(self) -> None: ...
