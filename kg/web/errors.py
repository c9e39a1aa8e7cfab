"""Errors as HTTP answers: each kind its own status, a message that names the problem.

Bad input is a 4xx with the parser's message; a query that runs too long a 503; a store that
cannot serve a 503; anything unexpected a 500 — never a server fault disguised as a 400.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, has_request_context, render_template, request
from werkzeug.exceptions import HTTPException

from kg.formats import UnknownFormatError
from kg.rdfio import ParseError
from kg.service.query.queries import ForbiddenQueryError
from kg.service.query.runner import FairShareError, QueryTimeoutError
from kg.service.write.contributions import AlreadyContributedError, ContributionError
from kg.service.write.proposals import DecidedError, NotYoursError, ProposalError, ReasonError
from kg.service.write.updates import UnsupportedUpdateError
from kg.store import (
    QueryBudgetError,
    QueryMemoryError,
    QuerySyntaxError,
    StoreConflictError,
    StoreError,
    StoreLockedError,
)
from kg.web.operations import METRICS

log = logging.getLogger("kg.web")

# Errors the service layer raises, and the status each deserves.
STATUS = [
    (QuerySyntaxError, 400, "Malformed query"),
    (ParseError, 400, "Malformed data"),
    (UnknownFormatError, 400, "Unknown format"),
    (ForbiddenQueryError, 403, "Forbidden"),
    (UnsupportedUpdateError, 400, "Unsupported update"),
    (ContributionError, 400, "Bad contribution"),
    (AlreadyContributedError, 409, "Already contributed"),
    (ProposalError, 404, "No such proposal"),
    (DecidedError, 409, "Already decided"),
    (NotYoursError, 403, "Forbidden"),
    (ReasonError, 400, "Reason needed"),
    (QueryTimeoutError, 503, "Query timeout"),
    (QueryBudgetError, 503, "Short of memory for queries"),
    (QueryMemoryError, 503, "Query too large"),
    (FairShareError, 429, "Too many long queries"),
    (StoreConflictError, 409, "Conflict"),
    (StoreLockedError, 503, "Store busy"),
    (StoreError, 503, "Store unavailable"),
]


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """The error as a page of the site for a browser (one that asks for HTML by name), else
    as plain text: the title, then what went wrong (SPARQL clients show it as is)."""
    if _wants_page():
        page = render_template("error.html", status=status, title=title, detail=detail)
        return Response(
            page, status=status, content_type="text/html; charset=utf-8", headers=headers or {}
        )
    body = f"{title}: {detail}\n" if detail else f"{title}\n"
    return Response(
        body, status=status, content_type="text/plain; charset=utf-8", headers=headers or {}
    )


def _wants_page() -> bool:
    if not has_request_context():
        return False
    accepted = request.accept_mimetypes
    return (
        accepted.best_match(["text/plain", "text/html"]) == "text/html"
        and accepted["text/html"] > accepted["text/plain"]
    )


def register(app: Flask) -> None:
    for kind, status, title in STATUS:
        app.register_error_handler(kind, _handler(status, title))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        headers = {key: value for key, value in error.get_headers() if key != "Content-Type"}
        return problem(error.code or 500, error.name, error.description or "", headers)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return problem(
            500, "Internal Server Error", "the server failed to answer; the error has been logged"
        )


# What the access log and /metrics say of the errors that protect the server from its load.
REASONS = {
    QueryTimeoutError: ("query_timeouts", "timeout"),
    QueryBudgetError: ("queries_stopped_for_memory", "memory budget"),
    QueryMemoryError: ("queries_stopped_for_memory", "query memory"),
    FairShareError: ("queries_refused_fair_share", "fair share"),
}
RETRY_AFTER = {503: 5, 429: 5}


def _handler(status: int, title: str):
    def handle(error: Exception) -> Response:
        event, reason = REASONS.get(type(error), (None, None))
        if event:
            METRICS.count(event)
            g.reason = reason
        retry = getattr(error, "retry_after", RETRY_AFTER.get(status))
        headers = {"Retry-After": str(retry)} if retry else None
        return problem(status, title, str(error), headers)

    return handle
