"""The OpenAPI description is true: every route is described, every described path is a route."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from kg.config import Settings
from kg.store.embedded import EmbeddedStore
from kg.web import AppConfig, create_app
from tests.conftest import TOKEN, http, start_server


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


def test_schemathesis_finds_no_server_error_and_no_answer_off_its_schema(tmp_path):
    """schemathesis against /openapi.json on a live server: every check but
    positive_data_acceptance (a string the schema allows is rarely valid SPARQL or Turtle), and
    its stateful phase (contribute, read, withdraw). A bounded run; SCHEMATHESIS_EXAMPLES=500
    runs a longer one."""
    live = start_server(tmp_path / "store")
    try:
        command = [
            str(Path(sys.executable).with_name("st")),
            "run",
            f"{live.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {TOKEN}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            os.environ.get("SCHEMATHESIS_EXAMPLES", "25"),
            "--seed",
            "1",
            "--workers",
            "2",
            "--request-timeout",
            "60",
            "--generation-database",
            "none",
            "--no-color",
        ]
        run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=900)
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        assert re.search(r"\d+ generated, \d+ passed", run.stdout), run.stdout[-2000:]
    finally:
        live.stop()
