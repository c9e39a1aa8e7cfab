"""The SPARQL 1.1 Protocol at /sparql (queries and updates) and /update (updates).

https://www.w3.org/TR/sparql11-protocol/ — queries by GET, by POST of a form, or by POST of
``application/sparql-query``; updates by POST of a form or of ``application/sparql-update``,
with a bearer token. GET /sparql without a query returns the service description.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, g, render_template, request, url_for
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from kg.formats import (
    GRAPH_FALLBACKS,
    GRAPH_MEDIA_TYPES,
    RESULTS_MEDIA_TYPES,
    QueryResultsFormat,
    RdfFormat,
)
from kg.service.query.description import service_description
from kg.service.query.queries import query_form
from kg.service.query.runner import QueryRequest
from kg.service.write.updates import GateRefusal, gated_update
from kg.web import current
from kg.web.caching import cached_page
from kg.web.clients import client
from kg.web.negotiation import choose
from kg.web.writes import authorize_editor, refusal

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
DESCRIPTION_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")  # the query forms whose answer is a graph
ANY_ORIGIN = ("Access-Control-Allow-Origin", "*")  # CORS of every read


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" or "update"
    text: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None


@blueprint.route("/sparql", methods=["GET", "POST"], provide_automatic_options=False)
@cached_page  # a query asked by GET, answered whole, is kept like a page
def sparql() -> Response:
    operation = _read_operation()
    if operation is None:
        return _description()
    if operation.kind == "update":
        authorize_editor("run SPARQL Update")
        return _update(operation)
    return _query(operation)


@blueprint.route("/update", methods=["POST"], provide_automatic_options=False)
def update() -> Response:
    # everything sent here is a write: who may write is asked before what it is
    authorize_editor("run SPARQL Update")
    operation = _read_operation()
    if operation is None or operation.kind != "update":
        raise BadRequest("POST an update: update=… in a form, or an application/sparql-update body")
    return _update(operation)


@blueprint.route("/sparql", methods=["OPTIONS"])
@blueprint.route("/update", methods=["OPTIONS"])
def preflight() -> Response:
    """CORS preflight: reads may come from any origin; the token header is not allowed."""
    methods = "GET, POST, HEAD, OPTIONS" if request.path == "/sparql" else "POST, OPTIONS"
    headers = {"Allow": methods}
    if request.path == "/sparql":
        headers |= {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET, POST, HEAD",
            "Access-Control-Allow-Headers": "Accept, Content-Type",
            "Access-Control-Max-Age": "86400",
        }
    return Response(status=204, headers=headers)


@blueprint.after_app_request
def allow_reads_from_any_origin(response: Response) -> Response:
    """CORS for reads only: queries, the service description, pages — never writes."""
    if request.method in ("GET", "HEAD") or g.get("operation_kind") == "query":
        response.headers.setdefault(*ANY_ORIGIN)
    return response


def _read_operation() -> Operation | None:
    """The query or update the request carries, per the protocol; None for a bare GET."""
    if request.method in ("GET", "HEAD"):
        if "update" in request.args:
            raise BadRequest("a SPARQL update must be sent by POST, not GET")
        text = _single(request.args, "query")
        return None if text is None else _operation("query", text, request.args)
    mimetype = request.mimetype
    if mimetype == FORM:
        query, update_text = _single(request.form, "query"), _single(request.form, "update")
        if query is not None and update_text is not None:
            raise BadRequest("send either query or update, not both")
        if query is None and update_text is None:
            raise BadRequest("missing parameter: query (or update)")
        kind, text = ("query", query) if query is not None else ("update", update_text)
        return _operation(kind, text, request.form, request.args)
    if mimetype in (QUERY_BODY, UPDATE_BODY):
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the request body is not UTF-8") from None
        return _operation("query" if mimetype == QUERY_BODY else "update", text, request.args)
    raise UnsupportedMediaType(
        f"unsupported request media type {mimetype or '(none)'!r}; send {FORM}, {QUERY_BODY} "
        f"or {UPDATE_BODY}"
    )


def _single(values, name: str) -> str | None:
    given = values.getlist(name)
    if len(given) > 1:
        raise BadRequest(f"the {name} parameter is repeated; send exactly one")
    return given[0] if given else None


def _operation(kind: str, text: str, *sources) -> Operation:
    g.operation_kind = kind

    def listed(name: str) -> tuple[str, ...] | None:
        found = [iri for source in sources for iri in source.getlist(name)]
        return tuple(found) if found else None

    if kind == "update" and any(
        listed(name) for name in ("using-graph-uri", "using-named-graph-uri")
    ):
        raise BadRequest(
            "using-graph-uri and using-named-graph-uri are not supported; "
            "write USING in the update instead"
        )
    return Operation(kind, text, listed("default-graph-uri"), listed("named-graph-uri"))


def _query(operation: Operation) -> Response:
    app = current()
    form = query_form(operation.text)
    media_type, fmt = serialization(form, choose(offered_for(form)))
    chunks = app.runner.run(
        QueryRequest(
            operation.text,
            fmt,
            base_iri=app.settings.base,
            default_graphs=operation.default_graphs,
            named_graphs=operation.named_graphs,
        ),
        client=client(),
    )
    headers = {"Vary": "Accept"}
    return Response(chunks, content_type=with_charset(media_type), headers=headers)


def offered_for(form: str | None) -> tuple[str, ...]:
    """The media types a query of this form (SELECT, ASK, CONSTRUCT…) may be asked for, in
    order of preference: a graph's formats, then the results' names taken to mean them."""
    if form in GRAPH_FORMS:
        return (*GRAPH_MEDIA_TYPES, *GRAPH_FALLBACKS)
    return tuple(RESULTS_MEDIA_TYPES)


def serialization(form: str | None, chosen: str) -> tuple[str, RdfFormat | QueryResultsFormat]:
    """The media type sent for the one chosen among ``offered_for(form)``, and its format."""
    if form in GRAPH_FORMS:
        media_type = GRAPH_FALLBACKS.get(chosen, chosen)
        return media_type, GRAPH_MEDIA_TYPES[media_type]
    return chosen, RESULTS_MEDIA_TYPES[chosen]


def _update(operation: Operation) -> Response:
    """Applies an authorized update through the validation gate: 204, or 422 with the
    report."""
    app = current()
    try:
        gated_update(
            app.store,
            app.settings.namespaces,
            operation.text,
            allowed_services=app.settings.allowed_services,
        )
    except GateRefusal as refused:
        return refusal(refused.report, str(refused))
    return Response(status=204)


def _description() -> Response:
    app = current()
    media_type = choose(["text/html", *DESCRIPTION_TYPES])
    endpoint = url_for("sparql.sparql", _external=True)
    description = service_description(
        app.store, app.settings.namespaces, endpoint, federated=bool(app.settings.allowed_services)
    )
    headers = {"Vary": "Accept"}
    if media_type == "text/html":
        turtle = description.serialize(format="turtle")
        return Response(
            render_template("service.html", endpoint=endpoint, turtle=turtle),
            content_type="text/html; charset=utf-8",
            headers=headers,
        )
    body = description.serialize(format=DESCRIPTION_TYPES[media_type])
    return Response(body, content_type=with_charset(media_type), headers=headers)


def with_charset(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type
