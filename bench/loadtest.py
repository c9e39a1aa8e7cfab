"""A bounded load test on loopback: 32 clients for 80 s on the 1 M-triple synthetic graph.

    python bench/loadtest.py [--agencies 20000] [--seconds 80] [--timeout 30] [--runaways-at 20]
                             [--runaways 10] [--clients-of-runaways 1] [--budget MB]
                             [--worker-memory MB] [--before]

Needs wrk (Debian: apt-get install wrk) and, for the peer, the `oxigraph` command
(pip install oxigraph). Against `kg serve` (2 workers of 32 threads), after --warmup s of the
same traffic (not counted), at the same time:
- 16 clients look up one of the 20,000 agencies' triples by SPARQL (wrk, no pause);
- 8 clients fetch agency pages as HTML (wrk, no pause);
- 6 clients run the named queries in turn, pausing --named-pause s after each answer;
- 2 clients contribute a new statement each (through the gate), --contribution-pause s apart;
- --runaways-at s in, --runaways runaway queries are fired at once, from
  --clients-of-runaways clients (addresses given by X-Forwarded-For, the server trusting
  127.0.0.1 as its proxy): each must end with a status — cut at the timeout or past the memory
  budget (503), or refused past its client's share of long queries (429) — while the rest of
  the traffic is served. 80 s, so that the runaways (the default 30 s timeout) end before the
  last 20 s: the memory then, against the first 20 s, shows whether anything stayed behind.
  --budget sets KG_QUERY_MEMORY_TOTAL (MB; the server's default otherwise); --before runs the
  server without a budget or fair shares, as before they were (KG_QUERY_MEMORY_TOTAL=0,
  KG_CLIENT_LONG_QUERIES=0): mind the machine's memory with many runaways.
It prints each kind's p50/p99 latency and errors, the runaway queries' fate, and the server's
memory (proportional set size of all its processes, sampled every 0.25 s): in the first and the
last 20 s, its peak beside the bound (the idle server's, after the warm-up, plus the budget),
and every 5 s as a bar chart. The lookups are then run
alone against `oxigraph serve-read-only` on the same data, for a peer's latency at the same
concurrency.
The server's log is kept in bench/out/loadtest-server.log.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from measure import Server, synthetic, table

from kg.namespaces import Namespaces
from kg.service.query.queries import named_query

BASE = "https://w3id.org/policykg/"
TOKEN = "load-test-token"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . FILTER(?c != ?f) }"
# The named queries that answer a question; the whole-graph reports (agency-heads, statements,
# policy-history: 20,000 rows each here) take 3-6 s alone in Oxigraph and are left out of the mix.
NAMED = [
    "cooperation-with-ice",
    "federal-actions-2025-01",
    "stance-vs-agreements",
    "status-only-detention-bans",
]
# wrk picks one of the paths at random for each request
WRK_SCRIPT = """
local paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Accept"] = "%s"})
end
"""


def sparql_path(endpoint: str, query: str) -> str:
    return f"{endpoint}?" + urllib.parse.urlencode({"query": query})


def lookup_paths(endpoint: str, agencies: int) -> list[str]:
    query = "SELECT ?p ?o WHERE { <%sid/agency/synth-%d> ?p ?o }"
    return [sparql_path(endpoint, query % (BASE, i)) for i in range(0, agencies, 7)]


def wrk_run(
    url: str, paths: list[str], accept: str, clients: int, seconds: int, scratch: Path
) -> subprocess.Popen:
    script = scratch / f"wrk-{len(list(scratch.iterdir()))}.lua"
    script.write_text(WRK_SCRIPT % (", ".join(json.dumps(p) for p in paths), accept))
    threads = min(2, clients)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "30s",
        "-s",
    ]
    return subprocess.Popen(
        [*command, str(script), url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wrk_figures(process: subprocess.Popen) -> dict[str, float]:
    output, _ = process.communicate()

    def millis(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": float(re.search(r"(\d+) requests in", output).group(1)),
        "p50 ms": millis("50%"),
        "p99 ms": millis("99%"),
        "non-2xx": float(non_2xx.group(1) if non_2xx else 0),
        "socket errors": float(sum(int(n) for n in sockets.groups()) if sockets else 0),
    }


class PacedClient(threading.Thread):
    """Sends ``request_for(n)`` for n = 1, 2, … and waits ``pause`` seconds after each answer
    (a person's pace, where wrk's clients send the next request at once)."""

    def __init__(self, request_for: Callable[[int], urllib.request.Request], pause: float):
        super().__init__(daemon=True)
        self.request_for, self.pause = request_for, pause
        self.times: list[float] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.wait(self.pause):
            n += 1
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.request_for(n), timeout=60) as response:
                    response.read()
            except urllib.error.HTTPError as error:  # the server's own words, to read after
                self.errors.append(f"{error.code}: {error.read()[:300].decode(errors='replace')}")
                continue
            except OSError as error:
                self.errors.append(str(error))
                continue
            self.times.append((time.perf_counter() - started) * 1000)


def contribution(url: str, name: str, agencies: int) -> Callable[[int], urllib.request.Request]:
    """The n-th new statement of contributor ``name``, by one of the synthetic sheriffs."""

    def request_for(n: int) -> urllib.request.Request:
        head = f"{BASE}id/person/synth-head-{(n * 37) % agencies}"
        body = f"""<{BASE}id/statement/load-{name}-{n}> a <{BASE}ontology#Quote> ;
  <http://www.w3.org/2000/01/rdf-schema#label> "Load test {name} {n}"@en ;
  <https://schema.org/text> "Words said under load, {n}."@en ;
  <{BASE}ontology#speaker> <{head}> ;
  <http://purl.org/dc/terms/date> "2025-02-01"^^<http://www.w3.org/2001/XMLSchema#date> ;
  <{BASE}ontology#reportedBy> <{BASE}id/source/synth-{n % 100}> ."""
        return urllib.request.Request(
            f"{url}/assertions?source={BASE}id/source/synth-{n % 100}",
            data=body.encode(),
            method="POST",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"},
        )

    return request_for


def named_queries(url: str, first: int) -> Callable[[int], urllib.request.Request]:
    """The named queries in turn, starting from the ``first``."""
    texts = [named_query(name).text(Namespaces()) for name in NAMED]

    def request_for(n: int) -> urllib.request.Request:
        # by POST, as SPARQL clients send a long query; each reader a client of its own
        # (through the trusted proxy)
        body = urllib.parse.urlencode({"query": texts[(first + n) % len(texts)]}).encode()
        headers = {
            "Accept": "application/sparql-results+json",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": f"192.0.2.{first + 1}",
        }
        return urllib.request.Request(f"{url}/sparql", data=body, headers=headers)

    return request_for


def paced_figures(clients: list[PacedClient]) -> dict[str, float]:
    times = [t for client in clients for t in client.times]
    for error in sorted({e for client in clients for e in client.errors}):
        print(f"refused: {error}", file=sys.stderr)
    return {
        "requests": float(len(times)),
        "p50 ms": statistics.median(times) if times else 0.0,
        "p99 ms": percentile(times, 0.99),
        "non-2xx": float(sum(len(client.errors) for client in clients)),
        "socket errors": 0.0,
    }


def runaway(url: str, results: list, index: int, clients: int) -> None:
    started = time.perf_counter()
    request = urllib.request.Request(
        sparql_path(f"{url}/sparql", RUNAWAY),
        headers={"X-Forwarded-For": f"198.51.100.{index % clients + 1}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=180) as got:
            status = got.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    results[index] = (status, time.perf_counter() - started)


def memory_sampler(server: Server, samples: list, stopping: threading.Event) -> None:
    while not stopping.wait(0.25):  # a runaway grows by hundreds of MB a second
        try:
            samples.append((time.monotonic(), server.pss_mb(), server.rss_mb()))
        except (ProcessLookupError, IndexError):  # a process was ending meanwhile
            continue


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=80)
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="KG_QUERY_TIMEOUT (the server's default)",
    )
    parser.add_argument(
        "--runaways-at", type=float, default=20.0, help="seconds in, when the runaways are fired"
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="seconds of the same traffic before, not counted"
    )
    parser.add_argument("--named-pause", type=float, default=2.0, help="seconds between queries")
    parser.add_argument(
        "--contribution-pause", type=float, default=1.0, help="seconds between contributions"
    )
    parser.add_argument("--runaways", type=int, default=10, help="runaway queries fired at once")
    parser.add_argument(
        "--clients-of-runaways", type=int, default=1, help="clients the runaways come from"
    )
    parser.add_argument("--budget", type=int, help="KG_QUERY_MEMORY_TOTAL, in MB")
    parser.add_argument("--worker-memory", type=int, help="KG_WORKER_MEMORY, in MB")
    parser.add_argument(
        "--before", action="store_true", help="no memory budget, no fair shares (as before)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    data = synthetic(args.agencies)
    scratch = Path(tempfile.mkdtemp(prefix="kg-loadtest-"))
    kg = [sys.executable, "-m", "kg", "--quiet", "--store", str(scratch / "kg")]
    subprocess.run([*kg, "load", "--seed-only"], check=True)
    subprocess.run([*kg, "load", str(data)], check=True)
    env = {
        "KG_TOKENS": f"load-a:{TOKEN}",
        "KG_QUERY_TIMEOUT": str(args.timeout),
        "KG_WRITE_RATE": "0",
        "KG_TRUSTED_PROXIES": "127.0.0.1",
        **({"KG_QUERY_MEMORY_TOTAL": str(args.budget)} if args.budget is not None else {}),
        **({"KG_WORKER_MEMORY": str(args.worker_memory)} if args.worker_memory else {}),
        **({"KG_QUERY_MEMORY_TOTAL": "0", "KG_CLIENT_LONG_QUERIES": "0"} if args.before else {}),
    }
    log = Path(__file__).parent / "out" / "loadtest-server.log"
    server = Server(
        "kg serve", [*kg, "serve", "--port", "18090"], "http://127.0.0.1:18090/sparql", env, log
    )
    root = "http://127.0.0.1:18090"
    samples: list[tuple[float, float, float]] = []
    stopping = threading.Event()
    try:
        if args.warmup:  # helpers started and caches filled, as on a server that has been up
            finish(*start_traffic(root, args, args.warmup, scratch, "warm-"))
        server.settle()
        idle = server.pss_mb()  # the idle server's own memory, that the budget comes on top of
        started = time.monotonic()
        threading.Thread(
            target=memory_sampler, args=(server, samples, stopping), daemon=True
        ).start()
        loads, paced = start_traffic(root, args, args.seconds, scratch, "")
        time.sleep(args.runaways_at)
        runaways: list = [None] * args.runaways
        fired = [
            threading.Thread(target=runaway, args=(root, runaways, i, args.clients_of_runaways))
            for i in range(args.runaways)
        ]
        for thread in fired:
            thread.start()
        figures = finish(loads, paced)
        for thread in fired:
            thread.join(180)
        stopping.set()
        budget = budget_of(root)
    finally:
        server.stop()
    peer = peer_lookups(data, scratch, min(args.seconds, 20))
    shutil.rmtree(scratch, ignore_errors=True)
    report(args, figures, runaways, samples, started, peer, budget, idle)


def budget_of(root: str) -> float | None:
    """The server's memory budget for queries, in MB, from /metrics (None: no budget)."""
    with urllib.request.urlopen(f"{root}/metrics", timeout=30) as answer:
        found = re.search(rb"^kg_query_memory_budget_bytes (\d+)", answer.read(), re.MULTILINE)
    return int(found.group(1)) / 2**20 if found and int(found.group(1)) else None


def start_traffic(root: str, args, seconds: int, scratch: Path, prefix: str) -> tuple[dict, dict]:
    """wrk's lookups and pages for ``seconds``, and the paced clients until told to stop
    (contributors' statements named with ``prefix``, so that no two are the same)."""
    pages = [f"/id/agency/synth-{i}" for i in range(0, args.agencies, 11)]
    loads = {
        "SPARQL lookups (16 clients)": wrk_run(
            root,
            lookup_paths("/sparql", args.agencies),
            "application/sparql-results+json",
            16,
            seconds,
            scratch,
        ),
        "agency pages (8 clients)": wrk_run(root, pages, "text/html", 8, seconds, scratch),
    }
    paced = {
        f"named queries (6 clients, {args.named_pause:g} s apart)": [
            PacedClient(named_queries(root, first), args.named_pause) for first in range(6)
        ],
        f"contributions (2 clients, {args.contribution_pause:g} s apart)": [
            PacedClient(contribution(root, prefix + name, args.agencies), args.contribution_pause)
            for name in ("one", "two")
        ],
    }
    for client in (client for clients in paced.values() for client in clients):
        client.start()
    return loads, paced


def finish(loads: dict, paced: dict) -> dict[str, dict[str, float]]:
    """Each kind of traffic's figures, once wrk is done and the paced clients have stopped."""
    figures = {label: wrk_figures(process) for label, process in loads.items()}
    for client in (client for clients in paced.values() for client in clients):
        client.stopping.set()
        client.join(60)
    return figures | {label: paced_figures(clients) for label, clients in paced.items()}


def peer_lookups(data: Path, scratch: Path, seconds: int) -> dict[str, float] | None:
    """The same lookups, alone, against `oxigraph serve-read-only`."""
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(oxigraph).exists():
        return None
    location = scratch / "ox"
    subprocess.run(
        [oxigraph, "load", "--location", str(location), "--file", str(data)],
        check=True,
        capture_output=True,
    )
    command = [
        oxigraph,
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        "127.0.0.1:18091",
        "--union-default-graph",
    ]
    server = Server("oxigraph", command, "http://127.0.0.1:18091/query")
    try:
        paths = lookup_paths("/query", 20_000)
        process = wrk_run(
            "http://127.0.0.1:18091", paths, "application/sparql-results+json", 16, seconds, scratch
        )
        return wrk_figures(process)
    finally:
        server.stop()


def report(args, figures, runaways, samples, started, peer, budget, idle) -> None:
    if peer:
        figures = {**figures, "oxigraph: SPARQL lookups alone (16 clients)": peer}
    columns = ["requests", "p50 ms", "p99 ms", "non-2xx", "socket errors"]
    rows = [
        [
            label,
            *(f"{f[c]:,.1f}" if "ms" in c else f"{f[c]:,.0f}" for c in columns),
        ]
        for label, f in figures.items()
    ]
    print(
        f"Load test: {args.seconds} s, 32 clients, {args.agencies:,} synthetic agencies, loopback\n"
    )
    print(table(["traffic", *columns], rows))
    if peer:
        ours = figures["SPARQL lookups (16 clients)"]
        print(
            "\nLookups under the mixed load vs Oxigraph's alone: "
            f"p50 {ours['p50 ms'] / peer['p50 ms']:.2f}x, "
            f"p99 {ours['p99 ms'] / peer['p99 ms']:.2f}x"
        )
    fates = Counter(r[0] if r else "none" for r in runaways)
    slowest = max((r[1] for r in runaways if r), default=0.0)
    said = ", ".join(f"{n} {status or 'dropped'}" for status, n in sorted(fates.items(), key=str))
    print(
        f"\nRunaway queries: {args.runaways} from {args.clients_of_runaways} client(s): {said} "
        f"(timeout {args.timeout:g} s; slowest answer {slowest:.1f} s)"
    )
    kept = [sample for sample in samples if sample[0] - started <= args.seconds]
    seconds = [(at - started, mb) for at, mb, _rss in kept]
    first = [mb for at, mb in seconds if at <= 20]
    last = [mb for at, mb in seconds if at >= args.seconds - 20]
    if first and last:
        peak = max(mb for _at, mb in seconds)
        bound = "none"
        if budget:
            bound = f"{idle + budget:,.0f} MB ({'held' if peak <= idle + budget else 'passed'})"
        print(
            "Server memory (all processes, proportional set size: a shared page counts once): "
            f"first 20 s median {statistics.median(first):,.0f} MB, "
            f"last 20 s median {statistics.median(last):,.0f} MB, peak {peak:,.0f} MB; "
            f"idle server (after the warm-up) {idle:,.0f} MB + budget for queries "
            f"{f'{budget:,.0f} MB' if budget else 'none'} = bound {bound}; "
            f"resident sizes added up (shared pages once per process): peak "
            f"{max(rss for *_, rss in kept):,.0f} MB\n"
        )
        memory_chart(seconds, args.runaways_at)


def memory_chart(seconds: list[tuple[float, float]], runaways_at: float) -> None:
    """The server's memory every 5 s, as bars (the runaways' burst marked)."""
    peak = max(mb for _at, mb in seconds)
    for start in range(0, int(max(at for at, _mb in seconds)) + 1, 5):
        window = [mb for at, mb in seconds if start <= at < start + 5]
        if window:
            mb = statistics.median(window)
            mark = "  <- runaways fired" if start <= runaways_at < start + 5 else ""
            print(f"{start:3d}-{start + 5:<3d} s {mb:6,.0f} MB {'#' * round(40 * mb / peak)}{mark}")


if __name__ == "__main__":
    main()
