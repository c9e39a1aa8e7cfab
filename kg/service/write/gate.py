"""The validation gate: would the graph, with this change, still conform to the shapes?

Validating the whole graph takes seconds to minutes; a change can only affect a few nodes. So
the gate validates just those (unless the change touches the ontology or a vocabulary: then
everything), over an extract of the graph that holds everything their shapes
look at, and gives the verdict a full validation would give (a property test checks it).

What the shapes (shapes/policykg-shapes.ttl) look at, from a focus node: its own triples; the
triples of the nodes it points to (their classes; the second step of ``odrl:action/skos:inScheme``;
the post's organization and the source's date that SPARQL constraints compare); the links that
point at it through ``odrl:prohibition|permission|obligation|pkg:impliesRule`` (inverse path);
and the other events of the policy it changes (an amendment is compared with the adoption).

So a change to the triples of a node S affects: S itself and the objects of its changed triples;
the nodes that look at S through ``pkg:post``, ``pkg:reportedBy`` or ``odrl:action`` (and any
node linking to S when S loses a type, for their class constraints); and the events that share
a policy with S through ``pkg:changedPolicy``.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.namespaces import Namespaces
from kg.service.publish.describe import to_rdflib
from kg.service.publish.export import store_dataset
from kg.service.write.validation import ValidationReport, validate
from kg.store import Store

Triple = tuple[Node, Node, Node]

ORG, ODRL = "http://www.w3.org/ns/org#", "http://www.w3.org/ns/odrl/2/"
VOCABULARY_GRAPHS = [
    "graph/ontology",
    "graph/vocab/activity",
    "graph/vocab/role",
    "graph/vocab/agreement-status",
]
BATCH = 400  # IRIs per VALUES clause
SKOLEM = "urn:policykg:blank:"
CHANGE = URIRef("urn:policykg:change")  # the graph of what a change adds, while validated


class _Predicates:
    def __init__(self, ns: Namespaces) -> None:
        self.watching = {
            URIRef(ns.pkg + "post"),
            URIRef(ns.pkg + "reportedBy"),
            URIRef(ODRL + "action"),
        }
        self.changed_policy = URIRef(ns.pkg + "changedPolicy")
        self.inverse = {
            URIRef(ODRL + "prohibition"),
            URIRef(ODRL + "permission"),
            URIRef(ODRL + "obligation"),
            URIRef(ns.pkg + "impliesRule"),
        }


def validate_change(
    store: Store, ns: Namespaces, added: Iterable[Triple], removed: Iterable[Triple] = ()
) -> ValidationReport:
    """Validates the union graph as it would be with ``added`` and without ``removed``."""
    added, removed = set(added), set(removed) - set(added)
    if any(_is_vocabulary(s, ns) for s, _p, _o in added | removed):
        return _validate_all(store, ns, added, removed)
    view = _View(store, added, removed)
    focus = affected_nodes(view, ns, added | removed, removed)
    if not focus:  # nothing changes: nothing to validate (pySHACL takes [] as "every node")
        return ValidationReport([], Graph())
    # The union of what the shapes look at, and the focus nodes' own facts source by source
    # (for what holds per source); pySHACL takes IRIs as focus nodes: blank nodes (new ones,
    # in a payload) are skolemized.
    quads = [(*triple, None) for triple in _context(view, ns, focus)]
    quads += [(*triple, None) for triple in _vocabulary(store, ns)]
    quads += view.sourced(focus)
    focus_iris = sorted({_skolem(node) for node in focus}, key=str)
    return validate(_dataset(quads), ns, focus_nodes=focus_iris)


def _dataset(quads: Iterable[tuple]) -> Dataset:
    """A Dataset of skolemized quads, a graph of None going to the default graph; no prefixes
    bound, as pySHACL would read an IRI such as <owl:x> as a CURIE (see validate)."""
    dataset = Dataset(default_union=True)
    dataset.namespace_manager = Graph(bind_namespaces="none").namespace_manager
    for s, p, o, g in quads:
        target = dataset.default_context if g is None else dataset.graph(g)
        target.add((_skolem(s), p, _skolem(o)))
    return dataset


def _skolem(node: Node) -> Node:
    return URIRef(SKOLEM + str(node)) if isinstance(node, BNode) else node


# What the shapes need of the ontology and vocabularies: the class hierarchy, the classes of
# concepts, and the schemes they are in. One branch per graph and property, both constant, so
# that each is a range of an index (with VALUES, Oxigraph scanned every rdf:type of the store:
# 210 ms at 1.1 M quads, against 22 ms).
_VOCABULARY_PROPERTIES = ("rdfs:subClassOf", "rdf:type", "skos:inScheme")
_vocabularies: dict[tuple[int, str], list[Triple]] = {}


def _vocabulary(store: Store, ns: Namespaces) -> list[Triple]:
    key = (store.generation, ns.base)
    if key not in _vocabularies:
        branches = " UNION ".join(
            f"{{ GRAPH <{ns.iri(name)}> {{ ?s {p} ?o }} BIND ({p} AS ?p) }}"
            for name in VOCABULARY_GRAPHS
            for p in _VOCABULARY_PROPERTIES
        )
        query = f"{ns.sparql_prologue()} SELECT ?s ?p ?o WHERE {{ {branches} }}"
        _vocabularies.clear()
        _vocabularies[key] = [
            (to_rdflib(r["s"]), to_rdflib(r["p"]), to_rdflib(r["o"])) for r in store.query(query)
        ]
    return _vocabularies[key]


def vocabulary_kept(ns: Namespaces, before: int, after: int) -> None:
    """The vocabulary read at generation ``before`` holds at ``after``: told by a write that
    moved the store from one to the other and touched none of VOCABULARY_GRAPHS (a
    contribution's own graph and the metadata graph), so that a stream of contributions reads
    it once, not once each."""
    found = _vocabularies.get((before, ns.base))
    if found is not None:
        _vocabularies[(after, ns.base)] = found


def subclasses(store: Store, ns: Namespaces, root: str) -> set[str]:
    """``root`` and every class below it in the ontology (from the vocabulary the gate keeps
    per generation: no query of its own)."""
    below: dict[str, set[str]] = {}
    for s, p, o in _vocabulary(store, ns):
        if p == RDFS.subClassOf:
            below.setdefault(str(o), set()).add(str(s))
    found, frontier = {root}, [root]
    while frontier:
        for child in below.get(frontier.pop(), ()):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def _is_vocabulary(node: Node, ns: Namespaces) -> bool:
    return str(node).startswith((ns.ontology, ns.iri("vocab/")))


def _validate_all(
    store: Store, ns: Namespaces, added: set[Triple], removed: set[Triple]
) -> ValidationReport:
    """A change to the ontology or a vocabulary can touch every node: validate them all."""
    dataset = store_dataset(store)
    for triple in removed:
        dataset.remove((*triple, None))
    quads = [(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in dataset.quads()]
    quads += [(*triple, CHANGE) for triple in added]
    return validate(_dataset(quads), ns)


def affected_nodes(
    view: _View, ns: Namespaces, changed: set[Triple], removed: set[Triple]
) -> set[Node]:
    predicates = _Predicates(ns)
    subjects = {s for s, _p, _o in changed}
    objects = {o for _s, _p, o in changed if _is_node(o)}
    untyped = {s for s, p, _o in removed if p == RDF.type}
    watchers = {s for s, _p, _o in view.incoming(subjects, predicates.watching)}
    watchers |= {s for s, _p, _o in view.incoming(untyped)}
    return subjects | objects | watchers | _siblings(view, subjects, predicates.changed_policy)


def _siblings(view: _View, nodes: set[Node], join: URIRef) -> set[Node]:
    """The nodes that share an object with ``nodes`` through ``join``."""
    shared = {o for _s, p, o in view.outgoing(nodes) if p == join}
    return {s for s, _p, _o in view.incoming(shared, {join})}


def _context(view: _View, ns: Namespaces, focus: set[Node]):
    predicates = _Predicates(ns)
    own = view.outgoing(focus)
    yield from own
    yield from view.outgoing({o for _s, _p, o in own if _is_node(o)})
    yield from view.incoming(focus, predicates.inverse)
    yield from view.outgoing(_siblings(view, focus, predicates.changed_policy))


class _View:
    """The store's union graph as it would be after the change, read a few nodes at a time."""

    def __init__(self, store: Store, added: set[Triple], removed: set[Triple]) -> None:
        self.store, self.added, self.removed = store, added, removed

    def outgoing(self, nodes: set[Node]) -> set[Triple]:
        found = {(subject, p, o) for subject, p, o in self._select(nodes, "?x ?p ?o", None)}
        found |= {t for t in self.added if t[0] in nodes}
        return found - self.removed

    def incoming(self, nodes: set[Node], predicates: set[URIRef] | None = None) -> set[Triple]:
        # here the other end (?o) is the subject
        found = {(s, p, node) for node, p, s in self._select(nodes, "?o ?p ?x", predicates)}
        found |= {t for t in self.added if t[2] in nodes and (not predicates or t[1] in predicates)}
        return found - self.removed

    def sourced(self, nodes: set[Node]) -> list[tuple]:
        """The nodes' own triples with the graph of each (what a change adds: its own graph)."""
        iris = sorted(str(node) for node in nodes if isinstance(node, URIRef))
        quads = [(*t, CHANGE) for t in self.added if t[0] in nodes]
        for start in range(0, len(iris), BATCH):
            values = " ".join(f"<{iri}>" for iri in iris[start : start + BATCH])
            query = (
                f"SELECT ?x ?p ?o ?g WHERE {{ VALUES ?x {{ {values} }} GRAPH ?g {{ ?x ?p ?o }} }}"
            )
            for row in self.store.query(query):
                triple = (URIRef(row["x"].value), to_rdflib(row["p"]), to_rdflib(row["o"]))
                if triple not in self.removed:
                    quads.append((*triple, URIRef(row["g"].value)))
        return quads

    def graph(self, name: str) -> set[Triple]:
        result = self.store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        return {(to_rdflib(r["s"]), to_rdflib(r["p"]), to_rdflib(r["o"])) for r in result}

    def _select(self, nodes: set[Node], pattern: str, predicates: set[URIRef] | None):
        """(node, predicate, other end) for each triple matching ``pattern`` around the nodes.

        With predicates given, each is written into its own branch: a constant predicate lets
        the store look the triples up by node, where ``VALUES ?p`` makes it scan them all."""
        iris = sorted(str(node) for node in nodes if isinstance(node, URIRef))
        if predicates:
            where = " UNION ".join(
                f"{{ {pattern.replace('?p', f'<{p}>')} BIND (<{p}> AS ?p) }}"
                for p in sorted(predicates)
            )
        else:
            where = pattern
        for start in range(0, len(iris), BATCH):
            values = " ".join(f"<{iri}>" for iri in iris[start : start + BATCH])
            query = f"SELECT DISTINCT ?x ?p ?o WHERE {{ VALUES ?x {{ {values} }} {where} }}"
            for row in self.store.query(query):
                yield URIRef(row["x"].value), to_rdflib(row["p"]), to_rdflib(row["o"])


def _is_node(term: Node) -> bool:
    return isinstance(term, URIRef | BNode) and not isinstance(term, Literal)
