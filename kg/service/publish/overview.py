"""The big picture, for the front page and the state pages: headline figures, agreements by
state, the agencies whose stance and agreements disagree, and one state's record."""

from __future__ import annotations

from dataclasses import dataclass

from kg.namespaces import Namespaces
from kg.service.cache import per_generation
from kg.service.imports.states import STATES
from kg.service.publish.program import Publication, program, publications
from kg.service.query.queries import named_rows, select_rows
from kg.store import Store

AGENCY_ROOTS = "VALUES ?root { pkg:LawEnforcementAgency pkg:FederalAgency pkg:Administration }"
# (label, where to read more, the count)
_FIGURES = [
    (
        "agencies",
        "/agencies",
        f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a ?t . ?t rdfs:subClassOf* ?root . "
        f"{AGENCY_ROOTS} }}",
    ),
    (
        "agencies that refuse some cooperation",
        "/agencies?with=refusal",
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?p pkg:issuedBy ?a ; odrl:prohibition ?r }",
    ),
    (
        "statements",
        "/statements",
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t "
        "VALUES ?t { pkg:Quote pkg:Paraphrase } }",
    ),
    (
        "sources",
        "/sources",
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t . ?t rdfs:subClassOf* pkg:Source }",
    ),
]


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    href: str


@dataclass
class Overview:
    figures: list[Figure]
    by_state: dict[str, int]  # state code → agreements in the latest publication
    disagreements: list[dict]  # stance-vs-agreements, one row per agency
    timeline: dict[str, list[tuple[str, int]]]
    publications: list[Publication]


@per_generation
def overview(store: Store, ns: Namespaces) -> Overview:
    shown = program(store, ns)
    latest = sum(int(row["agreements"]) for row in named_rows(store, ns, "287g-by-model"))
    figures = [Figure(label, _count(store, ns, query), href) for label, href, query in _FIGURES]
    figures.insert(1, Figure("agreements in ICE's latest 287(g) publication", latest, "/287g"))
    agencies: dict[str, dict] = {}
    for row in named_rows(store, ns, "stance-vs-agreements"):
        found = agencies.setdefault(
            row["agency"], {"agency": row["agency"], "refusals": {}, "agreements": set()}
        )
        found["agreements"].add((row["model"], row["signed"] or ""))
        # "what (S1)": each refusal once, with every source that reports it
        what, _, key = row["refusal"].rpartition(" (")
        found["refusals"].setdefault(what, []).append(key.rstrip(")"))
    return Overview(
        figures,
        agreements_by_state(store, ns),
        list(agencies.values()),
        shown.timeline,
        shown.publications,
    )


def agreements_by_state(store: Store, ns: Namespaces) -> dict[str, int]:
    """Agreements in ICE's latest publication of participating agencies, by state code."""
    rows = select_rows(
        store,
        ns,
        """SELECT ?code (COUNT(DISTINCT ?agreement) AS ?n) WHERE {
          { SELECT ?latest WHERE {
              ?latest dct:isVersionOf dataset:ice-287g-participating ; pkg:capturedAt ?c .
            } ORDER BY DESC(?c) LIMIT 1 }
          ?agreement pkg:listedIn ?latest ; pkg:issuedBy/pkg:state/pkg:stateCode ?code .
        } GROUP BY ?code""",
    )
    return {row["code"]: int(row["n"]) for row in rows}


@dataclass
class StatePage:
    code: str
    name: str
    agreements: list[dict]
    policies: list[dict]
    statements: list[dict]
    timeline: dict[str, list[tuple[str, int]]]
    publications: list[Publication]


class UnknownStateError(LookupError):
    """A state code that is none of the states and territories."""


@per_generation
def state_page(store: Store, ns: Namespaces, code: str) -> StatePage:
    code = code.upper()
    if code not in STATES:
        raise UnknownStateError(f"no state or territory has the code {code!r}")
    in_state = f'?agency pkg:state/pkg:stateCode "{code}" .'
    agreements = select_rows(
        store,
        ns,
        f"""SELECT ?agreement ?agency ?agencyLabel ?model ?status ?first ?last
               (GROUP_CONCAT(DISTINCT STR(?date); separator=" or ") AS ?signed)
        WHERE {{ {in_state}
          ?agreement a pkg:Agreement ; pkg:issuedBy ?agency .
          ?agency rdfs:label ?agencyLabel .
          OPTIONAL {{ ?agreement pkg:model/skos:prefLabel ?model }}
          OPTIONAL {{ ?agreement pkg:status/skos:prefLabel ?status }}
          OPTIONAL {{ ?agreement pkg:firstListedIn/dct:issued ?first }}
          OPTIONAL {{ ?agreement pkg:lastListedIn/dct:issued ?last }}
          OPTIONAL {{ ?event pkg:changedPolicy ?agreement ; dct:date ?date }}
        }} GROUP BY ?agreement ?agency ?agencyLabel ?model ?status ?first ?last
        ORDER BY ?status ?agencyLabel ?model""",
    )
    policies = select_rows(
        store,
        ns,
        f"""SELECT DISTINCT ?policy ?label ?agency ?agencyLabel WHERE {{ {in_state}
          ?policy pkg:issuedBy ?agency ; rdfs:label ?label . ?agency rdfs:label ?agencyLabel
          FILTER NOT EXISTS {{ ?policy a pkg:Agreement }} }} ORDER BY ?label""",
    )
    statements = select_rows(
        store,
        ns,
        f"""SELECT DISTINCT ?statement ?label ?date WHERE {{ {in_state}
          {{ ?statement pkg:speaker ?agency }} UNION {{ ?statement pkg:speaker/org:headOf ?agency }}
          ?statement rdfs:label ?label . OPTIONAL {{ ?statement dct:date ?date }} }}
        ORDER BY ?date""",
    )
    counts = select_rows(
        store,
        ns,
        f"""SELECT ?publication (COUNT(DISTINCT ?agreement) AS ?n) WHERE {{ {in_state}
          ?agreement pkg:issuedBy ?agency ; pkg:listedIn ?publication .
          ?publication dct:isVersionOf ?series }} GROUP BY ?publication ?series""",
    )
    shown = publications(store, ns)
    kinds = {p.iri: p.kind for p in shown}
    timeline: dict[str, list[tuple[str, int]]] = {}
    for row in counts:
        kind = kinds.get(row["publication"])
        if kind:
            timeline.setdefault(f"{kind}: all models", []).append(
                (row["publication"], int(row["n"]))
            )
    return StatePage(code, STATES[code], agreements, policies, statements, timeline, shown)


def _count(store: Store, ns: Namespaces, query: str) -> int:
    return int(select_rows(store, ns, query)[0]["n"])
