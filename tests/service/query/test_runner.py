"""The query runner over a real on-disk store: slots, long queries, priorities, timeouts."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.service.query.runner import QueryRequest, QueryRunner, QueryTimeoutError
from kg.store.embedded import EmbeddedStore
from tests.conftest import child_pids, stat_fields

# 20,000 triples: the runaway's 400 million pairs take minutes, the lookup milliseconds
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . FILTER(?c != ?f) }"
# short, but no point lookup (its FILTER): evaluated by a helper, in a slot, as a join would be
LOOKUP = "SELECT ?o WHERE { <http://ex/s%d> ?p ?o FILTER (BOUND(?o)) }"
POINT_LOOKUP = "SELECT ?o WHERE { <http://ex/s%d> ?p ?o }"


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "store")
    triples = "".join(f'<http://ex/s{i}> <http://ex/p> "{i}" .\n' for i in range(20_000))
    store.load(triples.encode(), ox.RdfFormat.N_TRIPLES, graph="http://ex/g")
    return store


def request(sparql: str) -> QueryRequest:
    return QueryRequest(sparql, ox.QueryResultsFormat.JSON)


def helper_niceness() -> list[int]:
    """The priorities (nice values) of this process's live children: the query helpers (a
    killed one is a zombie until reaped)."""
    alive = [
        pid
        for pid in child_pids(os.getpid())
        if (fields := stat_fields(pid)) and fields[0] not in ("Z", "X")
    ]
    return [os.getpriority(os.PRIO_PROCESS, pid) for pid in alive]


def run_runaway(runner: QueryRunner, outcome: dict) -> threading.Thread:
    def run() -> None:
        started = time.monotonic()
        try:
            runner.run(request(RUNAWAY))
        except QueryTimeoutError as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def timed_lookup(runner: QueryRunner, subject: int) -> float:
    """Seconds to look up a subject (a new one each time: answers are cached)."""
    started = time.monotonic()
    assert b'"%d"' % subject in runner.run(request(LOOKUP % subject))
    return time.monotonic() - started


def test_a_long_query_gives_its_slot_to_a_short_one(store):
    runner = QueryRunner(store, timeout=6, slots=1, long_after=0.5)
    timed_lookup(runner, 1)  # a helper is ready
    outcome: dict = {}
    runaway = run_runaway(runner, outcome)
    time.sleep(1)
    assert timed_lookup(runner, 2) < 3  # not the 5 s the runaway had left in the only slot
    runaway.join(30)
    assert isinstance(outcome.get("error"), QueryTimeoutError)
    assert 5.5 < outcome["seconds"] < 8


def test_a_query_holding_its_slot_to_its_end_makes_the_others_wait(store):
    runner = QueryRunner(store, timeout=3, slots=1, long_after=0)
    timed_lookup(runner, 1)
    outcome: dict = {}
    runaway = run_runaway(runner, outcome)
    time.sleep(1)
    assert timed_lookup(runner, 2) > 1.5  # it waited for the runaway to be stopped
    runaway.join(30)
    assert isinstance(outcome.get("error"), QueryTimeoutError)


def test_a_point_lookup_is_answered_at_once_while_the_only_slot_is_held(store):
    """A point lookup's cost is bounded by its entity's triples: it takes no slot and no
    helper, and waits for no runaway."""
    runner = QueryRunner(store, timeout=3, slots=1, long_after=0)
    outcome: dict = {}
    runaway = run_runaway(runner, outcome)
    time.sleep(1)
    helpers = set(child_pids(os.getpid()))
    started = time.monotonic()
    assert b'"2"' in runner.run(request(POINT_LOOKUP % 2))
    assert time.monotonic() - started < 1  # the runaway holds the slot for 2 s more
    assert set(child_pids(os.getpid())) <= helpers  # no helper started for it
    runaway.join(30)
    assert isinstance(outcome.get("error"), QueryTimeoutError)


def test_a_long_query_yields_the_processor_more_and_more_until_its_timeout(store):
    runner = QueryRunner(store, timeout=5, slots=2, long_after=1)
    outcome: dict = {}
    runaway = run_runaway(runner, outcome)
    time.sleep(0.5)
    early = max(helper_niceness())
    time.sleep(2)
    middle = max(helper_niceness())
    time.sleep(2)
    late = max(helper_niceness())
    runaway.join(30)
    assert early == 0 < middle < late <= 19, (early, middle, late)
    assert isinstance(outcome.get("error"), QueryTimeoutError)
    # the reniced helper ended with its query; the next query gets one at full priority
    timed_lookup(runner, 1)
    time.sleep(0.5)  # the killed helper's exit
    assert max(helper_niceness(), default=0) == 0


def test_a_helper_asked_to_yield_is_reniced_and_not_kept(store):
    seen: list[int] = []

    def niceness(cpu_seconds: float) -> int:
        seen.extend(helper_niceness())
        return 7

    output = io.BytesIO()
    # 8 million rows counted: long enough to be asked a few times
    values = " ".join(map(str, range(400)))
    counting = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {values} }} ?a ?p ?c }}"
    store.serialize_query(
        output, counting, ox.QueryResultsFormat.JSON, cancel=threading.Event(), niceness=niceness
    )
    assert b'"8000000"' in output.getvalue()
    assert 7 in seen
    # the reniced helper was killed, not kept: SIGKILL lands at once, though on a loaded
    # machine the process may take a moment to stop running
    deadline = time.monotonic() + 5
    while max(helper_niceness(), default=0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert max(helper_niceness(), default=0) == 0


def live_helpers() -> list[int]:
    """This process's query helpers still running (multiprocessing's resource tracker is a
    child too)."""
    return [
        pid
        for pid in child_pids(os.getpid())
        if (fields := stat_fields(pid))
        and fields[0] not in ("Z", "X")
        and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def test_a_large_result_left_unread_ends_its_helper_and_frees_its_slot(store):
    runner = QueryRunner(store, timeout=30, slots=1)
    others = set(live_helpers())  # the helpers of other tests' stores
    chunks = runner.run(request("SELECT ?s ?o WHERE { ?s ?p ?o }"))  # 2 MB of JSON: streamed
    assert not isinstance(chunks, bytes) and next(chunks).startswith(b"{")
    (helper,) = set(live_helpers()) - others  # its helper, still writing
    chunks.close()  # the client went away
    time.sleep(0.5)
    assert helper not in live_helpers()
    assert timed_lookup(runner, 3) < 2  # the only slot is free
