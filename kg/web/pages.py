"""The pages for people: the front page (/), the state pages (/state/XX), and the query page
(/query), a SPARQL editor with the named questions as examples."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.exceptions import NotFound

from kg.service.imports.states import STATES
from kg.service.publish.overview import UnknownStateError, overview, state_page
from kg.service.query.queries import named_queries
from kg.web import current
from kg.web.caching import cached_page
from kg.web.charts import state_map, timeline_chart

blueprint = Blueprint("pages", __name__)

STARTER = """SELECT ?statement ?speaker ?date ?text WHERE {
  ?statement a pkg:Quote ; schema:text ?text ; dct:date ?date ;
             pkg:speaker/rdfs:label ?speaker .
}
ORDER BY ?date"""


@blueprint.get("/")
@cached_page
def index() -> str:
    app = current()
    shown = overview(app.store, app.settings.namespaces)
    return render_template(
        "front.html",
        overview=shown,
        chart=timeline_chart(shown.publications, shown.timeline),
        map=state_map(shown.by_state, STATES),
    )


@blueprint.get("/state/<code>")
@cached_page
def state(code: str) -> str:
    app = current()
    try:
        shown = state_page(app.store, app.settings.namespaces, code)
    except UnknownStateError as error:
        raise NotFound(str(error)) from None
    return render_template(
        "state.html", state=shown, chart=timeline_chart(shown.publications, shown.timeline)
    )


@blueprint.get("/query")
def query() -> str:
    ns = current().settings.namespaces
    queries = list(named_queries().values())
    config = {
        "base": ns.base,
        "examples": {query.name: query.text(ns) for query in queries},
    }
    return render_template(
        "query.html",
        queries=queries,
        prefixes=ns.prefixes,
        initial_query=ns.sparql_prologue() + "\n" + STARTER,
        config=config,
    )
