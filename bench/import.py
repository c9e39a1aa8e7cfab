"""Importing the FBI roster and ICE's 287(g) publications, then the named queries on the result.

    python bench/import.py [--runs 5]

The imports run, with reconciliation, into a store holding only the seed graph (its agencies
are among those reconciled). Reported: seconds, rows per second and peak memory of the
process; then each named query's median time on the full graph (target: <= 200 ms).
"""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl
from measure import table

from kg.namespaces import Namespaces
from kg.resources import dataset_files
from kg.service import loading
from kg.service.queries import named_queries, run_query
from kg.store.embedded import EmbeddedStore

NS = Namespaces()


def rows_in(path: Path) -> int:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8") as stream:
            return sum(1 for _ in csv.DictReader(stream))
    return openpyxl.load_workbook(path, read_only=True).active.max_row - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = EmbeddedStore(Path(scratch) / "store")
        loading.load_items(store, NS, loading.bundled_items(NS))
        timings = []
        total_started = time.perf_counter()
        for kind, paths in dataset_files().items():
            for path in paths:
                started = time.perf_counter()
                report = loading.import_dataset(store, NS, kind, path)
                seconds = time.perf_counter() - started
                timings.append(
                    [
                        path.name,
                        f"{report.rows:,}",
                        f"{seconds:.2f}",
                        f"{report.rows / seconds:,.0f}",
                        f"{report.quads:,}",
                    ]
                )
        total = time.perf_counter() - total_started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows = sum(rows_in(path) for paths in dataset_files().values() for path in paths)
        print(table(["file", "rows", "seconds", "rows/s", "quads"], timings))
        print(
            f"\nAll imports: {total:.1f} s for {rows:,} rows ({rows / total:,.0f} rows/s), "
            f"peak memory {peak:,.0f} MB; the store holds {store.count():,} quads "
            "(target: <= 30 s in all)\n"
        )
        query_rows = []
        for query in named_queries().values():
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                result = run_query(store, query.text(NS), NS)
                answers = sum(1 for _ in result)
                times.append(time.perf_counter() - started)
            query_rows.append(
                [query.name, f"{answers:,}", f"{statistics.median(times) * 1000:.0f}"]
            )
        print(table(["named query", "rows", "median ms"], query_rows))
        print("\nTarget: each named query <= 200 ms on the full graph.")


if __name__ == "__main__":
    main()
