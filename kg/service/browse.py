"""The browse lists: agencies, people, policies, statements and sources, with counts and
filters (state, type), a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.namespaces import Namespaces
from kg.service.queries import select_rows as _rows
from kg.store import Store

PER_PAGE = 100


class FilterError(ValueError):
    """A filter value that is not one the list offers."""


@dataclass
class Facet:
    name: str
    label: str
    options: list[tuple[str, str, int]]  # value, label, count
    chosen: str | None = None


@dataclass
class Listing:
    title: str
    columns: list[tuple[str, str]]  # key, heading
    rows: list[dict]
    total: int
    page: int
    facets: list[Facet] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


@dataclass(frozen=True)
class ListSpec:
    """What a list shows: the entities (``?item``), a row's columns, the facets it offers."""

    title: str
    items: str  # graph pattern binding ?item (and ?type, ?typeLabel when typed)
    columns: list[tuple[str, str]]
    row: str  # graph pattern binding the columns from ?item
    order: str
    state_path: str | None = None  # property path from ?item to a state's code
    typed: bool = False


SPECS = {
    "agencies": ListSpec(
        "Agencies",
        """?item a ?type . ?type rdfs:subClassOf* ?root ; rdfs:label ?typeLabel .
           VALUES ?root { pkg:LawEnforcementAgency pkg:FederalAgency pkg:Administration }""",
        [
            ("item", "agency"),
            ("typeLabel", "type"),
            ("place", "jurisdiction"),
            ("policies", "policies"),
            ("statements", "statements"),
        ],
        """OPTIONAL { SELECT ?item (GROUP_CONCAT(DISTINCT ?placeLabel; separator=", ") AS ?place)
                      WHERE { ?item pkg:jurisdiction/rdfs:label ?placeLabel } GROUP BY ?item }
           OPTIONAL { SELECT ?item (COUNT(DISTINCT ?policy) AS ?policies)
                      WHERE { ?policy pkg:issuedBy ?item } GROUP BY ?item }
           OPTIONAL { SELECT ?item (COUNT(DISTINCT ?statement) AS ?statements) WHERE {
                        { ?statement pkg:speaker ?item } UNION
                        { ?statement pkg:speaker/org:headOf ?item } } GROUP BY ?item }""",
        "?label",
        state_path="pkg:jurisdiction/schema:containedInPlace*/pkg:stateCode",
        typed=True,
    ),
    "people": ListSpec(
        "People",
        "?item a pkg:Person .",
        [("item", "person"), ("posts", "posts"), ("statements", "statements")],
        """OPTIONAL { SELECT ?item (GROUP_CONCAT(DISTINCT ?postLabel; separator="; ") AS ?posts)
                      WHERE { ?tenure org:member ?item ; pkg:post/rdfs:label ?postLabel }
                      GROUP BY ?item }
           OPTIONAL { SELECT ?item (COUNT(DISTINCT ?statement) AS ?statements)
                      WHERE { ?statement pkg:speaker ?item } GROUP BY ?item }""",
        "?label",
        state_path="^org:member/org:organization/pkg:jurisdiction/schema:containedInPlace*/pkg:stateCode",
    ),
    "policies": ListSpec(
        "Policies",
        "?item a ?type . ?type rdfs:subClassOf pkg:Policy ; rdfs:label ?typeLabel .",
        [
            ("item", "policy"),
            ("typeLabel", "type"),
            ("issuer", "issued by"),
            ("adopted", "adopted"),
            ("provisions", "provisions"),
        ],
        """OPTIONAL { SELECT ?item (SAMPLE(?issuerLabel) AS ?issuer)
                      WHERE { ?item pkg:issuedBy/rdfs:label ?issuerLabel } GROUP BY ?item }
           OPTIONAL { SELECT ?item (MIN(?date) AS ?adopted) WHERE {
                        ?event a pkg:PolicyAdoption ; pkg:changedPolicy ?item ; dct:date ?date }
                      GROUP BY ?item }
           OPTIONAL { SELECT ?item (COUNT(DISTINCT ?rule) AS ?provisions) WHERE {
                        ?item odrl:prohibition|odrl:permission|odrl:obligation ?rule }
                      GROUP BY ?item }""",
        "?label",
        state_path="pkg:issuedBy/pkg:jurisdiction/schema:containedInPlace*/pkg:stateCode",
        typed=True,
    ),
    "statements": ListSpec(
        "Statements",
        "?item a ?type . VALUES ?type { pkg:Quote pkg:Paraphrase } ?type rdfs:label ?typeLabel .",
        [("item", "statement"), ("speaker", "speaker"), ("date", "date"), ("typeLabel", "kind")],
        """OPTIONAL { SELECT ?item (SAMPLE(?speakerLabel) AS ?speaker)
                      WHERE { ?item pkg:speaker/rdfs:label ?speakerLabel } GROUP BY ?item }
           OPTIONAL { SELECT ?item (SAMPLE(?when) AS ?date) WHERE { ?item dct:date ?when }
                      GROUP BY ?item }""",
        "?date ?label",
        typed=True,
    ),
    "sources": ListSpec(
        "Sources",
        "?item a ?type . ?type rdfs:subClassOf* pkg:Source ; rdfs:label ?typeLabel .",
        [
            ("key", "key"),
            ("item", "title"),
            ("typeLabel", "type"),
            ("issued", "published"),
            ("facts", "facts reported"),
        ],
        """OPTIONAL { ?item skos:notation ?key }
           OPTIONAL { SELECT ?item (SAMPLE(?date) AS ?issued) WHERE { ?item dct:issued ?date }
                      GROUP BY ?item }
           OPTIONAL { SELECT ?item (COUNT(*) AS ?facts) WHERE {
                        ?g prov:wasDerivedFrom ?item . GRAPH ?g { ?s ?p ?o } } GROUP BY ?item }""",
        "?key ?label",
        typed=True,
    ),
}


def listing(
    store: Store,
    ns: Namespaces,
    name: str,
    *,
    state: str | None = None,
    kind: str | None = None,
    page: int = 1,
) -> Listing:
    spec = SPECS[name]
    facets = _facets(store, ns, spec, state, kind)
    where = _items(spec, state, kind, ns)
    total = int(
        _rows(store, ns, f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{ {where} }}")[0]["n"]
    )
    page = max(1, page)
    offset = (page - 1) * PER_PAGE
    keys = " ".join(f"?{key}" for key, _heading in spec.columns if key != "item")
    rows = _rows(
        store,
        ns,
        f"""
        SELECT ?item ?label {keys} WHERE {{
          {{ SELECT DISTINCT ?item{" ?typeLabel" if spec.typed else ""} WHERE {{ {where} }} }}
          OPTIONAL {{ SELECT ?item (SAMPLE(?anyLabel) AS ?label)
                      WHERE {{ ?item rdfs:label ?anyLabel }} GROUP BY ?item }}
          {spec.row}
        }} ORDER BY {spec.order} ?item LIMIT {PER_PAGE} OFFSET {offset}""",
    )
    return Listing(spec.title, spec.columns, rows, total, page, facets)


def _items(spec: ListSpec, state: str | None, kind: str | None, ns: Namespaces) -> str:
    where = spec.items
    if kind:
        where += f" FILTER (?type = <{ns.pkg}{kind}>)"
    if state:
        where += f' ?item {spec.state_path} "{state}" .'
    return where


def _facets(
    store: Store, ns: Namespaces, spec: ListSpec, state: str | None, kind: str | None
) -> list[Facet]:
    facets = []
    if spec.typed:
        options = [
            (row["type"].removeprefix(ns.pkg), row["typeLabel"], int(row["n"]))
            for row in _rows(
                store,
                ns,
                f"""SELECT ?type ?typeLabel (COUNT(DISTINCT ?item) AS ?n)
                       WHERE {{ {spec.items} }} GROUP BY ?type ?typeLabel ORDER BY ?typeLabel""",
            )
            if row["type"].startswith(ns.pkg)
        ]
        _check(kind, {value for value, _label, _n in options}, "type")
        facets.append(Facet("type", "type", options, kind))
    if spec.state_path:
        options = [
            (row["state"], row["state"], int(row["n"]))
            for row in _rows(
                store,
                ns,
                f"""SELECT ?state (COUNT(DISTINCT ?item) AS ?n)
                       WHERE {{ {spec.items} ?item {spec.state_path} ?state }}
                       GROUP BY ?state ORDER BY ?state""",
            )
        ]
        _check(state, {value for value, _label, _n in options}, "state")
        facets.append(Facet("state", "state", options, state))
    return facets


def _check(value: str | None, allowed: set[str], name: str) -> None:
    """Only values the list offers reach a query (they are written into its text)."""
    if value is not None and value not in allowed:
        known = ", ".join(sorted(allowed)) or "none"
        raise FilterError(f"unknown {name} {value!r}; this list offers: {known}")
