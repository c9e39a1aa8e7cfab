"""`kg load` of everything bundled, this checkout beside an earlier one, in one run.

    python bench/import.py [--baseline REV] [--runs 1]

Each side runs in a process of its own, from its own checkout (the baseline in a throw-away git
worktree, with its own bundled data: before the 287(g) history, the FBI roster and four ICE
sheets), into a fresh on-disk store: the seed graph, then the datasets. Printed: seconds for the
seed and for the datasets, the quads the datasets add, the `kg load` total, the process's peak
memory; then every named query's time on this checkout's graph, and its reconciliation report.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import table

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "9534a0a"  # main before the 287(g) history: two snapshots of each sheet

SIDE = r"""
import json, resource, tempfile, time
from pathlib import Path
from kg.namespaces import Namespaces
from kg.resources import dataset_files
from kg.service import loading
from kg.store.embedded import EmbeddedStore
ns = Namespaces()
with tempfile.TemporaryDirectory() as scratch:
    store = EmbeddedStore(Path(scratch) / "store")
    started = time.perf_counter()
    loading.load_items(store, ns, loading.bundled_items(ns))
    seed, seed_quads = time.perf_counter() - started, store.count()
    started = time.perf_counter()
    reports = [  # the baseline's dataset_files() lists files; this checkout's names a folder
        loading.import_dataset(store, ns, kind, path)
        for kind, paths in dataset_files().items()
        for path in (paths if isinstance(paths, list) else [paths])
    ]
    datasets = time.perf_counter() - started
    try:
        lines = [line for report in reports for line in report.lines()]
    except TypeError:  # the baseline's reports want an argument
        lines = []
    print(json.dumps({
        "seed": seed, "datasets": datasets, "quads": store.count(), "seed_quads": seed_quads,
        "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "report": lines,
    }))
"""


def measure(checkout: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SIDE],
        cwd=checkout,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def named_query_times(runs: int) -> list[list[str]]:
    sys.path.insert(0, str(ROOT))
    from kg.namespaces import Namespaces
    from kg.service import loading
    from kg.service.query.queries import named_queries, run_query
    from kg.store.embedded import EmbeddedStore

    ns, store = Namespaces(), EmbeddedStore()
    loading.load_bundled(store, ns)
    found = []
    for query in named_queries().values():
        times, answers = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            answers = sum(1 for _ in run_query(store, query.text(ns), ns))
            times.append(time.perf_counter() - started)
        found.append([query.name, f"{answers:,}", f"{statistics.median(times) * 1000:.0f}"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument("--runs", type=int, default=3, help="runs of each named query")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        worktree = Path(scratch) / "baseline"
        subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "worktree",
                "add",
                "--detach",
                "-q",
                str(worktree),
                args.baseline,
            ],
            check=True,
        )
        try:
            before = measure(worktree)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)])
    after = measure(ROOT)
    rows = []
    for label, key, unit in [
        ("seed graph", "seed", "s"),
        ("datasets (roster + ICE)", "datasets", "s"),
        ("kg load, total", None, "s"),
        ("quads the datasets add", "quads", ""),
        ("peak memory", "peak", "MB"),
    ]:
        values = []
        for side in (before, after):
            if key is None:
                value = side["seed"] + side["datasets"]
            elif key == "quads":
                value = side["quads"] - side["seed_quads"]
            else:
                value = side[key]
            values.append(value)
        shown = [f"{v:,.1f} {unit}" if unit == "s" else f"{v:,.0f} {unit}".strip() for v in values]
        rows.append([label, *shown, f"{values[1] / values[0]:.2f}"])
    print(table(["", f"baseline {args.baseline}", "this checkout", "ratio"], rows))
    print("\nTargets: all 64 publications add <= ~300,000 quads; kg load < 2x the baseline.\n")
    print("\n".join(after["report"]))
    print()
    print(table(["named query", "rows", "median ms"], named_query_times(args.runs)))


if __name__ == "__main__":
    main()
