"""`kg serve` against `oxigraph serve-read-only --union-default-graph`, same data, one run.

    python bench/endpoint.py [--agencies 20000] [--seconds 10]

Needs wrk (Debian: apt-get install wrk) and the `oxigraph` command (pip install oxigraph).
Measures, on loopback:
- point lookups (all triples of one entity) at 8 concurrent clients: requests/s, both for one
  entity asked again and again (PolicyKG's result cache answers) and for 20,000 different ones;
- a 4-way join and a GROUP BY: median latency (each run's text differs, so no cache helps);
- a 100,000-row SELECT as JSON and as CSV: time to last byte, and the server's memory growth.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from measure import Server, synthetic, table

ROOT = Path(__file__).resolve().parent.parent
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
ROWS = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 100000"
LOOKUP = "SELECT ?p ?o WHERE { <%sid/agency/synth-%d> ?p ?o }"
# wrk asks for a different agency each time (percent signs doubled for Python's % below)
WRK_SCRIPT = """
local counter = 0
local function encode(text)
  return (text:gsub("[^%%w%%-_%%.~]",
    function(c) return string.format("%%%%%%02X", string.byte(c)) end))
end
request = function()
  counter = counter + 1
  local query = string.format("SELECT ?p ?o WHERE { <%sid/agency/synth-%%d> ?p ?o }",
    counter %% 20000)
  return wrk.format("GET", "%s?query=" .. encode(query),
    {["Accept"] = "application/sparql-results+json"})
end
"""


def wrk(url: str, seconds: int, script: Path | None = None, path_query: str = "") -> float:
    command = [
        "wrk",
        "-t2",
        "-c8",
        f"-d{seconds}s",
        "-H",
        "Accept: application/sparql-results+json",
    ]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url + path_query], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} errors from {url}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def latency(server: Server, query: str, runs: int) -> float:
    times = []
    for run in range(runs):
        started = time.perf_counter()
        server.get(f"# run {run}\n" + query)  # a different text each run: no cache helps
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def last_byte(server: Server, accept: str) -> tuple[float, float]:
    before = server.rss_mb()
    started = time.perf_counter()
    body = server.get(f"# {accept}\n" + ROWS, accept)
    seconds = time.perf_counter() - started
    assert len(body) > 1_000_000
    return seconds * 1000, server.rss_mb() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    data = synthetic(args.agencies)
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    scratch = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    kg_store, ox_store = scratch / "kg", scratch / "ox"
    kg = [sys.executable, "-m", "kg", "--quiet", "--store", str(kg_store)]
    subprocess.run([*kg, "load", str(data)], check=True)
    subprocess.run(
        [oxigraph, "load", "--location", str(ox_store), "--file", str(data)],
        check=True,
        capture_output=True,
    )
    servers = [
        Server("kg serve", [*kg, "serve", "--port", "18080"], "http://127.0.0.1:18080/sparql"),
        Server(
            "oxigraph",
            [
                oxigraph,
                "serve-read-only",
                "--location",
                str(ox_store),
                "--bind",
                "127.0.0.1:18081",
                "--union-default-graph",
            ],
            "http://127.0.0.1:18081/query",
        ),
    ]
    script = scratch / "lookups.lua"
    try:
        figures: dict[str, dict[str, float]] = {s.name: {} for s in servers}
        for server in servers:
            script.write_text(WRK_SCRIPT % (BASE, urllib.parse.urlsplit(server.url).path))
            same = "?" + urllib.parse.urlencode({"query": LOOKUP % (BASE, 123)})
            figures[server.name]["lookup, one entity (req/s)"] = wrk(
                server.url, args.seconds, path_query=same
            )
            figures[server.name]["lookup, 20k entities (req/s)"] = wrk(
                server.url, args.seconds, script
            )
            figures[server.name]["4-way join (ms)"] = latency(server, JOIN, args.runs)
            figures[server.name]["GROUP BY (ms)"] = latency(server, GROUP_BY, args.runs)
            for label, accept in (("JSON", "application/sparql-results+json"), ("CSV", "text/csv")):
                millis, growth = last_byte(server, accept)
                figures[server.name][f"100k rows {label}, last byte (ms)"] = millis
                figures[server.name][f"100k rows {label}, memory growth (MB)"] = growth
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    rows = []
    for metric in figures["kg serve"]:
        ours, theirs = figures["kg serve"][metric], figures["oxigraph"][metric]
        ratio = f"{ours / theirs:.2f}x" if theirs and "memory" not in metric else ""
        rows.append([metric, f"{ours:,.1f}", f"{theirs:,.1f}", ratio])
    print(
        f"Endpoint on {args.agencies:,} synthetic agencies ({data.name}), loopback, wrk -t2 -c8\n"
    )
    print(table(["measure", "kg serve", "oxigraph", "kg / oxigraph"], rows))
    print(
        "\nTargets: lookups >= 0.25x of Oxigraph's throughput; join and GROUP BY <= 1.15x its "
        "latency; 100k rows <= 1.5x its time, memory flat."
    )


if __name__ == "__main__":
    main()
