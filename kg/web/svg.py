"""A small picture of an entity's neighbourhood: the entity at the centre, the entities it
links to and that link to it around it, each edge labelled. Drawn server-side as SVG (no
script), every label escaped."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from kg.namespaces import Namespaces
from kg.service.publish.entities import EntityPage

WIDTH, HEIGHT, RADIUS = 720, 460, 175
MAX_NEIGHBOURS = 14
SKIPPED = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}


def local_href(iri: str, ns: Namespaces) -> str:
    """Where this server publishes an IRI: its path when minted here, else the IRI itself."""
    return "/" + iri[len(ns.base) :] if iri.startswith(ns.base) else iri


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def neighbourhood(page: EntityPage, ns: Namespaces) -> Markup:
    edges: list[tuple[str, str, str, bool]] = []  # (predicate, label, iri, outgoing)
    seen: set[str] = set()
    for facts, outgoing in ((page.facts, True), (page.incoming, False)):
        for fact in facts:
            iri = fact.value.iri
            if iri is None or fact.predicate.iri in SKIPPED or iri in seen:
                continue
            seen.add(iri)
            edges.append((fact.predicate.text, fact.value.text, iri, outgoing))
    edges = edges[:MAX_NEIGHBOURS]
    cx, cy = WIDTH / 2, HEIGHT / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="neighbourhood" role="img" aria-label="{escape(page.label)} and the entities '
        'it is linked to">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        "</defs>",
    ]
    for index, (predicate, label, iri, outgoing) in enumerate(edges):
        angle = 2 * math.pi * index / max(1, len(edges)) - math.pi / 2
        x, y = cx + RADIUS * 1.55 * math.cos(angle), cy + RADIUS * math.sin(angle)
        start, end = ((cx, cy), (x, y)) if outgoing else ((x, y), (cx, cy))
        parts.append(
            f'<line x1="{start[0]:.0f}" y1="{start[1]:.0f}" x2="{end[0]:.0f}" '
            f'y2="{end[1]:.0f}" marker-end="url(#arrow)"/>'
        )
        parts.append(
            f'<text class="edge" x="{(cx + x) / 2:.0f}" y="{(cy + y) / 2 - 4:.0f}">'
            f"{escape(_clip(predicate, 24))}</text>"
        )
        parts.append(
            f'<a href="{escape(local_href(iri, ns))}"><circle cx="{x:.0f}" cy="{y:.0f}" '
            f'r="6"/><text x="{x:.0f}" y="{y + 18:.0f}">{escape(_clip(label, 30))}</text>'
            f"<title>{escape(label)}</title></a>"
        )
    parts.append(
        f'<circle class="centre" cx="{cx:.0f}" cy="{cy:.0f}" r="10"/>'
        f'<text class="centre" x="{cx:.0f}" y="{cy + 26:.0f}">'
        f"{escape(_clip(page.label, 40))}</text></svg>"
    )
    return Markup("".join(parts))
