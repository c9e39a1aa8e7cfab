"""The OpenAPI description is true: every route is described, every described path is a route."""

from __future__ import annotations

import json
import re

from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.web import AppConfig, create_app
from tests.conftest import http


def routes() -> set[tuple[str, str]]:
    app = create_app(AppConfig(Settings(), EmbeddedStore()))
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        found |= {
            (path, method.lower())
            for method in rule.methods - {"HEAD"}
            if method != "OPTIONS" or not rule.provide_automatic_options
        }
    return found


def test_every_route_is_described_and_every_description_is_a_route(server):
    spec = json.loads(http("GET", server.url + "/openapi.json").body)
    assert spec["openapi"].startswith("3.1")
    described = {
        (path, method) for path, operations in spec["paths"].items() for method in operations
    }
    assert routes() == described


def test_the_api_page(server):
    html = http("GET", server.url + "/api").text
    assert "/assertions/{identifier}" in html and "<title>The PolicyKG API</title>" in html
