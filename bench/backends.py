"""PolicyKG over each store backend, and its overhead over asking the remote directly.

    python bench/backends.py [--agencies 20000] [--runs 5]

Needs the `oxigraph` command (pip install oxigraph) and, for the third backend, Virtuoso
(apt-get install virtuoso-opensource). On the same synthetic graph (1.1 M quads), for the
embedded store, `oxigraph serve --union-default-graph` and Virtuoso:
- the time `kg load` takes to put the graph into the backend (a bulk load through the Graph
  Store Protocol for the remotes);
- the median latency of the named queries that answer a question, a point lookup and a
  4-way join, asked of `kg serve` on that backend, and — for the remotes — asked of the remote
  directly; the ratio is PolicyKG's overhead (each run's text differs, so no cache answers).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from endpoint import JOIN, LOOKUP
from measure import Server, synthetic, table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test suite's remote servers, started the same way here

from kg.namespaces import Namespaces  # noqa: E402
from kg.service.query.queries import named_query  # noqa: E402
from tests.conftest import OxigraphServer, RemoteServer, VirtuosoServer  # noqa: E402

BASE = "https://w3id.org/policykg/"
NAMED = [
    "cooperation-with-ice",
    "federal-actions-2025-01",
    "stance-vs-agreements",
    "status-only-detention-bans",
    "287g-by-model",
]


def queries() -> dict[str, str]:
    ns = Namespaces()
    chosen = {name: named_query(name).text(ns) for name in NAMED}
    return {**chosen, "point lookup": LOOKUP % (BASE, 4242), "4-way join": JOIN}


def median_ms(endpoint: str, query: str, runs: int) -> float:
    """The median time to the last byte; a comment makes each run's text new."""
    times = []
    for run in range(runs + 1):
        text = f"# run {run} {time.monotonic_ns()}\n{query}"
        request = urllib.request.Request(
            endpoint,
            data=urllib.parse.urlencode({"query": text}).encode(),
            headers={"Accept": "application/sparql-results+json"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
        if run:  # the first run warms caches up
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def kg_load(data: Path, state: Path, env: dict[str, str]) -> float:
    """The seed graph (for the ontology), then the synthetic graph, timed."""
    kg = [sys.executable, "-m", "kg", "--quiet", "--store", str(state), "load"]
    subprocess.run([*kg, "--seed-only"], check=True, env=os.environ | env)
    started = time.perf_counter()
    subprocess.run([*kg, str(data)], check=True, env=os.environ | env)
    return time.perf_counter() - started


def measure(
    name: str, remote: RemoteServer | None, data: Path, scratch: Path, runs: int
) -> tuple[float, dict[str, tuple[float, float | None]]]:
    state = scratch / f"{name}-state"
    env = remote.env if remote else {}
    seconds = kg_load(data, state, env)
    kg = [sys.executable, "-m", "kg", "--quiet", "--store", str(state), "serve"]
    server = Server(
        f"kg serve ({name})",
        [*kg, "--port", "18095", "--seed-only"],
        "http://127.0.0.1:18095/sparql",
        {**env, "KG_QUERY_TIMEOUT": "600"},
    )
    try:
        figures = {}
        for label, query in queries().items():
            ours = median_ms(server.url, query, runs)
            direct = median_ms(remote.url + remote.query_path, query, runs) if remote else None
            figures[label] = (ours, direct)
    finally:
        server.stop()
    return seconds, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = synthetic(args.agencies)
    scratch = Path(tempfile.mkdtemp(prefix="kg-backends-"))
    servers = {"oxigraph serve": OxigraphServer}
    if shutil.which("virtuoso-t"):
        servers["Virtuoso"] = VirtuosoServer
    results = {"embedded": measure("embedded", None, data, scratch, args.runs)}
    for name, kind in servers.items():
        remote = kind(scratch / name.replace(" ", "-"))
        try:
            results[name] = measure(name, remote, data, scratch, args.runs)
        finally:
            remote.stop()
    shutil.rmtree(scratch, ignore_errors=True)
    report(args, results)


def report(args, results) -> None:
    print(f"Backends: {args.agencies:,} synthetic agencies, median of {args.runs} runs\n")
    print(
        table(
            ["backend", "kg load s"],
            [[name, f"{seconds:.1f}"] for name, (seconds, _figures) in results.items()],
        )
    )
    rows = []
    for label in queries():
        row = [label]
        for _seconds, figures in results.values():
            ours, direct = figures[label]
            row.append(f"{ours:,.1f}")
            if direct is not None:
                row += [f"{direct:,.1f}", f"{(ours - direct) / direct:+.0%}"]
        rows.append(row)
    header = ["query (ms)"]
    for name, (_seconds, figures) in results.items():
        header.append(f"{name} via kg")
        if next(iter(figures.values()))[1] is not None:
            header += [f"{name} direct", "overhead"]
    print()
    print(table(header, rows))


if __name__ == "__main__":
    main()
