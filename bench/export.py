"""Dumping the graph: `kg serve`'s /dumps against `oxigraph dump`, same data, one run.

    python bench/export.py [--agencies 20000]

N-Quads: GET /dumps/policykg.nq against `oxigraph dump --format nq`. Turtle (the union of the
graphs, each triple once): GET /dumps/policykg.ttl against `oxigraph query` of the same
CONSTRUCT. Reports time, the server's memory above its idle size while it streams, and the
median time to render a well-connected agency's page.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from measure import Server, run, synthetic, table

UNION = "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"


def download(server: Server, path: str) -> tuple[float, float]:
    """Seconds to the last byte, and the server's peak memory above idle meanwhile (MB)."""
    idle = server.rss_mb()
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss_mb())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    with urllib.request.urlopen(server.url.rsplit("/", 1)[0] + path, timeout=600) as response:
        while response.read(1 << 20):
            pass
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return seconds, peak - idle


def page_millis(server: Server, path: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        request = urllib.request.Request(
            server.url.rsplit("/", 1)[0] + path, headers={"Accept": "text/html"}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    data = synthetic(args.agencies)
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    scratch = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    kg = [sys.executable, "-m", "kg", "--quiet", "--store", str(scratch / "kg")]
    subprocess.run([*kg, "load", str(data)], check=True)
    subprocess.run(
        [oxigraph, "load", "--location", str(scratch / "ox"), "--file", str(data)],
        check=True,
        capture_output=True,
    )
    server = Server(
        "kg serve",
        [*kg, "serve", "--port", "18090", "--workers", "1"],
        "http://127.0.0.1:18090/sparql",
    )
    try:
        rows = []
        for label, path, peer in (
            (
                "N-Quads",
                "/dumps/policykg.nq",
                [oxigraph, "dump", "--location", str(scratch / "ox"), "--format", "nq"],
            ),
            (
                "Turtle (union)",
                "/dumps/policykg.ttl",
                [
                    oxigraph,
                    "query",
                    "--location",
                    str(scratch / "ox"),
                    "--query",
                    UNION,
                    "--results-format",
                    "ttl",
                ],
            ),
        ):
            ours, growth = download(server, path)
            theirs = run(peer)
            rows.append(
                [
                    label,
                    f"{ours:.2f}",
                    f"{theirs.seconds:.2f}",
                    f"{ours / theirs.seconds:.2f}x",
                    f"{growth:.0f}",
                ]
            )
        millis = page_millis(server, "/id/agency/synth-123", args.runs)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"Dumping {sum(1 for _ in data.open('rb')):,} quads ({data.name})\n")
    print(
        table(
            [
                "dump",
                "kg serve (s)",
                "oxigraph (s)",
                "kg / oxigraph",
                "server memory above idle (MB)",
            ],
            rows,
        )
    )
    print(f"\nAgency page (HTML), median of {args.runs}: {millis:.1f} ms")
    print("Targets: <= 1.3x Oxigraph's time; < 150 MB above idle; page <= 50 ms.")


if __name__ == "__main__":
    main()
