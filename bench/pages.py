"""Pages for people: this checkout beside an earlier one, on the bundled and the 1.1 M-quad graph.

    python bench/pages.py [--baseline REV] [--requests 30] [--agencies 20000]
                          [--traffic-baseline REV] [--seconds 10]

Each side serves from its own checkout (the baseline in a throw-away git worktree) over a store
it loaded itself: everything bundled, or the seed and the synthetic graph. Each page is asked
once to warm it, then --requests times one after another; printed: p50 and p99 in ms. This
checkout is measured twice: as served (pages kept per generation) and with KG_PAGE_CACHE=0,
each page rendered anew. A page the baseline does not have is shown as "—". Then the agency
page is asked RENDERS times more, and the processor time all the server's processes spent is
divided by the requests: the cost of a render, less the client's.

Then a story's traffic on the bundled graph, beside --traffic-baseline, each served by
`kg serve` as it runs by default (two workers), measured by wrk at 8 clients: one agency page
again and again, 3,000 agency pages at random, and revalidations answered 304.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from measure import paths_script, processor_seconds, settle, synthetic, table, wrk

ROOT = Path(__file__).resolve().parent.parent
HTML = {"Accept": "text/html"}
IRI_BASE = "https://w3id.org/policykg/"  # an entity's page is its IRI's path under the base
BASELINE = "9534a0a"  # main before the 287(g) history, search and the front page
TRAFFIC_BASELINE = "3ea2aba"  # main before pages were kept, the hot path trimmed, Granian
AGENCIES = """SELECT DISTINCT ?agency WHERE {
  ?agency a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*
          <https://w3id.org/policykg/ontology#LawEnforcementAgency> } ORDER BY ?agency LIMIT 3000"""
AGENCY_PAGE = "/id/agency/lvmpd"
AGENCY_PROCESSOR = "processor"  # ms the server spent on each request of the agency page
RENDERS = 300  # requests of the agency page whose processor time is taken (ticks of 10 ms)
PAGES = [
    ("/", "front page (baseline: the query page)"),
    ("/agencies", "/agencies"),
    ("/agencies?state=NV", "/agencies?state=NV"),
    ("/agencies?with=agreement&state=FL", "/agencies?with=agreement&state=FL"),
    ("/state/NV", "/state/NV"),
    (AGENCY_PAGE, "an agency page (LVMPD)"),
    ("/search?q=las+vegas+police", "/search?q=las vegas police"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kg(*args: str, store: Path) -> list[str]:
    return [sys.executable, "-m", "kg", "--store", str(store), *args]


def environment(checkout: Path, **settings: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(checkout), **settings}


def prepare(checkout: Path, store: Path, graph: Path | None) -> None:
    """The store of one side: everything bundled, or the seed and ``graph``."""
    env = environment(checkout)
    first = ["load", "--seed-only"] if graph else ["load"]
    subprocess.run(kg(*first, store=store), cwd=checkout, env=env, check=True, capture_output=True)
    if graph:
        subprocess.run(
            kg("load", str(graph), store=store),
            cwd=checkout,
            env=env,
            check=True,
            capture_output=True,
        )


def timings(url: str, requests: int) -> tuple[float, float] | None:
    try:
        urllib.request.urlopen(urllib.request.Request(url, headers=HTML), timeout=300).read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        urllib.request.urlopen(urllib.request.Request(url, headers=HTML), timeout=300).read()
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[max(0, int(len(times) * 0.99) - 1)] * 1000


@contextlib.contextmanager
def serving(checkout: Path, store: Path, *args: str, **settings: str) -> Iterator[tuple[str, int]]:
    """`kg serve` of ``checkout`` over ``store``, until the block ends; its address and pid."""
    port = free_port()
    server = subprocess.Popen(
        kg("serve", "--port", str(port), *args, store=store),
        cwd=checkout, env=environment(checkout, **settings),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        settle(server.pid)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(60)


def measure(
    checkout: Path, store: Path, requests: int, **settings: str
) -> dict[str, tuple[float, float] | None]:
    """Each page's p50 and p99; and under AGENCY_PROCESSOR, the processor the server's
    processes spent on each of RENDERS requests of the agency page."""
    with serving(checkout, store, "--workers", "1", **settings) as (base, pid):
        figures = {path: timings(base + path, requests) for path, _label in PAGES}
        before = processor_seconds(pid)
        timings(base + AGENCY_PAGE, RENDERS)
        figures[AGENCY_PROCESSOR] = (processor_seconds(pid) - before) / (RENDERS + 1) * 1000
        return figures


def traffic(checkout: Path, store: Path, seconds: int, scratch: Path) -> dict[str, float]:
    """Pages a second under wrk -c8: one page, 3,000 at random, revalidations."""
    with serving(checkout, store) as (base, _pid):
        query = urllib.parse.urlencode({"query": AGENCIES})
        request = urllib.request.Request(
            f"{base}/sparql?{query}", headers={"Accept": "application/sparql-results+json"}
        )
        rows = json.load(urllib.request.urlopen(request, timeout=300))["results"]["bindings"]
        paths = ["/" + row["agency"]["value"].removeprefix(IRI_BASE) for row in rows]
        page = base + AGENCY_PAGE
        etag = urllib.request.urlopen(urllib.request.Request(page, headers=HTML)).headers["ETag"]
        wrk(page, 2, headers=HTML)  # every worker keeps it
        return {
            "one agency page again and again": wrk(page, seconds, headers=HTML),
            f"{len(paths):,} agency pages at random": wrk(
                base, seconds, script=paths_script(paths, "text/html", scratch)
            ),
            "revalidation of the page (304)": wrk(
                page, seconds, headers={**HTML, "If-None-Match": etag}
            ),
        }


def shown(figure: tuple[float, float] | None) -> str:
    return "—" if figure is None else f"{figure[0]:,.1f} / {figure[1]:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--agencies", type=int, default=20_000)
    parser.add_argument(
        "--bundled-only", action="store_true", help="Leave the 1.1 M-quad graph out."
    )
    parser.add_argument("--traffic-only", action="store_true", help="Only the story's traffic.")
    parser.add_argument("--traffic-baseline", default=TRAFFIC_BASELINE)
    parser.add_argument("--seconds", type=int, default=10, help="Of each wrk run.")
    args = parser.parse_args()
    graphs = (
        {"bundled": None}
        if args.bundled_only
        else {"bundled": None, "1.1 M quads": synthetic(args.agencies)}
    )
    rows, flows = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        worktree = Path(scratch) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                        str(worktree), args.baseline], check=True)  # fmt: skip
        try:
            flows = story(args, Path(scratch))
            for graph_name, graph in {} if args.traffic_only else graphs.items():
                figures = {}
                for side, checkout in (("baseline", worktree), ("now", ROOT)):
                    store = Path(scratch) / f"{side}-{graph_name.replace(' ', '')}"
                    prepare(checkout, store, graph)
                    figures[side] = measure(checkout, store, args.requests)
                figures["uncached"] = measure(ROOT, store, args.requests, KG_PAGE_CACHE="0")
                for path, label in PAGES:
                    rows.append([graph_name, label,
                                 *(shown(figures[side][path]) for side in figures)])  # fmt: skip
                processor = [f"{figures[side][AGENCY_PROCESSOR]:.1f}" for side in figures]
                rows.append([graph_name, "agency page: processor ms a request", *processor])
                print(f"{graph_name}: measured", file=sys.stderr, flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(worktree)], check=False)  # fmt: skip
    if rows:
        print(table(["graph", "page", f"baseline {args.baseline} p50 / p99 ms",
                     "now p50 / p99 ms", "now, KG_PAGE_CACHE=0"], rows))  # fmt: skip
        print("\nTargets: lists p50 <= 100 ms on the bundled graph, <= 300 ms at 1.1 M quads;"
              " an agency page rendered afresh <= 10 ms of processor (bundled).")  # fmt: skip
    sides = list(flows)
    print(f"\nA story's traffic, bundled graph, wrk -t2 -c8 -d{args.seconds}s, pages/s\n")
    print(table(["traffic", *sides, "now / baseline"],
                [[name, *(f"{flows[side][name]:,.0f}" for side in sides),
                  f"{flows[sides[1]][name] / flows[sides[0]][name]:.1f}x"]
                 for name in flows[sides[0]]]))  # fmt: skip
    print("\nTargets: one page >= 2,000 pages/s; 3,000 pages at random >= 300 pages/s.")


def story(args: argparse.Namespace, scratch: Path) -> dict[str, dict[str, float]]:
    """The traffic figures of the traffic baseline and of this checkout, bundled graph."""
    worktree = scratch / "traffic-baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                    str(worktree), args.traffic_baseline], check=True)  # fmt: skip
    try:
        flows = {}
        for side, checkout in ((f"baseline {args.traffic_baseline}", worktree), ("now", ROOT)):
            store = scratch / f"traffic-{side.split()[0]}"
            prepare(checkout, store, None)
            flows[side] = traffic(checkout, store, args.seconds, scratch)
            print(f"traffic, {side}: measured", file=sys.stderr, flush=True)
        return flows
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                       check=False)  # fmt: skip


if __name__ == "__main__":
    main()
