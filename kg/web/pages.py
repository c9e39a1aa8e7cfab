"""The query page: a SPARQL editor with the named questions as examples."""

from __future__ import annotations

from flask import Blueprint, render_template

from kg.service.queries import named_queries
from kg.web import current

blueprint = Blueprint("pages", __name__)

STARTER = """SELECT ?statement ?speaker ?date ?text WHERE {
  ?statement a pkg:Quote ; schema:text ?text ; dct:date ?date ;
             pkg:speaker/rdfs:label ?speaker .
}
ORDER BY ?date"""


@blueprint.get("/")
def index() -> str:
    ns = current().settings.namespaces
    queries = list(named_queries().values())
    config = {
        "base": ns.base,
        "examples": {query.name: query.text(ns) for query in queries},
    }
    return render_template(
        "index.html",
        queries=queries,
        prefixes=ns.prefixes,
        initial_query=ns.sparql_prologue() + "\n" + STARTER,
        config=config,
    )
