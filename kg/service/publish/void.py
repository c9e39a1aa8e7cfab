"""The dataset describing itself in VoID (https://www.w3.org/TR/void/)."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID, XSD

from kg.namespaces import Namespaces
from kg.service.publish.export import DUMPS
from kg.service.query.queries import select_rows
from kg.store import Store

PROV = Namespace("http://www.w3.org/ns/prov#")
LICENSE = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")


_computed: dict[tuple[int, str, str], Graph] = {}


def void_description(store: Store, ns: Namespaces, server: str) -> Graph:
    """VoID of the whole graph; ``server`` is the address the server is reached at.

    Counting a large graph takes a while: the answer is kept until the store changes."""
    key = (store.generation, ns.base, server)
    if key not in _computed:
        _computed.clear()
        _computed[key] = _describe(store, ns, server)
    return _computed[key]


def _describe(store: Store, ns: Namespaces, server: str) -> Graph:
    graph = Graph()
    for prefix, namespace in (("void", VOID), ("dct", DCTERMS), ("prov", PROV), ("foaf", FOAF)):
        graph.bind(prefix, namespace)
    dataset = URIRef(f"{server}/.well-known/void#policykg")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("PolicyKG", lang="en")))
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "Who enforces immigration law in the United States, under which policies, and who "
                "said what about it; every fact in the named graph of the source that reports it.",
                lang="en",
            ),
        )
    )
    graph.add((dataset, DCTERMS.license, LICENSE))
    graph.add((dataset, DCTERMS.publisher, Literal("PolicyKG contributors")))
    graph.add((dataset, FOAF.homepage, URIRef(server + "/")))
    graph.add((dataset, VOID.uriSpace, Literal(ns.base)))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(server + "/sparql")))
    graph.add((dataset, VOID.vocabulary, URIRef(ns.pkg)))
    for extension in DUMPS:
        graph.add((dataset, VOID.dataDump, URIRef(f"{server}/dumps/policykg.{extension}")))
    triples = select_rows(
        store,
        ns,
        """SELECT (COUNT(*) AS ?n) WHERE {
        SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }""",
    )[0]["n"]
    graph.add((dataset, VOID.triples, Literal(int(triples), datatype=XSD.integer)))
    entities = select_rows(
        store,
        ns,
        f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
        ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{ns.base}")) }}""",
    )[0]["n"]
    graph.add((dataset, VOID.entities, Literal(int(entities), datatype=XSD.integer)))
    for row in select_rows(
        store,
        ns,
        """SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
            WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class""",
    ):
        _partition(
            graph,
            dataset,
            VOID.classPartition,
            VOID["class"],
            row["class"],
            VOID.entities,
            row["n"],
        )
    for row in select_rows(
        store,
        ns,
        """SELECT ?property (COUNT(*) AS ?n) WHERE {
            SELECT DISTINCT ?s ?property ?o WHERE { ?s ?property ?o } } GROUP BY ?property
            ORDER BY ?property""",
    ):
        _partition(
            graph,
            dataset,
            VOID.propertyPartition,
            VOID.property,
            row["property"],
            VOID.triples,
            row["n"],
        )
    for row in select_rows(
        store,
        ns,
        """SELECT ?g ?source (COUNT(*) AS ?n) WHERE {
            ?g a pkg:SourceGraph ; prov:wasDerivedFrom ?source . GRAPH ?g { ?s ?p ?o } }
            GROUP BY ?g ?source ORDER BY ?g""",
    ):
        subset = URIRef(row["g"])
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, VOID.triples, Literal(int(row["n"]), datatype=XSD.integer)))
        graph.add((subset, PROV.wasDerivedFrom, URIRef(row["source"])))
        graph.add((dataset, DCTERMS.source, URIRef(row["source"])))
    return graph


def _partition(
    graph: Graph,
    dataset: URIRef,
    link: URIRef,
    kind: URIRef,
    value: str,
    measure: URIRef,
    count: str,
) -> None:
    partition = BNode()
    graph.add((dataset, link, partition))
    graph.add((partition, kind, URIRef(value)))
    graph.add((partition, measure, Literal(int(count), datatype=XSD.integer)))
