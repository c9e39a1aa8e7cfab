"""`kg serve`, now and at a baseline, against `oxigraph serve-read-only --union-default-graph`,
same data, one run.

    python bench/endpoint.py [--agencies 10000] [--seconds 10] [--runs 100] [--baseline REV]

Needs wrk (Debian: apt-get install wrk) and the `oxigraph` command (pip install oxigraph).
The baseline serves from its own checkout (a throw-away git worktree); the three servers serve
at once. Measures, on loopback:
- point lookups (all triples of one entity) at 8 concurrent clients, one server at a time:
  requests/s, both for one entity asked again and again (PolicyKG's caches answer) and for
  every agency at random;
- a 4-way join and a GROUP BY: median latency of --runs (each run's text differs, so no cache
  helps), asked of each server in turn, so that a spell of a slower machine slows all of them
  (two runs of the same code differed by up to 15 % over 60 runs); the join also ten times in
  a row of each in turn, as a script's loop asks it (the others' work between two queries
  leaves a server's processor caches cold, and PolicyKG's worker and helper hold more);
- a 100,000-row SELECT as JSON and as CSV: median time to last byte of seven, asked of each
  server in turn, and the server's memory growth over the first.
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

from measure import Server, synthetic, table, wrk

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "3ea2aba"  # main before pages were kept, the hot path trimmed and Granian chosen
BASE = "https://w3id.org/policykg/"
PREFIXES = (
    f"PREFIX pkg: <{BASE}ontology#> PREFIX org: <http://www.w3.org/ns/org#> "
    "PREFIX schema: <https://schema.org/> "
)
STATE = BASE + "id/place/state-ca"
# a 4-way join over the agencies of one state; a GROUP BY over every head's tenure
JOIN = (
    PREFIXES
    + f"""SELECT ?agency ?head ?policy ?statement WHERE {{
  ?city schema:containedInPlace <{STATE}> . ?agency pkg:jurisdiction ?city .
  ?head org:headOf ?agency . ?policy pkg:issuedBy ?agency . ?statement pkg:speaker ?head .
}}"""
)
GROUP_BY = (
    PREFIXES
    + """SELECT ?year (COUNT(?tenure) AS ?heads) WHERE {
  ?tenure org:role ?role ; schema:startDate ?year .
} GROUP BY ?year ORDER BY ?year"""
)
JSON = {"Accept": "application/sparql-results+json"}
LAST_BYTE_RUNS = 7  # of the 100k rows, each server in turn
IN_A_ROW = 10  # queries of one server between two of another's, for the join's second figure
ROWS = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 100000"
LOOKUP = "SELECT ?p ?o WHERE { <%sid/agency/synth-%d> ?p ?o }"
# wrk asks for an agency at random each time (percent signs doubled for Python's % below)
WRK_SCRIPT = """
local function encode(text)
  return (text:gsub("[^%%w%%-_%%.~]",
    function(c) return string.format("%%%%%%02X", string.byte(c)) end))
end
request = function()
  local query = string.format("SELECT ?p ?o WHERE { <%sid/agency/synth-%%d> ?p ?o }",
    math.random(%d) - 1)
  return wrk.format("GET", "%s?query=" .. encode(query),
    {["Accept"] = "application/sparql-results+json"})
end
"""


def latencies(servers: list[Server], query: str, runs: int, row: int = 1) -> list[float]:
    """Each server's median latency for ``query``, asked ``runs`` times: ``row`` times in a
    row of each in turn, each turn begun by the next of them (none is always asked right
    after the same other). One in a row is the worst case for a server's caches, the other
    servers' work between each two of its queries; ten in a row is a script's loop."""
    times: list[list[float]] = [[] for _ in servers]
    for turn in range(runs // row):
        for index in range(turn, turn + len(servers)):
            server, taken = servers[index % len(servers)], times[index % len(servers)]
            for run in range(turn * row, (turn + 1) * row):
                started = time.perf_counter()
                # a different text each run, and in each way of asking: no cache helps
                server.get(f"# run {run}, {row} in a row\n" + query)
                taken.append(time.perf_counter() - started)
    return [statistics.median(taken) * 1000 for taken in times]


def last_bytes(servers: list[Server], accept: str, runs: int) -> list[tuple[float, float]]:
    """Each server's median time to the last byte of ROWS, asked ``runs`` times in turn (one
    answer of 10 MB varies by a fifth from one run to the next), and its memory growth over
    the first."""
    times: list[list[float]] = [[] for _ in servers]
    growths = [0.0] * len(servers)
    for run in range(runs):
        for index, server in enumerate(servers):
            before = server.rss_mb()
            started = time.perf_counter()
            body = server.get(f"# {accept}, run {run}\n" + ROWS, accept)
            times[index].append(time.perf_counter() - started)
            assert len(body) > 1_000_000
            if run == 0:
                growths[index] = server.rss_mb() - before
    medians = [statistics.median(taken) * 1000 for taken in times]
    return list(zip(medians, growths, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    data = synthetic(args.agencies)
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    scratch = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    worktree = scratch / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                    str(worktree), args.baseline], check=True)  # fmt: skip
    sides = {"kg serve": ROOT, f"kg serve {args.baseline}": worktree}
    ox_store = scratch / "ox"
    subprocess.run(
        [oxigraph, "load", "--location", str(ox_store), "--file", str(data)],
        check=True,
        capture_output=True,
    )
    script = scratch / "lookups.lua"
    servers: list[Server] = []
    try:
        for port, (name, checkout) in enumerate(sides.items(), start=18080):
            store = scratch / name.replace(" ", "-")
            kg = [sys.executable, "-m", "kg", "--quiet", "--store", str(store)]
            env = {"PYTHONPATH": str(checkout)}
            subprocess.run(
                [*kg, "load", str(data)], check=True, cwd=checkout, env={**os.environ, **env}
            )
            servers.append(Server(name, [*kg, "serve", "--port", str(port)],
                                  f"http://127.0.0.1:{port}/sparql", env=env))  # fmt: skip
        servers.append(Server("oxigraph", [oxigraph, "serve-read-only", "--location",
                                           str(ox_store), "--bind", "127.0.0.1:18089",
                                           "--union-default-graph"],
                              "http://127.0.0.1:18089/query"))  # fmt: skip
        figures = measure(servers, script, args)
    finally:
        for server in servers:
            server.stop()
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                       check=False)  # fmt: skip
        shutil.rmtree(scratch, ignore_errors=True)
    names = list(figures)
    rows = []
    for metric in figures["kg serve"]:
        values = [figures[name][metric] for name in names]
        theirs = values[-1]
        ratios = [
            "" if "memory" in metric or not theirs else f"{v / theirs:.2f}x" for v in values[:-1]
        ]
        rows.append([metric, *(f"{v:,.1f}" for v in values), *ratios])
    print(
        f"Endpoint on {args.agencies:,} synthetic agencies ({data.name}), loopback, wrk -t2 -c8\n"
    )
    print(table(["measure", *names, *(f"{n} / oxigraph" for n in names[:-1])], rows))
    print(
        "\nTargets: cached lookups >= 0.35x of Oxigraph's throughput, lookups at random >= 0.25x; "
        "join and GROUP BY <= 1.15x its latency; 100k rows <= 1.5x its time, memory flat."
    )


def measure(
    servers: list[Server], script: Path, args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    """Every figure of every server, all serving at once: throughput one server at a time,
    latencies taken in turns (one query of each server, then the next), so that a machine
    slower for a while is slower for all of them."""
    figures: dict[str, dict[str, float]] = {server.name: {} for server in servers}
    for server in servers:
        server.settle()
    for server in servers:
        script.write_text(
            WRK_SCRIPT % (BASE, args.agencies, urllib.parse.urlsplit(server.url).path)
        )
        same = "?" + urllib.parse.urlencode({"query": LOOKUP % (BASE, 123)})
        wrk(server.url + same, 2, headers=JSON)  # kept from here on, in every worker
        mine = figures[server.name]
        mine["lookup, one entity (req/s)"] = wrk(server.url + same, args.seconds, headers=JSON)
        mine[f"lookup, {args.agencies:,} entities at random (req/s)"] = wrk(
            server.url, args.seconds, headers=JSON, script=script
        )
    for label, query, row in (
        ("4-way join (ms)", JOIN, 1),
        (f"4-way join, {IN_A_ROW} in a row (ms)", JOIN, IN_A_ROW),
        ("GROUP BY (ms)", GROUP_BY, 1),
    ):
        for server, millis in zip(servers, latencies(servers, query, args.runs, row), strict=True):
            figures[server.name][label] = millis
    for label, accept in (("JSON", "application/sparql-results+json"), ("CSV", "text/csv")):
        for server, (millis, growth) in zip(
            servers, last_bytes(servers, accept, LAST_BYTE_RUNS), strict=True
        ):
            figures[server.name][f"100k rows {label}, last byte (ms)"] = millis
            figures[server.name][f"100k rows {label}, memory growth (MB)"] = growth
    return figures


if __name__ == "__main__":
    main()
