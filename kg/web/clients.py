"""Who is asking, for fair shares: the holder of a valid token, else the client's address —
taken from X-Forwarded-For only when the connection comes from a proxy KG_TRUSTED_PROXIES
names (never by default: anyone can write that header)."""

from __future__ import annotations

import ipaddress
from functools import cache

from flask import request

from kg.web import current
from kg.web.writes import bearer


def client() -> str:
    holder = bearer()
    if holder is not None:
        return f"token:{holder.name}"
    return f"address:{address()}"


def address() -> str:
    """The client's address: the connection's, or — through trusted proxies — the last
    address in X-Forwarded-For that is not one of them."""
    return address_of(
        request.remote_addr or "",
        request.headers.get("X-Forwarded-For", ""),
        current().settings.trusted_proxies,
    )


def address_of(peer: str, forwarded_for: str, trusted_proxies: tuple[str, ...]) -> str:
    """``address()`` from the connection's address and the X-Forwarded-For header."""
    trusted = _networks(trusted_proxies)
    if not trusted or not _within(peer, trusted):
        return peer
    forwarded = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed([hop for hop in forwarded if hop]):
        if not _within(hop, trusted):
            return hop
    return peer


@cache
def _networks(specs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)


def _within(text: str, networks: tuple) -> bool:
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(found in network for network in networks)
