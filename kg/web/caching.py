"""Pages kept by the store's generation: rendered once, revalidated by everyone.

Every page and list answers with an ETag and Last-Modified from the store's generation, and
`Cache-Control: public, no-cache`: a reverse proxy or CDN may keep it and must ask again, and a
304 costs the server no rendering. A rendered page is kept in a cache shared by the worker's
threads, bounded in bytes (least recently used out), keyed by the generation, the path with its
query string and the request's Accept header (a page that differs by Accept never shares an
entry); a request with credentials is never cached. A write moves the generation: every page
of the older one is stale at once, and never served again.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from email.utils import formatdate

from flask import Response, make_response, request

from kg.web import current

HEADERS_KEPT = ("Content-Type", "Content-Location", "Vary", "Content-Language", "Link")


class PageCache:
    """Rendered pages, at most ``limit`` bytes, the least recently used dropped first."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self._pages: OrderedDict[tuple, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, dict[str, str]] | None:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, key: tuple, body: bytes, headers: dict[str, str]) -> None:
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


def validators(tag: str) -> dict[str, str]:
    """ETag, Last-Modified and Cache-Control for an answer of the store's current generation."""
    store = current().store
    return {
        "ETag": f'"{store.generation}-{tag}"',
        "Last-Modified": formatdate(store.last_modified, usegmt=True),
        "Cache-Control": "public, no-cache",
    }


def is_fresh(headers: dict[str, str]) -> bool:
    """True when the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    if request.if_none_match:
        return request.if_none_match.contains(headers["ETag"].strip('"'))
    since = request.if_modified_since
    return since is not None and int(current().store.last_modified) <= since.timestamp()


def cached_page(view: Callable) -> Callable:
    """A page view answered from the cache, or rendered and kept; 304 when the client is
    current."""

    @functools.wraps(view)
    def answer(*args, **kwargs) -> Response:
        cache: PageCache = current().pages
        if request.method not in ("GET", "HEAD") or request.authorization or not cache.limit:
            return make_response(view(*args, **kwargs))
        accept = request.headers.get("Accept", "")
        variant = hashlib.sha256(f"{request.full_path}\n{accept}".encode()).hexdigest()[:16]
        headers = validators(variant)
        if is_fresh(headers):
            return Response(status=304, headers=headers)
        key = (current().store.generation, request.full_path, accept)
        kept = cache.get(key)
        if kept is not None:
            body, kept_headers = kept
            return Response(body, status=200, headers={**kept_headers, **headers})
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed:
            kept_headers = {k: v for k, v in response.headers.items() if k in HEADERS_KEPT}
            cache.put(key, response.get_data(), kept_headers)
            response.headers.update(headers)
        return response

    return answer
