"""The names PolicyKG composes for agencies only the FBI names, in a graph marked as its own.

The FBI's roster names a city's police by its city ("Douglas") and a sheriff's office by its
county: short forms no reader understands. An agency's shown name (``rdfs:label``) is the fullest
a source gives — the seed's, ICE's — and, where only the FBI names it, one composed here from
the FBI's name, the agency's kind and its state ("Douglas County Sheriff's Office"), in the graph
``graph/policykg/names``: derived from the roster, credited to PolicyKG, never to the FBI. The
FBI's short name stays an alternate name. Rebuilt after every import.
"""

from __future__ import annotations

import re
from collections import Counter

from kg.namespaces import Namespaces
from kg.service.imports import (
    DCT,
    PROV,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS,
    Quads,
    iri,
    replace_graphs,
    text,
    typed,
)
from kg.service.imports.kinds import (
    AIRPORT,
    CAMPUS,
    CITY_POLICE,
    CORRECTIONS,
    COUNTY_POLICE,
    PORT,
    SHERIFF,
    STATE,
    TRIBAL,
    kind_of_class,
)
from kg.service.imports.states import STATES
from kg.service.query.queries import select_rows
from kg.store import Store

GRAPH = "graph/policykg/names"
SOURCE = "id/source/policykg-names"
_SAYS_WHAT_IT_IS = {
    SHERIFF: r"\bsheriff",
    CITY_POLICE: r"\b(police|marshal|department|public safety|constable)",
    COUNTY_POLICE: r"\bpolice",
}
_IN_WORDS = {CAMPUS: "campus", AIRPORT: "airport", PORT: "port", TRIBAL: "tribal"}


def compose(name: str, kind: str, state: str) -> str:
    """A name that says what the agency is, from the FBI's ``name``, its ``kind`` and state."""
    said = re.search(_SAYS_WHAT_IT_IS.get(kind, r"\bpolice\b"), name, re.IGNORECASE)
    if kind == SHERIFF and not said:
        place = "" if re.search(r"\b(county|parish|borough)$", name, re.I) else " County"
        place = " Parish" if state == "LA" and place else place
        return f"{name}{place} Sheriff's Office"
    if kind == CITY_POLICE and not said:
        return f"{name} Police Department"
    if kind in (STATE, CORRECTIONS) and STATES.get(state, "").lower() not in name.lower():
        return f"{STATES.get(state, state)} {name}"
    if kind in _IN_WORDS and not said:
        return f"{name} ({_IN_WORDS[kind]} police)"
    return name


_UNNAMED = """
SELECT ?agency ?short ?class ?code ?county WHERE {
  GRAPH ?fbi { ?agency pkg:ori ?ori ; schema:alternateName ?short ; a ?class }
  FILTER (STRSTARTS(STR(?fbi), %(fbi)s))
  ?agency pkg:state/pkg:stateCode ?code .
  OPTIONAL { GRAPH ?fbi { ?agency pkg:county ?c } ?c rdfs:label ?county }
  FILTER NOT EXISTS { GRAPH ?named { ?agency rdfs:label ?label } FILTER (?named != <%(names)s>) }
}"""


def rebuild_names(store: Store, ns: Namespaces) -> int:
    """Composes the names of the agencies no source names in full; returns how many."""
    rows = select_rows(
        store, ns, _UNNAMED % {"fbi": f'"{ns.iri("graph/fbi-lee/")}"', "names": ns.iri(GRAPH)}
    )
    agencies: dict[str, dict] = {}
    for row in rows:
        found = agencies.setdefault(row["agency"], {**row, "classes": set(), "counties": set()})
        found["classes"].add(row["class"].rsplit("#", 1)[-1])
        if row.get("county"):
            found["counties"].add(row["county"])
    composed = {}
    for agency, row in agencies.items():
        classes = row["classes"] - {"LawEnforcementAgency"}
        kind = kind_of_class(min(classes), frozenset({row["short"]})) if classes else ""
        composed[agency] = compose(row["short"], kind, row["code"])
    # two agencies of a state under one composed name: each told apart by its county
    taken = Counter((agencies[a]["code"], name) for a, name in composed.items())
    quads = Quads(ns.iri(GRAPH))
    for agency, name in sorted(composed.items()):
        counties = sorted(agencies[agency]["counties"])
        if taken[(agencies[agency]["code"], name)] > 1 and counties:
            name = f"{name} ({', '.join(counties)})"
        quads.add(agency, RDFS_LABEL, text(name))
    meta = Quads(ns.meta_graph)
    _describe(meta, ns)
    replace_graphs(store, ns, [ns.iri(GRAPH)], [ns.iri(SOURCE)], quads.data() + meta.data())
    return len(composed)


def _describe(meta: Quads, ns: Namespaces) -> None:
    graph, source = ns.iri(GRAPH), ns.iri(SOURCE)
    meta.add(graph, RDF_TYPE, iri(ns.pkg + "SourceGraph"))
    meta.add(graph, RDFS_LABEL, text("Agency names composed by PolicyKG"))
    meta.add(graph, PROV + "wasDerivedFrom", iri(source))
    meta.add(source, RDF_TYPE, iri(ns.pkg + "Dataset"))
    meta.add(source, RDFS_LABEL, text("Agency names composed by PolicyKG"))
    meta.add(source, DCT + "title", text("Agency names composed by PolicyKG"))
    meta.add(source, SKOS + "notation", text("PolicyKG", None))
    meta.add(source, DCT + "issued", typed("2025-12-31", "date"))  # as of the roster it reads
    meta.add(
        source,
        DCT + "description",
        text(
            "Names PolicyKG composes, for agencies no source names in full, from the FBI's short "
            "name, the agency's kind and its state: PolicyKG's wording, not the FBI's."
        ),
    )
    meta.add(source, PROV + "wasDerivedFrom", iri(ns.iri("id/source/fbi-lee-2025")))
