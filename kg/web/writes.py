"""What the write paths share: the bearer token, reading an RDF body, the 422 report, and
the page asked of their listings (contributions, proposals)."""

from __future__ import annotations

import json
import math

from flask import Response, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)

from kg.service.write.contributions import PAYLOAD_FORMATS, parse_payload
from kg.service.write.gate import Triple
from kg.service.write.validation import ValidationReport
from kg.web import current
from kg.web.auth import Identity
from kg.web.negotiation import choose

RDF_BODIES = PAYLOAD_FORMATS


def bearer() -> Identity | None:
    """Who the bearer token presented belongs to, if anyone."""
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return (
        current().tokens.identify(token.strip()) if scheme.lower() == "bearer" and token else None
    )


def identity() -> Identity:
    """Who the bearer token presented belongs to; 401 without a known one."""
    tokens = current().tokens
    found = bearer()
    if found is None:
        reason = (
            "this server has no write tokens configured (KG_TOKENS)"
            if not tokens
            else "a write needs a valid bearer token (Authorization: Bearer …)"
        )
        raise Unauthorized(
            reason, www_authenticate=WWWAuthenticate("bearer", {"realm": "PolicyKG"})
        )
    return found


def authorize() -> Identity:
    """Who may write this: the bearer token's holder; 401 without a known token, 429 when it
    writes faster than its rate allows."""
    writer = identity()
    wait = current().write_limiter.wait(writer.name)
    if wait:
        raise TooManyRequests(
            f"token {writer.name!r} writes faster than {current().settings.write_rate:g} "
            "per minute",
            retry_after=math.ceil(wait),
        )
    return writer


def authorize_editor(action: str) -> Identity:
    """As authorize, and 403 unless the token is an editor's: ``action`` says what was
    refused."""
    writer = authorize()
    if not writer.is_editor:
        raise Forbidden(
            f"token {writer.name!r} is a contributor's: only an editor may {action} "
            "(a contributor proposes facts with POST /assertions)"
        )
    return writer


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


def page_number() -> int:
    """The ``page`` asked (1 by default); 400 unless a number."""
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        raise BadRequest("page must be a number") from None


def json_response(value, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(value, indent=2, ensure_ascii=False),
        status=status,
        content_type="application/json",
        headers=headers or {},
    )
