"""The pictures of ICE's 287(g) program, drawn server-side as SVG (no script), every label
escaped: the program over time, and one agreement's listings as a strip."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from kg.service.publish.program import Publication

STRIP_STEP, STRIP_LANE = 5, 9
CHART_WIDTH, CHART_HEIGHT, MARGIN = 760, 300, 44
SERIES_ORDER = ["task force", "warrant service officer", "jail enforcement"]


def listing_strip(publications: list[Publication], listed: set[str]) -> Markup:
    """One cell per publication, in the order captured, in the lane of its kind (participating
    above, pending below): filled where the publication lists the agreement."""
    width = STRIP_STEP * len(publications) + 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="strip" viewBox="0 0 {width} '
        f'{2 * STRIP_LANE + 3}" width="{width * 2}" height="{(2 * STRIP_LANE + 3) * 2}" '
        'role="img" aria-label="Listed by ICE in its publications of participating agencies '
        '(top) and pending agencies (bottom), oldest first">'
    ]
    for index, publication in enumerate(publications):
        lane = 0 if publication.kind == "participating" else 1
        state = publication.kind if publication.iri in listed else "absent"
        words = "lists it" if publication.iri in listed else "does not list it"
        parts.append(
            f'<rect class="{state}" x="{1 + index * STRIP_STEP}" y="{1 + lane * (STRIP_LANE + 1)}"'
            f' width="{STRIP_STEP - 1}" height="{STRIP_LANE}"><title>'
            f"{escape(publication.published)} ({escape(publication.kind)}): {words}"
            "</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def timeline_chart(
    publications: list[Publication], timeline: dict[str, list[tuple[str, int]]]
) -> Markup:
    """Agreements at each publication, one line per "kind: model" of ``timeline``, participating
    as full lines and pending as dashed ones, along the publications in the order captured."""
    order = {p.iri: index for index, p in enumerate(publications)}
    highest = max((n for points in timeline.values() for _iri, n in points), default=1) or 1
    plot_w, plot_h = CHART_WIDTH - 2 * MARGIN, CHART_HEIGHT - 2 * MARGIN

    def x(iri: str) -> float:
        return MARGIN + plot_w * order[iri] / max(1, len(order) - 1)

    def y(count: int) -> float:
        return MARGIN + plot_h * (1 - count / highest)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="program-chart" viewBox="0 0 {CHART_WIDTH} '
        f'{CHART_HEIGHT}" role="img" aria-label="287(g) agreements ICE listed at each '
        'publication, by model, participating and pending">',
        f'<line class="axis" x1="{MARGIN}" y1="{MARGIN + plot_h}" x2="{MARGIN + plot_w}" '
        f'y2="{MARGIN + plot_h}"/>',
        f'<line class="axis" x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{MARGIN + plot_h}"/>',
    ]
    for tick in sorted({0, highest // 2, highest}):
        parts.append(
            f'<text class="tick" x="{MARGIN - 6}" y="{y(tick) + 4:.0f}" text-anchor="end">'
            f"{tick}</text>"
        )
    firsts = [publications[0], publications[-1]] if publications else []
    for publication in firsts:
        parts.append(
            f'<text class="tick" x="{x(publication.iri):.0f}" y="{MARGIN + plot_h + 16}" '
            f'text-anchor="middle">{escape(publication.published)}</text>'
        )
    keys = sorted(
        timeline,
        key=lambda k: (k.split(": ")[0] != "participating", _rank(k.split(": ", 1)[1])),
    )
    for key in keys:
        kind, model = key.split(": ", 1)
        points = sorted(timeline[key], key=lambda point: order[point[0]])
        path = " ".join(f"{x(iri):.1f},{y(n):.1f}" for iri, n in points)
        parts.append(
            f'<polyline class="series model-{_rank(model)} {kind}" points="{path}">'
            f"<title>{escape(key)}: {points[-1][1]} in the latest</title></polyline>"
        )
    parts.append(_legend(keys))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(keys: list[str]) -> str:
    items = []
    for number, key in enumerate(keys):
        kind, model = key.split(": ", 1)
        left = MARGIN + (number % 3) * 230
        top = 12 + (number // 3) * 14
        items.append(
            f'<line class="series model-{_rank(model)} {kind}" x1="{left}" y1="{top - 4}" '
            f'x2="{left + 18}" y2="{top - 4}"/><text class="legend" x="{left + 24}" y="{top}">'
            f"{escape(key)}</text>"
        )
    return "".join(items)


def _rank(model: str) -> int:
    return SERIES_ORDER.index(model) if model in SERIES_ORDER else len(SERIES_ORDER)


# A tile grid of the states (column, row): every state the same size, near its neighbours.
TILES = {
    "AK": (0, 0), "ME": (10, 0), "VT": (9, 1), "NH": (10, 1),
    "WA": (0, 2), "ID": (1, 2), "MT": (2, 2), "ND": (3, 2), "MN": (4, 2), "IL": (5, 2),
    "WI": (6, 2), "MI": (7, 2), "NY": (8, 2), "RI": (9, 2), "MA": (10, 2),
    "OR": (0, 3), "NV": (1, 3), "WY": (2, 3), "SD": (3, 3), "IA": (4, 3), "IN": (5, 3),
    "OH": (6, 3), "PA": (7, 3), "NJ": (8, 3), "CT": (9, 3),
    "CA": (0, 4), "UT": (1, 4), "CO": (2, 4), "NE": (3, 4), "MO": (4, 4), "KY": (5, 4),
    "WV": (6, 4), "VA": (7, 4), "MD": (8, 4), "DE": (9, 4),
    "AZ": (1, 5), "NM": (2, 5), "KS": (3, 5), "AR": (4, 5), "TN": (5, 5), "NC": (6, 5),
    "SC": (7, 5), "DC": (8, 5),
    "OK": (3, 6), "LA": (4, 6), "MS": (5, 6), "AL": (6, 6), "GA": (7, 6),
    "HI": (0, 7), "TX": (3, 7), "FL": (8, 7), "PR": (10, 7),
}  # fmt: skip
TILE = 52
SHADES = 5


def state_map(by_state: dict[str, int], names: dict[str, str]) -> Markup:
    """The states as tiles, each shaded by its count and linked to its page."""
    highest = max(by_state.values(), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="state-map" viewBox="0 0 {11 * TILE} '
        f'{8 * TILE}" role="img" aria-label="287(g) agreements in ICE\'s latest publication, '
        'by state">'
    ]
    for code, (column, row) in TILES.items():
        count = by_state.get(code, 0)
        # on a log scale: Florida's 300 would leave every other state pale on a linear one
        scaled = math.log1p(count) / math.log1p(highest)
        shade = 0 if not count else 1 + min(SHADES - 1, int(SHADES * scaled))
        x, y = column * TILE, row * TILE
        label = f"{names.get(code, code)}: {count} agreement{'s' if count != 1 else ''}"
        parts.append(
            f'<a href="/state/{code}"><rect class="shade-{shade}" x="{x + 2}" y="{y + 2}" '
            f'width="{TILE - 4}" height="{TILE - 4}" rx="4"><title>{escape(label)}</title></rect>'
            f'<text class="code" x="{x + TILE / 2}" y="{y + 22}">{code}</text>'
            f'<text class="count" x="{x + TILE / 2}" y="{y + 39}">{count or ""}</text></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
