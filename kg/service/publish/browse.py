"""The browse lists: agencies, people, policies, statements and sources, with counts and
filters (state, type, and flags such as "with a 287(g) agreement"), a page at a time.

A page is read in two steps: the list's items, in order, with what the filters read (a
catalogue, read once per generation of the store and kept: a write makes it stale), filtered and
sliced in memory; then the columns of just the page's items, one query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kg.namespaces import Namespaces
from kg.service.cache import per_generation
from kg.service.query.queries import select_rows as _rows
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
    row: str  # the patterns they aggregate, around ?item (VALUES_ITEM: the page's items)
    state_path: str | None = None  # property path from ?item to a state's code
    typed: bool = False
    # name: label, and the pattern an item matches (a join, not FILTER EXISTS: Oxigraph
    # evaluates an EXISTS per item, minutes over 20,000 agencies)
    flags: dict[str, tuple[str, str]] = field(default_factory=dict)


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
        """(SAMPLE(?stateCode) AS ?state) (SAMPLE(?places) AS ?place)
           (COALESCE(SAMPLE(?policyCount), 0) AS ?policies)
           (COALESCE(SAMPLE(?agreementCount), 0) AS ?agreements)
           (COALESCE(SAMPLE(?statementCount), 0) AS ?statements)""",
        # each column counted on its own: together, an agency's policies, agreements,
        # statements and places (each reported by several sources) multiply into thousands
        f"""OPTIONAL {{ SELECT ?item (SAMPLE(?code) AS ?stateCode)
                       WHERE {{ VALUES_ITEM ?item {STATE} ?code }} GROUP BY ?item }}
           OPTIONAL {{ SELECT ?item (GROUP_CONCAT(DISTINCT ?label; separator=", ") AS ?places)
                       WHERE {{ VALUES_ITEM ?item pkg:jurisdiction/rdfs:label ?label }}
                       GROUP BY ?item }}
           OPTIONAL {{ SELECT ?item (COUNT(DISTINCT ?policy) AS ?policyCount)
                       WHERE {{ VALUES_ITEM ?policy pkg:issuedBy ?item
                                FILTER NOT EXISTS {{ ?policy a pkg:Agreement }} }}
                       GROUP BY ?item }}
           OPTIONAL {{ SELECT ?item (COUNT(DISTINCT ?agreement) AS ?agreementCount)
                       WHERE {{ VALUES_ITEM ?agreement pkg:issuedBy ?item ; a pkg:Agreement }}
                       GROUP BY ?item }}
           OPTIONAL {{ SELECT ?item (COUNT(DISTINCT ?statement) AS ?statementCount)
                       WHERE {{ {{ VALUES_ITEM ?statement pkg:speaker ?item }} UNION
                                {{ VALUES_ITEM ?statement pkg:speaker/org:headOf ?item }} }}
                       GROUP BY ?item }}""",
        state_path=STATE,
        typed=True,
        flags={
            "agreement": (
                "with a 287(g) agreement",
                "?agreement pkg:issuedBy ?item ; a pkg:Agreement .",
            ),
            "refusal": (
                "refusing some cooperation",
                "?refusing pkg:issuedBy ?item ; odrl:prohibition ?rule .",
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
    found = catalogue(store, ns, name)
    facets = _facets(ns, spec, found, state, kind, flag)
    chosen_type = f"{ns.pkg}{kind}" if kind else None
    items = [
        item
        for item in found.items
        if (chosen_type is None or chosen_type in found.types.get(item, ()))
        and (state is None or state in found.states.get(item, ()))
        and (flag is None or item in found.flags[flag])
    ]
    page = max(1, page)
    chosen = items[(page - 1) * PER_PAGE : page * PER_PAGE]
    if not chosen:
        return Listing(spec.title, spec.columns, [], len(items), page, facets)
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
          {spec.row.replace("VALUES_ITEM", f"VALUES ?item {{ {values} }}")}
        }} GROUP BY ?item""",
    )
    by_item = {row["item"]: row for row in rows}
    return Listing(
        spec.title, spec.columns, [by_item[item] for item in chosen], len(items), page, facets
    )


@dataclass
class Catalogue:
    """A list's every item, in order, with what its filters read: read once per generation
    of the store, so that a page, filtered or not, is a slice and one query for its rows."""

    items: list[str]
    types: dict[str, set[str]]
    type_labels: dict[str, str]
    states: dict[str, set[str]]
    flags: dict[str, set[str]]


@per_generation
def catalogue(store: Store, ns: Namespaces, name: str) -> Catalogue:
    spec = SPECS[name]
    ordered = _rows(
        store,
        ns,
        f"""SELECT ?item (SAMPLE(?sort) AS ?key) WHERE {{
          {{ SELECT DISTINCT ?item WHERE {{ {spec.items} }} }} {spec.sort}
        }} GROUP BY ?item ORDER BY ?key ?item""",
    )
    types: dict[str, set[str]] = {}
    type_labels: dict[str, str] = {}
    if spec.typed:
        for row in _rows(store, ns, f"SELECT DISTINCT ?item ?type WHERE {{ {spec.items} }}"):
            types.setdefault(row["item"], set()).add(row["type"])
        for row in _rows(
            store,
            ns,
            f"""SELECT DISTINCT ?type ?typeLabel WHERE {{
              {{ SELECT DISTINCT ?type WHERE {{ {spec.items} }} }}
              ?type rdfs:label ?typeLabel }}""",
        ):
            type_labels.setdefault(row["type"], row["typeLabel"])
    states: dict[str, set[str]] = {}
    if spec.state_path:
        for row in _rows(
            store,
            ns,
            f"SELECT DISTINCT ?item ?state WHERE {{ {spec.items} ?item {spec.state_path} ?state }}",
        ):
            states.setdefault(row["item"], set()).add(row["state"])
    flags = {
        flag: {
            row["item"]
            for row in _rows(store, ns, f"SELECT DISTINCT ?item WHERE {{ {pattern} {spec.items} }}")
        }
        for flag, (_label, pattern) in spec.flags.items()
    }
    return Catalogue([row["item"] for row in ordered], types, type_labels, states, flags)


def _facets(
    ns: Namespaces,
    spec: ListSpec,
    found: Catalogue,
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
        counts = Counter(t for item_types in found.types.values() for t in item_types)
        options = sorted(
            (
                (iri.removeprefix(ns.pkg), found.type_labels[iri], n)
                for iri, n in counts.items()
                if iri.startswith(ns.pkg) and iri in found.type_labels
            ),
            key=lambda option: option[1],
        )
        _check(kind, {value for value, _label, _n in options}, "type")
        facets.append(Facet("type", "type", options, kind))
    if spec.state_path:
        counts = Counter(code for codes in found.states.values() for code in codes)
        options = [(code, code, counts[code]) for code in sorted(counts)]
        _check(state, set(counts), "state")
        facets.append(Facet("state", "state", options, state))
    if spec.flags:
        options = [
            (name, label, len(found.flags[name])) for name, (label, _pattern) in spec.flags.items()
        ]
        _check(flag, set(spec.flags), "filter")
        facets.append(Facet("with", "only", options, flag))
    return facets


def _check(value: str | None, allowed: set[str], name: str) -> None:
    """Only values the list offers reach a query (they are written into its text)."""
    if value is not None and value not in allowed:
        known = ", ".join(sorted(allowed)) or "none"
        raise FilterError(f"unknown {name} {value!r}; this list offers: {known}")
