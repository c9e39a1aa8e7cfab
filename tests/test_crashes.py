"""Every write path killed (SIGKILL) while it holds the store's write lock: after a restart the
store opens cleanly and holds the write whole or not at all.

The test watches the write lock and kills the writer the moment it is taken, so the kill lands
inside the write — opening the database, applying, closing or moving the generation — rather
than before or after it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest

from kg.store.embedded import LOCK_FILE, EmbeddedStore
from tests.conftest import NS, TOKEN, http, run_kg, start_server

GRAPH = "https://example.org/crash"
WRITE = {"Authorization": f"Bearer {TOKEN}"}
FBI = Path(__file__).parent.parent / "data/sources/fbi-lee/fbi-law-enforcement-employees-2025.csv"


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crash-seed") / "store"
    assert run_kg("load", "--seed-only", store=path).returncode == 0
    return path


@pytest.fixture
def store(seed, tmp_path) -> Path:
    """A copy of the seed store, with a graph of 1,000 'old' triples in GRAPH."""
    path = tmp_path / "store"
    shutil.copytree(seed, path)
    writer = EmbeddedStore(path)
    writer.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {triples('old', 1000)} }} }}")
    writer.close()
    return path


def triples(kind: str, n: int) -> str:
    return "\n".join(
        f'<https://example.org/{kind}/{i}> <https://example.org/p> "{i}" .' for i in range(n)
    )


def kill_when_writing(process: subprocess.Popen, store: Path, timeout: float = 60) -> bool:
    """SIGKILLs the process and its children as soon as the store's write lock is taken (or
    when the process ends or the timeout passes); True if it was caught holding the lock."""
    caught = False
    deadline = time.monotonic() + timeout
    with (store / LOCK_FILE).open("a") as lock:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
            except BlockingIOError:
                caught = True
                break
            time.sleep(0.0005)
    for pid in [*_descendants(process.pid), process.pid]:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(10)
    return caught


def _descendants(pid: int) -> list[int]:
    found = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout.split()
    return [int(child) for child in found] + [g for c in found for g in _descendants(int(c))]


def counts(store: Path) -> dict[str, int]:
    """Triples by kind in GRAPH, and quads in all: read by a fresh process, as after a restart."""
    opened = EmbeddedStore(store)
    try:
        query = f"""SELECT ?kind (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }}
            BIND(STRBEFORE(SUBSTR(STR(?s), 21), "/") AS ?kind) }} GROUP BY ?kind"""
        found = {row["kind"].value: int(row["n"].value) for row in opened.query(query)}
        found["all"] = opened.count()
        return found
    finally:
        opened.close()


WEB_WRITES = {
    "update": (
        "POST",
        "/update",
        "application/sparql-update",
        f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {triples('new', 3000)} }} }}",
        [{"old": 1000}, {"old": 1000, "new": 3000}],
    ),
    "graph-store-put": (
        "PUT",
        f"/rdf-graphs?graph={GRAPH}",
        "application/n-triples",
        triples("new", 3000),
        [{"old": 1000}, {"new": 3000}],
    ),
    "graph-store-post": (
        "POST",
        f"/rdf-graphs?graph={GRAPH}",
        "application/n-triples",
        triples("new", 3000),
        [{"old": 1000}, {"old": 1000, "new": 3000}],
    ),
    "graph-store-delete": ("DELETE", f"/rdf-graphs?graph={GRAPH}", None, None, [{"old": 1000}, {}]),
}


@pytest.mark.parametrize("path", WEB_WRITES)
def test_a_web_write_killed_midway_is_whole_or_absent(store, path):
    method, target, media_type, body, outcomes = WEB_WRITES[path]
    before = counts(store)["all"]
    server = start_server(store)
    headers = {**WRITE, **({"Content-Type": media_type} if media_type else {})}

    def send() -> None:
        with suppress(OSError):
            http(method, server.url + target, body=body, headers=headers)

    threading.Thread(target=send, daemon=True).start()
    kill_when_writing(server.process, store)
    after = counts(store)
    total = after.pop("all")
    assert after in outcomes, after
    assert total - before == sum(after.values()) - 1000  # nothing else was touched
    restarted = start_server(store)  # and the server starts again on it
    restarted.stop()


def test_a_contribution_killed_midway_is_whole_or_absent(store):
    before = counts(store)["all"]
    server = start_server(store)
    subject = NS.iri("id/statement/killed")
    body = f"""@prefix pkg: <{NS.pkg}> . @prefix schema: <https://schema.org/> .
        @prefix dct: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{subject}> a pkg:Quote ; <http://www.w3.org/2000/01/rdf-schema#label> "Killed"@en ;
            schema:text "Words."@en ; pkg:speaker <{NS.iri("id/person/jessica-tisch")}> ;
            dct:date "2025-01-19"^^xsd:date ; pkg:reportedBy <{NS.iri("id/source/s1")}> ."""

    def send() -> None:
        with suppress(OSError):
            http(
                "POST",
                f"{server.url}/assertions?source={NS.iri('id/source/s1')}",
                body=body,
                headers={**WRITE, "Content-Type": "text/turtle"},
            )

    threading.Thread(target=send, daemon=True).start()
    kill_when_writing(server.process, store)
    opened = EmbeddedStore(store)
    admitted = opened.query(f"ASK {{ GRAPH ?g {{ <{subject}> ?p ?o }} }}")
    after = opened.count()
    opened.close()
    # the statement, its record and its contributor (9 quads), or nothing
    assert (after - before, bool(admitted)) in ((0, False), (6 + 9, True))


def run_killed(store: Path, *args: str) -> bool:
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "--store", str(store), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return kill_when_writing(process, store)


def test_kg_load_killed_midway_is_whole_or_absent(store, tmp_path):
    data = tmp_path / "big.nt"
    data.write_text(triples("new", 50_000) + "\n", encoding="utf-8")
    before = counts(store)
    run_killed(store, "load", "--graph", GRAPH, str(data))
    after = counts(store)
    assert after in (before, {**before, "new": 50_000, "all": before["all"] + 50_000}), after


def test_kg_import_killed_midway_is_whole_or_absent(store):
    # a first import, then a re-import, which replaces the publication: never half of either
    for attempt in ("first", "again"):
        if attempt == "again":  # the re-import starts from the whole first import
            shutil.rmtree(store)
            shutil.copytree(store.parent / "reference-first", store)
        reference = store.parent / f"reference-{attempt}"
        shutil.copytree(store, reference)
        assert run_kg("import", "fbi-lee", str(FBI), store=reference).returncode == 0
        before, whole = counts(store)["all"], counts(reference)["all"]
        run_killed(store, "import", "fbi-lee", str(FBI))
        assert counts(store)["all"] in (before, whole), attempt
