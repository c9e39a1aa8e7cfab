"""SPARQL queries asked by GET, answered in front of Flask.

A researcher's script looping over agencies sends ``GET /sparql?query=…`` thousands of times,
each text new, so no kept answer serves it. A point lookup costs the store a few of the
entity's triples, a join a few milliseconds in a helper; Flask's request context, hooks and
response object would add more than half a millisecond of processor to each. ``QueryLane``
answers such a request from the WSGI environment with the same parts the ``/sparql`` view
uses — negotiation, the runner, validators, security and CORS headers, the access log — and
sends everything else on to Flask: another parameter, a token, a revalidation, a HEAD, a media
type no format offers. An error met while running the query is Flask's to answer too
(``reraise``), as it answers every error — its status, its message, a page for a browser, the
access log — and the query is not run again. ``FrontCache`` keeps its whole answers as it
keeps the view's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from flask import request as flask_request

from kg.service.query.queries import query_form
from kg.service.query.runner import QueryRequest
from kg.web import Context
from kg.web.caching import ELIGIBLE, GENERATION, KEEP, key_tag, validators_at
from kg.web.clients import address_of
from kg.web.negotiation import best_match
from kg.web.operations import SECURITY_HEADERS
from kg.web.sparql import ANY_ORIGIN, offered_for, serialization, with_charset

# a request carrying any of these is the view's: a token, a revalidation
_DECLINED = ("HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
RAISED = "kg.lane.error"  # the environ key of the error the lane met, for Flask to answer


class QueryLane:
    """WSGI layer over the Flask application: runs queries asked by GET itself.

    ``record(method, path, status, seconds, query)`` is told of each answer it gives, as the
    application's access log and metrics are of the others.
    """

    def __init__(self, app: Callable, context: Context, record: Callable[..., None]) -> None:
        self.app, self.context, self.record = app, context, record

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        asked = self._query(environ)
        if asked is None:
            return self.app(environ, start_response)
        text, media_type, request = asked
        client = address_of(
            environ.get("REMOTE_ADDR", ""),
            environ.get("HTTP_X_FORWARDED_FOR", ""),
            self.context.settings.trusted_proxies,
        )
        try:
            answer = self.context.runner.run(request, client=f"address:{client}")
        except Exception as error:  # a malformed query, a timeout, a client past its share
            environ[RAISED] = error
            return self.app(environ, start_response)
        whole = isinstance(answer, bytes)
        start_response("200 OK", self._headers(environ, media_type, answer if whole else None))
        if whole and ELIGIBLE in environ:
            environ[KEEP] = True
        self.record("GET", "/sparql", 200, time.perf_counter() - started, text)
        return [answer] if whole else answer

    def _query(self, environ: dict) -> tuple[str, str, QueryRequest] | None:
        """The query, the media type to send and the request to run, for a GET of /sparql
        that carries a query and nothing else; None for any other request."""
        if (
            environ["REQUEST_METHOD"] != "GET"
            or environ.get("PATH_INFO") != "/sparql"
            or any(name in environ for name in _DECLINED)
        ):
            return None
        try:  # as werkzeug reads it: the WSGI string's bytes, percent-escapes, all UTF-8
            raw = environ.get("QUERY_STRING", "").encode("latin-1").decode()
            parameters = parse_qs(raw, keep_blank_values=True, errors="strict")
        except UnicodeError:
            return None
        if list(parameters) != ["query"] or len(parameters["query"]) != 1:
            return None
        text = parameters["query"][0]
        form = query_form(text)
        chosen = best_match(environ.get("HTTP_ACCEPT", ""), offered_for(form))
        if chosen is None:
            return None
        media_type, fmt = serialization(form, chosen)
        request = QueryRequest(text, fmt, base_iri=self.context.settings.base)
        return text, media_type, request

    def _headers(self, environ: dict, media_type: str, body: bytes | None) -> list[tuple[str, str]]:
        """The /sparql view's headers: for a whole answer its length, and validators where
        it may be kept; CORS for a read, the security headers every answer has."""
        headers = [("Vary", "Accept"), ("Content-Type", with_charset(media_type))]
        key = environ.get(ELIGIBLE)
        if body is not None:
            headers.append(("Content-Length", str(len(body))))
            if key is not None:
                modified = self.context.store.last_modified
                headers += validators_at(environ[GENERATION], modified, key_tag(key)).items()
        headers.append(ANY_ORIGIN)
        return headers + list(SECURITY_HEADERS.items())


def reraise() -> None:
    """Raises, as Flask's first hook after the access log's, the error the lane met running
    this request's query: Flask answers it as it answers every error."""
    error = flask_request.environ.pop(RAISED, None)
    if error is not None:
        raise error
