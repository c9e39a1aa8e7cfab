"""The SPARQL 1.1 Graph Store HTTP Protocol's operations, through the validation gate.

A graph is named by an IRI, or is the store's own default graph (``None``). Reading returns
it as an rdflib graph; PUT replaces its triples, POST adds to them, DELETE drops the graph —
each write validated as a change to the whole graph and applied in one update.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

from kg.namespaces import Namespaces
from kg.service.write.gate import Triple
from kg.service.write.updates import Change, gated_change, graph_quads
from kg.service.write.validation import ValidationReport
from kg.store import Store


class NoSuchGraphError(LookupError):
    """The store has no graph of that name."""


def _target(graph: str | None):
    return "DEFAULT" if graph is None else URIRef(graph)


def exists(store: Store, graph: str | None) -> bool:
    return graph is None or graph in store.graphs()


def read(store: Store, graph: str | None) -> Graph:
    if not exists(store, graph):
        raise NoSuchGraphError(f"no graph <{graph}>")
    document = Graph()
    for quad in graph_quads(store, _target(graph)):
        document.add(quad[:3])
    return document


def replace(store: Store, ns: Namespaces, graph: str | None, triples: list[Triple]) -> bool:
    """PUT: the graph holds exactly ``triples``; True if it is new."""
    generation, created = store.generation, not exists(store, graph)
    name = None if graph is None else URIRef(graph)
    old = set(graph_quads(store, _target(graph))) if not created else set()
    new = {(s, p, o, name) for s, p, o in triples}
    gated_change(store, ns, Change(new - old, old - new), generation=generation)
    return created and bool(new)  # an empty PUT leaves no graph behind


def add(store: Store, ns: Namespaces, graph: str | None, triples: list[Triple]) -> bool:
    """POST: ``triples`` join the graph; True if it is new."""
    generation, created = store.generation, not exists(store, graph)
    name = None if graph is None else URIRef(graph)
    gated_change(store, ns, Change({(s, p, o, name) for s, p, o in triples}), generation=generation)
    return created and bool(triples)


def drop(store: Store, ns: Namespaces, graph: str | None) -> ValidationReport:
    """DELETE: the graph and its triples go."""
    if not exists(store, graph):
        raise NoSuchGraphError(f"no graph <{graph}>")
    generation = store.generation
    target = _target(graph)
    change = Change(removed=set(graph_quads(store, target)), drops=[target])
    return gated_change(store, ns, change, generation=generation)
