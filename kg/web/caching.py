"""Pages kept by the store's generation: rendered once, revalidated by everyone.

Every page and list, and every small SPARQL answer asked by GET, answers with an ETag and
Last-Modified from the store's generation and `Cache-Control: public, no-cache`: a reverse
proxy or CDN may keep it and must ask again, and a 304 costs the server no rendering. A
rendered answer is kept in a cache shared by the worker's threads, bounded in bytes (least
recently used out), keyed by the generation, the path with its query string and the request's
Accept header (an answer that differs by Accept never shares an entry); a request with
credentials is never cached, nor is any answer but a whole 200. A write moves the generation:
every answer of the older one is stale at once, and never served again.

Kept answers are served by ``FrontCache``, a WSGI layer in front of Flask: a hit costs a
dictionary look-up and no request context (see the README's "Caching"). The generation is
read once per request, at its start, and everything the request does is keyed by it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import parse_qs

from flask import Response, make_response, request

from kg.store import Store
from kg.web import current

Headers = list[tuple[str, str]]
ELIGIBLE = "kg.cache.key"  # the environ key of an eligible request's cache key
KEEP = "kg.cache.keep"  # set by a view whose answer may be kept
GENERATION = "kg.generation"  # the generation this request is answered at
FRESHNESS_HEADERS = ("ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Location")
PER_RESPONSE = ("Date", "Server", "Connection", "Transfer-Encoding")


class PageCache:
    """Rendered answers, at most ``limit`` bytes, the least recently used dropped first."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self._pages: OrderedDict[tuple, tuple[bytes, Headers]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, Headers] | None:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, key: tuple, body: bytes, headers: Headers) -> None:
        if len(body) > self.limit:
            return
        with self._lock:
            if key in self._pages:
                self.size -= len(self._pages.pop(key)[0])
            self._pages[key] = (body, headers)
            self.size += len(body)
            while self.size > self.limit:
                _key, (dropped, _headers) = self._pages.popitem(last=False)
                self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._pages)


def generation() -> int:
    """The generation this request is answered at (read once, by FrontCache)."""
    found = request.environ.get(GENERATION)
    return current().store.generation if found is None else found


def validators(tag: str) -> dict[str, str]:
    """ETag, Last-Modified and Cache-Control for an answer of this request's generation."""
    return validators_at(generation(), current().store.last_modified, tag)


def validators_at(generation: int, modified: float, tag: str) -> dict[str, str]:
    """ETag, Last-Modified and Cache-Control for an answer of ``generation``, written at
    ``modified`` (a time), tagged ``tag``."""
    return {
        "ETag": f'"{generation}-{tag}"',
        "Last-Modified": formatdate(modified, usegmt=True),
        "Cache-Control": "public, no-cache",
    }


def key_tag(key: tuple) -> str:
    """The ETag's tag of an eligible request's cache key: its path and Accept, hashed."""
    return hashlib.sha256(f"{key[1]}\n{key[2]}".encode()).hexdigest()[:16]


def fresh(
    if_none_match: str | None, if_modified_since: str | None, etag: str, modified: str
) -> bool:
    """True when the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    if if_none_match:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if not if_modified_since:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):  # an unreadable date is no validator
        return False


def is_fresh(headers: dict[str, str]) -> bool:
    """True when this request's client holds the answer of ``headers``' validators."""
    return fresh(
        request.headers.get("If-None-Match"),
        request.headers.get("If-Modified-Since"),
        headers["ETag"],
        headers["Last-Modified"],
    )


def cached_page(view: Callable) -> Callable:
    """A view whose whole 200 answers FrontCache keeps; 304 when the client is current."""

    @functools.wraps(view)
    def answer(*args, **kwargs) -> Response:
        key = request.environ.get(ELIGIBLE)
        if key is None:
            return make_response(view(*args, **kwargs))
        headers = validators(key_tag(key))
        if is_fresh(headers):
            return Response(status=304, headers=headers)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed:
            response.headers.update(headers)
            request.environ[KEEP] = True
        return response

    return answer


class FrontCache:
    """WSGI layer over the Flask application: answers kept pages, keeps new ones.

    ``record(method, path, status, seconds, query)`` is told of each answer it gives itself,
    as the application's access log and metrics are of the others.
    """

    def __init__(
        self, app: Callable, cache: PageCache, store: Store, record: Callable[..., None]
    ) -> None:
        self.app, self.cache, self.store, self.record = app, cache, store, record

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        environ[GENERATION] = generation = self.store.generation
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in environ or not self.cache.limit:
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        full_path = f"{path}?{environ.get('QUERY_STRING', '')}"
        key = (generation, full_path, environ.get("HTTP_ACCEPT", ""))
        kept = self.cache.get(key)
        if kept is None:
            environ[ELIGIBLE] = key
            return self._keep(environ, start_response, key)
        body, headers = kept
        etag, modified = _header(headers, "ETag"), _header(headers, "Last-Modified")
        if fresh(
            environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE"), etag, modified
        ):
            start_response("304 Not Modified", [h for h in headers if h[0] in FRESHNESS_HEADERS])
            self.record(method, path, 304, time.perf_counter() - started, _query(environ))
            return [b""]
        start_response("200 OK", headers)
        self.record(method, path, 200, time.perf_counter() - started, _query(environ))
        return [b""] if method == "HEAD" else [body]

    def _keep(self, environ: dict, start_response: Callable, key: tuple) -> Iterable[bytes]:
        answered: dict = {}

        def starting(status: str, headers: Headers, exc_info=None):
            answered.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        chunks = self.app(environ, starting)
        if not environ.get(KEEP) or environ["REQUEST_METHOD"] != "GET":
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        if answered.get("status", "").startswith("200"):
            kept = [(k, v) for k, v in answered["headers"] if k not in PER_RESPONSE]
            self.cache.put(key, body, kept)
        return [body]


def _query(environ: dict) -> str | None:
    """The SPARQL query a GET carries, for the access log."""
    found = parse_qs(environ.get("QUERY_STRING", "")).get("query")
    return found[0] if found else None


def _header(headers: Headers, name: str) -> str:
    return next((value for key, value in headers if key == name), "")
