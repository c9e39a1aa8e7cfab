"""The page of ICE's 287(g) program over time: /287g."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template

from kg.service.publish.program import program
from kg.service.query.queries import named_query
from kg.web import current
from kg.web.caching import cached_page
from kg.web.charts import timeline_chart

blueprint = Blueprint("program", __name__)

DOWNLOADS = ["287g-listings", "287g-publications", "287g-timeline", "287g-removed", "287g-added"]


@blueprint.get("/287g")
@cached_page
def page() -> str:
    app = current()
    ns = app.settings.namespaces
    shown = program(app.store, ns)
    downloads = {  # each named query's answer as CSV, from the endpoint
        name: "/sparql?" + urlencode({"query": named_query(name).text(ns), "format": "csv"})
        for name in DOWNLOADS
    }
    return render_template(
        "program.html",
        program=shown,
        chart=timeline_chart(shown.publications, shown.timeline),
        downloads=downloads,
    )
