"""Query helpers shared by the processes over one store: a helper one process started answers
another's queries, one process at a time; one whose starter has gone ends, or is passed over;
whoever connects without the store's key is refused."""

from __future__ import annotations

import io
import json
import multiprocessing
import subprocess
import sys
import threading
import time
from multiprocessing.connection import AuthenticationError, Client
from pathlib import Path

import pyoxigraph as ox

from kg.store.embedded import EmbeddedStore
from kg.store.executors import Executors
from kg.store.pool import HELPERS_DIR
from tests.conftest import stat_fields
from tests.store.test_lookups import X, fill

JSON = ox.QueryResultsFormat.JSON
NAMES = "SELECT ?o WHERE { ?s ?p ?o }"  # no point lookup: a helper evaluates it
# 30 to the fourth rows counted: a tenth of a second of a helper's processor
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# in another process: the rows of the query's answer, and how many helpers that process
# started; then it ends as asked (its exit, or os._exit: no exit handlers, as when killed)
OTHER = """
import io, json, multiprocessing, os, sys, threading
from pathlib import Path
import pyoxigraph as ox
from kg.store.embedded import EmbeddedStore
if __name__ == "__main__":
    store = EmbeddedStore(Path(sys.argv[1]), idle_helpers=1)
    if sys.argv[2] == "vanishes":  # the query asked, the process killed before its answer
        chunks = store.query_chunks(sys.argv[3], ox.QueryResultsFormat.JSON,
                                    cancel=threading.Event())
        next(chunks)
        os._exit(0)
    answer = io.BytesIO()
    store.serialize_query(answer, sys.argv[3], ox.QueryResultsFormat.JSON,
                          cancel=threading.Event())
    rows = len(json.loads(answer.getvalue())["results"]["bindings"])
    print(rows, len(multiprocessing.active_children()), flush=True)
    if sys.argv[2] == "killed":
        os._exit(0)
"""


def names(store: EmbeddedStore) -> int:
    answer = io.BytesIO()
    store.serialize_query(answer, NAMES, JSON, cancel=threading.Event())  # in a helper
    return len(json.loads(answer.getvalue())["results"]["bindings"])


def in_another_process(store: Path, ending: str = "exits", query: str = NAMES) -> tuple[int, int]:
    """The rows of the answer another process over ``store`` gets, and the helpers it
    started."""
    run = subprocess.run(
        [sys.executable, "-c", OTHER, str(store), ending, query],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    rows, started = run.stdout.split()
    return int(rows), int(started)


def helpers() -> set[int]:
    """The helpers this process started that run."""
    return {process.pid for process in multiprocessing.active_children()}


def waiting_helper(store: EmbeddedStore, triples: int) -> tuple[int, set[int]]:
    """The helper a query over ``triples`` names starts, which then waits; and the helpers
    that ran before (other stores', from other tests)."""
    fill(store, X, triples)
    earlier = helpers()
    assert names(store) == triples
    (helper,) = helpers() - earlier
    return helper, earlier


def cpu_ticks(pid: int) -> int:
    fields = stat_fields(pid)
    assert fields is not None, f"helper {pid} has ended"
    return int(fields[11]) + int(fields[12])


def locks(store: Path) -> set[str]:
    return {path.name for path in (store / HELPERS_DIR).glob("*.lock")}


def test_a_helper_started_by_one_process_answers_anothers_query(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    helper, earlier = waiting_helper(store, 30)
    before = cpu_ticks(helper)
    # it started none of its own
    assert in_another_process(tmp_path / "store", query=COUNT) == (1, 0)
    assert cpu_ticks(helper) > before  # this process's helper evaluated it
    assert helpers() - earlier == {helper}
    store.close()


def test_a_helper_held_by_one_process_is_not_taken_by_another(tmp_path: Path):
    # two stores over one path, in one process, lock the helpers' files as two processes do
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    fill(store, X, 5)
    names(store)
    first, second = Executors(tmp_path / "store", keep=1), Executors(tmp_path / "store", keep=1)
    held = first._pool.take()
    assert held is not None and second._pool.take() is None  # the only helper is held
    first._pool.give_back(held)
    taken = second._pool.take()
    assert taken is not None and taken.pid == held.pid
    second._pool.give_back(taken)
    for executors in (first, second, store):
        executors.close()


def test_a_helper_whose_starter_was_killed_ends_once_free(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    fill(store, X, 5)
    store.close()
    # the other process ends with no exit handler, as a killed one: its helper outlives it
    assert in_another_process(tmp_path / "store", "killed") == (5, 1)
    deadline = time.monotonic() + 10
    while locks(tmp_path / "store") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not locks(tmp_path / "store")  # it ended, its file removed


def test_a_helper_that_ended_without_removing_its_file_is_passed_over(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    fill(store, X, 5)
    earlier = helpers()
    # the other process ends normally: its exit handlers end its helper, file left behind
    assert in_another_process(tmp_path / "store") == (5, 1)
    stale = locks(tmp_path / "store")
    assert len(stale) == 1
    assert names(store) == 5  # answered by a helper of its own
    assert len(helpers() - earlier) == 1
    assert not stale & locks(tmp_path / "store")  # the stale file is gone
    store.close()


def test_a_helper_whose_asker_was_killed_mid_query_answers_the_next(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    helper, earlier = waiting_helper(store, 30)
    subprocess.run(
        [sys.executable, "-c", OTHER, str(tmp_path / "store"), "vanishes", COUNT],
        check=True,
        timeout=120,
    )
    assert names(store) == 30  # once the orphaned query is done, the same helper answers
    assert helpers() - earlier == {helper}
    store.close()


def test_a_connection_without_the_stores_key_is_refused(tmp_path: Path):
    store = EmbeddedStore(tmp_path / "store", idle_helpers=1)
    fill(store, X, 5)
    names(store)
    (name,) = (lock.removesuffix(".lock") for lock in locks(tmp_path / "store"))
    refused: list[BaseException] = []

    def connect() -> None:
        try:
            Client(f"\0policykg-helper-{name}", "AF_UNIX", authkey=b"not the key")
        except (AuthenticationError, EOFError, OSError) as error:
            refused.append(error)

    intruder = threading.Thread(target=connect)
    intruder.start()
    intruder.join(10)
    assert refused and isinstance(refused[0], AuthenticationError), refused
    assert names(store) == 5  # the helper goes on answering
    assert in_another_process(tmp_path / "store") == (5, 0)  # and accepting the others
    store.close()
