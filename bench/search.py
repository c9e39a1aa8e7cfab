"""Search: SQLite FTS5 (what PolicyKG uses) beside tantivy, over the same entities, in one run.

    python bench/search.py [--runs 200] [--agencies 20000]

On the bundled graph and on the synthetic graph (20,000 agencies: 1.1 M quads), each engine's
index is built from the real store; then one-word, three-word, typo and ORI searches run
--runs times each. Printed: the build time, and p50/p99 per kind of search, for PolicyKG's
SearchIndex.search (the server's whole work: engine, ranking and the reasons) and, beside it,
a bare tantivy query of the same words (engine only: `pip install tantivy`).
"""

from __future__ import annotations

import argparse
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


def tantivy_index(index: SearchIndex):
    """The same entities, names and texts in a tantivy index held in memory."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    for field in ("iri", "kind"):
        builder.add_text_field(field, stored=True, tokenizer_name="raw")
    for field in ("label", "names", "ori", "place", "text"):
        builder.add_text_field(field, stored=False)
    schema = builder.build()
    engine = tantivy.Index(schema)
    writer = engine.writer()
    for iri, e in index._entities.items():
        writer.add_document(
            tantivy.Document(
                iri=iri,
                kind=e.kind,
                label=normalize(e.label),
                names=normalize(" ".join(e.names)),
                ori=normalize(e.ori),
                place=normalize(e.place),
                text=normalize(e.text),
            )
        )
    writer.commit()
    engine.reload()
    return engine


def measure(label: str, store: EmbeddedStore, runs: int, with_tantivy: bool) -> list[list[str]]:
    index = SearchIndex(store, NS)
    started = time.perf_counter()
    index.search("x")
    built = time.perf_counter() - started
    rows = [[label, "build the index", f"{built * 1000:,.0f} ms", ""]]
    engine = None
    if with_tantivy:
        started = time.perf_counter()
        engine = tantivy_index(index)
        rows[0][3] = f"{(time.perf_counter() - started) * 1000:,.0f} ms (writing alone)"
    for kind, texts in SEARCHES[label].items():
        ours, theirs = [], []
        for _ in range(runs // len(texts) + 1):
            for text in texts:
                started = time.perf_counter()
                index.search(text)
                ours.append(time.perf_counter() - started)
                if engine is not None:
                    query = engine.parse_query(
                        " ".join(f'"{word}"' for word in normalize(text).split()),
                        ["label", "names", "ori", "place", "text"],
                    )
                    started = time.perf_counter()
                    engine.searcher().search(query, 20)
                    theirs.append(time.perf_counter() - started)
        p50, p99 = percentiles(ours)
        other = "" if engine is None else "{:.2f} / {:.2f} ms".format(*percentiles(theirs))
        rows.append([label, kind, f"{p50:.2f} / {p99:.2f} ms", other])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--agencies", type=int, default=20_000)
    args = parser.parse_args()
    try:
        import tantivy  # noqa: F401

        with_tantivy = True
    except ImportError:
        with_tantivy = False
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        bundled = EmbeddedStore(Path(scratch) / "bundled")
        loading.load_bundled(bundled, NS)
        rows += measure("bundled", bundled, args.runs, with_tantivy)
        synth = EmbeddedStore(Path(scratch) / "synth")
        loading.load_items(synth, NS, loading.bundled_items(NS))
        synth.load(synthetic(args.agencies), RdfFormat.N_QUADS)
        rows += measure("synthetic", synth, args.runs, with_tantivy)
    print(
        table(
            ["graph", "search", "PolicyKG (FTS5) p50 / p99", "tantivy, engine alone p50 / p99"],
            rows,
        )
    )
    print("\nTargets: p50 <= 10 ms, p99 <= 50 ms at the server.")


if __name__ == "__main__":
    main()
