"""Contributions: facts added through the validation gate, whole or not at all.

A contribution is parsed, checked against the whole graph (by the gate), and committed in one
update into a named graph of its own, with its record in the metadata graph: who, when, from
which source, how many triples, the hash of its content. Withdrawing it drops its graph and
records who withdrew it and when; the record itself stays.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS, VOID, XSD
from rdflib.term import Node

from kg.namespaces import Namespaces, is_iri
from kg.rdfio import ParseError, parse_error
from kg.service.publish.describe import to_rdflib
from kg.service.publish.serialize import jsonld_context
from kg.service.query.queries import select_rows
from kg.service.write.gate import Triple, subclasses, validate_change, vocabulary_kept
from kg.service.write.validation import ValidationReport
from kg.store import Store, StoreConflictError

PROV = Namespace("http://www.w3.org/ns/prov#")
PAYLOAD_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
PER_PAGE = 50
ATTEMPTS = 5  # validations of one contribution while other writes keep landing
Provenance = Callable[[str], list[Triple]]  # a contribution's graph → more of its record


class ContributionError(ValueError):
    """A contribution that cannot be considered: no source, nothing in it, unknown id."""


class RefusedError(Exception):
    """A change the shapes refuse; carries the report."""

    def __init__(self, report: ValidationReport, message: str) -> None:
        super().__init__(message)
        self.report = report


class AlreadyContributedError(Exception):
    """The same content was contributed before."""


class WithdrawnError(Exception):
    """The contribution was withdrawn already."""


@dataclass
class Outcome:
    id: str
    graph: str
    source: str
    contributor: str
    triples: int
    content_hash: str
    created: str
    report: ValidationReport
    committed: bool

    def summary(self) -> dict:
        return {
            "id": self.id,
            "graph": self.graph,
            "source": self.source,
            "contributor": self.contributor,
            "triples": self.triples,
            "contentHash": self.content_hash,
            "created": self.created,
            "committed": self.committed,
            "warnings": [
                {"focus": w.focus, "path": w.path, "message": w.message}
                for w in self.report.warnings
            ],
        }


def parse_payload(body: bytes, fmt: ox.RdfFormat, ns: Namespaces) -> list[Triple]:
    """The triples of a contribution (named graphs in a TriG body are merged)."""
    if fmt == ox.RdfFormat.JSON_LD:
        body = _with_known_context(body, ns)
    try:
        quads = list(ox.parse(body, fmt, base_iri=ns.base))
    except (SyntaxError, ValueError) as error:
        raise parse_error(error, body) from None
    triples = list(
        dict.fromkeys(
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in quads
        )
    )
    return triples


def _with_known_context(body: bytes, ns: Namespaces) -> bytes:
    """Puts the PolicyKG context in place of a reference to it: the server fetches no URL."""
    try:
        document = json.loads(body)
    except ValueError as error:
        raise ParseError(
            f"not JSON: {error}",
            line=getattr(error, "lineno", None),
            column=getattr(error, "colno", None),
        ) from None

    def resolve(node):
        if isinstance(node, dict):
            context = node.get("@context")
            if isinstance(context, str):
                if not context.endswith("context.jsonld"):
                    raise ParseError(
                        f"remote @context {context!r} is not fetched: embed it, or "
                        "use the PolicyKG context (/context.jsonld)"
                    )
                node["@context"] = jsonld_context(ns)
            for value in node.values():
                resolve(value)
        elif isinstance(node, list):
            for value in node:
                resolve(value)

    resolve(document)
    return json.dumps(document).encode("utf-8")


def contribute(
    store: Store,
    ns: Namespaces,
    triples: list[Triple],
    *,
    contributor: str,
    source: str | None = None,
    dry_run: bool = False,
    provenance: Provenance | None = None,
) -> Outcome:
    """Validates the contribution against the whole graph and commits it in one update.

    If another write lands between the validation and the commit, the contribution is
    validated again against the new graph rather than committed blind; the last time with
    every other writer held off, so that a steady stream of writes cannot starve it.
    ``provenance`` adds to its record (the proposal it was admitted from, say), given the
    contribution's graph. Raises ContributionError (unusable), RefusedError (violations) or
    AlreadyContributedError."""
    if not triples:
        raise ContributionError("the contribution holds no triples")
    attempt = functools.partial(
        _contribute_once, store, ns, triples, contributor, source, dry_run, provenance
    )
    for _ in range(ATTEMPTS - 1):
        with suppress(StoreConflictError):
            return attempt()
    with store.exclusive():  # the last try: no other write can land before its commit
        return attempt()


def _contribute_once(
    store: Store,
    ns: Namespaces,
    triples: list[Triple],
    contributor: str,
    source: str | None,
    dry_run: bool,
    provenance: Provenance | None,
) -> Outcome:
    generation = store.generation
    source = _source(store, ns, triples, source)
    digest = content_hash(triples)
    identifier = digest[:16]
    graph = ns.iri(f"graph/contribution/{identifier}")
    if _recorded(store, ns, graph):
        raise AlreadyContributedError(
            f"the same content was contributed before, as {identifier} (withdrawn ones keep "
            "their record: change the content to contribute it again)"
        )
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = _record(ns, graph, source, contributor, len(triples), digest, created)
    record += provenance(graph) if provenance else []
    report = validate_change(store, ns, set(triples) | set(record))
    if not report.conforms:
        raise RefusedError(report, f"the contribution breaks {len(report.violations)} rule(s)")
    outcome = Outcome(
        identifier,
        graph,
        source,
        contributor,
        len(triples),
        f"sha256:{digest}",
        created,
        report,
        committed=not dry_run,
    )
    if not dry_run:
        store.update(
            f"INSERT DATA {{ GRAPH <{graph}> {{ {ntriples(triples)} }}\n"
            f"GRAPH <{ns.meta_graph}> {{ {ntriples(record)} }} }}",
            expected_generation=generation,
        )
        vocabulary_kept(ns, generation, generation + 1)  # a write moves it by one
    return outcome


def withdraw(store: Store, ns: Namespaces, identifier: str, *, contributor: str) -> dict:
    """Drops the contribution's graph (if the graph stays valid without it); keeps its record."""
    generation = store.generation
    entry = contribution(store, ns, identifier)
    if entry["withdrawn"]:
        raise WithdrawnError(f"contribution {identifier} was withdrawn on {entry['withdrawn']}")
    graph = entry["graph"]
    own = _graph_triples(store, graph)
    elsewhere = set(_triples_elsewhere(store, graph))
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    withdrawal = URIRef(graph + "#withdrawal")
    agent = contributor_iri(ns, contributor)
    record = [
        (URIRef(graph), PROV.invalidatedAtTime, Literal(when, datatype=XSD.dateTime)),
        (URIRef(graph), PROV.wasInvalidatedBy, withdrawal),
        (withdrawal, RDF.type, URIRef(ns.pkg + "Withdrawal")),
        (withdrawal, RDFS.label, Literal(f"Withdrawal of contribution {identifier}", lang="en")),
        (withdrawal, PROV.wasAssociatedWith, agent),
        (withdrawal, PROV.atTime, Literal(when, datatype=XSD.dateTime)),
        (agent, RDF.type, URIRef(ns.pkg + "Contributor")),
        (agent, RDFS.label, Literal(contributor)),
    ]
    report = validate_change(store, ns, record, [t for t in own if t not in elsewhere])
    if not report.conforms:
        raise RefusedError(report, "withdrawing it would leave the graph invalid")
    store.update(
        f"DROP SILENT GRAPH <{graph}> ;\n"
        f"INSERT DATA {{ GRAPH <{ns.meta_graph}> {{ {ntriples(record)} }} }}",
        expected_generation=generation,
    )
    return {"id": identifier, "withdrawn": when, "by": contributor}


def contributions(store: Store, ns: Namespaces, page: int = 1) -> dict:
    offset = (max(1, page) - 1) * PER_PAGE
    rows = select_rows(
        store,
        ns,
        f"""
        SELECT ?graph ?source ?contributor ?created ?triples ?withdrawn WHERE {{
          GRAPH <{ns.meta_graph}> {{
            ?graph a pkg:Contribution ; prov:wasDerivedFrom ?source ;
                   prov:wasAttributedTo/rdfs:label ?contributor ; prov:generatedAtTime ?created ;
                   void:triples ?triples .
            OPTIONAL {{ ?graph prov:invalidatedAtTime ?withdrawn }} }}
        }} ORDER BY DESC(?created) ?graph LIMIT {PER_PAGE + 1} OFFSET {offset}""",
    )
    items = [_entry(row, ns) for row in rows[:PER_PAGE]]
    return {"page": page, "items": items, "next": page + 1 if len(rows) > PER_PAGE else None}


def contribution(store: Store, ns: Namespaces, identifier: str) -> dict:
    if not identifier.isalnum():
        raise ContributionError(f"no contribution {identifier!r}")
    graph = ns.iri(f"graph/contribution/{identifier}")
    rows = select_rows(
        store,
        ns,
        f"""
        SELECT ?graph ?source ?contributor ?created ?triples ?hash ?withdrawn ?withdrawer WHERE {{
          BIND (<{graph}> AS ?graph)
          GRAPH <{ns.meta_graph}> {{
            ?graph a pkg:Contribution ; prov:wasDerivedFrom ?source ;
                   prov:wasAttributedTo/rdfs:label ?contributor ; prov:generatedAtTime ?created ;
                   void:triples ?triples ; pkg:contentHash ?hash .
            OPTIONAL {{ ?graph prov:invalidatedAtTime ?withdrawn ;
                        prov:wasInvalidatedBy/prov:wasAssociatedWith/rdfs:label ?withdrawer }} }}
        }} LIMIT 1""",
    )
    if not rows:
        raise ContributionError(f"no contribution {identifier!r}")
    return _entry(rows[0], ns)


def contribution_document(
    store: Store, ns: Namespaces, identifier: str, fmt: ox.RdfFormat
) -> bytes:
    """The contribution's triples in its graph, and its record in the metadata graph, as a
    document in a quad format (TriG, N-Quads, JSON-LD)."""
    return ox.serialize(_contribution_quads(store, ns, identifier), format=fmt)


def _contribution_quads(store: Store, ns: Namespaces, identifier: str) -> list[ox.Quad]:
    graph = contribution(store, ns, identifier)["graph"]
    query = f"""SELECT ?s ?p ?o ?g WHERE {{
        {{ GRAPH <{graph}> {{ ?s ?p ?o }} BIND (<{graph}> AS ?g) }} UNION
        {{ GRAPH <{ns.meta_graph}> {{ ?s ?p ?o }} BIND (<{ns.meta_graph}> AS ?g)
           FILTER (?s = <{graph}> || STRSTARTS(STR(?s), "{graph}#")) }} }}"""
    return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in store.query(query)]


def _entry(row: dict, ns: Namespaces) -> dict:
    entry = {"id": row["graph"].rsplit("/", 1)[-1], **row}
    entry["triples"] = int(row["triples"])
    entry["withdrawn"] = row.get("withdrawn")
    return entry


def _recorded(store: Store, ns: Namespaces, graph: str) -> bool:
    return bool(store.query(f"ASK {{ GRAPH <{ns.meta_graph}> {{ <{graph}> ?p ?o }} }}"))


def _source(store: Store, ns: Namespaces, triples: list[Triple], given: str | None) -> str:
    """The contribution's source: the one named, else the one the contribution describes."""
    source_types = subclasses(store, ns, ns.pkg + "Source")
    if given:
        if not is_iri(given):
            raise ContributionError(f"source must be an absolute IRI: {given!r}")
        rows = select_rows(store, ns, f"SELECT ?type WHERE {{ <{given}> a ?type }}")
        types = {row["type"] for row in rows}
        types |= {str(o) for s, p, o in triples if str(s) == given and p == RDF.type}
        if not types & source_types:
            raise ContributionError(
                f"{given} is not a source (a pkg:Source) in the graph or in the contribution"
            )
        return given
    described = sorted({str(s) for s, p, o in triples if p == RDF.type and str(o) in source_types})
    if len(described) == 1:
        return described[0]
    if not described:
        raise ContributionError(
            "a contribution names its source: add ?source=IRI (a source in "
            "the graph) or describe the source in the contribution"
        )
    raise ContributionError(
        "the contribution describes several sources; name its own with "
        f"?source=IRI (one of {', '.join(described)})"
    )


def _record(
    ns: Namespaces,
    graph: str,
    source: str,
    contributor: str,
    triples: int,
    digest: str,
    created: str,
) -> list[Triple]:
    node, agent = URIRef(graph), contributor_iri(ns, contributor)
    return [
        (node, RDF.type, URIRef(ns.pkg + "Contribution")),
        (node, RDFS.label, Literal(f"Contribution {digest[:16]}", lang="en")),
        (node, PROV.wasDerivedFrom, URIRef(source)),
        (node, PROV.wasAttributedTo, agent),
        (node, PROV.generatedAtTime, Literal(created, datatype=XSD.dateTime)),
        (node, VOID.triples, Literal(triples, datatype=XSD.integer)),
        (node, URIRef(ns.pkg + "contentHash"), Literal(f"sha256:{digest}")),
        (agent, RDF.type, URIRef(ns.pkg + "Contributor")),
        (agent, RDFS.label, Literal(contributor)),
    ]


def contributor_iri(ns: Namespaces, name: str) -> URIRef:
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower()).strip("-")
    return URIRef(ns.iri(f"id/contributor/{slug or 'anonymous'}"))


def content_hash(triples: list[Triple]) -> str:
    """SHA-256 of the canonical N-Triples (blank nodes canonicalized, lines sorted)."""
    dataset = ox.Dataset(ox.Quad(*(_to_ox(t) for t in triple)) for triple in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    lines = sorted(str(quad.triple) + " ." for quad in dataset)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _to_ox(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return (
            ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            if term.datatype
            else ox.Literal(str(term))
        )
    return ox.BlankNode(str(term))


def ntriples(triples: list[Triple]) -> str:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph.serialize(format="nt")


def _graph_triples(store: Store, graph: str) -> list[Triple]:
    result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return [(to_rdflib(r["s"]), to_rdflib(r["p"]), to_rdflib(r["o"])) for r in result]


def _triples_elsewhere(store: Store, graph: str) -> list[Triple]:
    """The graph's triples that other graphs assert too (withdrawing it leaves them)."""
    result = store.query(f"""SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }}
        GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != <{graph}>) }}""")
    return [(to_rdflib(r["s"]), to_rdflib(r["p"]), to_rdflib(r["o"])) for r in result]
