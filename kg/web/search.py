"""Search: /search?q=TEXT, a page of results or JSON (Accept or format=json), best first."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from werkzeug.exceptions import BadRequest

from kg.service.search import SearchError
from kg.web import current
from kg.web.caching import cached_page
from kg.web.negotiation import choose
from kg.web.svg import local_href

blueprint = Blueprint("search", __name__)


@blueprint.get("/search")
@cached_page
def search():
    text = request.args.get("q", "")
    kind = request.args.get("kind") or None
    given = request.args.get("format")
    if given not in (None, "json", "html"):
        raise BadRequest(f"unknown format {given!r}; known: html, json")
    wants_json = given == "json" or (
        given is None and choose(["text/html", "application/json"]) == "application/json"
    )
    try:
        limit = int(request.args.get("limit", "20"))
        hits = current().search.search(text, kind=kind, limit=limit)
    except ValueError as error:  # SearchError, or a limit that is not a number
        raise BadRequest(
            str(error) if isinstance(error, SearchError) else "limit must be a number"
        ) from None
    if wants_json:
        ns = current().settings.namespaces
        results = [hit.to_json() | {"page": local_href(hit.iri, ns)} for hit in hits]
        return jsonify({"query": text, "results": results})
    return render_template("search.html", query=text, kind=kind, hits=hits)
