"""An entity's description, as published at its IRI.

It holds the entity's own triples (its concise bounded description: blank nodes it points to
are followed), the links that point at it, the labels of everything it links to, and — for
every one of its facts — the named graph(s), hence the source(s), that assert it: each fact is
also an ``rdf:Statement`` with ``pkg:assertedIn`` its graphs, and each graph says what source it
was derived from. Reification keeps that provenance in every RDF syntax, so the Turtle, JSON-LD,
N-Triples and RDF/XML descriptions of an entity are the same graph.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from kg.namespaces import Namespaces
from kg.store import Store

PROV = Namespace("http://www.w3.org/ns/prov#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# The blank nodes an entity points to, three levels deep (enough for OWL unions of lists).
_BLANK_CLOSURE = """CONSTRUCT { ?b1 ?p1 ?o1 . ?o1 ?p2 ?o2 . ?o2 ?p3 ?o3 } WHERE {
  <%s> ?p0 ?b1 . FILTER (isBlank(?b1)) ?b1 ?p1 ?o1 .
  OPTIONAL { FILTER (isBlank(?o1)) ?o1 ?p2 ?o2 .
             OPTIONAL { FILTER (isBlank(?o2)) ?o2 ?p3 ?o3 } } }"""


def facts(store: Store, iri: str) -> dict[tuple[Node, Node, Node], set[str]]:
    """Each triple about ``iri`` (as subject or object) and the graphs that assert it."""
    found: dict[tuple[Node, Node, Node], set[str]] = defaultdict(set)
    for triple, graphs in stored_facts(store, iri).items():
        found[tuple(map(to_rdflib, triple))] |= graphs  # type: ignore[index]
    return found


def stored_facts(store: Store, iri: str) -> dict[tuple, set[str]]:
    """``facts`` in the store's own terms (a page reads them as they are: making rdflib terms
    of them took a tenth of an agency page's time)."""
    found: dict[tuple, set[str]] = defaultdict(set)
    subject = ox.NamedNode(iri)
    for row in store.query(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"):
        found[(subject, row["p"], row["o"])].add(row["g"].value)
    for row in store.query(f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} }}"):
        found[(row["s"], row["p"], subject)].add(row["g"].value)
    return found


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI (a path can make one that is not: a space, a
    private-use character)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def describe(store: Store, ns: Namespaces, iri: str) -> Graph | None:
    """The description of ``iri``; None when the store says nothing of it."""
    asserted = facts(store, iri)
    if not asserted:
        return None
    graph = Graph()
    for prefix, namespace in ns.prefixes.items():
        graph.bind(prefix, namespace)
    for triple in store.query(_BLANK_CLOSURE % iri):
        graph.add(tuple(to_rdflib(term) for term in triple))  # type: ignore[arg-type]
    assertion = URIRef(ns.pkg + "assertedIn")
    graphs: set[str] = set()
    for (s, p, o), sources in asserted.items():
        graph.add((s, p, o))
        statement = BNode()
        graph.add((statement, RDF.type, RDF.Statement))
        graph.add((statement, RDF.subject, s))
        graph.add((statement, RDF.predicate, p))
        graph.add((statement, RDF.object, o))
        for name in sources:
            graph.add((statement, assertion, URIRef(name)))
        graphs |= sources
    linked = {term for (s, _p, o) in asserted for term in (s, o) if isinstance(term, URIRef)}
    _add_labels(store, graph, linked | {URIRef(g) for g in graphs})
    _add_sources(store, graph, graphs)
    return graph


def _add_labels(store: Store, graph: Graph, nodes: set[URIRef]) -> None:
    if not nodes:
        return
    values = " ".join(f"<{node}>" for node in nodes)
    query = f"""SELECT DISTINCT ?x ?p ?label WHERE {{
        VALUES ?x {{ {values} }} VALUES ?p {{ <{RDFS_LABEL}> <{SKOS.prefLabel}> }}
        ?x ?p ?label }}"""
    for row in store.query(query):
        graph.add((to_rdflib(row["x"]), to_rdflib(row["p"]), to_rdflib(row["label"])))


def _add_sources(store: Store, graph: Graph, graphs: set[str]) -> None:
    """Each graph's source, with its title and key (S1…)."""
    if not graphs:
        return
    values = " ".join(f"<{name}>" for name in graphs)
    query = f"""SELECT DISTINCT ?g ?source ?label ?key WHERE {{ VALUES ?g {{ {values} }}
        ?g <{PROV.wasDerivedFrom}> ?source .
        OPTIONAL {{ ?source <{RDFS_LABEL}> ?label }}
        OPTIONAL {{ ?source <{SKOS.notation}> ?key }} }}"""
    for row in store.query(query):
        source = to_rdflib(row["source"])
        graph.add((to_rdflib(row["g"]), PROV.wasDerivedFrom, source))
        if row["label"] is not None:
            graph.add((source, RDFS_LABEL, to_rdflib(row["label"])))
        if row["key"] is not None:
            graph.add((source, SKOS.notation, to_rdflib(row["key"])))


def to_rdflib(term) -> Node:
    """A pyoxigraph term as an rdflib term; a stored blank node keeps its name across queries."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:  # a simple literal, as every syntax reads it back
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))
