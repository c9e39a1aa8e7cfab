"""Shared fixtures: the bundled graph in a real (in-memory or on-disk) Oxigraph store."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.namespaces import Namespaces
from kg.resources import bundled_dir
from kg.service import loading
from kg.store import Store
from kg.store.embedded import EmbeddedStore
from kg.store.remote import SparqlStore

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


class RemoteServer:
    """`oxigraph serve --union-default-graph` on 127.0.0.1: a real SPARQL 1.1 server for the
    sparql backend, which a test may stop and start again."""

    def __init__(self, location: Path) -> None:
        self.location, self.port = location, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def env(self) -> dict[str, str]:
        """How `kg` reaches it."""
        return {
            "KG_BACKEND": "sparql",
            "KG_QUERY_URL": f"{self.url}/query",
            "KG_UPDATE_URL": f"{self.url}/update",
            "KG_GSP_URL": f"{self.url}/store",
        }

    def store(self, state_dir: Path) -> SparqlStore:
        return SparqlStore(
            f"{self.url}/query",
            update_url=f"{self.url}/update",
            gsp_url=f"{self.url}/store",
            state_dir=state_dir,
        )

    def start(self) -> None:
        oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        self.process = subprocess.Popen(
            [
                oxigraph,
                "serve",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--union-default-graph",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/query?query=ASK%7B%7D", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("oxigraph serve did not start")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


BACKENDS = ["embedded", "oxigraph-serve"]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Iterator[RemoteServer | None]:
    """Each store backend in turn: None for the embedded store, else the remote server."""
    if request.param == "embedded":
        yield None
        return
    remote = RemoteServer(tmp_path / "remote")
    yield remote
    remote.stop()


def open_backend(remote: RemoteServer | None, directory: Path) -> Store:
    """An empty store of the backend: embedded on disk in ``directory``, or the remote one
    (with its local state in ``directory``)."""
    return EmbeddedStore(directory) if remote is None else remote.store(directory)


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
