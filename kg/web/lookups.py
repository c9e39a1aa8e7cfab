"""SPARQL point lookups asked by GET, answered in front of Flask.

A researcher's script looping over agencies sends ``GET /sparql?query=SELECT ?p ?o WHERE
{ <agency> ?p ?o }`` thousands of times, each text new, so no kept answer serves it. Such a
lookup costs the store a few of the entity's triples (``QueryRunner.at_once``); Flask's request
context, hooks and response object would cost it twice that again. ``LookupLane`` answers it
from the WSGI environment with the same parts the ``/sparql`` view uses — negotiation, the
runner, validators, security and CORS headers, the access log — and sends everything else on
to Flask: another kind of query, another parameter, a token, a revalidation, and any error,
which Flask then answers with its status and message. ``FrontCache`` keeps its answers as it
keeps the view's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

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


class LookupLane:
    """WSGI layer over the Flask application: answers point lookups asked by GET itself.

    ``record(method, path, status, seconds, query)`` is told of each answer it gives, as the
    application's access log and metrics are of the others.
    """

    def __init__(self, app: Callable, context: Context, record: Callable[..., None]) -> None:
        self.app, self.context, self.record = app, context, record

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        asked = self._lookup(environ)
        if asked is None:
            return self.app(environ, start_response)
        text, media_type, request = asked
        client = address_of(
            environ.get("REMOTE_ADDR", ""),
            environ.get("HTTP_X_FORWARDED_FOR", ""),
            self.context.settings.trusted_proxies,
        )
        try:
            body = self.context.runner.at_once(request, client=f"address:{client}")
        except Exception:  # a malformed query, a client past its share: the view says so
            body = None
        if body is None:
            return self.app(environ, start_response)
        start_response("200 OK", self._headers(environ, media_type, len(body)))
        if ELIGIBLE in environ:
            environ[KEEP] = True
        self.record("GET", "/sparql", 200, time.perf_counter() - started, text)
        return [body]

    def _lookup(self, environ: dict) -> tuple[str, str, QueryRequest] | None:
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

    def _headers(self, environ: dict, media_type: str, length: int) -> list[tuple[str, str]]:
        """The /sparql view's headers for a whole answer: validators where the answer may
        be kept, CORS for a read, the security headers every answer has."""
        headers = [
            ("Vary", "Accept"),
            ("Content-Type", with_charset(media_type)),
            ("Content-Length", str(length)),
        ]
        key = environ.get(ELIGIBLE)
        if key is not None:
            modified = self.context.store.last_modified
            headers += validators_at(environ[GENERATION], modified, key_tag(key)).items()
        headers.append(ANY_ORIGIN)
        return headers + list(SECURITY_HEADERS.items())
