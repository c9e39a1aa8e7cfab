"""HTTP content negotiation: Accept with q-values and wildcards, and a `format` override."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import BadRequest, NotAcceptable

from kg.formats import FORMAT_NAMES


def choose(offered: list[str]) -> str:
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
    if not request.accept_mimetypes:
        return offered[0]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise NotAcceptable(
            f"none of the media types in Accept can be produced; available: {', '.join(offered)}"
        )
    return best
