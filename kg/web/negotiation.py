"""HTTP content negotiation: Accept with q-values and wildcards, and a `format` override."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from flask import request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import BadRequest, NotAcceptable
from werkzeug.http import parse_accept_header

from kg.formats import FORMAT_NAMES


def choose(offered: Sequence[str]) -> str:
    """The media type to answer with, among ``offered`` (in order of preference).

    A ``format`` parameter (a short name such as ``csv``, or a media type) overrides Accept,
    as Fuseki and Virtuoso allow. No Accept header means the first offered; nothing
    acceptable is a 406 that lists what is available.
    """
    wanted = request.values.get("format")
    if wanted:
        media_type = FORMAT_NAMES.get(wanted.lower(), wanted.lower())
        if media_type in offered:
            return media_type
        if media_type not in FORMAT_NAMES.values() and "/" not in media_type:
            raise BadRequest(f"unknown format {wanted!r}; known: {', '.join(FORMAT_NAMES)}")
        raise NotAcceptable(
            f"format {wanted!r} cannot be produced here; available: {', '.join(offered)}"
        )
    best = best_match(request.headers.get("Accept", ""), tuple(offered))
    if best is None:
        raise NotAcceptable(
            f"none of the media types in Accept can be produced; available: {', '.join(offered)}"
        )
    return best


@lru_cache(maxsize=256)
def best_match(accept: str, offered: tuple[str, ...]) -> str | None:
    """The best of ``offered`` for an Accept header (None: none acceptable). Clients send
    the same few Accept headers: each is parsed once."""
    if not accept.strip():
        return offered[0]
    return parse_accept_header(accept, MIMEAccept).best_match(offered)
