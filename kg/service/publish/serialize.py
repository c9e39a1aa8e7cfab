"""rdflib graphs as documents: the RDF syntaxes pages and descriptions are published in,
and the JSON-LD context that makes PolicyKG's JSON-LD read as plain JSON."""

from __future__ import annotations

from rdflib import Graph

from kg.namespaces import Namespaces

# media type → rdflib serializer; the extension of the document at its own URL
DOCUMENT_FORMATS = {
    "text/turtle": ("turtle", ".ttl"),
    "application/ld+json": ("json-ld", ".jsonld"),
    "application/n-triples": ("nt", ".nt"),
    "application/rdf+xml": ("xml", ".rdf"),
}

# Short keys for the properties people read most; the prefixes cover every other term.
_TERMS = {
    "label": "rdfs:label",
    "type": "@type",
    "id": "@id",
    "name": "schema:alternateName",
    "text": "schema:text",
    "date": "dct:date",
    "title": "dct:title",
    "issued": "dct:issued",
    "speaker": ("pkg:speaker", "@id"),
    "about": ("pkg:about", "@id"),
    "reportedBy": ("pkg:reportedBy", "@id"),
    "issuedBy": ("pkg:issuedBy", "@id"),
    "jurisdiction": ("pkg:jurisdiction", "@id"),
    "action": ("odrl:action", "@id"),
    "condition": "pkg:condition",
    "prohibition": ("odrl:prohibition", "@id"),
    "permission": ("odrl:permission", "@id"),
    "obligation": ("odrl:obligation", "@id"),
    "assertedIn": ("pkg:assertedIn", "@id"),
    "derivedFrom": ("prov:wasDerivedFrom", "@id"),
}


def jsonld_context(ns: Namespaces) -> dict:
    context: dict = dict(ns.prefixes)
    for key, term in _TERMS.items():
        context[key] = {"@id": term[0], "@type": term[1]} if isinstance(term, tuple) else term
    return context


def serialize(graph: Graph, media_type: str, ns: Namespaces) -> bytes:
    name, _extension = DOCUMENT_FORMATS[media_type]
    if name == "json-ld":
        return graph.serialize(
            format=name, context=jsonld_context(ns), auto_compact=True, encoding="utf-8"
        )
    return graph.serialize(format=name, encoding="utf-8")
