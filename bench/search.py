"""Search: tantivy (what PolicyKG uses) beside SQLite's FTS5, over the same entities, in one run.

    python bench/search.py [--runs 200] [--agencies 20000]

On the bundled graph and on the synthetic graph (20,000 agencies: 1.1 M quads), the index is
built from the real store; then one-word, three-word, typo and ORI searches run --runs times
each. Printed: the build time, and p50/p99 per kind of search, for PolicyKG's
SearchIndex.search (the server's whole work: tantivy, the ranking and the reasons) and, beside
it, SQLite's FTS5 (in the standard library) answering the same words over the same documents:
the engine alone, bm25-ranked prefix matches (a typo: trigrams of the words).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from measure import synthetic, table
from pyoxigraph import RdfFormat

from kg.namespaces import Namespaces
from kg.service import loading
from kg.service.search import SearchIndex, normalize
from kg.store.embedded import EmbeddedStore

NS = Namespaces()
SEARCHES = {
    "bundled": {
        "one word": ["sheriff", "detainers", "Tisch", "Florida"],
        "three words": ["las vegas police", "maricopa county sheriff", "not my job"],
        "typo": ["maricpoa county", "las vegsa metropolitan", "jesica tisch"],
        "ORI": ["NV0020100", "AZ0070000", "FL0060000"],
    },
    "synthetic": {
        "one word": ["synthetic", "policy", "agency"],
        "three words": ["synthetic agency 1234", "policy of synthetic", "synthetic head 77"],
        "typo": ["synthetik agencey", "polcy of synthetic"],
        "ORI": ["AL0000000", "NV0000027"],
    },
}


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def fts5_index(index: SearchIndex) -> sqlite3.Connection:
    """The same entities, names and texts in an FTS5 table, and their names' trigrams."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE words USING fts5(iri UNINDEXED, label, names, ori, place, text)"
    )
    db.execute("CREATE VIRTUAL TABLE grams USING fts5(iri UNINDEXED, names, tokenize='trigram')")
    for iri, e in index._entities.items():
        texts = [normalize(t) for t in (e.label, " ".join(e.names), e.ori, e.place, e.text)]
        db.execute("INSERT INTO words VALUES (?, ?, ?, ?, ?, ?)", [iri, *texts])
        db.execute("INSERT INTO grams VALUES (?, ?)", [iri, f"{texts[0]} {texts[1]}"])
    return db


def fts5_search(db: sqlite3.Connection, text: str, typo: bool) -> list:
    words = normalize(text).split()
    if typo:
        grams = {w[i : i + 3] for w in words for i in range(len(w) - 2)}
        match, table = " OR ".join(f'"{g}"' for g in grams), "grams"
    else:
        match, table = " AND ".join(f'"{w}"*' for w in words), "words"
    return db.execute(
        f"SELECT iri FROM {table} WHERE {table} MATCH ? ORDER BY bm25({table}) LIMIT 200", [match]
    ).fetchall()


def measure(label: str, store: EmbeddedStore, runs: int) -> list[list[str]]:
    index = SearchIndex(store, NS)
    started = time.perf_counter()
    index.search("x")
    built = time.perf_counter() - started
    started = time.perf_counter()
    engine = fts5_index(index)
    writing = (time.perf_counter() - started) * 1000
    rows = [[label, "build the index", f"{built * 1000:,.0f} ms", f"{writing:,.0f} ms (writing)"]]
    for kind, texts in SEARCHES[label].items():
        ours, theirs = [], []
        for _ in range(runs // len(texts) + 1):
            for text in texts:
                started = time.perf_counter()
                index.search(text)
                ours.append(time.perf_counter() - started)
                started = time.perf_counter()
                fts5_search(engine, text, typo=kind == "typo")
                theirs.append(time.perf_counter() - started)
        p50, p99 = percentiles(ours)
        other = "{:.2f} / {:.2f} ms".format(*percentiles(theirs))
        rows.append([label, kind, f"{p50:.2f} / {p99:.2f} ms", other])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--agencies", type=int, default=20_000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        bundled = EmbeddedStore(Path(scratch) / "bundled")
        loading.load_bundled(bundled, NS)
        rows += measure("bundled", bundled, args.runs)
        synth = EmbeddedStore(Path(scratch) / "synth")
        loading.load_items(synth, NS, loading.bundled_items(NS))
        synth.load(synthetic(args.agencies), RdfFormat.N_QUADS)
        rows += measure("synthetic", synth, args.runs)
    print(
        table(
            ["graph", "search", "PolicyKG (tantivy) p50 / p99", "FTS5, engine alone p50 / p99"],
            rows,
        )
    )
    print("\nTargets: p50 <= 10 ms, p99 <= 50 ms at the server.")


if __name__ == "__main__":
    main()
