"""ICE's 287(g) program over time, for pages: the publications in order, what each lists by
model, the latest additions and removals, and an agreement's listings."""

from __future__ import annotations

from dataclasses import dataclass

from kg.namespaces import Namespaces
from kg.service.cache import per_generation
from kg.service.query.queries import named_rows, select_rows
from kg.store import Store


@dataclass(frozen=True)
class Publication:
    iri: str
    kind: str  # participating, pending
    published: str  # "2025-07-03 pm"
    captured: str  # xsd:dateTime, or "" when unknown
    agreements: int


@per_generation
def publications(store: Store, ns: Namespaces) -> list[Publication]:
    """Every publication of ICE's two sheets, in the order they were captured."""
    return [
        Publication(
            row["publication"],
            row["kind"],
            row["published"],
            row.get("captured") or "",
            int(row["agreements"]),
        )
        for row in named_rows(store, ns, "287g-publications")
    ]


@dataclass
class Program:
    """What the /287g page shows."""

    publications: list[Publication]
    timeline: dict[str, list[tuple[str, int]]]  # "participating: task force" → (IRI, count)…
    by_state: list[dict]
    added: list[dict]
    removed: list[dict]


@per_generation
def program(store: Store, ns: Namespaces) -> Program:
    shown = publications(store, ns)
    by_published = {(p.published, p.captured, p.kind): p.iri for p in shown}
    timeline: dict[str, list[tuple[str, int]]] = {}
    for row in named_rows(store, ns, "287g-timeline"):
        key = by_published[(row["published"], row.get("captured") or "", row["kind"])]
        timeline.setdefault(f"{row['kind']}: {row['model']}", []).append(
            (key, int(row["agreements"]))
        )
    return Program(
        shown,
        timeline,
        named_rows(store, ns, "287g-by-state"),
        named_rows(store, ns, "287g-added"),
        named_rows(store, ns, "287g-removed"),
    )


def listings(store: Store, ns: Namespaces, agreements: list[str]) -> dict[str, set[str]]:
    """The publications that list each of ``agreements``."""
    if not agreements:
        return {}
    values = " ".join(f"<{iri}>" for iri in agreements)
    rows = select_rows(
        store,
        ns,
        f"""SELECT ?agreement ?p WHERE {{ VALUES ?agreement {{ {values} }}
            ?agreement pkg:listedIn ?p }}""",
    )
    found: dict[str, set[str]] = {iri: set() for iri in agreements}
    for row in rows:
        found[row["agreement"]].add(row["p"])
    return found
