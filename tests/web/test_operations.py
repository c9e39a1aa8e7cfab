"""Production concerns over a real server: security headers, health, metrics, the access log."""

from __future__ import annotations

import json
import urllib.parse

from tests.conftest import TOKEN, http


def test_every_answer_carries_the_security_headers(server):
    for path in ("/", "/id/agency/lvmpd", "/sparql?query=ASK%7B%7D", "/no/such/page"):
        headers = http("GET", server.url + path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_healthz(server):
    answer = http("GET", server.url + "/healthz")
    assert answer.status == 200 and json.loads(answer.body) == {"status": "ok"}


def test_metrics_in_prometheus_text(server):
    http("GET", server.url + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}))
    text = http("GET", server.url + "/metrics").text
    assert 'kg_requests_total{status="200"}' in text
    assert 'kg_request_seconds_bucket{le="+Inf"}' in text
    assert "kg_store_quads " in text and "kg_query_timeouts_total" in text


def test_the_access_log_is_json_without_queries_or_tokens(server):
    secret_query = "ASK { <https://example.org/very-secret-query> ?p ?o }"
    http("GET", server.url + "/sparql?" + urllib.parse.urlencode({"query": secret_query}))
    http(
        "POST",
        server.url + "/update",
        body="CLEAR ALL",
        headers={
            "Authorization": f"Bearer {TOKEN}-wrong",
            "Content-Type": "application/sparql-update",
        },
    )
    lines = [
        json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")
    ]
    assert any(line["path"] == "/sparql" and line["query"] for line in lines)
    text = server.log.read_text()
    assert "very-secret-query" not in text and TOKEN not in text
