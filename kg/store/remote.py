"""A store over any SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, QLever, `oxigraph serve`…),
through SPARQLWrapper for queries and updates and the Graph Store Protocol for bulk loads.

What PolicyKG guarantees here, and what each guarantee rests on:

- the default graph is the union of the named graphs: the server's own setting (Oxigraph
  ``--union-default-graph``, Fuseki ``tdb2:unionDefaultGraph``, Virtuoso by default);
- a write is whole or absent: each update (a contribution and its record included) is one
  SPARQL Update request, which SPARQL 1.1 servers apply atomically; a bulk load is sent in
  batches and is *not* atomic across them (take a backup of the server first);
- writes take turns through a lock file in the local state directory, and the generation
  (for caches and the gate's conflict check) is kept there too: writes made to the server
  around PolicyKG are seen by queries at once but by PolicyKG's result cache only after its
  next write;
- the query timeout is PolicyKG's own (the runner stops waiting, whatever the server does).
"""

from __future__ import annotations

import ast
import base64
import io
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, suppress
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from kg.formats import prefixes_for
from kg.rdfio import ProgressReader, RdfInput, check_parses, open_input
from kg.store import (
    DEFAULT_GRAPH,
    ProgressCallback,
    QueryResult,
    QuerySyntaxError,
    StoreError,
)
from kg.store.state import LocalState

# quads per request of a bulk load (Virtuoso's SPARQL compiler runs out of memory on an
# INSERT DATA of 5,000 triples)
BATCH = 2_000
GSP_GRAPHS_PER_BATCH = 8  # past it, a batch goes as one INSERT DATA
# Graphs a server keeps for itself (Virtuoso's schemas and settings), not data: left out of
# graph lists, counts, dumps and clearing (a server's union default graph still holds them).
SERVER_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "urn:activitystreams-owl:map",
)
OWN = f"FILTER (?g NOT IN ({', '.join(f'<{iri}>' for iri in SERVER_GRAPHS)}))"
ALL_QUADS = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {OWN} }}"
# Every triple of the named graphs once, kept from the first graph by name. (A server's union
# default graph may repeat a triple once per graph, so it is not asked.)
NAMED_UNION_ONCE = f"""SELECT ?s ?p ?o WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} {OWN}
  FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER (STR(?h) < STR(?g)) }}
}}"""


# Formats every server writes alike, sent on as they come; the others are asked as JSON results
# or N-Triples and written again (Virtuoso's TSV, say, quotes its header's variables).
PASSED_THROUGH = {
    ox.QueryResultsFormat.JSON,
    ox.QueryResultsFormat.XML,
    ox.RdfFormat.N_TRIPLES,
    ox.RdfFormat.TURTLE,
}
JSON_RESULTS = "application/sparql-results+json"


class RemoteUnavailableError(StoreError):
    """The remote server did not answer, or answered with a server error."""


class SparqlStore:
    """A remote SPARQL 1.1 server. ``auth`` is ``basic:USER:PASSWORD`` or ``bearer:TOKEN``."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        auth: str | None = None,
        state_dir: Path,
        timeout: float = 300.0,
    ) -> None:
        self.query_url, self.update_url, self.gsp_url = query_url, update_url, gsp_url
        self._headers = _auth_headers(auth)
        self._state = LocalState(state_dir)
        self._timeout = timeout

    # -- reading ---------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self._state.generation

    @property
    def last_modified(self) -> float:
        return self._state.modified(self._state.directory)

    def query_memory(self) -> tuple[int, int] | None:
        return None  # the remote server evaluates, under its own limits

    def query_chunks(self, *args, **kwargs) -> None:
        """None: a query is sent and read by serialize_query, on the runner's thread."""
        return None

    def bounded(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> bool:
        return False  # a round trip to another server is never bounded: it keeps its deadline

    def exclusive(self) -> AbstractContextManager[None]:
        return self._state.exclusive()

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        client = self._query_client(sparql, base_iri, default_graphs, named_graphs)
        if client.queryType in ("CONSTRUCT", "DESCRIBE"):
            client.addCustomHttpHeader("Accept", "application/n-triples")
            return _as_query_triples(self._send(client))
        client.setReturnFormat(JSON)
        try:
            results = _PlainBlankNodes(self._send(client))
            return ox.parse_query_results(results, ox.QueryResultsFormat.JSON)
        except SyntaxError as error:
            message = f"{self.query_url} sent unreadable results: {error}"
            raise RemoteUnavailableError(message) from None

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
        """The server's own bytes when it sends ``fmt`` (and servers agree on it); else what it
        sent, read and written again in ``fmt``. (A stopped query is the server's to end, and
        its priority the server's to set.)"""
        wanted = fmt.media_type.split(";")[0]
        if fmt not in PASSED_THROUGH:
            wanted = "application/n-triples" if isinstance(fmt, ox.RdfFormat) else JSON_RESULTS
        client = self._query_client(sparql, base_iri, default_graphs, named_graphs)
        client.addCustomHttpHeader("Accept", wanted)
        response = self._send(client)
        sent = response.headers.get_content_type()  # type: ignore[attr-defined]
        if sent == wanted and fmt in PASSED_THROUGH:
            shutil.copyfileobj(response, output, 64 * 1024)
        elif isinstance(fmt, ox.QueryResultsFormat) and (
            given := ox.QueryResultsFormat.from_media_type(sent)
        ):
            ox.parse_query_results(_PlainBlankNodes(response), given).serialize(output, fmt)
        elif isinstance(fmt, ox.RdfFormat) and (given := ox.RdfFormat.from_media_type(sent)):
            triples = (quad.triple for quad in ox.parse(response, given))
            ox.serialize(triples, output, fmt)
        else:
            raise RemoteUnavailableError(f"{self.query_url} sent {sent}, not {fmt.media_type}")

    def _query_client(
        self,
        sparql: str,
        base_iri: str | None,
        default_graphs: list[str] | None,
        named_graphs: list[str] | None,
    ) -> SPARQLWrapper:
        client = self._client(self.query_url, _with_base(sparql, base_iri))
        for iri in default_graphs or ():
            if iri != DEFAULT_GRAPH:  # the server's own default graph is its default
                client.addDefaultGraph(iri)
        for iri in named_graphs or ():
            client.addNamedGraph(iri)
        return client

    def graphs(self) -> list[str]:
        solutions = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {OWN} }}")
        return sorted(row["g"].value for row in solutions)  # type: ignore[union-attr]

    def count(self, graph: str | None = None) -> int:
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else f"GRAPH ?g {{ ?s ?p ?o }} {OWN}"
        solutions = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(next(iter(solutions))["n"].value)  # type: ignore[call-overload,index]

    def dump(
        self,
        output: BinaryIO,
        fmt: ox.RdfFormat,
        *,
        graph: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        prefixes = prefixes_for(fmt, prefixes)
        if graph is not None:
            ox.serialize(self._graph_triples(graph), output, fmt, prefixes=prefixes)
        elif fmt.supports_datasets and self.gsp_url:  # graph by graph, as the server keeps them
            quads = (
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
                for name in self.graphs()
                for t in self._graph_triples(name)
            )
            ox.serialize(quads, output, fmt, prefixes=prefixes)
        elif fmt.supports_datasets:
            quads = (ox.Quad(r[0], r[1], r[2], r[3]) for r in self.query(ALL_QUADS))  # type: ignore[union-attr,index]
            ox.serialize(quads, output, fmt, prefixes=prefixes)
        else:  # a triple format gets the union of all graphs, each triple once
            union = self.query(NAMED_UNION_ONCE)
            triples = (ox.Triple(r[0], r[1], r[2]) for r in union)  # type: ignore[union-attr,index]
            ox.serialize(triples, output, fmt, prefixes=prefixes)

    def _graph_triples(self, name: str) -> Iterator[ox.Triple]:
        """A graph's triples, streamed: from the Graph Store Protocol when the server offers
        it, else by a CONSTRUCT."""
        if not self.gsp_url:
            construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            return iter(self.query(construct))  # type: ignore[arg-type]
        url = f"{self.gsp_url}?graph=" + urllib.parse.quote(name, safe="")
        request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
        body = self._open(request)
        return (quad.triple for quad in ox.parse(body, ox.RdfFormat.N_TRIPLES))

    # -- writing ---------------------------------------------------------------------------

    def update(
        self, sparql: str, *, base_iri: str | None = None, expected_generation: int | None = None
    ) -> None:
        client = self._update_client(_with_base(sparql, base_iri))
        with self._state.writing(expected_generation):
            self._send(client).read()

    def load(
        self,
        data: RdfInput,
        fmt: ox.RdfFormat,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        # parsed once whole before anything is sent: a file that does not parse sends nothing
        check_parses(data, fmt, base_iri=base_iri)
        to_graph = ox.NamedNode(graph) if graph else None
        with self._state.writing(), open_input(data) as stream:
            reader = ProgressReader(stream, progress) if progress else stream
            quads = ox.parse(reader, fmt, base_iri=base_iri)
            for batch in _batches(quads, BATCH):
                if to_graph is not None:
                    batch = [ox.Quad(q.subject, q.predicate, q.object, to_graph) for q in batch]
                self._send_batch(batch)

    def clear(self) -> None:
        if graphs := self.graphs():  # in one request: cleared whole or not at all
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{name}>" for name in graphs))

    def reopen(self) -> None:
        pass  # each request is a connection of its own

    def compact(self) -> None:
        pass  # the server keeps its own files

    def close(self) -> None:
        pass

    # -- the wire --------------------------------------------------------------------------

    def _client(self, url: str, text: str) -> SPARQLWrapper:
        """A query, sent as a form: every server reads one (Virtuoso 7 no query body)."""
        client = self._bare_client(url)
        client.setRequestMethod(URLENCODED)
        client.setQuery(text)
        return client

    def _update_client(self, text: str) -> SPARQLWrapper:
        """An update, sent as an application/sparql-update body: as a form, a bulk load's
        megabytes would be percent-encoded in Python, and SPARQLWrapper's guess of the query
        form (regular expressions over the whole text) would take seconds more."""
        if not self.update_url:
            raise StoreError("this remote store is read-only: set KG_UPDATE_URL to write")
        client = self._bare_client(self.update_url)
        client.setRequestMethod(POSTDIRECTLY)
        client.queryString, client.queryType = text, "INSERT"  # any update: to the update URL
        return client

    def _bare_client(self, url: str) -> SPARQLWrapper:
        client = SPARQLWrapper(url)
        client.setMethod(POST)
        client.setOnlyConneg(True)  # Accept alone says the format: no format=… parameters
        client.setTimeout(int(self._timeout))
        for name, value in self._headers.items():
            client.addCustomHttpHeader(name, value)
        return client

    def _send(self, client: SPARQLWrapper) -> BinaryIO:
        """The response body, to read as it arrives."""
        try:
            return client.query().response
        except QueryBadFormed as error:
            raise QuerySyntaxError(_remote_message(error)) from None
        except SPARQLWrapperException as error:
            raise RemoteUnavailableError(
                f"the SPARQL server at {client.endpoint} refused: {_remote_message(error)}"
            ) from None
        except urllib.error.HTTPError as error:  # the statuses SPARQLWrapper does not map
            detail = error.read().decode("utf-8", "replace")[:500]
            raise RemoteUnavailableError(
                f"the SPARQL server at {client.endpoint} refused: {error.code} {detail}"
            ) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            raise RemoteUnavailableError(
                f"the SPARQL server at {client.endpoint} does not answer: {error}"
            ) from None

    def _send_batch(self, quads: list[ox.Quad]) -> None:
        """One batch of a bulk load: through the Graph Store Protocol, one POST per graph, when
        the server offers it and the batch holds few graphs; else one INSERT DATA (a batch
        spread over many small graphs would cost the server a transaction per graph)."""
        by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
        for quad in quads:
            name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            by_graph[name].append(quad.triple)
        if self.gsp_url and len(by_graph) <= GSP_GRAPHS_PER_BATCH:
            for name, triples in by_graph.items():
                target = "default" if not name else "graph=" + urllib.parse.quote(name, safe="")
                self._post(f"{self.gsp_url}?{target}", _n_triples(triples))
            return
        blocks = [
            _n_triples(triples).decode()
            if not name
            else f"GRAPH <{name}> {{\n{_n_triples(triples).decode()}}}"
            for name, triples in by_graph.items()
        ]
        client = self._update_client("INSERT DATA {\n" + "\n".join(blocks) + "}")
        self._send(client).read()

    def _post(self, url: str, body: bytes) -> None:
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/n-triples"}
        )
        with self._open(request) as response:
            response.read()

    def _open(self, request: urllib.request.Request) -> BinaryIO:
        """A Graph Store Protocol request, with the remote's credentials."""
        for name, value in self._headers.items():
            request.add_header(name, value)
        try:
            return urllib.request.urlopen(request, timeout=self._timeout)
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:500]
            raise RemoteUnavailableError(
                f"{request.full_url} refused: {error.code} {detail}"
            ) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            raise RemoteUnavailableError(f"{request.full_url} does not answer: {error}") from None


def _auth_headers(auth: str | None) -> dict[str, str]:
    if not auth:
        return {}
    kind, _, secret = auth.partition(":")
    if kind == "bearer" and secret:
        return {"Authorization": f"Bearer {secret}"}
    if kind == "basic" and ":" in secret:
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    raise StoreError("KG_REMOTE_AUTH must be basic:USER:PASSWORD or bearer:TOKEN")


def _with_base(sparql: str, base_iri: str | None) -> str:
    # a BASE may come first in any prologue, before the query's own prefixes
    return f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql


class _PlainBlankNodes(io.RawIOBase):
    """Virtuoso labels blank nodes ``nodeID://b1``, which is no blank node label: the stream
    is read with ``nodeID-b1`` instead (the label is the server's own, and stays one)."""

    LABEL, PLAIN = b'"nodeID://', b'"nodeID-'

    def __init__(self, stream: BinaryIO) -> None:
        self._stream, self._ready, self._tail = stream, b"", b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self._ready:
            chunk = self._stream.read(64 * 1024)
            if not chunk:
                self._ready, self._tail = self._tail, b""
                break
            replaced = (self._tail + chunk).replace(self.LABEL, self.PLAIN)
            # the last bytes may begin a label that the next chunk ends
            cut = max(0, len(replaced) - len(self.LABEL) + 1)
            self._ready, self._tail = replaced[:cut], replaced[cut:]
        given, self._ready = self._ready[: len(buffer)], self._ready[len(buffer) :]
        buffer[: len(given)] = given
        return len(given)


def _as_query_triples(body: BinaryIO) -> ox.QueryTriples:
    """The server's N-Triples as pyoxigraph's query triples (held in memory meanwhile)."""
    scratch = ox.Store()
    try:
        scratch.load(body, ox.RdfFormat.N_TRIPLES)
    except SyntaxError as error:
        message = f"the SPARQL server sent unreadable triples: {error}"
        raise RemoteUnavailableError(message) from None
    return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")  # type: ignore[return-value]


def _n_triples(triples: list[ox.Triple]) -> bytes:
    """N-Triples, which SPARQL's INSERT DATA reads as they are."""
    body = io.BytesIO()
    ox.serialize(triples, body, ox.RdfFormat.N_TRIPLES)
    return body.getvalue()


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _remote_message(error: Exception) -> str:
    """What the server said, without SPARQLWrapper's wrapping (it quotes the body as bytes)."""
    text = str(error).split("Response:", 1)[-1].strip()
    if text[:2] in ("b'", 'b"'):
        with suppress(ValueError, SyntaxError):
            text = ast.literal_eval(text).decode("utf-8", "replace")
    # Virtuoso repeats the whole request after its message: a bulk load's megabytes
    text = text.split("\nSPARQL query:", 1)[0].strip() or str(error)
    return text if len(text) <= 1000 else text[:1000] + " […]"
