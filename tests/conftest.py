"""Shared fixtures: the bundled graph in a real (in-memory or on-disk) Oxigraph store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.namespaces import Namespaces
from kg.resources import bundled_dir
from kg.service import loading
from kg.store.embedded import EmbeddedStore

NS = Namespaces()
FACTS = bundled_dir("data") / "seed" / "FACTS.md"


@pytest.fixture(scope="session")
def ns() -> Namespaces:
    return NS


@pytest.fixture(scope="session")
def seed_store() -> EmbeddedStore:
    """The bundled graph, loaded once; tests must not write to it."""
    store = EmbeddedStore()
    loading.load_items(store, NS, loading.bundled_items(NS))
    return store


@pytest.fixture
def fresh_store() -> EmbeddedStore:
    """The bundled graph in a store of the test's own, free to change."""
    store = EmbeddedStore()
    loading.load_items(store, NS, loading.bundled_items(NS))
    return store


def run_kg(
    *args: str, store: Path, input_text: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the real `kg` command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kg", "--store", str(store), *args],
        capture_output=True,
        text=True,
        input=input_text,
        env=env,
        timeout=300,
    )


def select(store, sparql: str) -> list[dict[str, str]]:
    """Rows of a SELECT as plain strings (IRIs and literals by their value)."""
    result = store.query(NS.sparql_prologue() + sparql)
    names = [variable.value for variable in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in result]


TOKEN = "s3cret-test-token"
TOKENS = f"tester:{TOKEN},other:another-test-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """`kg serve` running in a subprocess on 127.0.0.1."""

    url: str
    store: Path
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(
    store: Path,
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    datasets: bool = False,
) -> LiveServer:
    """`kg serve` over ``store``; on an empty store it loads the seed graph (and the public
    datasets only when asked: they make the graph 200 times larger)."""
    port = free_port()
    log = store.parent / f"server-{port}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kg",
            "--store",
            str(store),
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "8",
            *(() if datasets else ("--seed-only",)),
            *args,
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        # no write rate limit unless a test sets one: several tests write in bursts
        env={**os.environ, "KG_TOKENS": TOKENS, "KG_WRITE_RATE": "0", **(env or {})},
    )
    server = LiveServer(f"http://127.0.0.1:{port}", store, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited: {log.read_text()}")
        try:
            urllib.request.urlopen(server.url + "/sparql?query=ASK%7B%7D", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"kg serve did not answer within 60 s: {log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> LiveServer:
    """One server over the bundled graph for the read-only tests of the whole session."""
    live = start_server(tmp_path_factory.mktemp("server") / "store")
    yield live
    live.stop()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(
    method: str, url: str, *, body: bytes | str | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """A plain HTTP request; errors are answers too."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers.items()), error.read())
