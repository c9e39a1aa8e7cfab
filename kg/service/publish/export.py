"""Writing the store out: dumps in every RDF format, and the union graph for rdflib tools."""

from __future__ import annotations

import io
from typing import BinaryIO

from pyoxigraph import RdfFormat
from rdflib import Dataset, Graph

from kg.namespaces import Namespaces
from kg.store import Store

# The dumps published at /dumps/policykg.EXT: quad formats keep the named graphs (and so
# every fact's source); Turtle and N-Triples hold the union of the graphs.
DUMPS: dict[str, tuple[RdfFormat, str]] = {
    "nq": (RdfFormat.N_QUADS, "application/n-quads"),
    "trig": (RdfFormat.TRIG, "application/trig"),
    "jsonld": (RdfFormat.JSON_LD, "application/ld+json"),
    "ttl": (RdfFormat.TURTLE, "text/turtle"),
    "nt": (RdfFormat.N_TRIPLES, "application/n-triples"),
}


def export(
    store: Store, output: BinaryIO, fmt: RdfFormat, ns: Namespaces, *, graph: str | None = None
) -> None:
    """Quad formats get every named graph; triple formats the union (or ``graph`` alone)."""
    store.dump(output, fmt, graph=graph, prefixes=ns.prefixes)


def store_dataset(store: Store) -> Dataset:
    """The store's graphs as an rdflib Dataset whose default graph is their union (for pySHACL:
    the shapes read the union, and what holds per source reads each graph)."""
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_QUADS)
    dataset = Dataset(default_union=True)
    dataset.parse(data=buffer.getvalue(), format="nquads")
    return dataset


def union_graph(store: Store) -> Graph:
    """The union of the store's graphs as an rdflib Graph (for pySHACL)."""
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_TRIPLES)
    graph = Graph()
    graph.parse(data=buffer.getvalue(), format="nt")
    return graph
