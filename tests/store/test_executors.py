"""The memory budget: queries arriving at once are admitted one at a time, each helper
counted from the moment it is started, so that a crowd cannot start more helpers than the
budget holds before any of them has grown; queries growing fast are stopped before they
pass it, a process's own growth counted with them; a helper's answer comes in whole chunks,
the rest with its end."""

from __future__ import annotations

import io
import multiprocessing
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.rdfio import CHUNK_BYTES as CHUNK
from kg.store import QueryBudgetError
from kg.store.embedded import EmbeddedStore
from kg.store.executors import BUDGET_LOOK, HELPER_RESERVE, Executors
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


def test_queries_growing_fast_are_stopped_before_they_pass_the_budget(tmp_path: Path):
    # two queries' records (their helpers' sizes, in bytes), against a budget of 1,000
    executors = Executors(tmp_path, keep=0, total_memory=1_000)
    small = executors.running.add(reserved=100)
    large = executors.running.add(reserved=300)
    assert not executors._largest_past_budget(large)  # 400 held, nothing grew
    executors.running.update(large, reserved=700)
    time.sleep(BUDGET_LOOK)
    # 800 held, and 400 more by the next look at the pace of the last: the largest goes
    assert executors._largest_past_budget(large)
    assert not executors._largest_past_budget(small)
    time.sleep(BUDGET_LOOK)
    assert not executors._largest_past_budget(large)  # 800 held, steady: inside the budget


def test_a_processs_own_growth_counts_when_the_largest_queries_are_stopped(tmp_path: Path):
    # the process passes the door (and is recorded); a 16 MB query runs; the process then
    # grows by 64 MB of its own, past the 48 MB budget: the query goes, the door stays open
    executors = Executors(tmp_path, keep=0, total_memory=48 * 2**20)
    cancelled = threading.Event()
    cancelled.set()  # a query that would wait at the door is refused at once
    helper, record = executors._admit(cancelled)
    executors._pool.end(helper)
    executors.running.update(record, reserved=16 * 2**20)
    assert not executors._largest_past_budget(record)
    grown = bytearray(64 * 2**20)
    grown[::4096] = b"\x01" * len(grown[::4096])  # every page touched: resident
    time.sleep(BUDGET_LOOK)
    assert executors.memory_used() >= 72 * 2**20
    assert executors._largest_past_budget(record)
    executors.running.remove(record)
    another, started = executors._admit(cancelled)  # queries' own memory is what the door sees
    executors._pool.end(another)
    executors.running.remove(started)
    del grown


def test_a_waiting_helper_is_taken_only_while_the_last_look_finds_room(tmp_path: Path):
    # a helper kept from an earlier query starts no process: the last look at the budget
    # (at most BUDGET_LOOK old) admits its next query, or sends it to wait at the door
    executors = Executors(tmp_path, keep=1, total_memory=48 * 2**20)
    cancelled = threading.Event()
    cancelled.set()  # a query that would wait at the door is refused at once
    helper, record = executors._admit(cancelled)
    executors.running.remove(record)
    executors._give_back(helper)  # kept for the next query
    full = executors.running.add(reserved=48 * 2**20)
    time.sleep(BUDGET_LOOK)
    with pytest.raises(QueryBudgetError):  # the budget is held: it waits, like any other
        executors._admit(cancelled)
    executors.running.remove(full)
    time.sleep(BUDGET_LOOK)
    taken, started = executors._admit(cancelled)
    assert taken is helper and started is None  # the same helper, no record of a new one
    executors._pool.end(taken)
    executors.close()


@pytest.mark.parametrize("triples", [10, 3_000])
def test_a_helpers_answer_comes_in_whole_chunks_and_the_rest_with_its_end(
    tmp_path: Path, triples: int
):
    # the serializer's closing flush sends nothing: an answer smaller than a chunk is one
    # message (one wake-up of the reader), a larger one its full chunks and then the rest
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    fill(store, X, triples)
    chunks = store.query_chunks(
        "SELECT ?o WHERE { ?s ?p ?o }", ox.QueryResultsFormat.CSV, cancel=threading.Event()
    )
    sent = [chunk for chunk in chunks if chunk is not None]
    answer = b"".join(sent)
    assert answer.count(b"\r\n") == triples + 1  # the header and every row, once
    assert all(len(chunk) == CHUNK for chunk in sent[:-1])
    assert 0 < len(sent[-1]) <= CHUNK
    assert len(sent) == -(-len(answer) // CHUNK)  # no empty message at the end
    store.close()
