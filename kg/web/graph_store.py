"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graphs (indirect identification).

``?graph=IRI`` or ``?default`` names the graph. GET and HEAD read it (Turtle, N-Triples,
JSON-LD or RDF/XML by Accept); PUT replaces it, POST adds to it, DELETE drops it — writes need
a token and pass the validation gate (422 with the report when they would break the shapes).
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, Conflict, NotFound

from kg.namespaces import is_iri
from kg.service.write import graph_store
from kg.service.write.updates import GateRefusal
from kg.store import StoreConflictError
from kg.web import current
from kg.web.negotiation import choose
from kg.web.rdf_output import RDF_MEDIA_TYPES, rdf_response
from kg.web.writes import authorize_editor, read_triples, refusal

blueprint = Blueprint("graph_store", __name__)


def _graph() -> str | None:
    """The graph the request names: an IRI, or None for the default graph."""
    names = request.args.getlist("graph")
    if "default" in request.args:
        if names:
            raise BadRequest("name either ?graph=IRI or ?default, not both")
        return None
    if len(names) != 1:
        raise BadRequest("name one graph: ?graph=IRI, or ?default")
    if not is_iri(names[0]):
        raise BadRequest(f"the graph name must be an absolute IRI: {names[0]!r}")
    return names[0]


@blueprint.route("/rdf-graphs", methods=["GET", "HEAD"])
def get() -> Response:
    graph = _graph()
    media_type = choose(RDF_MEDIA_TYPES)
    try:
        document = graph_store.read(current().store, graph)
    except graph_store.NoSuchGraphError as error:
        raise NotFound(str(error)) from None
    return rdf_response(document, media_type, {"Vary": "Accept"})


@blueprint.route("/rdf-graphs", methods=["PUT", "POST", "DELETE"])
def write() -> Response:
    authorize_editor("write graphs through the Graph Store Protocol")
    app = current()
    ns = app.settings.namespaces
    graph = _graph()
    try:
        if request.method == "DELETE":
            graph_store.drop(app.store, ns, graph)
            return Response(status=204)
        triples = read_triples()
        operation = graph_store.replace if request.method == "PUT" else graph_store.add
        created = operation(app.store, ns, graph, triples)
    except GateRefusal as refused:
        return refusal(refused.report, str(refused))
    except graph_store.NoSuchGraphError as error:
        raise NotFound(str(error)) from None
    except StoreConflictError as error:
        raise Conflict(str(error)) from None
    return Response(status=201 if created else 204)
