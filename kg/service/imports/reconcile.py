"""One node per agency: matching an imported agency to the graph's agencies and places.

An agency is only matched to one of the same kind (kg.service.imports.kinds): a sheriff's office
to a sheriff's row, a city's police to a city's row, a university's police to a university's.
Names are compared in three forms: the full name (lower case, punctuation and accents gone); its
core, without the words that say what kind of agency it is ("County Sheriff's Office", "Police
Department"…), so that ICE's "Cherokee County Sheriff's Office" meets the FBI's "Cherokee" (a
county row); and, for agencies of a state, the core without the state's name ("Florida Department
of Law Enforcement" meets "Department of Law Enforcement:"). A full-name match wins; then the
cores in that order; several candidates make the agency ambiguous, none unmatched — and both are
kept, flagged with their candidates, never guessed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from kg.namespaces import Namespaces
from kg.service.imports import RDF_TYPE, RDFS_LABEL, SCHEMA, Quads, iri, slug, text
from kg.service.imports.kinds import kind_of_class
from kg.service.imports.states import STATES
from kg.service.query.queries import select_rows
from kg.store import Store

# Words that say what kind of agency it is, then words that say what kind of place.
_AGENCY_WORDS = re.compile(
    r"\b(of|the|and|sheriffs?|office|police|department|dept|public|safety|marshals?|"
    r"constables?|metropolitan|metro|services?|division|board|trustees)\b"
)
_PLACE_WORDS = re.compile(r"\b(county|parish|borough|city|town|township|twp|village)\b")


def full_name(name: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    ascii_text = ascii_text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


def core_names(name: str, state: str = "") -> tuple[str, ...]:
    """The name without the words of its kind of agency; then without those of its kind of
    place too; then without its state's name ("Cherokee County Sheriff's Office" → "cherokee
    county", "cherokee", "cherokee")."""
    agency = " ".join(_AGENCY_WORDS.sub(" ", full_name(name)).split())
    place = " ".join(_PLACE_WORDS.sub(" ", agency).split())
    state_name = full_name(STATES.get(state, ""))
    return agency, place, place.removeprefix(state_name).strip() if state_name else place


def core_name(name: str) -> str:
    return core_names(name)[1]


@dataclass(frozen=True)
class Agency:
    iri: str
    state: str
    names: frozenset[str]  # as given
    kind: str  # kg.service.imports.kinds: sheriff, city police, campus police…

    @property
    def full(self) -> set[str]:
        return {full_name(name) for name in self.names}

    def cores(self, level: int) -> set[str]:
        return {core_names(name, self.state)[level] for name in self.names}


class AgencyIndex:
    """The graph's agencies by state and kind, for matching."""

    def __init__(self, agencies: list[Agency]) -> None:
        self.by_kind: dict[tuple[str, str], list[Agency]] = defaultdict(list)
        for agency in agencies:
            self.by_kind[(agency.state, agency.kind)].append(agency)

    def match(self, state: str, names: list[str], kind: str) -> tuple[str, list[str]]:
        """("matched", [iri]), ("ambiguous", [candidates]) or ("unmatched", []) for an agency of
        ``kind`` known by ``names`` (the first the fullest): a unique full-name match wins; else
        a unique match of the cores, level by level."""
        kindred = self.by_kind.get((state, kind), [])
        for level in range(-1, 3):
            found: set[str] = set()
            for name in names:
                key = full_name(name) if level < 0 else core_names(name, state)[level]
                found |= {
                    a.iri
                    for a in kindred
                    if key and key in (a.full if level < 0 else a.cores(level))
                }
            if len(found) == 1:
                return "matched", sorted(found)
            if found:
                return "ambiguous", sorted(found)
        return "unmatched", []


def outside(excluded: tuple[str, ...], pattern: str, name: str) -> str:
    """``pattern`` matched in the graphs whose names start with none of ``excluded``. An import
    reconciles against the graph as it is without its own publication, so that importing it
    again finds what it found the first time."""
    tests = " && ".join(f"!STRSTARTS(STR(?{name}), {json.dumps(prefix)})" for prefix in excluded)
    return f"GRAPH ?{name} {{ {pattern} }} FILTER({tests})"


def agency_index(
    store: Store, ns: Namespaces, *, with_ori: bool, excluded: tuple[str, ...]
) -> AgencyIndex:
    """The agencies that have an ORI (from the FBI roster), or those that have none yet (the
    seed's), with their names, state and kind — as the graphs not ``excluded`` have them."""
    has_ori = outside(excluded, "?agency pkg:ori ?ori", "g1")
    ori = f"FILTER {'' if with_ori else 'NOT '}EXISTS {{ {has_ori} }}"
    rows = select_rows(
        store,
        ns,
        f"""
        SELECT DISTINCT ?agency ?name ?code ?class WHERE {{
          ?class rdfs:subClassOf* pkg:LawEnforcementAgency .
          {outside(excluded, "?agency a ?class", "g2")}
          {ori}
          {{ {outside(excluded, "?agency pkg:state ?state", "g3")} ?state pkg:stateCode ?code }}
          UNION {{ {outside(excluded, "?agency pkg:jurisdiction ?place", "g4")}
                   ?place schema:containedInPlace*/pkg:stateCode ?code }}
          {{ {outside(excluded, "?agency rdfs:label|schema:alternateName ?name", "g5")} }}
          UNION {{ {outside(excluded, "?agency pkg:jurisdiction ?where", "g6")}
                   ?where rdfs:label ?name }}
        }}""",
    )
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    classes: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        names[(row["agency"], row["code"])].add(row["name"])
        classes[row["agency"]].add(row["class"].rsplit("#", 1)[-1])
    return AgencyIndex(
        [
            Agency(iri, code, frozenset(found), kind_of_class(cls, frozenset(found)))
            for (iri, code), found in names.items()
            for cls in classes[iri] - {"LawEnforcementAgency"}
        ]
    )


def state_nodes(store: Store, ns: Namespaces, excluded: tuple[str, ...]) -> dict[str, str]:
    """The states described outside the ``excluded`` graphs, by code."""
    rows = select_rows(
        store,
        ns,
        f"SELECT ?state ?code WHERE {{ {outside(excluded, '?state a pkg:State', 'g')} "
        "?state pkg:stateCode ?code }",
    )
    return {row["code"]: row["state"] for row in rows}


def county_nodes(
    store: Store, ns: Namespaces, excluded: tuple[str, ...]
) -> dict[tuple[str, str], str]:
    """The counties described outside the ``excluded`` graphs, by state code and core name."""
    rows = select_rows(
        store,
        ns,
        f"""SELECT ?county ?label ?code WHERE {{ {outside(excluded, "?county a pkg:County", "g")}
        ?county rdfs:label ?label ; schema:containedInPlace/pkg:stateCode ?code }}""",
    )
    return {(row["code"], core_name(row["label"])): row["county"] for row in rows}


class Places:
    """States and counties: those of the graph, or new ones, described in the import's graph
    (which is left out of what is known: it is about to be replaced)."""

    def __init__(self, store: Store, ns: Namespaces, quads: Quads) -> None:
        self._ns, self._quads = ns, quads
        self._states = state_nodes(store, ns, (quads.graph,))
        self._counties = county_nodes(store, ns, (quads.graph,))
        self._written = set(self._states.values()) | set(self._counties.values())  # known

    def state(self, code: str) -> str:
        node = self._states.setdefault(code, self._ns.iri(f"id/place/state-{code.lower()}"))
        if node not in self._written:
            self._written.add(node)
            self._quads.add(node, RDF_TYPE, iri(self._ns.pkg + "State"))
            self._quads.add(node, RDFS_LABEL, text(STATES.get(code, code)))
            self._quads.add(node, self._ns.pkg + "stateCode", text(code, None))
        return node

    def county(self, code: str, name: str) -> str:
        key = (code, core_name(name))
        minted = self._ns.iri(f"id/place/county-{code.lower()}-{slug(key[1])}")
        node = self._counties.setdefault(key, minted)
        if node not in self._written:
            self._written.add(node)
            self._quads.add(node, RDF_TYPE, iri(self._ns.pkg + "County"))
            self._quads.add(node, RDFS_LABEL, text(name.title()))
            self._quads.add(node, SCHEMA + "containedInPlace", iri(self.state(code)))
        return node
