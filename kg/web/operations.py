"""Running in production: security headers, a JSON access log, /healthz and /metrics.

The access log has one JSON line per request — method, path, status, duration, and a hash of
the query (never the query's text, never a token). /metrics speaks Prometheus' text format:
requests by status, a latency histogram, query timeouts, queries stopped for memory and
refused for fair share (each also in the access log, with its reason), the memory queries hold
and its budget, contributions admitted and refused, the store's size.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from bisect import bisect_left
from collections import Counter

from flask import Blueprint, Flask, Response, g, request

from kg.web import current

blueprint = Blueprint("operations", __name__)
access_log = logging.getLogger("kg.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
}
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]


class Metrics:
    """Counters of this worker process (each server worker keeps its own)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_status: Counter = Counter()
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.latency_sum = 0.0
        self.events: Counter = Counter()

    def observe(self, status: int, seconds: float) -> None:
        with self.lock:
            self.by_status[status] += 1
            self.buckets[bisect_left(BUCKETS, seconds)] += 1
            self.latency_sum += seconds

    def count(self, event: str) -> None:
        with self.lock:
            self.events[event] += 1


METRICS = Metrics()


def install(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    if request.path == "/assertions" and request.method == "POST":
        outcome = {201: "contributions_admitted", 422: "contributions_refused"}
        if response.status_code in outcome:
            METRICS.count(outcome[response.status_code])
    query = request.values.get("query") if request.method in ("GET", "HEAD") else None
    record(request.method, request.path, response.status_code, seconds, query, g.get("reason"))
    return response


def record(
    method: str,
    path: str,
    status: int,
    seconds: float,
    query: str | None,
    reason: str | None = None,
) -> None:
    """An answer in the metrics and the access log (the query by its hash only)."""
    METRICS.observe(status, seconds)
    if not access_log.isEnabledFor(logging.INFO):
        return
    access_log.info(
        json.dumps(
            {
                "method": method,
                "path": path,
                "status": status,
                "ms": round(seconds * 1000, 1),
                "query": hashlib.sha256(query.encode()).hexdigest()[:16] if query else None,
                **({"reason": reason} if reason else {}),
            }
        )
    )


@blueprint.get("/healthz")
def healthz() -> Response:
    """200 when the store answers a query, 503 otherwise."""
    try:
        bool(current().store.query("ASK { }"))
    except Exception as error:  # any failure of the store means: not healthy
        return Response(
            json.dumps({"status": "unavailable", "error": str(error)}),
            status=503,
            content_type="application/json",
        )
    return Response(json.dumps({"status": "ok"}), content_type="application/json")


@blueprint.get("/metrics")
def metrics() -> Response:
    lines = [
        "# HELP kg_requests_total HTTP requests answered, by status.",
        "# TYPE kg_requests_total counter",
    ]
    with METRICS.lock:
        lines += [
            f'kg_requests_total{{status="{status}"}} {n}'
            for status, n in sorted(METRICS.by_status.items())
        ]
        lines += [
            "# HELP kg_request_seconds Time to answer a request.",
            "# TYPE kg_request_seconds histogram",
        ]
        cumulative = 0
        for bound, n in zip([*BUCKETS, "+Inf"], METRICS.buckets, strict=True):
            cumulative += n
            lines.append(f'kg_request_seconds_bucket{{le="{bound}"}} {cumulative}')
        lines += [
            f"kg_request_seconds_sum {METRICS.latency_sum:.6f}",
            f"kg_request_seconds_count {cumulative}",
        ]
        for event in (
            "query_timeouts",
            "queries_stopped_for_memory",
            "queries_refused_fair_share",
            "contributions_admitted",
            "contributions_refused",
        ):
            lines += [
                f"# TYPE kg_{event}_total counter",
                f"kg_{event}_total {METRICS.events[event]}",
            ]
    held = current().store.query_memory()
    if held is not None:
        lines += [
            "# HELP kg_query_memory_bytes Memory the running queries hold (helpers, and the "
            "workers' growth since their first query), all processes.",
            "# TYPE kg_query_memory_bytes gauge",
            f"kg_query_memory_bytes {held[0]}",
            "# HELP kg_query_memory_budget_bytes Memory all queries together may take (0: any).",
            "# TYPE kg_query_memory_budget_bytes gauge",
            f"kg_query_memory_budget_bytes {held[1]}",
        ]
    lines += [
        "# HELP kg_store_quads Quads in the store.",
        "# TYPE kg_store_quads gauge",
        f"kg_store_quads {current().store.count()}",
    ]
    return Response("\n".join(lines) + "\n", content_type="text/plain; version=0.0.4")
