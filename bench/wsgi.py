"""WSGI servers side by side for `kg serve`'s application, in one run: requests/s at wrk -c8.

    python bench/wsgi.py [--seconds 10]

Needs wrk (Debian: apt-get install wrk) and gunicorn (the bench extra). Every server runs two
worker processes on loopback, in turn, over the bundled graph:
- a bare Flask route returning a fixed body: what the server itself costs;
- an agency page, and a SPARQL point lookup, both kept from their first answer: PolicyKG's
  hot paths, where the server's share of the time is largest.
Printed: requests a second, and each server's ratio to gunicorn's threaded workers.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

from flask import Flask
from measure import Server, table, wrk

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
THREADS = "32"  # as `kg serve` runs by default
LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/policykg/id/agency/lvmpd> ?p ?o }"

bare = Flask(__name__)


@bare.get("/", defaults={"path": ""})
@bare.get("/<path:path>")
def fixed(path: str) -> str:
    return "PolicyKG"


def servers(port: int, target: str) -> dict[str, list[str]]:
    """The command of each server, serving ``target`` (module:attribute) on ``port``."""
    bind = f"127.0.0.1:{port}"
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", bind, "--log-level", "warning"]
    return {
        "gunicorn gthread": [*gunicorn, "-k", "gthread", "--threads", THREADS, target],
        "gunicorn sync": [*gunicorn, "-k", "sync", target],
        "granian": [sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", "2",
                    "--blocking-threads", THREADS, "--backpressure", THREADS, "--host",
                    "127.0.0.1", "--port", str(port), "--log-level", "warning", target],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    scratch = Path(tempfile.mkdtemp(prefix="kg-wsgi-"))
    store = scratch / "store"
    subprocess.run([sys.executable, "-m", "kg", "--quiet", "--store", str(store), "load"],
                   check=True)  # fmt: skip
    env = {"KG_STORE": str(store), "PYTHONPATH": f"{ROOT}:{BENCH}"}
    lookup = "/sparql?" + urllib.parse.urlencode({"query": LOOKUP})
    cases = {
        "bare Flask route": ("wsgi:bare", "/", "text/plain"),
        "agency page, kept": ("server:app", "/id/agency/lvmpd", "text/html"),
        "SPARQL lookup, kept": ("server:app", lookup, "application/sparql-results+json"),
    }
    figures: dict[str, dict[str, float]] = {}
    try:
        for case, (target, path, accept) in cases.items():
            for name, command in servers(18070, target).items():
                server = Server(name, command, "http://127.0.0.1:18070/sparql", env=env)
                try:
                    url = "http://127.0.0.1:18070" + path
                    wrk(url, 2, headers={"Accept": accept})  # every worker keeps it
                    figures.setdefault(case, {})[name] = wrk(
                        url, args.seconds, headers={"Accept": accept}
                    )
                finally:
                    server.stop()
                print(f"{case}, {name}: measured", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    names = list(next(iter(figures.values())))
    rows = []
    for case, by_server in figures.items():
        reference = by_server["gunicorn gthread"]
        rows.append(
            [case, *(f"{by_server[n]:,.0f} ({by_server[n] / reference:.2f}x)" for n in names)]
        )
    print("\nRequests/s, 2 workers each, wrk -t2 -c8, loopback (ratio to gunicorn gthread)\n")
    print(table(["request", *names], rows))


if __name__ == "__main__":
    main()
