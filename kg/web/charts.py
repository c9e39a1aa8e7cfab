"""The pictures of ICE's 287(g) program, drawn server-side as SVG (no script), every label
escaped: the program over time, and one agreement's listings as a strip."""

from __future__ import annotations

from markupsafe import Markup, escape

from kg.service.program import Program, Publication

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


def timeline_chart(shown: Program) -> Markup:
    """Agreements by model at each publication, participating as full lines and pending as
    dashed ones, along the publications in the order captured."""
    order = {p.iri: index for index, p in enumerate(shown.publications)}
    highest = max((n for points in shown.timeline.values() for _iri, n in points), default=1)
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
    firsts = [shown.publications[0], shown.publications[-1]] if shown.publications else []
    for publication in firsts:
        parts.append(
            f'<text class="tick" x="{x(publication.iri):.0f}" y="{MARGIN + plot_h + 16}" '
            f'text-anchor="middle">{escape(publication.published)}</text>'
        )
    keys = sorted(
        shown.timeline,
        key=lambda k: (k.split(": ")[0] != "participating", _rank(k.split(": ", 1)[1])),
    )
    for key in keys:
        kind, model = key.split(": ", 1)
        points = sorted(shown.timeline[key], key=lambda point: order[point[0]])
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
