"""Dereferencing: every IRI under the base is served at the server's own path.

``BASE + X`` is answered at ``/X``. Content negotiation picks the page (text/html) or the
description (Turtle, JSON-LD, N-Triples, RDF/XML); the same documents sit at extension URLs
(``.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``). We answer 200 with ``Content-Location``
naming the document sent, rather than 303-redirecting (W3C "Cool URIs", both are allowed):
one round trip, and every client follows it. Hash IRIs (``…/ontology#Policy``) are served by
their document (``/ontology``). An unknown IRI is a 404, as a page or as RDF by Accept.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from rdflib import Graph

from kg.service.publish.describe import describe, is_iri
from kg.service.publish.entities import entity_page
from kg.service.publish.ontology import ontology_graph, ontology_terms
from kg.web import current
from kg.web.caching import cached_page
from kg.web.negotiation import choose
from kg.web.rdf_output import RDF_EXTENSIONS, RDF_MEDIA_TYPES, rdf_response
from kg.web.svg import neighbourhood

blueprint = Blueprint("linked_data", __name__)

PAGE_EXTENSIONS = {".html": "text/html", **RDF_EXTENSIONS}
OFFERED = ["text/html", *RDF_MEDIA_TYPES]


def _split_extension(path: str) -> tuple[str, str | None]:
    for extension, media_type in PAGE_EXTENSIONS.items():
        if path.endswith(extension):
            return path.removesuffix(extension), media_type
    return path, None


def _representation(path: str) -> tuple[str, str]:
    """The resource's path and the media type to send: fixed by an extension, else chosen."""
    resource, fixed = _split_extension(path)
    return resource, fixed or choose(OFFERED)


def _location(resource: str, media_type: str) -> str:
    extension = next(ext for ext, kind in PAGE_EXTENSIONS.items() if kind == media_type)
    return f"/{resource}{extension}"


@blueprint.route("/ontology", defaults={"path": "ontology"})
@blueprint.route("/<path:path>")
@cached_page
def resource(path: str) -> Response:
    app = current()
    ns = app.settings.namespaces
    resource_path, media_type = _representation(path)
    if resource_path == "ontology":
        return _ontology(media_type)
    iri = ns.iri(resource_path)
    if not is_iri(iri):  # nothing can be said of it
        return _not_found(iri, media_type)
    headers = {"Vary": "Accept", "Content-Location": _location(resource_path, media_type)}
    if media_type == "text/html":
        page = entity_page(app.store, ns, iri)
        if page is None:
            return _not_found(iri, media_type)
        html = render_template(
            "entity.html", page=page, resource=resource_path, picture=neighbourhood(page, ns)
        )
        return Response(html, content_type="text/html; charset=utf-8", headers=headers)
    graph = describe(app.store, ns, iri)
    if graph is None:
        return _not_found(iri, media_type)
    return rdf_response(graph, media_type, headers)


def _ontology(media_type: str) -> Response:
    app = current()
    ns = app.settings.namespaces
    headers = {"Vary": "Accept", "Content-Location": _location("ontology", media_type)}
    if media_type == "text/html":
        terms = ontology_terms(app.store, ns)
        html = render_template("ontology.html", terms=terms, namespace=ns.pkg)
        return Response(html, content_type="text/html; charset=utf-8", headers=headers)
    return rdf_response(ontology_graph(app.store, ns), media_type, headers)


def _not_found(iri: str, media_type: str) -> Response:
    if media_type == "text/html":
        html = render_template("not_found.html", iri=iri)
        return Response(
            html, status=404, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"}
        )
    return rdf_response(Graph(), media_type, {"Vary": "Accept"}, status=404)
