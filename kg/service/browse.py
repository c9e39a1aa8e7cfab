"""The browse lists: agencies, people, policies, statements and sources, with counts and
filters (state, type, and flags such as "with a 287(g) agreement"), a page at a time.

A page is read in two steps, so that it costs the same whatever the size of the graph: the
page's items first (filtered, sorted, offset), then the columns of just those items.
"""

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
    """What a list shows: its items (``?item``, with ``?type`` when typed), how they sort
    (``?sort``), a row's columns (aggregates over ``row`` for one item), the filters."""

    title: str
    items: str
    sort: str
    columns: list[tuple[str, str]]
    select: str  # the columns' aggregate expressions
    row: str  # the patterns they aggregate, around ?item
    state_path: str | None = None  # property path from ?item to a state's code
    typed: bool = False
    flags: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: label, pattern


LABEL = "OPTIONAL { ?item rdfs:label ?sort }"
STATE = "(pkg:state|pkg:jurisdiction/schema:containedInPlace*)/pkg:stateCode"
SPECS = {
    "agencies": ListSpec(
        "Agencies",
        """?item a ?type . ?type rdfs:subClassOf* ?root .
           VALUES ?root { pkg:LawEnforcementAgency pkg:FederalAgency pkg:Administration }""",
        LABEL,
        [
            ("item", "agency"),
            ("typeLabel", "type"),
            ("state", "state"),
            ("place", "jurisdiction"),
            ("policies", "policies"),
            ("agreements", "287(g)"),
            ("statements", "statements"),
        ],
        """(SAMPLE(?stateCode) AS ?state)
           (GROUP_CONCAT(DISTINCT ?placeLabel; separator=", ") AS ?place)
           (COUNT(DISTINCT ?policy) AS ?policies) (COUNT(DISTINCT ?agreement) AS ?agreements)
           (COUNT(DISTINCT ?statement) AS ?statements)""",
        f"""OPTIONAL {{ ?item {STATE} ?stateCode }}
           OPTIONAL {{ ?item pkg:jurisdiction/rdfs:label ?placeLabel }}
           OPTIONAL {{ ?policy pkg:issuedBy ?item FILTER NOT EXISTS {{ ?policy a pkg:Agreement }} }}
           OPTIONAL {{ ?agreement pkg:issuedBy ?item ; a pkg:Agreement }}
           OPTIONAL {{ {{ ?statement pkg:speaker ?item }} UNION
                      {{ ?statement pkg:speaker/org:headOf ?item }} }}""",
        state_path=STATE,
        typed=True,
        flags={
            "agreement": (
                "with a 287(g) agreement",
                "FILTER EXISTS { ?agreement pkg:issuedBy ?item ; a pkg:Agreement }",
            ),
            "refusal": (
                "refusing some cooperation",
                "FILTER EXISTS { ?refusing pkg:issuedBy ?item ; odrl:prohibition ?rule }",
            ),
        },
    ),
    "people": ListSpec(
        "People",
        "?item a pkg:Person .",
        LABEL,
        [("item", "person"), ("posts", "posts"), ("statements", "statements")],
        """(GROUP_CONCAT(DISTINCT ?postLabel; separator="; ") AS ?posts)
           (COUNT(DISTINCT ?statement) AS ?statements)""",
        """OPTIONAL { ?tenure org:member ?item ; pkg:post/rdfs:label ?postLabel }
           OPTIONAL { ?statement pkg:speaker ?item }""",
        state_path=f"^org:member/org:organization/{STATE}",
    ),
    "policies": ListSpec(
        "Policies",
        "?item a ?type . ?type rdfs:subClassOf pkg:Policy .",
        LABEL,
        [
            ("item", "policy"),
            ("typeLabel", "type"),
            ("issuer", "issued by"),
            ("adopted", "adopted"),
            ("provisions", "provisions"),
        ],
        """(SAMPLE(?issuerLabel) AS ?issuer) (MIN(?date) AS ?adopted)
           (COUNT(DISTINCT ?rule) AS ?provisions)""",
        """OPTIONAL { ?item pkg:issuedBy/rdfs:label ?issuerLabel }
           OPTIONAL { ?event a pkg:PolicyAdoption ; pkg:changedPolicy ?item ; dct:date ?date }
           OPTIONAL { ?item odrl:prohibition|odrl:permission|odrl:obligation ?rule }""",
        state_path=f"pkg:issuedBy/{STATE}",
        typed=True,
    ),
    "statements": ListSpec(
        "Statements",
        "?item a ?type . VALUES ?type { pkg:Quote pkg:Paraphrase }",
        "OPTIONAL { ?item dct:date ?sort }",
        [("item", "statement"), ("speaker", "speaker"), ("date", "date"), ("typeLabel", "kind")],
        "(SAMPLE(?speakerLabel) AS ?speaker) (SAMPLE(?when) AS ?date)",
        """OPTIONAL { ?item pkg:speaker/rdfs:label ?speakerLabel }
           OPTIONAL { ?item dct:date ?when }""",
        typed=True,
    ),
    "sources": ListSpec(
        "Sources",
        "?item a ?type . ?type rdfs:subClassOf* pkg:Source .",
        "OPTIONAL { ?item skos:notation|rdfs:label ?sort }",
        [
            ("key", "key"),
            ("item", "title"),
            ("typeLabel", "type"),
            ("issued", "published"),
            ("facts", "facts reported"),
        ],
        "(SAMPLE(?notation) AS ?key) (SAMPLE(?date) AS ?issued) (COUNT(?fact) AS ?facts)",
        """OPTIONAL { ?item skos:notation ?notation }
           OPTIONAL { ?item dct:issued ?date }
           OPTIONAL { ?g prov:wasDerivedFrom ?item . GRAPH ?g { ?fact ?p ?o } }""",
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
    flag: str | None = None,
    page: int = 1,
) -> Listing:
    spec = SPECS[name]
    facets = _facets(store, ns, spec, state, kind, flag)
    where = _items(spec, ns, state, kind, flag)
    total = int(
        _rows(store, ns, f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{ {where} }}")[0]["n"]
    )
    page = max(1, page)
    chosen = [
        row["item"]
        for row in _rows(
            store,
            ns,
            f"""
        SELECT ?item (SAMPLE(?sort) AS ?key) WHERE {{
          {{ SELECT DISTINCT ?item WHERE {{ {where} }} }} {spec.sort}
        }} GROUP BY ?item ORDER BY ?key ?item LIMIT {PER_PAGE} OFFSET {(page - 1) * PER_PAGE}""",
        )
    ]
    if not chosen:
        return Listing(spec.title, spec.columns, [], total, page, facets)
    values = " ".join(f"<{item}>" for item in chosen)
    rows = _rows(
        store,
        ns,
        f"""
        SELECT ?item (SAMPLE(?anyLabel) AS ?label) (SAMPLE(?anyType) AS ?typeLabel) {spec.select}
        WHERE {{
          VALUES ?item {{ {values} }}
          OPTIONAL {{ ?item rdfs:label ?anyLabel }}
          OPTIONAL {{ ?item a ?class . ?class rdfs:isDefinedBy ?ontology ; rdfs:label ?anyType }}
          {spec.row}
        }} GROUP BY ?item""",
    )
    by_item = {row["item"]: row for row in rows}
    return Listing(
        spec.title, spec.columns, [by_item[item] for item in chosen], total, page, facets
    )


def _items(
    spec: ListSpec, ns: Namespaces, state: str | None, kind: str | None, flag: str | None
) -> str:
    where = spec.items
    if kind:
        where += f" FILTER (?type = <{ns.pkg}{kind}>)"
    if state:
        where += f' ?item {spec.state_path} "{state}" .'
    if flag:
        where += " " + spec.flags[flag][1]
    return where


def _facets(
    store: Store,
    ns: Namespaces,
    spec: ListSpec,
    state: str | None,
    kind: str | None,
    flag: str | None,
) -> list[Facet]:
    facets = []
    # a filter this list does not have is refused like an unknown value of one it has
    for value, offered, name in (
        (kind, spec.typed, "type"),
        (state, spec.state_path, "state"),
        (flag, spec.flags, "filter"),
    ):
        if not offered:
            _check(value, set(), name)
    if spec.typed:
        options = [
            (row["type"].removeprefix(ns.pkg), row["typeLabel"], int(row["n"]))
            for row in _rows(
                store,
                ns,
                f"""
                       SELECT ?type ?typeLabel (COUNT(DISTINCT ?item) AS ?n) WHERE {{
                         {spec.items} ?type rdfs:label ?typeLabel }}
                       GROUP BY ?type ?typeLabel ORDER BY ?typeLabel""",
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
                f"""
            SELECT ?state (COUNT(DISTINCT ?item) AS ?n)
            WHERE {{ {spec.items} ?item {spec.state_path} ?state }}
            GROUP BY ?state ORDER BY ?state""",
            )
        ]
        _check(state, {value for value, _label, _n in options}, "state")
        facets.append(Facet("state", "state", options, state))
    if spec.flags:
        options = [
            (
                name,
                label,
                int(
                    _rows(
                        store,
                        ns,
                        f"""SELECT (COUNT(DISTINCT ?item) AS ?n)
                       WHERE {{ {spec.items} {pattern} }}""",
                    )[0]["n"]
                ),
            )
            for name, (label, pattern) in spec.flags.items()
        ]
        _check(flag, set(spec.flags), "filter")
        facets.append(Facet("with", "only", options, flag))
    return facets


def _check(value: str | None, allowed: set[str], name: str) -> None:
    """Only values the list offers reach a query (they are written into its text)."""
    if value is not None and value not in allowed:
        known = ", ".join(sorted(allowed)) or "none"
        raise FilterError(f"unknown {name} {value!r}; this list offers: {known}")
