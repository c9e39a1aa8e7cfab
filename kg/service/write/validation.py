"""SHACL validation with pySHACL: the shapes, the report, and its renderings."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache

import pyshacl
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from kg.namespaces import Namespaces
from kg.resources import shape_files
from kg.service.query.rdflib_sparql import PARSER_LOCK

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, in the terms a person reads: compact IRIs, path in SPARQL syntax."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None


@dataclass
class ValidationReport:
    results: list[ValidationResult]
    graph: Graph

    @property
    def violations(self) -> list[ValidationResult]:
        return [result for result in self.results if result.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [result for result in self.results if result.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        """True when nothing blocks: warnings are reported but do not block."""
        return not self.violations

    def to_json(self) -> dict:
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "results": [asdict(result) for result in self.results],
        }

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def to_text(self) -> str:
        if not self.results:
            return "Conforms: no violations, no warnings."
        lines = [
            f"{'Conforms' if self.conforms else 'Does not conform'}: "
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)."
        ]
        for result in self.results:
            lines.append(f"\n{result.severity}: {result.message}")
            lines.append(f"  focus node: {result.focus}")
            if result.path:
                lines.append(f"  path:       {result.path}")
            if result.value:
                lines.append(f"  value:      {result.value}")
        return "\n".join(lines)


@cache
def shapes_graph(ns: Namespaces) -> Graph:
    """The bundled shapes, with the prefixes their SPARQL constraints use declared on <shapes>."""
    graph = Graph()
    for path in shape_files():
        graph.parse(path, format="turtle", publicID=ns.base)
    declarer = URIRef(ns.shapes)
    for prefix, namespace in ns.prefixes.items():
        declaration = BNode()
        graph.add((declarer, SH.declare, declaration))
        graph.add((declaration, SH.prefix, Literal(prefix)))
        graph.add((declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))
    return graph


@cache
def _data_shapes_graph(ns: Namespaces) -> Graph:
    """The shapes without those that select their targets by SPARQL over the whole data
    graph (the shapes of ontology terms): what validating given nodes needs."""
    graph = Graph()
    full = shapes_graph(ns)
    for triple in full:
        graph.add(triple)
    for shape in list(full.subjects(SH.target, None)):
        for triple in full.cbd(shape):
            graph.remove(triple)
    return graph


def validate(
    data: Graph, ns: Namespaces, *, focus_nodes: list[Node] | None = None
) -> ValidationReport:
    """Validates ``data`` (which must hold the ontology, for the class hierarchy): a Dataset
    whose graphs are the sources (kg.service.publish.export.store_dataset), or one graph, taken as a
    single source."""
    if not isinstance(data, Dataset):  # the rules that hold per source read named graphs
        data = _single_source(data)
    # When only given nodes are validated (never ontology terms: see kg.service.write.gate), the
    # shapes of ontology terms, which find their targets by SPARQL over the whole data graph,
    # are left out.
    # pySHACL expands a focus node outside http(s)/urn/file as a CURIE, and fails on anything
    # but a string: strings, against a data graph without prefixes, stay the IRIs they are.
    # In place, as the shapes hold no rules: nothing is written to ``data``, no copy is made.
    options = (
        {"focus_nodes": [str(node) for node in focus_nodes]} if focus_nodes is not None else {}
    )
    shapes = shapes_graph(ns) if focus_nodes is None else _data_shapes_graph(ns)
    with PARSER_LOCK:  # pySHACL parses its SPARQL constraints with rdflib on every run
        _conforms, report_graph, _text = pyshacl.validate(
            data, shacl_graph=shapes, advanced=True, inference="none", inplace=True, **options
        )
    compact = _compacter(ns)
    # the report's own results: a nested shape's (sh:detail) are said by the result holding them
    results = [
        _result(report_graph, node, compact)
        for report in report_graph.subjects(RDF.type, SH.ValidationReport)
        for node in report_graph.objects(report, SH.result)
    ]
    results.sort(
        key=lambda r: (SEVERITY_ORDER.get(r.severity, 3), r.focus, r.path or "", r.message)
    )
    return ValidationReport(results, report_graph)


def _single_source(graph: Graph) -> Dataset:
    dataset = Dataset(default_union=True)
    dataset.namespace_manager = graph.namespace_manager
    source = dataset.graph(URIRef("urn:policykg:source"))
    for triple in graph:
        source.add(triple)
    return dataset


def _result(report: Graph, node: Node, compact) -> ValidationResult:
    value = report.value(node, SH.value)
    path = report.value(node, SH.resultPath)
    severity = report.value(node, SH.resultSeverity)
    return ValidationResult(
        severity=str(severity).removeprefix(str(SH)) if severity else "Violation",
        focus=compact(report.value(node, SH.focusNode)),
        path=_path_text(report, path, compact) if path is not None else None,
        value=compact(value) if value is not None else None,
        message=str(report.value(node, SH.resultMessage) or "constraint not satisfied"),
        shape=compact(report.value(node, SH.sourceShape)),
    )


def _path_text(graph: Graph, path: Node, compact) -> str:
    """A SHACL property path in SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return compact(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_path_text(graph, step, compact) for step in Collection(graph, path))
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(_path_text(graph, inner, compact))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return (
            "("
            + "|".join(_path_text(graph, step, compact) for step in Collection(graph, alternatives))
            + ")"
        )
    return str(path)


def _compacter(ns: Namespaces):
    def compact(term: Node | None) -> str:
        if term is None:
            return ""
        if isinstance(term, URIRef):
            return ns.compact(str(term))
        if isinstance(term, Literal):
            return term.n3()
        return "[]" if isinstance(term, BNode) else str(term)

    return compact
