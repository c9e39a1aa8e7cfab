"""Sending an rdflib graph as a response, in the syntax negotiated."""

from __future__ import annotations

from flask import Response
from rdflib import Graph

from kg.service.publish.serialize import DOCUMENT_FORMATS, serialize
from kg.web import current

RDF_MEDIA_TYPES = list(DOCUMENT_FORMATS)
RDF_EXTENSIONS = {
    extension: media_type for media_type, (_name, extension) in DOCUMENT_FORMATS.items()
}


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def rdf_response(
    graph: Graph, media_type: str, headers: dict[str, str] | None = None, status: int = 200
) -> Response:
    body = serialize(graph, media_type, current().settings.namespaces)
    return Response(
        body, status=status, content_type=content_type(media_type), headers=headers or {}
    )
