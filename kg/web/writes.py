"""What every write path shares: the bearer token, reading an RDF body, the 422 report."""

from __future__ import annotations

import json
import math

from flask import Response, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import TooManyRequests, Unauthorized, UnsupportedMediaType

from kg.service.validation import ValidationReport
from kg.service.write.contributions import PAYLOAD_FORMATS, parse_payload
from kg.service.write.gate import Triple
from kg.web import current
from kg.web.negotiation import choose

RDF_BODIES = PAYLOAD_FORMATS


def authorize() -> str:
    """The name of the bearer token presented; 401 without a known one, 429 when it writes
    faster than its rate allows."""
    tokens = current().tokens
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    name = tokens.identify(token.strip()) if scheme.lower() == "bearer" and token else None
    if name is None:
        reason = (
            "this server has no write tokens configured (KG_TOKENS)"
            if not tokens
            else "a write needs a valid bearer token (Authorization: Bearer …)"
        )
        raise Unauthorized(
            reason, www_authenticate=WWWAuthenticate("bearer", {"realm": "PolicyKG"})
        )
    wait = current().write_limiter.wait(name)
    if wait:
        raise TooManyRequests(
            f"token {name!r} writes faster than {current().settings.write_rate:g} per minute",
            retry_after=math.ceil(wait),
        )
    return name


def read_triples() -> list[Triple]:
    """The request body's triples; 415 for a media type that is not an RDF syntax we read."""
    fmt = RDF_BODIES.get(request.mimetype)
    if fmt is None:
        raise UnsupportedMediaType(
            f"unsupported media type {request.mimetype or '(none)'!r}; send one of: "
            f"{', '.join(RDF_BODIES)}"
        )
    return parse_payload(request.get_data(), fmt, current().settings.namespaces)


def refusal(report: ValidationReport, message: str) -> Response:
    """422 with the SHACL report: JSON by default, Turtle when asked."""
    if choose(["application/json", "text/turtle"]) == "text/turtle":
        return Response(report.to_turtle(), status=422, content_type="text/turtle; charset=utf-8")
    body = json.dumps({"error": message, **report.to_json()}, indent=2, ensure_ascii=False)
    return Response(body, status=422, content_type="application/json")
