"""The embedded store: an on-disk Oxigraph database opened in this process (pyoxigraph)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.rdfio import RdfInput, open_input, parse_error
from kg.store import (
    ProgressCallback,
    QueryResult,
    QuerySyntaxError,
    StoreError,
    StoreLockedError,
)

_READ_CHUNK = 1 << 20


class EmbeddedStore:
    """Oxigraph on disk (or in memory when ``path`` is None)."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLockedError(
                    f"the store at {path} is open in another process (a running `kg serve`?); "
                    "stop it or point --store elsewhere"
                ) from error
            raise StoreError(f"cannot open the store at {path}: {error}") from error

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        options: dict = {"base_iri": base_iri}
        if default_graphs is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
        if named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
        try:
            return self._store.query(sparql, **options)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except ValueError as error:  # an IRI in the dataset description that is not an IRI
            raise QuerySyntaxError(str(error)) from None

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            self._store.update(sparql, base_iri=base_iri)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None

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
        stream = open_input(data)
        try:
            reader = _ProgressReader(stream, progress) if progress else stream
            self._store.bulk_load(reader, fmt, base_iri=base_iri, to_graph=to_graph)
        except (SyntaxError, ValueError) as error:
            raise parse_error(error, data) from None
        finally:
            stream.close()

    def dump(
        self,
        output: BinaryIO,
        fmt: ox.RdfFormat,
        *,
        graph: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        options: dict = {}
        if graph is not None:
            options["from_graph"] = ox.NamedNode(graph)
        elif not fmt.supports_datasets:
            # A triple format gets the union of all graphs, as queries see it.
            union = self._store.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
                use_default_graph_as_union=True,
            )
            ox.serialize(union, output, fmt, prefixes=_useful(prefixes, fmt))
            return
        self._store.dump(output, fmt, prefixes=_useful(prefixes, fmt), **options)

    def graphs(self) -> list[str]:
        return sorted(
            node.value for node in self._store.named_graphs() if isinstance(node, ox.NamedNode)
        )

    def count(self, graph: str | None = None) -> int:
        if graph is None:  # every quad, those of the default graph included
            return len(self._store)
        solutions = self._store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        )
        return int(next(iter(solutions))["n"].value)

    def clear(self) -> None:
        self._store.clear()

    def close(self) -> None:
        self._store.flush()


class _ProgressReader(io.RawIOBase):
    """Reports every chunk read, so long loads can show progress."""

    def __init__(self, stream: BinaryIO, progress: ProgressCallback) -> None:
        self._stream, self._progress = stream, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self._stream.read(min(len(buffer), _READ_CHUNK))
        buffer[: len(chunk)] = chunk
        self._progress(len(chunk))
        return len(chunk)


def _useful(prefixes: dict[str, str] | None, fmt: ox.RdfFormat) -> dict[str, str] | None:
    """Prefixes only where the format has them (pyoxigraph rejects them elsewhere)."""
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return prefixes
    return None
