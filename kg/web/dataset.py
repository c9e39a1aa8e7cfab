"""The dataset as a whole: dumps, VoID and the JSON-LD context.

Dumps stream from the store in constant memory, gzipped when the client accepts it, with an
ETag and Last-Modified from the store's generation so a client can revalidate (304).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator

from flask import Blueprint, Response, abort, render_template, request

from kg.service.publish.export import DUMPS, export
from kg.service.publish.serialize import jsonld_context
from kg.service.publish.void import void_description
from kg.web import current
from kg.web.caching import is_fresh, validators
from kg.web.negotiation import choose
from kg.web.rdf_output import RDF_MEDIA_TYPES, content_type, rdf_response

blueprint = Blueprint("dataset", __name__)


@blueprint.get("/dumps")
def dumps_index() -> str:
    return render_template("dumps.html", dumps=DUMPS)


@blueprint.get("/dumps/policykg.<extension>")
def dump(extension: str) -> Response:
    if extension not in DUMPS:
        abort(404, f"no dump in that format; available: {', '.join(DUMPS)}")
    app = current()
    fmt, media_type = DUMPS[extension]
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    headers = {
        **validators(f"{extension}{'-gz' if gzipped else ''}"),
        "Vary": "Accept-Encoding",
        "Content-Disposition": f'inline; filename="policykg.{extension}"',
    }
    if is_fresh(headers):
        return Response(status=304, headers=headers)
    chunks = app.runner.stream(
        lambda output: export(app.store, output, fmt, app.settings.namespaces)
    )
    if gzipped:
        chunks = _gzip(chunks)
        headers["Content-Encoding"] = "gzip"
    return Response(chunks, content_type=content_type(media_type), headers=headers)


def _gzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    for chunk in chunks:
        if compressed := compressor.compress(chunk):
            yield compressed
    yield compressor.flush()


@blueprint.get("/.well-known/void")
def void() -> Response:
    app = current()
    media_type = choose(
        [t for t in RDF_MEDIA_TYPES if t != "application/n-triples"] + ["application/n-triples"]
    )
    graph = void_description(app.store, app.settings.namespaces, request.host_url.rstrip("/"))
    return rdf_response(graph, media_type, {"Vary": "Accept"})


@blueprint.get("/context.jsonld")
def context() -> Response:
    body = json.dumps({"@context": jsonld_context(current().settings.namespaces)}, indent=2)
    return Response(
        body, content_type="application/ld+json", headers={"Access-Control-Allow-Origin": "*"}
    )
