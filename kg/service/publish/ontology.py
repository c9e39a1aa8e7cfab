"""The ontology as a document, and its classes and properties as a page lists them."""

from __future__ import annotations

import io

from pyoxigraph import RdfFormat
from rdflib import Graph

from kg.namespaces import Namespaces
from kg.store import Store


def ontology_graph(store: Store, ns: Namespaces) -> Graph:
    """The ontology's own named graph, as published at its namespace IRI."""
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_TRIPLES, graph=ns.iri("graph/ontology"))
    graph = Graph().parse(data=buffer.getvalue(), format="nt")
    for prefix, namespace in ns.prefixes.items():
        graph.bind(prefix, namespace)
    return graph


def ontology_terms(store: Store, ns: Namespaces) -> dict[str, list[dict]]:
    """Classes and properties the ontology defines: label, definition, and how they relate."""
    query = (
        ns.sparql_prologue()
        + """
    SELECT ?term ?kind ?label ?definition
           (GROUP_CONCAT(DISTINCT ?parent; separator=" ") AS ?parents)
           (GROUP_CONCAT(DISTINCT ?domain; separator=" ") AS ?domains)
           (GROUP_CONCAT(DISTINCT ?range; separator=" ") AS ?ranges)
    WHERE {
      VALUES (?type ?kind) { (owl:Class "class") (owl:ObjectProperty "property")
                             (owl:DatatypeProperty "property") }
      ?term a ?type ; rdfs:isDefinedBy pkg: ; rdfs:label ?label .
      OPTIONAL { ?term skos:definition ?definition }
      OPTIONAL { ?term rdfs:subClassOf|rdfs:subPropertyOf ?parent FILTER isIRI(?parent) }
      OPTIONAL { ?term rdfs:domain ?domain FILTER isIRI(?domain) }
      OPTIONAL { ?term rdfs:range ?range FILTER isIRI(?range) }
    } GROUP BY ?term ?kind ?label ?definition ORDER BY ?kind ?label"""
    )
    query = query.replace("rdfs:isDefinedBy pkg:", f"rdfs:isDefinedBy <{ns.ontology}>")
    terms: dict[str, list[dict]] = {"class": [], "property": []}
    for row in store.query(query):
        entry = {
            "iri": row["term"].value,
            "name": ns.compact(row["term"].value),
            "label": row["label"].value,
            "definition": row["definition"].value if row["definition"] else "",
        }
        for key in ("parents", "domains", "ranges"):
            entry[key] = [ns.compact(iri) for iri in (row[key].value.split() if row[key] else [])]
        terms[row["kind"].value].append(entry)
    return terms
