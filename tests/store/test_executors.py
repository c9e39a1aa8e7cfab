"""The memory budget's door: queries arriving at once are admitted one at a time, each helper
counted from the moment it is started, so that a crowd cannot start more helpers than the
budget holds before any of them has grown."""

from __future__ import annotations

import io
import multiprocessing
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from kg.store import QueryBudgetError
from kg.store.embedded import EmbeddedStore
from kg.store.executors import HELPER_RESERVE
from tests.store.test_lookups import X, fill

# seconds of work on 400 triples (64 M rows to count), and little memory
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_crowd_of_queries_starts_no_more_helpers_than_the_budget_holds(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store", idle_helpers=0, total_memory=2 * HELPER_RESERVE)
    fill(store, X, 400)
    cancels = [threading.Event() for _ in range(6)]
    ends: list[str] = []

    def ask(cancel: threading.Event) -> None:
        try:
            store.serialize_query(io.BytesIO(), SLOW, ox.QueryResultsFormat.JSON, cancel=cancel)
            ends.append("answered")
        except QueryBudgetError:
            ends.append("short of memory")

    earlier = set(multiprocessing.active_children())  # other stores' helpers, from other tests
    threads = [threading.Thread(target=ask, args=(cancel,)) for cancel in cancels]
    for thread in threads:
        thread.start()
    most = 0
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        most = max(most, len(set(multiprocessing.active_children()) - earlier))
        time.sleep(0.01)
    for cancel in cancels:
        cancel.set()
    for thread in threads:
        thread.join(30)
    assert 1 <= most <= 2, most  # two reserves fill the budget: the other four wait at the door
    assert len(ends) == 6 and "short of memory" in ends, ends  # the waiting ones, when cancelled
    store.close()
