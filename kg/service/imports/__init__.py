"""Importing public datasets: each publication into a named graph of its own, described in the
metadata graph, with its agencies reconciled to one node per agency.

The importers build N-Quads and write them in one atomic step: an import lands whole or not at
all, and importing the same publication again replaces its graph in the same step.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.namespaces import Namespaces
from kg.store import Store

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@dataclass
class ImportReport:
    """What an import of the FBI's roster read, wrote and could not reconcile (ICE's
    publications: kg.service.imports.history.HistoryReport)."""

    publication: str
    graph: str
    rows: int = 0
    blank: int = 0
    written: int = 0
    quads: int = 0
    reconciliation: Counter = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list = field(default_factory=list)  # files not imported (none: a roster is one file)

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.reconciliation.items()))
        lines = [
            f"{self.publication} → {self.graph}",
            f"  rows read: {self.rows:,} ({self.blank:,} blank, skipped)",
            f"  agencies written: {self.written:,} ({self.quads:,} quads)",
            f"  agencies: {counts or 'none'}",
        ]
        if self.unreadable:
            lines.append(
                f"  values kept as given (unreadable): {len(self.unreadable)}: "
                + "; ".join(self.unreadable[:10])
            )
        lines += [f"  {note}" for note in self.notes]
        return lines


class Quads:
    """N-Quads written into one graph; each term escaped as N-Triples requires."""

    def __init__(self, graph: str) -> None:
        self.graph = graph
        self.lines: list[str] = []

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.lines.append(f"<{subject}> <{predicate}> {obj} <{self.graph}> .\n")

    def data(self) -> bytes:
        return "".join(self.lines).encode("utf-8")


def iri(value: str) -> str:
    return f"<{value}>"


def text(value: str, lang: str | None = "en") -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def slug(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def describe_publication(
    quads: Quads,
    ns: Namespaces,
    *,
    graph: str,
    source: str,
    series: str,
    series_label: str,
    title: str,
    publisher: str,
    issued: str,
    file: str,
    rows: int,
    blank: int,
    address: str | None = None,
    key: str | None = None,
) -> None:
    """The publication (a pkg:Dataset, a version of its series) and its ``graph``, written into
    the metadata graph (``quads``): where every imported fact comes from."""
    quads.add(graph, RDF_TYPE, iri(ns.pkg + "SourceGraph"))
    quads.add(graph, RDFS_LABEL, text(f"Facts of {title}"))
    quads.add(graph, PROV + "wasDerivedFrom", iri(source))
    quads.add(source, RDF_TYPE, iri(ns.pkg + "Dataset"))
    quads.add(source, RDFS_LABEL, text(title))
    if key:  # the short name pages cite it by, as S1… for the seed's sources
        quads.add(source, SKOS + "notation", text(key, None))
    quads.add(source, DCT + "title", text(title))
    quads.add(source, DCT + "publisher", iri(publisher))
    quads.add(source, DCT + "issued", typed(issued, "date"))
    quads.add(source, DCT + "isVersionOf", iri(series))
    quads.add(source, ns.pkg + "file", text(file, None))
    quads.add(source, ns.pkg + "rows", typed(str(rows), "integer"))
    quads.add(source, ns.pkg + "blankRows", typed(str(blank), "integer"))
    if address:
        quads.add(source, SCHEMA + "url", iri(address))
    quads.add(series, RDF_TYPE, iri(ns.pkg + "DatasetSeries"))
    quads.add(series, RDFS_LABEL, text(series_label))


def replace_graphs(
    store: Store, ns: Namespaces, graphs: list[str], sources: list[str], data: bytes
) -> None:
    """Writes ``data``, the N-Quads of ``graphs`` and of their ``sources``' descriptions in the
    metadata graph: new, in one bulk load (the faster); in place of an earlier import of any of
    them, in one update that drops the old and inserts the new, so that a crash between the
    two cannot leave neither."""
    if not set(graphs) & set(store.graphs()):
        store.load(data, ox.RdfFormat.N_QUADS)
        return
    drops = " ;\n".join(
        f"DROP SILENT GRAPH <{graph}> ; "
        f"DELETE WHERE {{ GRAPH <{ns.meta_graph}> {{ <{graph}> ?p ?o }} }}"
        for graph in graphs
    )
    forget = " ;\n".join(
        f"DELETE WHERE {{ GRAPH <{ns.meta_graph}> {{ <{source}> ?p ?o }} }}" for source in sources
    )
    store.update(f"{drops} ;\n{forget} ;\nINSERT DATA {{ {_graph_blocks(data)} }}")


def _graph_blocks(data: bytes) -> str:
    """N-Quads (all in named graphs) as the GRAPH blocks of an INSERT DATA."""
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(data, ox.RdfFormat.N_QUADS):
        by_graph.setdefault(str(quad.graph_name), []).append(quad.triple)
    return "\n".join(
        f"GRAPH {name} {{ {ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()} }}"
        for name, triples in by_graph.items()
    )
