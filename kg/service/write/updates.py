"""SPARQL Update through the validation gate.

An update is not run as sent: its effect is computed first — the quads it would add and remove,
each WHERE evaluated by the store — then the changed graph is validated, and only then is the
change applied, as one ``DELETE DATA … ; INSERT DATA …`` request at the generation it was
computed on. So an update that would break the shapes is refused with the report, and nothing
is written.

In an update's WHERE, as in queries, the default graph is the union of the named graphs (unless
USING or WITH say otherwise); a template triple outside GRAPH goes to the store's own default
graph (or the WITH graph). An operation with a WHERE that follows another operation in the same
request would have to see that operation's effect: send it as a request of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.term import Node

from kg.namespaces import Namespaces
from kg.service.publish.describe import to_rdflib
from kg.service.query.queries import check_allowed
from kg.service.query.rdflib_sparql import PARSER_LOCK
from kg.service.write.gate import validate_change
from kg.service.write.validation import ValidationReport
from kg.store import DEFAULT_GRAPH, QuerySyntaxError, Store
from kg.store.sparql_text import code_only

Quad = tuple[Node, Node, Node, Node | None]  # s, p, o, graph (None: the default graph)


class UnsupportedUpdateError(ValueError):
    """An update the gate cannot compute the effect of."""


class GateRefusal(Exception):
    """The change would break the shapes; carries the report."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(f"the update breaks {len(report.violations)} rule(s); nothing written")
        self.report = report


@dataclass
class Change:
    """What a write does: quads added and removed, and graphs dropped whole (an IRI, or
    "DEFAULT", "NAMED", "ALL") — their quads are among ``removed`` too."""

    added: set[Quad] = field(default_factory=set)
    removed: set[Quad] = field(default_factory=set)
    drops: list = field(default_factory=list)


def gated_update(
    store: Store, ns: Namespaces, sparql: str, *, allowed_services: frozenset[str] = frozenset()
) -> ValidationReport:
    """Applies ``sparql`` if the graph stays valid; the report lists any warnings."""
    check_allowed(sparql, allowed_services=allowed_services, is_update=True)
    generation = store.generation
    return gated_change(store, ns, effect(store, ns, sparql), generation=generation)


def gated_change(
    store: Store, ns: Namespaces, change: Change, *, generation: int
) -> ValidationReport:
    """Applies a computed change in one update, at ``generation``, if the graph stays valid."""
    remaining = _still_asserted(store, change.removed, change.added)
    report = validate_change(
        store, ns, {q[:3] for q in change.added}, {q[:3] for q in change.removed} - remaining
    )
    if not report.conforms:
        raise GateRefusal(report)
    if change.added or change.removed or change.drops:
        store.update(_as_update(change), expected_generation=generation)
    return report


# Every keyword that starts an operation or brings a WHERE: a request in which each is the
# INSERT of an INSERT DATA only adds ground quads.
_OPERATION_WORDS = re.compile(
    r"(?<![\w:?$-])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH|USING|WHERE)"
    r"(?![\w:-])(\s+DATA\b)?",
    re.IGNORECASE,
)


def effect(store: Store, ns: Namespaces, sparql: str) -> Change:
    """What the update would do, without applying it."""
    if _inserts_data_only(sparql):
        return Change(added=_inserted_quads(sparql, ns))
    return translated_effect(store, ns, sparql)


def translated_effect(store: Store, ns: Namespaces, sparql: str) -> Change:
    """What any update would do, read from rdflib's algebra of it."""
    try:
        with PARSER_LOCK:
            operations = translateUpdate(parseUpdate(sparql), base=ns.base).algebra
    except Exception as error:  # rdflib raises pyparsing's and its own exceptions
        raise QuerySyntaxError(f"malformed update: {error}") from None
    wheres = _where_clauses(sparql)
    change = Change()
    for index, operation in enumerate(operations):
        if index and operation.name in ("Modify", "DeleteWhere"):
            raise UnsupportedUpdateError(
                "an operation with a WHERE must come first in its request: send the "
                "operations that depend on earlier ones as requests of their own"
            )
        plus, minus = _operation(store, ns, operation, sparql, wheres)
        if operation.name in ("Clear", "Drop"):
            change.drops.append(operation.graphiri)
        change.removed = (change.removed | minus) - plus
        change.added = (change.added - minus) | plus
    return change


def _inserts_data_only(sparql: str) -> bool:
    words = _OPERATION_WORDS.findall(code_only(sparql, keep_iris=False))
    return bool(words) and all(w.upper() == "INSERT" and data for w, data in words)


def _inserted_quads(sparql: str, ns: Namespaces) -> set[Quad]:
    """The quads of INSERT DATA operations, read by Oxigraph into a scratch store: rdflib's
    translation of a data block takes time quadratic in its size."""
    scratch = ox.Store()
    try:
        scratch.update(sparql, base_iri=ns.base)
    except (SyntaxError, ValueError) as error:
        raise QuerySyntaxError(f"malformed update: {error}") from None
    return {
        (
            to_rdflib(quad.subject),
            to_rdflib(quad.predicate),
            to_rdflib(quad.object),
            None if isinstance(quad.graph_name, ox.DefaultGraph) else to_rdflib(quad.graph_name),
        )
        for quad in scratch
    }


def _operation(store: Store, ns: Namespaces, op, sparql: str, wheres: list[str]):
    name = op.name
    if name == "InsertData":
        return set(_ground(op)), set()
    if name == "DeleteData":
        return set(), set(_ground(op))
    if name == "DeleteWhere":
        pattern = _pattern_text(op)
        rows = _solutions(store, ns, sparql, pattern, None, None)
        return set(), set(_instantiate(op, rows, None))
    if name == "Modify":
        with_graph = op.withClause
        default_graphs = [str(u.default) for u in op.using or [] if u.get("default")] or (
            [str(with_graph)] if with_graph else None
        )
        named = [str(u.named) for u in op.using or [] if u.get("named")] or None
        rows = _solutions(store, ns, sparql, wheres[0], default_graphs, named)
        plus = set(_instantiate(op.insert, rows, with_graph)) if op.insert else set()
        minus = set(_instantiate(op.delete, rows, with_graph)) if op.delete else set()
        return plus, minus
    if name in ("Clear", "Drop"):
        return set(), set(graph_quads(store, op.graphiri))
    if name == "Create":
        return set(), set()
    raise UnsupportedUpdateError(
        f"{name.upper()} is not supported by the validation gate; "
        "write it as INSERT … WHERE / DELETE … WHERE"
    )


def _ground(op) -> Iterable[Quad]:
    for s, p, o in op.triples or []:
        yield s, p, o, None
    for graph, triples in (op.quads or {}).items():
        for s, p, o in triples:
            yield s, p, o, graph


def _pattern_text(op) -> str:
    parts = [" ".join(term.n3() for term in triple) + " ." for triple in op.triples or []]
    for graph, triples in (op.quads or {}).items():
        inner = " ".join(" ".join(term.n3() for term in t) + " ." for t in triples)
        parts.append(f"GRAPH {graph.n3()} {{ {inner} }}")
    return "{ " + " ".join(parts) + " }"


def _where_clauses(sparql: str) -> list[str]:
    """The text of each top-level WHERE { … } group, braces included."""
    code = code_only(sparql, keep_iris=False)
    clauses = []
    for match in re.finditer(r"(?<![\w:?$])WHERE\s*\{", code, flags=re.IGNORECASE):
        start = code.index("{", match.start())
        depth = 0
        for position in range(start, len(code)):
            depth += {"{": 1, "}": -1}.get(code[position], 0)
            if depth == 0:
                clauses.append(sparql[start : position + 1])
                break
    return clauses


def _prologue(sparql: str) -> str:
    code = code_only(sparql, keep_iris=True)
    return "\n".join(
        re.findall(r"(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)", code, flags=re.IGNORECASE)
    )


def _solutions(
    store: Store,
    ns: Namespaces,
    sparql: str,
    where: str,
    default_graphs: list[str] | None,
    named: list[str] | None,
) -> list[dict]:
    query = f"{_prologue(sparql)}\nSELECT * WHERE {where}"
    result = store.query(query, base_iri=ns.base, default_graphs=default_graphs, named_graphs=named)
    names = [variable.value for variable in result.variables]
    return [
        {name: to_rdflib(row[name]) for name in names if row[name] is not None} for row in result
    ]


def _instantiate(template, rows: list[dict], default_graph: Node | None) -> Iterable[Quad]:
    """The template's quads for each solution; a triple with an unbound variable is skipped,
    and blank nodes are fresh for each solution (SPARQL 1.1 Update, 3.1.3)."""
    patterns = [(s, p, o, default_graph) for s, p, o in template.triples or []]
    patterns += [
        (s, p, o, g) for g, triples in (template.quads or {}).items() for s, p, o in triples
    ]
    for row in rows:
        fresh: dict[BNode, BNode] = {}
        for pattern in patterns:
            terms = []
            for term in pattern:
                if isinstance(term, Variable):
                    term = row.get(str(term))
                elif isinstance(term, BNode):
                    term = fresh.setdefault(term, BNode())
                terms.append(term)
            if all(t is not None for t in terms[:3]) and (pattern[3] is None or terms[3]):
                yield tuple(terms)  # type: ignore[misc]


def graph_quads(store: Store, target) -> Iterable[Quad]:
    """The quads of a graph (an IRI), of the default graph ("DEFAULT"), of every named graph
    ("NAMED") or of all ("ALL")."""
    if target in ("DEFAULT", "ALL"):
        query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
        for r in store.query(query, default_graphs=[DEFAULT_GRAPH]):
            yield to_rdflib(r["s"]), to_rdflib(r["p"]), to_rdflib(r["o"]), None
    if target in ("NAMED", "ALL") or isinstance(target, URIRef):
        only = f"VALUES ?g {{ <{target}> }}" if isinstance(target, URIRef) else ""
        for r in store.query(f"SELECT ?s ?p ?o ?g WHERE {{ {only} GRAPH ?g {{ ?s ?p ?o }} }}"):
            yield (to_rdflib(r["s"]), to_rdflib(r["p"]), to_rdflib(r["o"]), to_rdflib(r["g"]))


def _still_asserted(store: Store, removed: set[Quad], added: set[Quad]) -> set[tuple]:
    """Triples of removed quads that the union keeps: added again, or asserted by a graph the
    update does not remove them from."""
    kept = {q[:3] for q in added}
    graphs_losing: dict[tuple, set] = {}
    for s, p, o, graph in removed:
        graphs_losing.setdefault((s, p, o), set()).add(graph)
    for (s, p, o), losing in graphs_losing.items():
        if isinstance(s, BNode) or isinstance(o, BNode):
            continue
        query = f"SELECT ?g WHERE {{ GRAPH ?g {{ {s.n3()} {p.n3()} {o.n3()} }} }}"
        if any(to_rdflib(row["g"]) not in losing for row in store.query(query)):
            kept.add((s, p, o))
    return kept


def _as_update(change: Change) -> str:
    """One update request: the removals, the dropped graphs, then the additions."""
    dropped = {target for target in change.drops if isinstance(target, URIRef)}
    whole = {target for target in change.drops if not isinstance(target, URIRef)}
    deletions = {quad for quad in change.removed if not _covered(quad, dropped, whole)}
    if any(isinstance(term, BNode) for quad in deletions for term in quad):
        raise UnsupportedUpdateError(
            "an update that removes blank nodes (other than by "
            "dropping their graph) is not supported"
        )
    drops = "".join(f" ;\nDROP SILENT {_target_text(target)}" for target in change.drops)
    return (
        f"DELETE DATA {{ {_quads_text(deletions)} }}{drops} ;\n"
        f"INSERT DATA {{ {_quads_text(change.added)} }}"
    )


def _covered(quad: Quad, dropped: set[URIRef], whole: set[str]) -> bool:
    graph = quad[3]
    if graph is None:
        return bool(whole & {"DEFAULT", "ALL"})
    return graph in dropped or bool(whole & {"NAMED", "ALL"})


def _target_text(target) -> str:
    return f"GRAPH <{target}>" if isinstance(target, URIRef) else str(target)


def _quads_text(quads: set[Quad]) -> str:
    by_graph: dict[Node | None, Graph] = {}
    for s, p, o, graph in quads:
        by_graph.setdefault(graph, Graph()).add((s, p, o))
    parts = []
    for graph, triples in by_graph.items():
        text = triples.serialize(format="nt")
        parts.append(text if graph is None else f"GRAPH {graph.n3()} {{ {text} }}")
    return "\n".join(parts)
